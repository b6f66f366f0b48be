// Runs the OTLP protobuf decoders and encoders on made-up requests before the
// receiver takes traffic, so the first real requests do not pay for V8's first
// compile and its cold (interpreted, feedback-less) runs of that code.
//
// Why: an SDK with its default batch processor has one export in flight and a
// queue of 2048 items; at 10k items/s any answer slower than ~200 ms makes it
// drop. The first requests after start were the slowest answers: decoding the
// first 512-span request cost 24 ms of CPU (0.6 ms warm), the first 512 log
// records 7 ms (0.4), encoding them for the persistent queue 4.4 ms (0.15),
// and V8's compiler threads competed for the CPU while those requests waited.
//
// In one process on a loaded host: the first 512-span request of another shape after the
// warm-up cost 20-26 ms of CPU to decode, read and re-encode instead of 50-66 (its own
// attribute keys and shapes still meet some cold code); the warm-up costs ~0.2 s of CPU once.
//
// Only pure functions run here: nothing is sent, queued, stored or counted, and
// the request bodies are plain buffers (no pooled buffer, no lease).
import { DEFAULT_DECODE_LIMITS, DecodeBudget } from '../../src/codec/decode-budget.js';
import { encodeLogs, encodeMetrics, encodeTraces } from '../../src/codec/otlp-proto.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeSpans,
  newSpan,
  newSpanEvent,
} from '../../src/pdata/create.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { KeyValue, LogsData, Metric, MetricsData, TracesData } from '../../src/pdata/types.js';
import type { WireCodec } from './wire.js';

/** Items per made-up request: an SDK batch processor's default batch. */
const ITEMS = 512;
/** Rounds per signal: the first compiles, the next ones run with type feedback (V8 tiers up). */
const ROUNDS = 2;

let warmed = false;

/**
 * Decodes, reads and re-encodes made-up requests of each signal (protobuf, as SDKs send),
 * once per process. Returns the items decoded in each signal's last round (for the test).
 */
export function warmOtlpCodecs(codec: WireCodec, signals: Iterable<Signal>): Map<Signal, number> {
  const seen = new Map<Signal, number>();
  if (warmed) return seen;
  warmed = true;
  for (const signal of new Set(signals)) {
    let items = 0;
    for (let round = 0; round < ROUNDS; round++) items = warmSignal(codec, signal, round);
    seen.set(signal, items);
  }
  return seen;
}

/** For tests: forget that this process was warmed. */
export function resetWarmUpForTests(): void {
  warmed = false;
}

function warmSignal(codec: WireCodec, signal: Signal, round: number): number {
  const body = encode(signal, madeUp(signal, round));
  const budget = new DecodeBudget(DEFAULT_DECODE_LIMITS);
  const data = codec.decode(signal, 'proto', body, undefined, budget);
  encode(signal, data); // a pass-through hop's persistent queue writes the kept wire bytes
  const items = touch(signal, data); // a processor reads them: decoded
  encode(signal, data); // and encoded again
  return items;
}

function encode(signal: Signal, data: SignalDataMap[Signal]): Uint8Array {
  if (signal === 'traces') return encodeTraces(data as TracesData);
  if (signal === 'logs') return encodeLogs(data as LogsData);
  return encodeMetrics(data as MetricsData);
}

/** Reads every item as a processor or an exporter does (decoding lazily kept ones); counts them. */
function touch(signal: Signal, data: SignalDataMap[Signal]): number {
  let n = 0;
  if (signal === 'traces')
    for (const rs of (data as TracesData).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          if (s.name.length > 0 && s.attributes.length > 0 && s.spanId.length === 8) n++;
        }
  else if (signal === 'logs')
    for (const rl of (data as LogsData).resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords) {
          if (r.attributes.length > 0 && r.traceId.length === 16 && 'stringValue' in r.body) n++;
        }
  else
    for (const rm of (data as MetricsData).resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name.length > 0) n++;
  return n;
}

function resource(): ReturnType<typeof newResource> {
  const r = newResource();
  r.attributes = [
    str('service.name', 'warm-up'),
    str('telemetry.sdk.language', 'nodejs'),
    str('telemetry.sdk.name', 'opentelemetry'),
    str('host.name', 'tsunagi-wärm-up'), // non-ASCII on purpose: that path too
  ];
  return r;
}

function madeUp(signal: Signal, round: number): SignalDataMap[Signal] {
  if (signal === 'traces') return madeUpTraces(round);
  if (signal === 'logs') return madeUpLogs(round);
  return madeUpMetrics(round);
}

function madeUpTraces(round: number): TracesData {
  const rs = newResourceSpans(resource());
  const ss = newScopeSpans(newScope('warm-up', '1.0.0'));
  const start = 1_700_000_000_000_000_000n + BigInt(round) * 1_000_000_000n;
  for (let i = 0; i < ITEMS; i++) {
    const s = newSpan();
    s.traceId = id(16, i >> 4, round);
    s.spanId = id(8, i, round);
    if (i % 16 !== 0) s.parentSpanId = id(8, i & ~15, round);
    s.name = i % 16 === 0 ? 'GET /api/orders/{id}' : `SELECT orders ${i}`;
    s.kind = i % 16 === 0 ? 2 : 3;
    s.startTimeUnixNano = start + BigInt(i) * 1000n;
    s.endTimeUnixNano = start + BigInt(i) * 1000n + 250_000n;
    s.attributes = attributes(i);
    if (i % 8 === 0) {
      const e = newSpanEvent();
      e.name = 'exception';
      e.timeUnixNano = s.endTimeUnixNano;
      e.attributes = [str('exception.message', `failed ${i}`)];
      s.events = [e];
    }
    s.status = { code: i % 32 === 0 ? 2 : 0, message: i % 32 === 0 ? 'error' : '' };
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

function madeUpLogs(round: number): LogsData {
  const rl = newResourceLogs(resource());
  const sl = newScopeLogs(newScope('warm-up', '1.0.0'));
  const t = 1_700_000_000_000_000_000n + BigInt(round) * 1_000_000_000n;
  for (let i = 0; i < ITEMS; i++) {
    const r = newLogRecord();
    r.timeUnixNano = t + BigInt(i) * 1000n;
    r.observedTimeUnixNano = r.timeUnixNano + 1000n;
    r.severityNumber = 9;
    r.severityText = 'INFO';
    r.body = { stringValue: `request ${i} served in ${i % 97} ms — ok` };
    r.attributes = attributes(i);
    r.traceId = id(16, i >> 4, round);
    r.spanId = id(8, i, round);
    r.flags = 1;
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function madeUpMetrics(round: number): MetricsData {
  const t = 1_700_000_000_000_000_000n + BigInt(round) * 1_000_000_000n;
  const point = (i: number) => ({
    attributes: [str('route', `/r/${i % 8}`)],
    startTimeUnixNano: t,
    timeUnixNano: t + 1_000_000_000n,
    exemplars: [],
    flags: 0,
  });
  const metrics: Metric[] = [];
  for (let i = 0; i < 32; i++) {
    metrics.push({
      name: `warm_up_gauge_${i}`,
      description: '',
      unit: '1',
      metadata: [],
      gauge: { dataPoints: [{ ...point(i), asDouble: i / 3 }] },
    });
    metrics.push({
      name: `warm_up_total_${i}`,
      description: 'a counter',
      unit: '1',
      metadata: [],
      sum: {
        dataPoints: [{ ...point(i), asInt: BigInt(i) }],
        aggregationTemporality: 2,
        isMonotonic: true,
      },
    });
    metrics.push({
      name: `warm_up_seconds_${i}`,
      description: '',
      unit: 's',
      metadata: [],
      histogram: {
        dataPoints: [
          {
            ...point(i),
            count: 3n,
            sum: 1.5,
            bucketCounts: [1n, 1n, 1n],
            explicitBounds: [0.1, 1],
          },
        ],
        aggregationTemporality: 2,
      },
    });
  }
  return {
    resourceMetrics: [
      {
        resource: resource(),
        schemaUrl: '',
        scopeMetrics: [{ scope: newScope('warm-up', '1.0.0'), metrics, schemaUrl: '' }],
      },
    ],
  };
}

function attributes(i: number): KeyValue[] {
  return [
    str('http.route', `/api/orders/${i % 50}`),
    { key: 'app.seq', value: { intValue: BigInt(i) } },
    { key: 'app.cache_hit', value: { boolValue: i % 2 === 0 } },
    { key: 'app.ratio', value: { doubleValue: i / 7 } },
  ];
}

function str(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

/** A made-up non-zero ID of `bytes` bytes. */
function id(bytes: number, n: number, round: number): Uint8Array {
  const b = new Uint8Array(bytes);
  b[0] = 1 + round;
  for (let k = 1; k < bytes && k < 5; k++) b[k] = (n >>> (8 * (k - 1))) & 0xff;
  return b;
}
