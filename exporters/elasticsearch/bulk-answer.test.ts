// Large _bulk answers (one result per document) and the bodies' pooled buffers, through the
// exporter against the ES stand-in: an `"errors":false` answer is drained without being kept,
// an answer with errors is read whole wherever its failed items are, and a body buffer given
// back after a gzipped send never changes what a later batch sends.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { poolReuses } from '../../src/codec/buffer-pool.js';
import type { Exporter } from '../../src/component/component.js';
import { captureLogger, counterValue, settingsWith } from '../../src/exporterhelper/testing/helpers.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { EsStandin } from '../../test/support/es-standin.js';
import { elasticsearchConfigSchema } from './config.js';
import { factory } from './factory.js';
import { manyLogs } from './testdata.js';

const es = new EsStandin({ maxBodyBytes: 64 * 1024 * 1024 });
const open: Exporter[] = [];

beforeAll(async () => {
  await es.start();
});
afterAll(async () => {
  for (const e of open) await e.shutdown();
  await es.close();
});
beforeEach(() => es.reset());

async function exporter(over: Record<string, unknown> = {}) {
  const metrics = new SelfMetrics();
  const log = captureLogger();
  const cfg = elasticsearchConfigSchema.parse({
    endpoint: es.url,
    sending_queue: { enabled: false },
    retry_on_failure: { enabled: false },
    retry: { enabled: false },
    num_workers: 1,
    ...over,
  });
  const exp = factory.create(settingsWith('elasticsearch', log.logger, metrics), cfg, ['logs']);
  await exp.start(emptyHost);
  open.push(exp);
  const count = (what: 'sent' | 'send_failed') =>
    counterValue(metrics, `otelcol_exporter_${what}_log_records_total`, { exporter: 'elasticsearch' });
  return { exp, log, count };
}

const texts = () =>
  es
    .search('logs-*')
    .map((d) => (d.source.body as { text: string }).text)
    .sort();

describe('elasticsearch exporter: large _bulk answers and pooled bodies', () => {
  it('takes a successful answer of thousands of results (errors:false) and sends on over the same pool', async () => {
    const { exp, count } = await exporter();
    for (let round = 0; round < 3; round++) await exp.consume('logs', manyLogs(3000));
    expect(es.requests.map((r) => r.items)).toEqual([3000, 3000, 3000]);
    expect(es.search('logs-*')).toHaveLength(9000);
    expect(await count('sent')).toBe(9000);
    expect(await count('send_failed')).toBe(0);
  });

  it('reads an answer with errors whole: a failed item at the end of thousands is found', async () => {
    const { exp, count, log } = await exporter();
    // the last document maps `n` as an object where the others made it a number
    await exp
      .consume(
        'logs',
        manyLogs(3000, (i) => ({ n: i === 2999 ? { deep: 'x' } : i })),
      )
      .catch(() => undefined);
    expect(es.search('logs-*')).toHaveLength(2999);
    expect(await count('sent')).toBe(2999);
    expect(await count('send_failed')).toBe(1);
    expect(log.lines.some((l) => /rejected by Elasticsearch/.test(String(l.msg)))).toBe(true);
  });

  it('gives gzipped bodies back to the pool, and later batches send exactly their own documents', async () => {
    const { exp } = await exporter();
    const before = poolReuses();
    const want: string[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = manyLogs(2000);
      for (const rl of batch.resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const [i, rec] of sl.logRecords.entries()) {
            const text = `round ${round} message ${i} ${'é'.repeat(round)}`;
            rec.body = { stringValue: text };
            want.push(text);
          }
      await exp.consume('logs', batch);
    }
    expect(poolReuses()).toBeGreaterThan(before);
    expect(texts()).toEqual(want.sort());
  });
});
