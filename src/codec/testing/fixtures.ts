// Generated pdata for codec tests: covers every field of every message, all AnyValue kinds
// (nested), all metric kinds, 64-bit edge values and default-vs-empty cases. Deterministic.
import type {
  AnyValue,
  Exemplar,
  KeyValue,
  LogsData,
  Metric,
  MetricsData,
  Resource,
  InstrumentationScope as Scope,
  Span,
  TracesData,
} from '../../pdata/types.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** 64-bit values that stress the codecs: zero, small, beyond 2^53, near 2^64. */
export const U64_EDGES = [0n, 1n, 127n, 128n, (1n << 32n) + 5n, (1n << 53n) + 1n, U64_MAX - 1n, U64_MAX];
export const I64_EDGES = [0n, 1n, -1n, 300n, -300n, (1n << 53n) + 1n, -(1n << 53n) - 1n, I64_MIN, I64_MAX];

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7 + 1) & 0xff;
  return b;
}

/** Every AnyValue kind, including default-valued ones (which must still be sent) and nesting. */
export function allAnyValues(): AnyValue[] {
  const scalars: AnyValue[] = [
    { stringValue: 'hello' },
    { stringValue: '' },
    { stringValue: 'ünïcødé ☃ 𝄞 日本語' },
    { stringValue: 'x'.repeat(300) },
    { boolValue: true },
    { boolValue: false },
    { intValue: 0n },
    ...I64_EDGES.map((v) => ({ intValue: v })),
    { doubleValue: 0 },
    { doubleValue: -0 },
    { doubleValue: 3.5 },
    { doubleValue: Number.NaN },
    { doubleValue: Number.POSITIVE_INFINITY },
    { doubleValue: Number.NEGATIVE_INFINITY },
    { doubleValue: 1e-300 },
    { bytesValue: new Uint8Array(0) },
    { bytesValue: bytes(5, 9) },
    { bytesValue: bytes(40, 3) },
    {},
  ];
  return [
    ...scalars,
    { arrayValue: { values: [] } },
    { kvlistValue: { values: [] } },
    { arrayValue: { values: scalars } },
    {
      kvlistValue: {
        values: [
          { key: 'a', value: { stringValue: 'b' } },
          { key: '', value: { intValue: 7n } },
          { key: 'empty', value: {} },
          {
            key: 'nested',
            value: { arrayValue: { values: [{ kvlistValue: { values: [kv('deep', 1n)] } }] } },
          },
        ],
      },
    },
  ];
}

function kv(key: string, v: string | bigint | boolean | number): KeyValue {
  const value: AnyValue =
    typeof v === 'string'
      ? { stringValue: v }
      : typeof v === 'bigint'
        ? { intValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : { doubleValue: v };
  return { key, value };
}

function attrs(seed: number): KeyValue[] {
  const all = allAnyValues();
  return [
    kv('http.method', 'GET'),
    kv('http.status_code', BigInt(200 + seed)),
    { key: `k${seed}`, value: all[seed % all.length] },
  ];
}

function resource(full: boolean): Resource {
  if (!full) return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
  return {
    attributes: [
      kv('service.name', 'svc'),
      { key: 'all', value: { arrayValue: { values: allAnyValues() } } },
    ],
    droppedAttributesCount: 3,
    entityRefs: [
      {
        schemaUrl: 'https://s/1',
        type: 'service',
        idKeys: ['service.name', 'service.namespace'],
        descriptionKeys: ['d'],
      },
      { schemaUrl: '', type: '', idKeys: [], descriptionKeys: [] },
    ],
  };
}

function scope(full: boolean): Scope {
  if (!full) return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  return { name: 'lib', version: '1.2.3', attributes: [kv('scope.attr', 'x')], droppedAttributesCount: 2 };
}

export function emptySpan(): Span {
  return {
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
}

function fullSpan(i: number): Span {
  return {
    traceId: bytes(16, i),
    spanId: bytes(8, i + 1),
    traceState: i % 2 ? 'rojo=00f067aa0ba902b7' : '',
    parentSpanId: i % 3 ? bytes(8, i + 2) : new Uint8Array(0),
    flags: [0, 1, 0x301, 0xffffffff][i % 4],
    name: `span-${i}-ü`,
    kind: i % 6,
    startTimeUnixNano: U64_EDGES[i % U64_EDGES.length],
    endTimeUnixNano: 1_700_000_000_123_456_789n + BigInt(i),
    attributes: attrs(i),
    droppedAttributesCount: i % 3 === 0 ? 0 : 4_000_000_000,
    events: [
      {
        timeUnixNano: 1_700_000_000_000_000_001n,
        name: 'ev',
        attributes: attrs(i + 1),
        droppedAttributesCount: 1,
      },
      { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
    ],
    droppedEventsCount: i,
    links: [
      {
        traceId: bytes(16, i + 5),
        spanId: bytes(8, i + 6),
        traceState: 'a=b',
        attributes: attrs(i + 2),
        droppedAttributesCount: 9,
        flags: 0x100,
      },
      {
        traceId: new Uint8Array(0),
        spanId: new Uint8Array(0),
        traceState: '',
        attributes: [],
        droppedAttributesCount: 0,
        flags: 0,
      },
    ],
    droppedLinksCount: 2,
    status: [
      { message: '', code: 0 },
      { message: 'boom', code: 2 },
      { message: '', code: 1 },
    ][i % 3],
  };
}

export function genTraces(): TracesData {
  const n = allAnyValues().length + 4;
  return {
    resourceSpans: [
      {
        resource: resource(true),
        scopeSpans: [
          {
            scope: scope(true),
            spans: Array.from({ length: n }, (_, i) => fullSpan(i)),
            schemaUrl: 'https://x/1',
          },
          { scope: scope(false), spans: [emptySpan()], schemaUrl: '' },
          { scope: scope(false), spans: [], schemaUrl: '' },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      },
      { resource: resource(false), scopeSpans: [], schemaUrl: '' },
    ],
  };
}

export function genLogs(): LogsData {
  const bodies = allAnyValues();
  return {
    resourceLogs: [
      {
        resource: resource(true),
        scopeLogs: [
          {
            scope: scope(true),
            logRecords: bodies.map((body, i) => ({
              timeUnixNano: U64_EDGES[i % U64_EDGES.length],
              observedTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
              severityNumber: i % 25,
              severityText: i % 2 ? 'INFO' : '',
              body,
              attributes: attrs(i),
              droppedAttributesCount: i % 2,
              flags: i % 2 ? 1 : 0,
              traceId: i % 3 ? bytes(16, i) : new Uint8Array(0),
              spanId: i % 3 ? bytes(8, i) : new Uint8Array(0),
              eventName: i % 4 === 0 ? 'browser.click' : '',
            })),
            schemaUrl: 'https://x/2',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

function exemplars(i: number): Exemplar[] {
  return [
    {
      filteredAttributes: attrs(i),
      timeUnixNano: U64_EDGES[i % U64_EDGES.length],
      asDouble: 1.5,
      spanId: bytes(8, i),
      traceId: bytes(16, i),
    },
    {
      filteredAttributes: [],
      timeUnixNano: 0n,
      asInt: I64_EDGES[i % I64_EDGES.length],
      spanId: new Uint8Array(0),
      traceId: new Uint8Array(0),
    },
    { filteredAttributes: [], timeUnixNano: 5n, spanId: new Uint8Array(0), traceId: new Uint8Array(0) },
  ];
}

export function genMetrics(): MetricsData {
  const metrics: Metric[] = [];
  const base = { startTimeUnixNano: 1_700_000_000_000_000_000n, timeUnixNano: U64_EDGES[7] };
  metrics.push({
    name: 'g',
    description: 'a gauge',
    unit: '1',
    gauge: {
      dataPoints: [
        ...I64_EDGES.map((v, i) => ({
          attributes: attrs(i),
          ...base,
          asInt: v,
          exemplars: exemplars(i),
          flags: i % 2,
        })),
        { attributes: [], ...base, asDouble: 0, exemplars: [], flags: 0 },
        { attributes: [], ...base, asDouble: Number.NaN, exemplars: [], flags: 0 },
        { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0 },
      ],
    },
    metadata: [kv('meta', 'data')],
  });
  metrics.push({
    name: 's',
    description: '',
    unit: 'By',
    sum: {
      dataPoints: [{ attributes: attrs(3), ...base, asDouble: -2.25, exemplars: [], flags: 1 }],
      aggregationTemporality: 2,
      isMonotonic: true,
    },
    metadata: [],
  });
  metrics.push({
    name: 's0',
    description: '',
    unit: '',
    sum: { dataPoints: [], aggregationTemporality: 0, isMonotonic: false },
    metadata: [],
  });
  metrics.push({
    name: 'h',
    description: 'hist',
    unit: 'ms',
    histogram: {
      dataPoints: [
        {
          attributes: attrs(4),
          ...base,
          count: U64_EDGES[7],
          sum: 0,
          bucketCounts: U64_EDGES,
          explicitBounds: [0, 1.5, -0, 1e300, Number.POSITIVE_INFINITY],
          exemplars: exemplars(2),
          flags: 1,
          min: -1,
          max: 0,
        },
        {
          attributes: [],
          ...base,
          count: 0n,
          bucketCounts: [],
          explicitBounds: [],
          exemplars: [],
          flags: 0,
        },
      ],
      aggregationTemporality: 1,
    },
    metadata: [],
  });
  metrics.push({
    name: 'eh',
    description: '',
    unit: '',
    exponentialHistogram: {
      dataPoints: [
        {
          attributes: attrs(5),
          ...base,
          count: 10n,
          sum: 12.5,
          scale: -3,
          zeroCount: U64_EDGES[6],
          positive: { offset: -7, bucketCounts: U64_EDGES },
          negative: { offset: 2_000_000_000, bucketCounts: [1n, 0n] },
          flags: 0,
          exemplars: exemplars(5),
          min: 0.001,
          max: 99,
          zeroThreshold: 1e-9,
        },
        {
          attributes: [],
          ...base,
          count: 0n,
          scale: 20,
          zeroCount: 0n,
          positive: { offset: 0, bucketCounts: [] },
          negative: { offset: 0, bucketCounts: [] },
          flags: 1,
          exemplars: [],
          zeroThreshold: 0,
        },
      ],
      aggregationTemporality: 2,
    },
    metadata: [],
  });
  metrics.push({
    name: 'sm',
    description: 'summary',
    unit: 's',
    summary: {
      dataPoints: [
        {
          attributes: attrs(6),
          ...base,
          count: U64_EDGES[5],
          sum: 100.5,
          quantileValues: [
            { quantile: 0, value: 1 },
            { quantile: 0.5, value: 0 },
            { quantile: 1, value: 9.75 },
          ],
          flags: 1,
        },
        { attributes: [], ...base, count: 0n, sum: 0, quantileValues: [], flags: 0 },
      ],
    },
    metadata: [],
  });
  metrics.push({ name: 'nodata', description: '', unit: '', metadata: [] });
  return {
    resourceMetrics: [
      {
        resource: resource(true),
        scopeMetrics: [
          { scope: scope(true), metrics, schemaUrl: 'https://x/3' },
          { scope: scope(false), metrics: [], schemaUrl: '' },
        ],
        schemaUrl: 's',
      },
    ],
  };
}
