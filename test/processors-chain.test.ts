// The processors of this branch chained as a logs pipeline would chain them:
// memory_limiter → tracelink → attributes → resource → batch → debug exporter.
// Checks that data flows through with each step applied, and that the ack a
// receiver waits for only comes once the exporter accepted the batch.
import { describe, expect, it } from 'vitest';
import { DebugExporter } from '../exporters/debug/exporter.js';
import { factory as debugFactory } from '../exporters/debug/factory.js';
import { factory as attributesFactory } from '../processors/attributes/factory.js';
import { factory as batchFactory } from '../processors/batch/factory.js';
import { factory as memoryLimiterFactory } from '../processors/memory_limiter/factory.js';
import { factory as resourceFactory } from '../processors/resource/factory.js';
import { factory as tracelinkFactory } from '../processors/tracelink/factory.js';
import type { Consumer } from '../src/component/consumer.js';
import { fromAnyValue, str } from '../src/pdata/attributes.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../src/pdata/create.js';
import { hexOf } from '../src/pdata/ids.js';
import type { LogsData } from '../src/pdata/types.js';
import { emptyHost, testSettings } from './support/component.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';

function logs(lines: string[]): LogsData {
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  for (const l of lines) {
    const r = newLogRecord();
    r.body = str(l);
    r.attributes.push({ key: 'user.email', value: str('a@example.com') });
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

describe('logs pipeline of processors', () => {
  it('applies every step and acks only after the exporter accepted', async () => {
    const exported: LogsData[] = [];
    const out: string[] = [];
    const debug = new DebugExporter(
      testSettings('debug', 'exporter'),
      debugFactory.configSchema.parse({ verbosity: 'detailed', use_internal_logger: false }),
      [(t) => out.push(t)],
    );
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const exporter: Consumer<'logs'> = {
      async consume(d) {
        await gate;
        exported.push(d);
        await debug.consume('logs', d);
      },
    };

    const settings = (id: string) => testSettings(id, 'processor');
    const batch = batchFactory.create(
      settings('batch'),
      batchFactory.configSchema.parse({ timeout: '20ms' }),
      'logs',
      exporter,
    );
    const resource = resourceFactory.create(
      settings('resource'),
      resourceFactory.configSchema.parse({
        attributes: [{ key: 'deployment.environment', value: 'prod', action: 'upsert' }],
      }),
      'logs',
      batch,
    );
    const attributes = attributesFactory.create(
      settings('attributes'),
      attributesFactory.configSchema.parse({ actions: [{ key: 'user.email', action: 'hash' }] }),
      'logs',
      resource,
    );
    const tracelink = tracelinkFactory.create(
      settings('tracelink'),
      tracelinkFactory.configSchema.parse({ request_id_keys: ['request_id'] }),
      'logs',
      attributes,
    );
    const limiter = memoryLimiterFactory.create(
      settings('memory_limiter'),
      memoryLimiterFactory.configSchema.parse({
        check_interval: '1s',
        limit_percentage: 100,
        spike_limit_percentage: 1,
      }),
      'logs',
      tracelink,
    );
    const chain = [limiter, tracelink, attributes, resource, batch];
    for (const c of chain) await c.start(emptyHost);

    let acked = false;
    const ack = Promise.all([
      limiter.consume(logs([`GET / trace_id=${T}`])),
      limiter.consume(logs(['done request_id=r-42'])),
    ]).then(() => {
      acked = true;
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(acked).toBe(false); // the batch went out but the exporter has not accepted it yet
    release();
    await ack;

    expect(exported).toHaveLength(1);
    const recs = exported[0].resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
    expect(hexOf(recs[0].traceId)).toBe(T);
    expect(recs[1].attributes.map((a) => a.key)).toContain('tracelink.derived_from');
    expect(fromAnyValue(recs[0].attributes[0].value)).toMatch(/^[0-9a-f]{64}$/);
    for (const rl of exported[0].resourceLogs)
      expect(rl.resource.attributes).toEqual([
        { key: 'deployment.environment', value: { stringValue: 'prod' } },
      ]);
    expect(out.join('')).toContain(`Trace ID: ${T}`);

    for (const c of chain.reverse()) await c.shutdown();
    await debug.shutdown();
  });
});
