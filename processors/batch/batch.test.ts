import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/otlp-proto.js';
import type { BatchingRequest, Downstream } from '../../src/component/batching.js';
import type { Consumer } from '../../src/component/consumer.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { str } from '../../src/pdata/attributes.js';
import { cloneData } from '../../src/pdata/clone.js';
import { countLogRecords, countMetricPoints, countSpans } from '../../src/pdata/count.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceMetrics,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeMetrics,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import type { LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

function traces(service: string, perScope: number[]): TracesData {
  const res = newResource();
  res.attributes.push({ key: 'service.name', value: str(service) });
  const rs = newResourceSpans(res);
  perScope.forEach((n, si) => {
    const ss = newScopeSpans(newScope(`scope${si}`));
    for (let i = 0; i < n; i++) {
      const s = newSpan();
      s.name = `${service}-${si}-${i}`;
      ss.spans.push(s);
    }
    rs.scopeSpans.push(ss);
  });
  return { resourceSpans: [rs] };
}

function logs(n: number): LogsData {
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  for (let i = 0; i < n; i++) {
    const r = newLogRecord();
    r.body = str(`line ${i}`);
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function spanNames(d: TracesData): string[] {
  return d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
}

/** A consumer whose answers the test controls. */
class GatedConsumer<T> implements Consumer<any> {
  readonly calls: { data: T; ctx: unknown; resolve: () => void; reject: (e: unknown) => void }[] = [];
  consume(data: T, ctx?: unknown): Promise<void> {
    return new Promise((resolve, reject) => this.calls.push({ data, ctx, resolve, reject }));
  }
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function create<S extends 'traces' | 'logs' | 'metrics'>(
  signal: S,
  cfg: Record<string, unknown>,
  next: Consumer<S>,
  metrics = new SelfMetrics(),
  downstream?: Downstream,
) {
  const config = factory.configSchema.parse(cfg);
  return factory.create({ ...testSettings('batch', 'processor', metrics), downstream }, config, signal, next);
}

/** Exporters that batch in their queues (or not), recording what they were asked for. */
function downstreamThat(accepts: boolean) {
  const asked: BatchingRequest[] = [];
  return {
    asked,
    requestBatching: (req: BatchingRequest) => {
      asked.push(req);
      return accepts;
    },
  };
}

describe('batch processor, batching in the exporters’ queues (the usual case)', () => {
  it('asks the exporters to batch with its settings and answers each request as soon as the next stage did', async () => {
    const down = downstreamThat(true);
    const next = new GatedConsumer<TracesData>();
    const p = create(
      'traces',
      { send_batch_size: 100, send_batch_max_size: 150, timeout: '1s' },
      next,
      undefined,
      down,
    );
    expect(down.asked).toMatchObject([{ minSize: 100, maxSize: 150, flushTimeoutMs: 1000 }]);
    let answered = false;
    const done = p.consume(traces('a', [3]), { metadata: { tenant: ['x'] } }).then(() => {
      answered = true;
    });
    // passed through at once, without client metadata (no metadata_keys), as the collector's batches carry none
    await until(() => next.calls.length === 1);
    expect(spanNames(next.calls[0].data)).toEqual(['a-0-0', 'a-0-1', 'a-0-2']);
    expect(next.calls[0].ctx).toBeUndefined();
    expect(answered).toBe(false);
    next.calls[0].resolve();
    await done;
    // and the next stage's refusal is the sender's
    const refused = p.consume(traces('b', [1]));
    await until(() => next.calls.length === 2);
    next.calls[1].reject(retryableError('queue full', { throttled: true, retryAfterMs: 1000 }));
    await expect(refused).rejects.toMatchObject({ retryable: true, throttled: true, retryAfterMs: 1000 });
  });

  it('keeps only the metadata_keys downstream (so queues batch per tenant) and enforces the cardinality limit', async () => {
    const next = new GatedConsumer<TracesData>();
    const p = create(
      'traces',
      { metadata_keys: ['Tenant'], metadata_cardinality_limit: 2 },
      next,
      undefined,
      downstreamThat(true),
    );
    const answers = ['t1', 't2', 't1'].map((t) =>
      p.consume(traces(t, [1]), { metadata: { tenant: [t], other: ['z'] } }),
    );
    await until(() => next.calls.length === 3);
    expect(next.calls.map((c) => c.ctx)).toEqual([
      { metadata: { tenant: ['t1'] } },
      { metadata: { tenant: ['t2'] } },
      { metadata: { tenant: ['t1'] } },
    ]);
    for (const c of next.calls) c.resolve();
    await Promise.all(answers);
    await expect(p.consume(traces('t3', [1]), { metadata: { tenant: ['t3'] } })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/metadata_cardinality_limit 2/),
    });
  });

  it('counts the batches the exporters send in its own metrics', async () => {
    const metrics = new SelfMetrics();
    const down = downstreamThat(true);
    create('traces', { send_batch_size: 10 }, new GatedConsumer<TracesData>(), metrics, down);
    down.asked[0].onFlush?.(10, 'size');
    down.asked[0].onFlush?.(3, 'timeout');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/otelcol_processor_batch_batch_send_size_count\{processor="batch"\} 2/);
    expect(text).toMatch(/otelcol_processor_batch_batch_size_trigger_send_total\{processor="batch"\} 1/);
    expect(text).toMatch(/otelcol_processor_batch_timeout_trigger_send_total\{processor="batch"\} 1/);
  });

  it('batches by itself when an exporter cannot (no sending queue)', async () => {
    const next = new GatedConsumer<TracesData>();
    const p = create(
      'traces',
      { send_batch_size: 4, timeout: '10s' },
      next,
      undefined,
      downstreamThat(false),
    );
    const a = p.consume(traces('a', [2]));
    const b = p.consume(traces('b', [2]));
    await until(() => next.calls.length === 1);
    expect(spanNames(next.calls[0].data)).toEqual(['a-0-0', 'a-0-1', 'b-0-0', 'b-0-1']);
    next.calls[0].resolve();
    await Promise.all([a, b]);
  });
});

describe('batch config', () => {
  it('accepts the collector conformance fixture', () => {
    const raw = parse(readFileSync(`${CONFORMANCE_DIR}collector-configs/batchprocessor.yaml`, 'utf8'));
    const c = factory.configSchema.parse(raw);
    expect(c).toMatchObject({ timeout: 10_000, send_batch_size: 10_000, send_batch_max_size: 11_000 });
  });

  it('has the collector defaults', () => {
    expect(factory.configSchema.parse({})).toEqual({
      send_batch_size: 8192,
      send_batch_max_size: 0,
      timeout: 200,
      metadata_keys: [],
      metadata_cardinality_limit: 1000,
    });
  });

  it('rejects a max below the trigger size and unknown keys', () => {
    expect(() => factory.configSchema.parse({ send_batch_size: 100, send_batch_max_size: 10 })).toThrow(
      /send_batch_max_size must be greater or equal to send_batch_size/,
    );
    expect(() => factory.configSchema.parse({ send_batch_sise: 1 })).toThrow();
  });
});

describe('batch processor, batching by itself (an exporter without a sending queue)', () => {
  it('keeps a pooled body held until every batch with part of it was answered, even after an early reject', async () => {
    // Two resources of one request, lazily decoded from a "pooled" body: the first fills a batch,
    // the second waits in the next one. The first batch fails, so the request is rejected (and its
    // receiver lets go of the body) while the second part is still pending.
    const lease = {
      refs: 1,
      hold() {
        this.refs++;
      },
      release() {
        this.refs--;
      },
      get live() {
        return this.refs > 0;
      },
    };
    const wire = encodeTraces({
      resourceSpans: [...traces('a', [4]).resourceSpans, ...traces('b', [2]).resourceSpans],
    });
    const next = new GatedConsumer<TracesData>();
    const p = create('traces', { send_batch_size: 4, send_batch_max_size: 4, timeout: '1h' }, next);
    const data = decodeTracesLazy(wire, false, lease);
    const ack = p.consume(data);
    await until(() => next.calls.length === 1);
    expect(spanNames(next.calls[0].data)).toEqual(['a-0-0', 'a-0-1', 'a-0-2', 'a-0-3']);
    next.calls[0].reject(permanentError('first batch refused'));
    await expect(ack).rejects.toThrow(/first batch refused/);
    lease.release(); // the receiver's hold ends with its answer
    expect(lease.refs).toBe(1); // the batch processor still holds the pending part
    const drained = p.shutdown();
    await until(() => next.calls.length === 2);
    expect(spanNames(next.calls[1].data)).toEqual(['b-0-0', 'b-0-1']); // still readable: not given back
    expect(lease.refs).toBe(1);
    next.calls[1].resolve();
    await drained;
    expect(lease.refs).toBe(0);
  });

  it('merges requests and acks each only when the merged batch is accepted downstream', async () => {
    const next = new GatedConsumer<TracesData>();
    const p = create('traces', { timeout: '20ms' }, next);
    await p.start(emptyHost);
    let settledA = false;
    const a = p.consume(traces('a', [2])).then(() => {
      settledA = true;
    });
    const b = p.consume(traces('b', [3]));
    await until(() => next.calls.length === 1);
    expect(spanNames(next.calls[0].data)).toEqual(['a-0-0', 'a-0-1', 'b-0-0', 'b-0-1', 'b-0-2']);
    expect(next.calls[0].data.resourceSpans).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 10));
    expect(settledA).toBe(false);
    next.calls[0].resolve();
    await Promise.all([a, b]);
    await p.shutdown();
  });

  it('splits at the max size at item granularity, keeping order and structure, without touching the input', async () => {
    const next = new CollectingConsumer<'traces'>();
    const p = create('traces', { send_batch_size: 4, send_batch_max_size: 4, timeout: '1h' }, next);
    const input = traces('svc', [3, 4, 3]);
    const before = cloneData('traces', input);
    const ack = p.consume(input);
    // 10 spans → two full batches at once; the last 2 wait for the timer or shutdown.
    await until(() => next.received.length === 2);
    await p.shutdown();
    await ack;
    expect(next.received.map(countSpans)).toEqual([4, 4, 2]);
    expect(next.received.flatMap(spanNames)).toEqual(spanNames(before));
    const second = next.received[1].resourceSpans[0];
    expect(second.scopeSpans.map((s) => [s.scope.name, s.spans.length])).toEqual([
      ['scope1', 3],
      ['scope2', 1],
    ]);
    expect(second.resource.attributes).toEqual(before.resourceSpans[0].resource.attributes);
    // Split pieces do not share the resource object (a mutating successor must not see it twice).
    expect(second.resource).not.toBe(next.received[0].resourceSpans[0].resource);
    expect(input).toEqual(before);
  });

  it('rejects every contributing request when the flush fails', async () => {
    const next = new CollectingConsumer<'logs'>();
    next.failWith = retryableError('backend down', { retryData: logs(1), rejectedItems: 1 });
    const p = create('logs', { timeout: '10ms' }, next);
    const results = await Promise.allSettled([p.consume(logs(2)), p.consume(logs(3))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const err = (results[0] as PromiseRejectedResult).reason;
    expect(err.message).toBe('backend down');
    expect(err.retryable).toBe(true);
    expect(err.retryData).toBeUndefined();
    await p.shutdown();
  });

  it('a request split over several batches resolves only when all of them are accepted', async () => {
    const next = new GatedConsumer<LogsData>();
    const p = create('logs', { send_batch_size: 2, send_batch_max_size: 2, timeout: 0 }, next);
    let done = false;
    const ack = p.consume(logs(5)).then(() => {
      done = true;
    });
    await until(() => next.calls.length === 3);
    next.calls[0].resolve();
    next.calls[2].resolve();
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    next.calls[1].resolve();
    await ack;
    await p.shutdown();
  });

  it('sends everything pending on shutdown, and shutdown waits for the downstream answer', async () => {
    const next = new GatedConsumer<LogsData>();
    const p = create('logs', { timeout: '1h' }, next);
    const ack = p.consume(logs(7));
    expect(next.calls).toHaveLength(0);
    let shut = false;
    const s = p.shutdown().then(() => {
      shut = true;
    });
    await until(() => next.calls.length === 1);
    expect(countLogRecords(next.calls[0].data)).toBe(7);
    expect(shut).toBe(false);
    next.calls[0].resolve();
    await Promise.all([s, ack]);
    await expect(p.consume(logs(1))).rejects.toThrow(/shut down/);
  });

  it('partitions by metadata_keys, passes those keys downstream, and enforces the cardinality limit', async () => {
    const next = new GatedConsumer<LogsData>();
    const p = create(
      'logs',
      { timeout: '10ms', metadata_keys: ['X-Tenant'], metadata_cardinality_limit: 2 },
      next,
    );
    const acks = [
      p.consume(logs(1), { metadata: { 'x-tenant': ['a'] } }),
      p.consume(logs(2), { metadata: { 'x-tenant': ['b'] } }),
      p.consume(logs(3), { metadata: { 'x-tenant': ['a'] } }),
    ];
    await expect(p.consume(logs(1), { metadata: { 'x-tenant': ['c'] } })).rejects.toMatchObject({
      retryable: false,
    });
    await until(() => next.calls.length === 2);
    const byTenant = Object.fromEntries(
      next.calls.map((c) => [(c.ctx as any).metadata['x-tenant'][0], countLogRecords(c.data)]),
    );
    expect(byTenant).toEqual({ a: 4, b: 2 });
    for (const c of next.calls) c.resolve();
    await Promise.all(acks);
    await p.shutdown();
  });

  it('counts metric data points and splits inside a metric', async () => {
    const next = new CollectingConsumer<'metrics'>();
    const p = create('metrics', { send_batch_size: 3, send_batch_max_size: 3, timeout: '1h' }, next);
    const rm = newResourceMetrics();
    const sm = newScopeMetrics();
    const pt = (v: number) => ({
      attributes: [],
      startTimeUnixNano: 0n,
      timeUnixNano: 1n,
      asDouble: v,
      exemplars: [],
      flags: 0,
    });
    sm.metrics.push({
      name: 'g',
      description: '',
      unit: '',
      metadata: [],
      gauge: { dataPoints: [pt(1), pt(2)] },
    });
    sm.metrics.push({
      name: 's',
      description: '',
      unit: '1',
      metadata: [],
      sum: { dataPoints: [pt(3), pt(4), pt(5)], aggregationTemporality: 2, isMonotonic: true },
    });
    rm.scopeMetrics.push(sm);
    const input: MetricsData = { resourceMetrics: [rm] };
    const ack = p.consume(input);
    await p.shutdown();
    await ack;
    expect(next.received.map(countMetricPoints)).toEqual([3, 2]);
    const [first, second] = next.received.map((d) => d.resourceMetrics[0].scopeMetrics[0].metrics);
    expect(first.map((m) => m.name)).toEqual(['g', 's']);
    expect(first[1].sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(second.map((m) => [m.name, m.sum?.dataPoints.map((d) => d.asDouble)])).toEqual([['s', [4, 5]]]);
    expect(sm.metrics[1].sum?.dataPoints).toHaveLength(3);
  });

  it('reports send sizes and triggers in self metrics', async () => {
    const metrics = new SelfMetrics();
    const next = new CollectingConsumer<'logs'>();
    const p = create('logs', { send_batch_size: 5, timeout: '5ms' }, next, metrics);
    await p.consume(logs(6));
    await p.consume(logs(1));
    await p.shutdown();
    const text = await metrics.render();
    expect(text).toMatch(/otelcol_processor_batch_batch_size_trigger_send_total\{processor="batch"\} 1/);
    expect(text).toMatch(/otelcol_processor_batch_timeout_trigger_send_total\{processor="batch"\} 1/);
    expect(text).toMatch(/otelcol_processor_batch_batch_send_size_sum\{processor="batch"\} 7/);
  });
});
