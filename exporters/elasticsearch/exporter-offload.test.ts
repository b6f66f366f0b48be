// The whole exporter suite (exporter.test.ts: mapping, routing, per-document retries,
// 413 splits, dead-letter index, retryData) again, with logs and traces built on
// encode workers (offload.ts) instead of in-thread.
import { afterAll, expect } from 'vitest';
import { closeEncodePool, configureEncodePool, encodePool } from '../../src/exporterhelper/encode-pool.js';

configureEncodePool(new URL('../../app/encode-worker.ts', import.meta.url), 2);
afterAll(async () => {
  // the suite really went through the workers
  expect(encodePool()?.completed).toBeGreaterThan(10);
  await closeEncodePool();
});

await import('./exporter.test.js');
