import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { ConsumerError } from '../../src/component/errors.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { fromAnyValue, toAnyValue } from '../../src/pdata/attributes.js';
import {
  newResource,
  newResourceSpans,
  newScope,
  newScopeSpans,
  newSpan,
  newSpanEvent,
} from '../../src/pdata/create.js';
import { idFromHex } from '../../src/pdata/ids.js';
import type { KeyValue, Metric, MetricsData, TracesData } from '../../src/pdata/types.js';
import { testConnectorNext, testSettings } from '../../test/support/component.js';
import type { SpanMetricsConfig } from './config.js';
import type { SpanMetricsConnector } from './connector.js';
import { ExponentialHistogram, mapToIndex } from './expo-histogram.js';
import { factory } from './factory.js';

const kv = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((x) => [x.key, fromAnyValue(x.value)]));

interface SpanSpec {
  name: string;
  ms: number;
  kind?: number;
  status?: number;
  attrs?: Record<string, unknown>;
  trace?: string;
  events?: Record<string, unknown>[];
}

function traces(
  resources: [Record<string, unknown>, SpanSpec[]][],
  scope = newScope('lib', '1.0'),
): TracesData {
  return {
    resourceSpans: resources.map(([r, spans]) => {
      const res = newResource();
      res.attributes = kv(r);
      const rs = newResourceSpans(res);
      const ss = newScopeSpans(scope);
      for (const s of spans) {
        const span = newSpan();
        span.name = s.name;
        span.kind = s.kind ?? 2;
        span.status.code = s.status ?? 0;
        span.attributes = kv(s.attrs ?? {});
        span.startTimeUnixNano = 1_000_000_000n;
        span.endTimeUnixNano = span.startTimeUnixNano + BigInt(Math.round(s.ms * 1e6));
        if (s.trace) {
          span.traceId = idFromHex(s.trace, 16)!;
          span.spanId = idFromHex(s.trace.slice(0, 16), 8)!;
        }
        for (const e of s.events ?? []) {
          const ev = newSpanEvent();
          ev.attributes = kv(e);
          span.events.push(ev);
        }
        ss.spans.push(span);
      }
      rs.scopeSpans.push(ss);
      return rs;
    }),
  };
}

const parsed = (yaml: string) => parseComponentConfig(factory, parse(yaml) ?? {}, 'connectors::span_metrics');
const configOf = (yaml = '') => {
  const r = parsed(yaml);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.config as SpanMetricsConfig;
};
const errorsOf = (yaml: string) => {
  const r = parsed(yaml);
  return r.ok ? [] : r.issues.map(formatIssue);
};

const connectors: SpanMetricsConnector[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(connectors.splice(0).map((c) => c.shutdown()));
});

function make(yaml = '', serviceInstanceId = 'instance-1') {
  const { next, sinks } = testConnectorNext<'metrics'>(['metrics']);
  const settings = { ...testSettings('span_metrics', 'connector'), serviceInstanceId };
  const c = factory.create(
    settings,
    configOf(yaml),
    'traces',
    'metrics',
    next,
  ) as unknown as SpanMetricsConnector;
  connectors.push(c);
  const out = sinks.get('metrics')!;
  /** Flushes and returns what that flush emitted. */
  const flush = async () => {
    const before = out.received.length;
    c.flush();
    await new Promise((r) => setImmediate(r));
    return out.received.slice(before);
  };
  return { c, out, flush };
}

function metricsOf(emitted: MetricsData[]): Record<string, Metric[]> {
  const m: Record<string, Metric[]> = {};
  for (const d of emitted)
    for (const rm of d.resourceMetrics)
      for (const sm of rm.scopeMetrics) {
        expect(sm.scope.name).toBe('spanmetricsconnector');
        for (const x of sm.metrics) {
          m[x.name] ??= [];
          m[x.name].push(x);
        }
      }
  return m;
}

/** "name|kind|status" → value, for the calls sum. */
function calls(emitted: MetricsData[], name = 'traces.span.metrics.calls') {
  const out: Record<string, number> = {};
  for (const m of metricsOf(emitted)[name] ?? [])
    for (const p of m.sum!.dataPoints) {
      const a = plain(p.attributes);
      out[`${a['span.name']}|${a['span.kind']}|${a['status.code']}`] = Number(p.asInt);
    }
  return out;
}

describe('span_metrics config', () => {
  it('has the collector defaults', () => {
    const c = configOf();
    expect(c).toMatchObject({
      aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
      metrics_flush_interval: 60_000,
      metrics_expiration: 0,
      namespace: 'traces.span.metrics',
      resource_metrics_cache_size: 1000,
      aggregation_cardinality_limit: 0,
      histogram: { disable: false, unit: 'ms' },
      exemplars: { enabled: false, max_per_data_point: 5 },
      events: { enabled: false },
    });
  });

  it('takes the README example', () => {
    expect(
      errorsOf(`
histogram:
  explicit:
    buckets: [100us, 1ms, 2ms, 6ms, 10ms, 100ms, 250ms]
dimensions:
  - name: http.method
    default: GET
  - name: http.status_code
exemplars:
  enabled: true
exclude_dimensions: ['status.code']
dimensions_cache_size: 1000
aggregation_temporality: "AGGREGATION_TEMPORALITY_CUMULATIVE"
metrics_flush_interval: 15s
metrics_expiration: 5m
events:
  enabled: true
  dimensions:
    - name: exception.type
    - name: exception.message
resource_metrics_key_attributes:
  - service.name
  - telemetry.sdk.language
  - telemetry.sdk.name
`),
    ).toEqual([]);
    expect(
      errorsOf('histogram: {exponential: {max_size: 10}, unit: s}\naggregation_cardinality_limit: 100'),
    ).toEqual([]);
  });

  it('refuses what the collector refuses, each at its path', () => {
    expect(
      errorsOf(`
dimensions: [{name: service.name}, {name: a}, {name: a}]
histogram: {explicit: {buckets: [1ms]}, exponential: {max_size: 10}}
events: {enabled: true}
metrics_flush_interval: 0s
metrics_expiration: -1
aggregation_cardinality_limit: -5
`),
    ).toEqual([
      'connectors::span_metrics::dimensions::0::name: failed validating dimensions: duplicate dimension name service.name',
      'connectors::span_metrics::dimensions::2::name: failed validating dimensions: duplicate dimension name a',
      'connectors::span_metrics::events::dimensions: failed validating event dimensions: no dimensions configured for events',
      'connectors::span_metrics::histogram: use either `explicit` or `exponential` buckets histogram',
      'connectors::span_metrics::metrics_flush_interval: invalid metrics_flush_interval: the duration should be positive',
      'connectors::span_metrics::metrics_expiration: invalid metrics_expiration: the duration should be positive',
      'connectors::span_metrics::aggregation_cardinality_limit: invalid aggregation_cardinality_limit: -5, the limit should be positive',
    ]);
    expect(errorsOf('aggregation_temporality: delta')).toEqual([
      'connectors::span_metrics::aggregation_temporality: invalid value string "delta": expected one of "AGGREGATION_TEMPORALITY_CUMULATIVE", "AGGREGATION_TEMPORALITY_DELTA"',
    ]);
    expect(errorsOf('histogram: {unit: us}\nexemplar: {enabled: true}')).toEqual([
      'connectors::span_metrics::histogram::unit: invalid value string "us": expected one of "ms", "s"',
      "connectors::span_metrics::exemplar: unknown key (did you mean 'exemplars'?)",
    ]);
    expect(errorsOf('histogram: {explicit: {buckets: [fast]}}')).toEqual([
      'connectors::span_metrics::histogram::explicit::buckets::0: invalid duration "fast" (expected e.g. "5s", "200ms", "1m30s")',
    ]);
  });
});

describe('span_metrics connector', () => {
  const checkout: [Record<string, unknown>, SpanSpec[]] = [
    { 'service.name': 'checkout', 'host.name': 'h1' },
    [
      { name: 'GET /cart', ms: 1 },
      { name: 'GET /cart', ms: 2 },
      { name: 'GET /cart', ms: 3, status: 2 },
      { name: 'SELECT', ms: 120, kind: 3 },
    ],
  ];

  it('counts calls and records durations per service, span name, kind and status code (cumulative)', async () => {
    const { c, flush } = make();
    await c.consume(traces([checkout]));
    const first = await flush();
    const m = metricsOf(first);
    expect(Object.keys(m).sort()).toEqual(['traces.span.metrics.calls', 'traces.span.metrics.duration']);
    // a new cumulative series starts at 0 (the collector's "initialise at 0"), the histogram counts at once
    expect(calls(first)).toEqual({
      'GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET': 0,
      'GET /cart|SPAN_KIND_SERVER|STATUS_CODE_ERROR': 0,
      'SELECT|SPAN_KIND_CLIENT|STATUS_CODE_UNSET': 0,
    });
    const duration = m['traces.span.metrics.duration'][0];
    expect(duration.unit).toBe('ms');
    expect(duration.histogram!.aggregationTemporality).toBe(2);
    const ok = duration.histogram!.dataPoints.find(
      (p) =>
        plain(p.attributes)['status.code'] === 'STATUS_CODE_UNSET' &&
        plain(p.attributes)['span.name'] === 'GET /cart',
    )!;
    expect(plain(ok.attributes)).toEqual({
      'service.name': 'checkout',
      'span.name': 'GET /cart',
      'span.kind': 'SPAN_KIND_SERVER',
      'status.code': 'STATUS_CODE_UNSET',
      'collector.instance.id': 'instance-1',
    });
    expect(ok.explicitBounds).toEqual([
      2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000,
    ]);
    // 1 ms and 2 ms: both in the first bucket, (-inf, 2] (upper bounds are inclusive)
    expect(ok.bucketCounts.slice(0, 2)).toEqual([2n, 0n]);
    expect(ok.count).toBe(2n);
    expect(ok.sum).toBe(3);
    const select = duration.histogram!.dataPoints.find((p) => plain(p.attributes)['span.name'] === 'SELECT')!;
    expect(select.bucketCounts[7]).toBe(1n); // (100, 200]
    const resource = first[0].resourceMetrics[0].resource;
    expect(plain(resource.attributes)).toEqual({ 'service.name': 'checkout', 'host.name': 'h1' });

    await c.consume(traces([checkout]));
    const second = await flush();
    expect(calls(second)).toEqual({
      'GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET': 4,
      'GET /cart|SPAN_KIND_SERVER|STATUS_CODE_ERROR': 2,
      'SELECT|SPAN_KIND_CLIENT|STATUS_CODE_UNSET': 2,
    });
    const p1 = metricsOf(first)['traces.span.metrics.calls'][0].sum!.dataPoints[0];
    const p2 = metricsOf(second)['traces.span.metrics.calls'][0].sum!.dataPoints[0];
    expect(p2.startTimeUnixNano).toBe(p1.startTimeUnixNano); // cumulative: same start
    expect(p2.timeUnixNano).toBeGreaterThanOrEqual(p1.timeUnixNano);
  });

  it('delta temporality: each flush has what came since the last, and starts where the last ended', async () => {
    const { c, flush } = make('aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA');
    await c.consume(traces([checkout]));
    const first = await flush();
    expect(calls(first)['GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET']).toBe(2);
    expect(metricsOf(first)['traces.span.metrics.calls'][0].sum!.aggregationTemporality).toBe(1);
    expect(await flush()).toEqual([]); // nothing new: nothing emitted
    await c.consume(traces([checkout]));
    const second = await flush();
    expect(calls(second)['GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET']).toBe(2);
    const t1 = metricsOf(first)['traces.span.metrics.calls'][0].sum!.dataPoints[0].timeUnixNano;
    const s2 = metricsOf(second)['traces.span.metrics.calls'][0].sum!.dataPoints[0].startTimeUnixNano;
    expect(s2).toBe(t1);
  });

  it('adds dimensions from span, then resource attributes, else their default; excluded ones are left out', async () => {
    const { c, flush } = make(`
dimensions:
  - name: http.method
    default: GET
  - name: region
  - name: absent
exclude_dimensions: [status.code, collector.instance.id]
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    await c.consume(
      traces([
        [
          { 'service.name': 'api', region: 'eu' },
          [
            { name: 'a', ms: 1, attrs: { 'http.method': 'POST', region: 'us' } },
            { name: 'a', ms: 1 },
          ],
        ],
      ]),
    );
    const points = metricsOf(await flush())['traces.span.metrics.calls'][0].sum!.dataPoints.map((p) => [
      plain(p.attributes),
      Number(p.asInt),
    ]);
    expect(points).toEqual([
      [
        {
          'service.name': 'api',
          'span.name': 'a',
          'span.kind': 'SPAN_KIND_SERVER',
          'http.method': 'POST',
          region: 'us',
        },
        1,
      ],
      [
        {
          'service.name': 'api',
          'span.name': 'a',
          'span.kind': 'SPAN_KIND_SERVER',
          'http.method': 'GET',
          region: 'eu',
        },
        1,
      ],
    ]);
  });

  it('calls_dimensions apply to calls only, histogram.dimensions to durations only', async () => {
    const { c, flush } = make(`
calls_dimensions: [{name: http.route}]
histogram: {dimensions: [{name: peer}]}
exclude_dimensions: [collector.instance.id]
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    await c.consume(
      traces([
        [
          { 'service.name': 'api' },
          [
            { name: 'a', ms: 1, attrs: { 'http.route': '/x', peer: 'db1' } },
            { name: 'a', ms: 1, attrs: { 'http.route': '/y', peer: 'db1' } },
          ],
        ],
      ]),
    );
    const m = metricsOf(await flush());
    expect(
      m['traces.span.metrics.calls'][0].sum!.dataPoints.map((p) => plain(p.attributes)['http.route']),
    ).toEqual(['/x', '/y']);
    const h = m['traces.span.metrics.duration'][0].histogram!.dataPoints;
    expect(h.map((p) => [plain(p.attributes).peer, plain(p.attributes)['http.route'], p.count])).toEqual([
      ['db1', undefined, 2n],
    ]);
  });

  it('keeps up to max_per_data_point exemplars with the trace and span IDs, for one flush', async () => {
    const { c, flush } = make(`
exemplars: {enabled: true, max_per_data_point: 2}
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    const trace = (i: number) => `${String(i).padStart(2, '0')}${'ab'.repeat(15)}`;
    await c.consume(
      traces([[{ 'service.name': 'api' }, [1, 2, 3].map((i) => ({ name: 'op', ms: i, trace: trace(i) }))]]),
    );
    const m = metricsOf(await flush());
    const ex = m['traces.span.metrics.duration'][0].histogram!.dataPoints[0].exemplars;
    expect(ex).toHaveLength(2);
    expect(Buffer.from(ex[0].traceId).toString('hex')).toBe(trace(1));
    expect(Buffer.from(ex[0].spanId).toString('hex')).toBe(trace(1).slice(0, 16));
    expect(ex[1].asDouble).toBe(2);
    expect(ex[0].timeUnixNano).toBeGreaterThan(0n);
    expect(m['traces.span.metrics.calls'][0].sum!.dataPoints[0].exemplars).toHaveLength(2);
  });

  it('cardinality limit: new series past it go to one otel.metric.overflow series; no call is lost', async () => {
    const { c, flush } = make(`
aggregation_cardinality_limit: 2
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    await c.consume(
      traces([[{ 'service.name': 'api' }, ['a', 'b', 'c', 'd', 'c'].map((name) => ({ name, ms: 1 }))]]),
    );
    const points = metricsOf(await flush())['traces.span.metrics.calls'][0].sum!.dataPoints;
    expect(
      points.map((p) => [plain(p.attributes)['span.name'] ?? plain(p.attributes), Number(p.asInt)]),
    ).toEqual([
      ['a', 1],
      ['b', 1],
      [{ 'otel.metric.overflow': true }, 3],
    ]);
  });

  it('exponential histogram: every duration counted in a bucket that holds it', async () => {
    const { c, flush } = make(`
histogram: {exponential: {max_size: 8}, unit: s}
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    const ms = [0, 0.5, 1, 3, 10, 250, 1000, 4000];
    await c.consume(traces([[{ 'service.name': 'api' }, ms.map((x) => ({ name: 'op', ms: x }))]]));
    const m = metricsOf(await flush())['traces.span.metrics.duration'][0];
    expect(m.unit).toBe('s');
    const p = m.exponentialHistogram!.dataPoints[0];
    expect(p.count).toBe(8n);
    expect(p.zeroCount).toBe(1n);
    expect(p.min).toBe(0);
    expect(p.max).toBe(4);
    expect(p.sum).toBeCloseTo(5.2645, 6);
    expect(p.positive.bucketCounts.length).toBeLessThanOrEqual(8);
    expect(p.positive.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(7n);
    // each value falls into the bucket (base^i, base^(i+1)] the index says
    const base = 2 ** (2 ** -p.scale);
    for (const v of ms.filter((x) => x > 0).map((x) => x / 1000)) {
      const i = mapToIndex(v, p.scale) - p.positive.offset;
      expect(p.positive.bucketCounts[i]).toBeGreaterThan(0n);
      expect(base ** (i + p.positive.offset)).toBeLessThan(v * (1 + 1e-9));
      expect(base ** (i + p.positive.offset + 1)).toBeGreaterThanOrEqual(v * (1 - 1e-9));
    }
  });

  it('one resource per resource_metrics_key_attributes value set; spans without service.name are skipped', async () => {
    const { c, flush } = make(`
resource_metrics_key_attributes: [service.name]
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    await c.consume(
      traces([
        [{ 'service.name': 'api', 'process.pid': 1 }, [{ name: 'a', ms: 1 }]],
        [{ 'service.name': 'api', 'process.pid': 2 }, [{ name: 'a', ms: 1 }]],
        [{ 'service.name': 'web' }, [{ name: 'a', ms: 1 }]],
        [{ 'host.name': 'x' }, [{ name: 'a', ms: 1 }]],
      ]),
    );
    const emitted = await flush();
    expect(emitted[0].resourceMetrics.map((rm) => plain(rm.resource.attributes))).toEqual([
      { 'service.name': 'api', 'process.pid': 1 },
      { 'service.name': 'web' },
    ]);
    expect(Number(emitted[0].resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints[0].asInt)).toBe(2);
  });

  it('metrics_expiration drops a resource no span came for; namespace "" gives bare names', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { c, flush } = make('metrics_expiration: 5m\nnamespace: ""');
    await c.consume(traces([[{ 'service.name': 'api' }, [{ name: 'a', ms: 1 }]]]));
    expect(Object.keys(metricsOf(await flush())).sort()).toEqual(['calls', 'duration']);
    vi.setSystemTime(1_000_000 + 4 * 60_000);
    expect(await flush()).toHaveLength(1);
    vi.setSystemTime(1_000_000 + 5 * 60_000);
    expect(await flush()).toHaveLength(1); // flushed once more, then expired
    expect(await flush()).toEqual([]);
  });

  it('counts span events by event dimensions when enabled', async () => {
    const { c, flush } = make(`
events: {enabled: true, dimensions: [{name: exception.type}]}
aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
`);
    await c.consume(
      traces([
        [
          { 'service.name': 'api' },
          [
            {
              name: 'a',
              ms: 1,
              events: [{ 'exception.type': 'Timeout' }, { 'exception.type': 'Timeout' }, {}],
            },
          ],
        ],
      ]),
    );
    const events = metricsOf(await flush())['traces.span.metrics.events'][0].sum!.dataPoints;
    expect(events.map((p) => [plain(p.attributes)['exception.type'], Number(p.asInt)])).toEqual([
      ['Timeout', 2],
      [undefined, 1],
    ]);
  });

  it('answers at once; shutdown flushes what was aggregated; later requests are refused (retryable)', async () => {
    const { c, out } = make(
      'metrics_flush_interval: 1h\naggregation_temporality: AGGREGATION_TEMPORALITY_DELTA',
    );
    await c.start();
    await c.consume(traces([checkout]));
    expect(out.received).toHaveLength(0); // nothing flushed yet; the answer did not wait for it
    await c.shutdown();
    expect(calls(out.received)['GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET']).toBe(2);
    const err = (await c.consume(traces([checkout])).catch((e) => e)) as ConsumerError;
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
  });

  it('flushes on its timer', async () => {
    const { c, out } = make(
      'metrics_flush_interval: 20ms\naggregation_temporality: AGGREGATION_TEMPORALITY_DELTA',
    );
    await c.start();
    await c.consume(traces([checkout]));
    const end = Date.now() + 5000;
    while (out.received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(calls(out.received)['SELECT|SPAN_KIND_CLIENT|STATUS_CODE_UNSET']).toBe(1);
  });
});

describe('exponential histogram', () => {
  it('maps values to the OTLP bucket index at any scale (exact powers of two on the lower bucket)', () => {
    for (const scale of [-2, 0, 1, 3, 10, 20]) {
      const base = 2 ** (2 ** -scale);
      for (const v of [1, 2, 3, 0.75, 1000, 1e-6, 4096, 123456.789]) {
        const i = mapToIndex(v, scale);
        expect(base ** i, `${v}@${scale}`).toBeLessThan(v * (1 + 1e-12));
        expect(base ** (i + 1), `${v}@${scale}`).toBeGreaterThanOrEqual(v * (1 - 1e-12));
      }
    }
    expect(mapToIndex(1, 0)).toBe(-1);
    expect(mapToIndex(2, 0)).toBe(0);
    expect(mapToIndex(3, 0)).toBe(1);
    expect(mapToIndex(4, 1)).toBe(3);
  });

  it('downscales to stay within max_size buckets, keeping every count', () => {
    const h = new ExponentialHistogram(4);
    const values = [1, 2, 4, 8, 16, 1000, 0.001];
    for (const v of values) h.update(v);
    const { positive } = h.buckets();
    expect(positive.bucketCounts.length).toBeLessThanOrEqual(4);
    expect(positive.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(BigInt(values.length));
    expect(h.scale).toBeLessThan(20);
  });
});
