// Throughput of the batch processor merging and splitting requests:
// `node dist/bench/batch.js` after `npm run build`.

import { factory } from '../processors/batch/factory.js';
import { str } from '../src/pdata/attributes.js';
import { newResource, newResourceSpans, newScope, newScopeSpans, newSpan } from '../src/pdata/create.js';
import type { TracesData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';

function request(spans: number): TracesData {
  const res = newResource();
  res.attributes.push({ key: 'service.name', value: str('bench') });
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('lib'));
  for (let i = 0; i < spans; i++) ss.spans.push(newSpan());
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

async function run(name: string, cfg: Record<string, unknown>, perRequest: number, requests: number) {
  let batches = 0;
  const p = factory.create(
    { id: 'batch', kind: 'processor', logger: silentLogger(), metrics: new SelfMetrics() },
    factory.configSchema.parse(cfg),
    'traces',
    { consume: async () => void batches++ },
  );
  const reqs = Array.from({ length: requests }, () => request(perRequest));
  const t0 = process.hrtime.bigint();
  const acks: Promise<void>[] = [];
  for (const r of reqs) acks.push(p.consume(r));
  await p.shutdown();
  await Promise.all(acks);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const spans = perRequest * requests;
  console.log(
    `${name.padEnd(40)} ${(spans / s / 1e6).toFixed(2)} M spans/s, ${(requests / s / 1e3).toFixed(0)} k requests/s, ${batches} batches`,
  );
}

await run('merge 100-span requests into 8192', { send_batch_size: 8192, timeout: '1s' }, 100, 20_000);
await run(
  'merge + split at max 1000',
  { send_batch_size: 1000, send_batch_max_size: 1000, timeout: '1s' },
  300,
  5_000,
);
await run('timeout 0 (pass-through)', { timeout: 0 }, 100, 20_000);
