// `cors.allowed_origins: ["*"]` is valid in the collector ("*" to allow any
// origin): accepted, any origin gets the CORS headers, and one warning says
// what it means at start.
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { TestConsumer } from '../../test/support/gated-consumer.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

let rx: OtlpReceiver | undefined;
afterAll(() => rx?.shutdown());

it('allowed_origins ["*"] allows any origin and warns once at start', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const cfg = configSchema.parse({
    protocols: { http: { endpoint: '127.0.0.1:0', cors: { allowed_origins: ['*'] } } },
  });
  rx = factory.create({ id: 'otlp', kind: 'receiver', logger, metrics: new SelfMetrics() }, cfg, {
    traces: new TestConsumer<'traces'>(),
  }) as OtlpReceiver;
  await rx.start(emptyHost);
  const base = `http://${rx.endpoints().http}`;
  for (const origin of ['https://anything.example', 'http://localhost:3000']) {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  }
  const warnings = lines.filter((l) => l.level === 40);
  expect(warnings).toHaveLength(1);
  expect(warnings[0].msg).toMatch(/cors\.allowed_origins contains "\*"/);
});
