// The one-pass encoder against the translation's model (otlpToSeries in
// src/translator/prometheus) and against the exporter's previous encoder
// (testdata/reference-encoder.ts, fed the model's series): for seeded random requests — every metric type,
// stale points, exemplars, colliding and reserved attribute names, promoted
// resource attributes, repeated series in one request, timestamps out of
// order, small max_batch_size_bytes — the requests it writes, decoded with
// protobufjs from the prompb definitions, hold exactly the model's series in
// the model's order, its counts are the model's, and each request is the
// previous encoder's, decoded and byte for byte.
import { compressSync, uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import type {
  AnyValue,
  Exemplar,
  KeyValue,
  Metric,
  MetricsData,
  ResourceMetrics,
} from '../../src/pdata/types.js';
import type { NativeHistogram } from '../../src/translator/prometheus/to-prometheus-native-histogram.js';
import { otlpToSeries, type PromSeries } from '../../src/translator/prometheus/to-prometheus-series.js';
import { WriteRequest } from '../../test/support/remote-write-standin.js';
import { labelHash, lanes, nameSeeds, valueHash } from './label-hash.js';
import { encodeWriteRequests } from './testdata/reference-encoder.js';
import { type EncoderSettings, WriteRequestEncoder } from './write-request-encoder.js';

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof rng>;

const KEYS = [
  'cpu',
  'state',
  'foo.bar',
  'foo_bar',
  'job',
  'instance',
  'otel_scope_name',
  'cluster',
  '__name__',
  'le',
  'quantile',
  'host.name',
  '2xx',
  '_x',
  'ünï',
  'k8s.pod.name',
  '',
];
const STRINGS = ['', 'a', 'user', 'system', 'ü€😀', 'x'.repeat(150), 'a;b', 'with "quotes"\n'];

function value(r: Rng): AnyValue {
  switch (r.int(6)) {
    case 0:
      return { intValue: BigInt(r.int(2000) - 1000) };
    case 1:
      return { boolValue: r.chance(0.5) };
    case 2:
      return { doubleValue: r.pick([0.5, -1.25, 1e21, 3]) };
    case 3:
      return { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1n }] } };
    default:
      return { stringValue: r.pick(STRINGS) };
  }
}

function attributes(r: Rng, max: number): KeyValue[] {
  const out: KeyValue[] = [];
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) out.push({ key: r.pick(KEYS), value: value(r) });
  return out;
}

const BASE_NS = 1_700_000_000_000_000_000n;

function exemplars(r: Rng): Exemplar[] {
  if (!r.chance(0.4)) return [];
  return Array.from({ length: 1 + r.int(3) }, () => ({
    filteredAttributes: r.chance(0.5) ? [{ key: 'user', value: { stringValue: r.pick(STRINGS) } }] : [],
    timeUnixNano: BASE_NS + BigInt(r.int(5)) * 1_000_000n,
    ...(r.chance(0.7) ? { asDouble: r.pick([0.05, 0.3, 2, 100, Number.NaN]) } : { asInt: BigInt(r.int(10)) }),
    traceId: r.chance(0.8) ? Uint8Array.from({ length: 16 }, () => r.int(256)) : new Uint8Array(16),
    spanId: r.chance(0.8) ? Uint8Array.from({ length: 8 }, () => r.int(256)) : new Uint8Array(0),
  }));
}

function metric(r: Rng): Metric {
  const name = r.pick(['http.requests', 'http_requests', 'latency', '2xx', 'up', '...', 'x.total', 'q']);
  const unit = r.pick(['', 'By', 's', '1', '{req}', 'ms', 'By/s']);
  const temporality = r.pick([2, 2, 2, 1, 0]);
  // points reuse a few attribute sets: repeated series, at times out of order
  const sets = Array.from({ length: 1 + r.int(3) }, () => attributes(r, 4));
  const base = () => ({
    attributes: r.pick(sets),
    startTimeUnixNano: BASE_NS - 1_000_000_000n,
    timeUnixNano: BASE_NS + BigInt(r.int(4)) * 1_000_000n + BigInt(r.int(3)),
    flags: r.chance(0.15) ? 1 : 0,
  });
  const n = r.int(6);
  const m: Metric = { name, unit, description: r.pick(['', 'help text']), metadata: [] };
  switch (r.int(7)) {
    case 0:
      m.gauge = {
        dataPoints: Array.from({ length: n }, () => ({
          ...base(),
          ...(r.chance(0.5) ? { asDouble: r.pick([0, -0, 1.5, -2]) } : { asInt: BigInt(r.int(100)) }),
          exemplars: exemplars(r),
        })),
      };
      break;
    case 1:
    case 2:
      m.sum = {
        aggregationTemporality: temporality,
        isMonotonic: r.chance(0.7),
        dataPoints: Array.from({ length: n }, () => ({
          ...base(),
          asDouble: r.next() * 100,
          exemplars: exemplars(r),
        })),
      };
      break;
    case 3: {
      const bounds = r.pick([[], [0.1], [0.1, 0.5, 2.5], [1e-7, 1, 1e22], [5, 1]]);
      m.histogram = {
        aggregationTemporality: temporality,
        dataPoints: Array.from({ length: n }, () => ({
          ...base(),
          count: 10n,
          ...(r.chance(0.8) ? { sum: r.next() * 10 } : {}),
          // now and then a count past 2^53 (the running count must go on exactly as a bigint)
          bucketCounts: Array.from({ length: bounds.length + (r.chance(0.9) ? 1 : 0) }, () =>
            r.chance(0.03) ? 2n ** 53n + BigInt(r.int(5)) : BigInt(r.int(5)),
          ),
          explicitBounds: bounds,
          exemplars: exemplars(r),
        })),
      };
      break;
    }
    case 4:
      m.exponentialHistogram = {
        aggregationTemporality: temporality,
        dataPoints: Array.from({ length: n }, () => ({
          ...base(),
          count: BigInt(r.int(50)),
          ...(r.chance(0.8) ? { sum: r.next() * 10 } : {}),
          scale: r.int(18) - 6,
          zeroCount: BigInt(r.int(3)),
          positive: {
            offset: r.int(10) - 5,
            bucketCounts: Array.from({ length: r.int(8) }, () => BigInt(r.int(4))),
          },
          negative: {
            offset: r.int(4),
            bucketCounts: Array.from({ length: r.int(3) }, () => BigInt(r.int(4))),
          },
          exemplars: [],
          zeroThreshold: r.pick([0, 1e-9]),
        })),
      };
      break;
    case 5:
      m.summary = {
        dataPoints: Array.from({ length: n }, () => ({
          ...base(),
          count: BigInt(r.int(9)),
          sum: r.next(),
          quantileValues: r.pick([
            [],
            [{ quantile: 0.5, value: 1 }],
            [
              { quantile: 0.99, value: 2 },
              { quantile: 1e-7, value: 0 },
            ],
          ]),
        })),
      };
      break;
    default: // no data type
  }
  return m;
}

function request(r: Rng): MetricsData {
  const resources: ResourceMetrics[] = [];
  const nr = 1 + r.int(3);
  for (let i = 0; i < nr; i++) {
    const attrs: KeyValue[] = [];
    if (r.chance(0.8)) attrs.push({ key: 'service.name', value: { stringValue: r.pick(['a', 'b']) } });
    if (r.chance(0.3)) attrs.push({ key: 'service.namespace', value: { stringValue: 'ns' } });
    if (r.chance(0.6)) attrs.push({ key: 'service.instance.id', value: { stringValue: 'i-1' } });
    attrs.push(...attributes(r, 3));
    const scopes = Array.from({ length: 1 + r.int(2) }, () => ({
      scope: {
        name: r.pick(['', 'lib', 'lib']),
        version: r.pick(['', '1.0']),
        attributes: r.chance(0.2) ? [{ key: 'x.y', value: { stringValue: 'v' } }] : [],
        droppedAttributesCount: 0,
      },
      schemaUrl: r.pick(['', 'https://opentelemetry.io/schemas/1.21.0']),
      metrics: Array.from({ length: r.int(5) }, () => metric(r)),
    }));
    resources.push({
      resource: { attributes: attrs, droppedAttributesCount: 0, entityRefs: [] },
      scopeMetrics: scopes,
      schemaUrl: '',
    });
    // the same resource twice in one request (two exports merged into one batch)
    if (r.chance(0.2)) resources.push(structuredClone(resources[resources.length - 1]));
  }
  return { resourceMetrics: resources };
}

function settings(r: Rng): EncoderSettings {
  return {
    namespace: r.pick(['', '', 'my-ns']),
    addMetricSuffixes: r.chance(0.7),
    targetInfo: r.chance(0.8),
    resourceToTelemetry: { enabled: r.chance(0.3), exclude_service_attributes: r.chance(0.5) },
    scopeLabels: r.chance(0.8),
    emptyScopeLabels: false,
    extraLabels: r.pick([
      [],
      [['cluster', 'c1']],
      [
        ['job', 'external'],
        ['__x', 'y'],
      ],
      [['host_name', 'h']],
    ]),
    maxBytes: r.pick([150, 600, 3000, 3_000_000]),
    sendMetadata: r.chance(0.5),
  };
}

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: string }[];
    exemplars: { labels: { name: string; value: string }[]; value: number; timestamp: string }[];
    histograms: Record<string, unknown>[];
  }[];
  metadata: { type: number; metricFamilyName: string; help: string; unit: string }[];
}

function decode(body: Buffer): { decoded: Decoded; raw: Buffer } {
  const raw = uncompressSync(body) as Buffer;
  const decoded = WriteRequest.toObject(WriteRequest.decode(raw), {
    longs: String,
    defaults: true,
  }) as Decoded;
  return { decoded, raw };
}

/** The model's series in the decoded shape. */
function modelSeries(s: PromSeries) {
  return {
    labels: s.labels.map(([name, value]) => ({ name, value })),
    samples: s.samples.map((x) => ({ value: x.value, timestamp: String(x.timestampMs) })),
    exemplars: s.exemplars.map((e) => ({
      labels: e.labels.map(([name, value]) => ({ name, value })),
      value: e.value,
      timestamp: String(e.timestampMs),
    })),
    histograms: s.histograms.map(modelHistogram),
  };
}

function modelHistogram(h: NativeHistogram): Record<string, unknown> {
  return {
    countInt: String(h.count ?? 0n),
    countFloat: h.countFloat ?? 0,
    sum: h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCountInt: String(h.zeroCount),
    negativeSpans: h.negativeSpans,
    negativeDeltas: h.negativeDeltas.map(String),
    positiveSpans: h.positiveSpans,
    positiveDeltas: h.positiveDeltas.map(String),
    timestamp: String(h.timestampMs),
  };
}

describe('remote write encoder (one pass) against the translation model and the previous encoder', () => {
  it('writes exactly the model’s series, samples, exemplars, native histograms and metadata for seeded random requests', () => {
    let merged = 0;
    let cut = 0;
    let requests = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const md = request(r);
      const s = settings(r);
      const model = otlpToSeries(md, s);
      // an encoder that has seen another request first (what it keeps across requests must not leak into this one)
      const enc = new WriteRequestEncoder(s);
      enc.encode(request(rng(seed + 10_000)));
      const out = enc.encode(md);
      // what the exporter sent before: the model's series through the previous encoder, request by request
      const before = encodeWriteRequests(model.series, s.sendMetadata ? model.metadata : [], s.maxBytes);
      // decoded with the prompb definitions, request by request (the same cuts) ...
      expect(
        out.bodies.map((b) => decode(b).decoded),
        `seed ${seed}`,
      ).toEqual(before.map((b) => decode(compressSync(b.body)).decoded));
      // ... and byte for byte (field order, omitted defaults, the stale NaN's bits)
      for (let i = 0; i < before.length; i++)
        expect(
          (uncompressSync(out.bodies[i]) as Buffer).equals(before[i].body),
          `seed ${seed} request ${i}`,
        ).toBe(true);
      requests += before.length;
      const got: Decoded['timeseries'] = [];
      const metadata: Decoded['metadata'] = [];
      out.bodies.forEach((body, i) => {
        const { decoded, raw } = decode(body);
        got.push(...decoded.timeseries);
        metadata.push(...decoded.metadata);
        // a request passes max_batch_size_bytes only when it is one series alone
        if (raw.length > s.maxBytes)
          expect(decoded.timeseries.length + decoded.metadata.length, `seed ${seed}`).toBe(1);
        const samples = decoded.timeseries.reduce((n, t) => n + t.samples.length + t.histograms.length, 0);
        expect(out.samples[i], `seed ${seed}`).toBe(samples);
      });
      if (out.bodies.length > 1) cut++;
      if (model.series.some((x) => x.samples.length + x.histograms.length > 1)) merged++;
      expect(got, `seed ${seed}`).toEqual(model.series.map(modelSeries));
      expect(metadata, `seed ${seed}`).toEqual(
        s.sendMetadata
          ? model.metadata.map((m) => ({
              type: m.type,
              metricFamilyName: m.family,
              help: m.help,
              unit: m.unit,
            }))
          : [],
      );
      expect(
        { series: out.series, samples: out.sampleCount, dropped: out.dropped, reasons: out.reasons },
        `seed ${seed}`,
      ).toEqual({
        series: model.series.length,
        samples: model.sampleCount,
        dropped: model.dropped,
        reasons: model.reasons,
      });
    }
    // the seeds cover what they are meant to: repeated series merged, requests cut
    expect(merged).toBeGreaterThan(20);
    expect(cut).toBeGreaterThan(20);
    expect(requests).toBeGreaterThan(1000);
  });

  it('writes the stale marker’s exact bits (0x7ff0000000000002), for samples and native histograms', () => {
    const stale = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
    const md: MetricsData = {
      resourceMetrics: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeMetrics: [
            {
              scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
              schemaUrl: '',
              metrics: [
                {
                  name: 'g',
                  unit: '',
                  description: '',
                  metadata: [],
                  gauge: {
                    dataPoints: [
                      {
                        attributes: [],
                        startTimeUnixNano: 0n,
                        timeUnixNano: BASE_NS,
                        asDouble: 1,
                        exemplars: [],
                        flags: 1,
                      },
                    ],
                  },
                },
                {
                  name: 'h',
                  unit: '',
                  description: '',
                  metadata: [],
                  exponentialHistogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        attributes: [],
                        startTimeUnixNano: 0n,
                        timeUnixNano: BASE_NS,
                        count: 3n,
                        sum: 1,
                        scale: 0,
                        zeroCount: 0n,
                        positive: { offset: 0, bucketCounts: [3n] },
                        negative: { offset: 0, bucketCounts: [] },
                        flags: 1,
                        exemplars: [],
                        zeroThreshold: 0,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const out = new WriteRequestEncoder({
      ...settings(rng(1)),
      maxBytes: 3_000_000,
      targetInfo: false,
    }).encode(md);
    const { decoded, raw } = decode(out.bodies[0]);
    expect(Number.isNaN(decoded.timeseries[0].samples[0].value)).toBe(true);
    // Sample.value (tag 0x09), histogram count_float (0x11) and sum (0x19): the bits themselves
    for (const tag of [0x09, 0x11, 0x19])
      expect(raw.includes(Buffer.concat([Buffer.of(tag), stale])), `tag ${tag}`).toBe(true);
  });

  it('holds one request at a time: the buffer does not grow with the number of series', () => {
    const enc = new WriteRequestEncoder({ ...settings(rng(2)), maxBytes: 64 * 1024, sendMetadata: false });
    const dataPoints = Array.from({ length: 20_000 }, (_, i) => ({
      attributes: [{ key: 'i', value: { intValue: BigInt(i) } }],
      startTimeUnixNano: 0n,
      timeUnixNano: BASE_NS,
      asDouble: i,
      exemplars: [],
      flags: 0,
    }));
    const md: MetricsData = {
      resourceMetrics: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeMetrics: [
            {
              scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
              schemaUrl: '',
              metrics: [{ name: 'g', unit: '', description: '', metadata: [], gauge: { dataPoints } }],
            },
          ],
        },
      ],
    };
    const out = enc.encode(md);
    expect(out.series).toBe(20_000);
    expect(out.bodies.length).toBeGreaterThan(5);
    expect(enc.w.buf.length).toBeLessThanOrEqual(256 * 1024);
  });
});

describe('repeated series in a large request', () => {
  it('are found after the set of label hashes has grown, in the first request and later ones', () => {
    const enc = new WriteRequestEncoder({ ...settings(rng(3)), maxBytes: 1 << 24, sendMetadata: false });
    const point = (i: number, v: number) => ({
      attributes: [{ key: 'i', value: { intValue: BigInt(i) } }],
      startTimeUnixNano: 0n,
      timeUnixNano: BASE_NS + BigInt(v) * 1_000_000n,
      asDouble: v,
      exemplars: [],
      flags: 0,
    });
    const request = (n: number, repeat: number[]): MetricsData => {
      const dataPoints = Array.from({ length: n }, (_, i) => point(i, 0));
      for (const i of repeat) dataPoints.push(point(i, 1));
      return {
        resourceMetrics: [
          {
            resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
            schemaUrl: '',
            scopeMetrics: [
              {
                scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
                schemaUrl: '',
                metrics: [{ name: 'g', unit: '', description: '', metadata: [], gauge: { dataPoints } }],
              },
            ],
          },
        ],
      };
    };
    // series 0 and 1 come again after 10k others: the set grew several times meanwhile
    for (const repeat of [[0], [1, 0], [9_999], []]) {
      const out = enc.encode(request(10_000, repeat));
      expect(out.sampleCount).toBe(10_000 + repeat.length);
      const ids = out.bodies
        .flatMap((b) => decode(b).decoded.timeseries)
        .map((ts) => ts.labels.find((l) => l.name === 'i')?.value);
      expect(ids.length).toBe(10_000); // each repeat merged into its series, not a series of its own
      expect(new Set(ids).size).toBe(10_000);
    }
  });
});

describe('label hash', () => {
  it('is the same for a label whose value is hashed from the written bytes and one encoded beforehand', () => {
    for (const [name, value] of [
      ['job', ''],
      ['cpu', 'cpu7'],
      ['k', 'ü€😀'],
      ['long', 'x'.repeat(300)],
    ]) {
      const [s1, s2] = nameSeeds(name);
      const bytes = Buffer.from(`prefix${value}`);
      valueHash(s1, s2, bytes, 6, bytes.length);
      expect([lanes.a, lanes.b], `${name}=${value}`).toEqual(labelHash(name, value));
    }
    // and different values differ
    const [s1, s2] = nameSeeds('cpu');
    valueHash(s1, s2, Buffer.from('cpu8'), 0, 4);
    expect([lanes.a, lanes.b]).not.toEqual(labelHash('cpu', 'cpu7'));
  });
});
