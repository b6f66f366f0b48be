// metrics.proto: ExportMetricsServiceRequest (same wire shape as MetricsData) <-> MetricsData.
import type {
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  Gauge,
  Histogram,
  HistogramDataPoint,
  Metric,
  MetricsData,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../pdata/types.js';
import type { DecodeBudget } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { atPath } from './errors.js';
import {
  checkId,
  decodeLevel,
  decodeResource,
  decodeScope,
  decodeTop,
  EMPTY_BYTES,
  newResource,
  newScope,
  pushKeyValue,
  sizeKeyValues,
  sizeLevel,
  sizeResourceField,
  sizeScopeField,
  varintSizeU,
  writeKeyValues,
  writeLevelTail,
  writeResourceField,
  writeScopeField,
} from './proto-common.js';
import {
  encodedTopSize,
  encodeTop,
  int32Size,
  lenFieldSize,
  Reader,
  reserve,
  sizes,
  strField,
  type TopCodec,
  uint64Size,
  varintSize,
  type Writer,
  WT_I64,
  WT_LEN,
  WT_VARINT,
} from './proto-wire.js';

// ---------------------------------------------------------------- decode

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeMetrics(buf: Uint8Array, budget?: DecodeBudget): MetricsData {
  return { resourceMetrics: decodeTop(new Reader(buf, budget), 'resource_metrics', decodeResourceMetrics) };
}

function decodeResourceMetrics(r: Reader): ResourceMetrics {
  const l = decodeLevel(
    r,
    COST.resourceLevel,
    'resource',
    decodeResource,
    'scope_metrics',
    decodeScopeMetrics,
  );
  return { resource: l.head ?? newResource(), scopeMetrics: l.items, schemaUrl: l.schemaUrl };
}

function decodeScopeMetrics(r: Reader): ScopeMetrics {
  const l = decodeLevel(r, COST.scopeLevel, 'scope', decodeScope, 'metrics', decodeMetric);
  return { scope: l.head ?? newScope(), metrics: l.items, schemaUrl: l.schemaUrl };
}

/** Decodes a length-delimited sub-message at field `name` with the path annotated. */
function sub<T>(r: Reader, t: number, name: string, dec: (r: Reader) => T): T {
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  try {
    return dec(r);
  } catch (e) {
    throw atPath(e, name);
  }
}

/** Decodes one element of a repeated message field into `list`. */
function push<T>(r: Reader, t: number, name: string, list: T[], dec: (r: Reader) => T): void {
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  try {
    list.push(dec(r));
  } catch (e) {
    throw atPath(e, name, list.length);
  }
}

function decodeMetric(r: Reader): Metric {
  const pe = r.enter(COST.metric);
  const stop = r.want;
  const m: Metric = { name: '', description: '', unit: '', metadata: [] };
  let data: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary' | undefined;
  let value: unknown;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('name', t, WT_LEN);
        m.name = r.string();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('description', t, WT_LEN);
        m.description = r.string();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('unit', t, WT_LEN);
        m.unit = r.string();
        break;
      case 5:
        data = 'gauge';
        value = sub(r, t, 'gauge', decodeGauge);
        break;
      case 7:
        data = 'sum';
        value = sub(r, t, 'sum', decodeSum);
        break;
      case 9:
        data = 'histogram';
        value = sub(r, t, 'histogram', decodeHistogram);
        break;
      case 10:
        data = 'exponentialHistogram';
        value = sub(r, t, 'exponential_histogram', decodeExpHistogram);
        break;
      case 11:
        data = 'summary';
        value = sub(r, t, 'summary', decodeSummary);
        break;
      case 12:
        pushKeyValue(r, t, m.metadata, 'metadata');
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  if (data !== undefined) (m as any)[data] = value;
  return m;
}

function decodeGauge(r: Reader): Gauge {
  const pe = r.enter(COST.metricData);
  const stop = r.want;
  const dataPoints: NumberDataPoint[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) push(r, t, 'data_points', dataPoints, decodeNumberDataPoint);
    else r.skip(t);
  }
  r.leave(pe, stop);
  return { dataPoints };
}

function decodeSum(r: Reader): Sum {
  const pe = r.enter(COST.metricData);
  const stop = r.want;
  const dataPoints: NumberDataPoint[] = [];
  let aggregationTemporality = 0;
  let isMonotonic = false;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        push(r, t, 'data_points', dataPoints, decodeNumberDataPoint);
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('aggregation_temporality', t, WT_VARINT);
        aggregationTemporality = r.int32();
        break;
      case 3:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('is_monotonic', t, WT_VARINT);
        isMonotonic = r.bool();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { dataPoints, aggregationTemporality, isMonotonic };
}

function decodeHistogram(r: Reader): Histogram {
  const pe = r.enter(COST.metricData);
  const stop = r.want;
  const dataPoints: HistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        push(r, t, 'data_points', dataPoints, decodeHistogramDataPoint);
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('aggregation_temporality', t, WT_VARINT);
        aggregationTemporality = r.int32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { dataPoints, aggregationTemporality };
}

function decodeExpHistogram(r: Reader): ExponentialHistogram {
  const pe = r.enter(COST.metricData);
  const stop = r.want;
  const dataPoints: ExponentialHistogramDataPoint[] = [];
  let aggregationTemporality = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        push(r, t, 'data_points', dataPoints, decodeExpDataPoint);
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('aggregation_temporality', t, WT_VARINT);
        aggregationTemporality = r.int32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { dataPoints, aggregationTemporality };
}

function decodeSummary(r: Reader): Summary {
  const pe = r.enter(COST.metricData);
  const stop = r.want;
  const dataPoints: SummaryDataPoint[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) push(r, t, 'data_points', dataPoints, decodeSummaryDataPoint);
    else r.skip(t);
  }
  r.leave(pe, stop);
  return { dataPoints };
}

function decodeNumberDataPoint(r: Reader): NumberDataPoint {
  const pe = r.enter(COST.numberPoint);
  const stop = r.want;
  const p: NumberDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
  };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 7:
        pushKeyValue(r, t, p.attributes, 'attributes');
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('start_time_unix_nano', t, WT_I64);
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        if ((t & 7) !== WT_I64) throw r.wrongType('as_double', t, WT_I64);
        p.asDouble = r.double();
        p.asInt = undefined;
        break;
      case 6:
        if ((t & 7) !== WT_I64) throw r.wrongType('as_int', t, WT_I64);
        p.asInt = r.sfixed64();
        p.asDouble = undefined;
        break;
      case 5:
        push(r, t, 'exemplars', p.exemplars, decodeExemplar);
        break;
      case 8:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('flags', t, WT_VARINT);
        p.flags = r.uint32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  if (p.asDouble === undefined) delete p.asDouble;
  if (p.asInt === undefined) delete p.asInt;
  return p;
}

/** Repeated fixed64, packed (wire type 2) or not (wire type 1). */
function readFixed64s(r: Reader, t: number, name: string, out: bigint[]): void {
  if ((t & 7) === WT_I64) {
    r.budget.charge(COST.bigintElement);
    out.push(r.fixed64());
    return;
  }
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  const stop = r.lenEnd();
  if ((stop - r.pos) % 8 !== 0) throw r.fail(`packed ${name} length ${stop - r.pos} is not a multiple of 8`);
  const n = (stop - r.pos) / 8;
  r.budget.charge(n * COST.bigintElement, n);
  while (r.pos < stop) out.push(r.fixed64());
}

function readDoubles(r: Reader, t: number, name: string, out: number[]): void {
  if ((t & 7) === WT_I64) {
    r.budget.charge(COST.doubleElement);
    out.push(r.double());
    return;
  }
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  const stop = r.lenEnd();
  if ((stop - r.pos) % 8 !== 0) throw r.fail(`packed ${name} length ${stop - r.pos} is not a multiple of 8`);
  const n = (stop - r.pos) / 8;
  r.budget.charge(n * COST.doubleElement, n);
  while (r.pos < stop) out.push(r.double());
}

function readUint64s(r: Reader, t: number, name: string, out: bigint[]): void {
  if ((t & 7) === WT_VARINT) {
    r.budget.charge(COST.bigintElement);
    out.push(r.uint64());
    return;
  }
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  const stop = r.lenEnd();
  const end = r.end;
  r.end = stop; // a varint must not run past the packed field
  const budget = r.budget;
  while (r.pos < stop) {
    budget.charge(COST.bigintElement);
    out.push(r.uint64());
  }
  r.end = end;
}

function decodeHistogramDataPoint(r: Reader): HistogramDataPoint {
  const pe = r.enter(COST.histogramPoint);
  const stop = r.want;
  const p: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
  };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 9:
        pushKeyValue(r, t, p.attributes, 'attributes');
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('start_time_unix_nano', t, WT_I64);
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        if ((t & 7) !== WT_I64) throw r.wrongType('count', t, WT_I64);
        p.count = r.fixed64();
        break;
      case 5:
        if ((t & 7) !== WT_I64) throw r.wrongType('sum', t, WT_I64);
        p.sum = r.double();
        break;
      case 6:
        readFixed64s(r, t, 'bucket_counts', p.bucketCounts);
        break;
      case 7:
        readDoubles(r, t, 'explicit_bounds', p.explicitBounds);
        break;
      case 8:
        push(r, t, 'exemplars', p.exemplars, decodeExemplar);
        break;
      case 10:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('flags', t, WT_VARINT);
        p.flags = r.uint32();
        break;
      case 11:
        if ((t & 7) !== WT_I64) throw r.wrongType('min', t, WT_I64);
        p.min = r.double();
        break;
      case 12:
        if ((t & 7) !== WT_I64) throw r.wrongType('max', t, WT_I64);
        p.max = r.double();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return p;
}

function decodeBuckets(r: Reader): ExponentialHistogramBuckets {
  const pe = r.enter(COST.buckets);
  const stop = r.want;
  let offset = 0;
  const bucketCounts: bigint[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('offset', t, WT_VARINT);
        offset = r.sint32();
        break;
      case 2:
        readUint64s(r, t, 'bucket_counts', bucketCounts);
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { offset, bucketCounts };
}

function decodeExpDataPoint(r: Reader): ExponentialHistogramDataPoint {
  const pe = r.enter(COST.expHistogramPoint);
  const stop = r.want;
  const p: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    scale: 0,
    zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        pushKeyValue(r, t, p.attributes, 'attributes');
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('start_time_unix_nano', t, WT_I64);
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        if ((t & 7) !== WT_I64) throw r.wrongType('count', t, WT_I64);
        p.count = r.fixed64();
        break;
      case 5:
        if ((t & 7) !== WT_I64) throw r.wrongType('sum', t, WT_I64);
        p.sum = r.double();
        break;
      case 6:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('scale', t, WT_VARINT);
        p.scale = r.sint32();
        break;
      case 7:
        if ((t & 7) !== WT_I64) throw r.wrongType('zero_count', t, WT_I64);
        p.zeroCount = r.fixed64();
        break;
      case 8:
        p.positive = sub(r, t, 'positive', decodeBuckets);
        break;
      case 9:
        p.negative = sub(r, t, 'negative', decodeBuckets);
        break;
      case 10:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('flags', t, WT_VARINT);
        p.flags = r.uint32();
        break;
      case 11:
        push(r, t, 'exemplars', p.exemplars, decodeExemplar);
        break;
      case 12:
        if ((t & 7) !== WT_I64) throw r.wrongType('min', t, WT_I64);
        p.min = r.double();
        break;
      case 13:
        if ((t & 7) !== WT_I64) throw r.wrongType('max', t, WT_I64);
        p.max = r.double();
        break;
      case 14:
        if ((t & 7) !== WT_I64) throw r.wrongType('zero_threshold', t, WT_I64);
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return p;
}

function decodeQuantile(r: Reader): ValueAtQuantile {
  const pe = r.enter(COST.quantile);
  const stop = r.want;
  let quantile = 0;
  let value = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_I64) throw r.wrongType('quantile', t, WT_I64);
        quantile = r.double();
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('value', t, WT_I64);
        value = r.double();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { quantile, value };
}

function decodeSummaryDataPoint(r: Reader): SummaryDataPoint {
  const pe = r.enter(COST.summaryPoint);
  const stop = r.want;
  const p: SummaryDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 7:
        pushKeyValue(r, t, p.attributes, 'attributes');
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('start_time_unix_nano', t, WT_I64);
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        if ((t & 7) !== WT_I64) throw r.wrongType('count', t, WT_I64);
        p.count = r.fixed64();
        break;
      case 5:
        if ((t & 7) !== WT_I64) throw r.wrongType('sum', t, WT_I64);
        p.sum = r.double();
        break;
      case 6:
        push(r, t, 'quantile_values', p.quantileValues, decodeQuantile);
        break;
      case 8:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('flags', t, WT_VARINT);
        p.flags = r.uint32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return p;
}

function decodeExemplar(r: Reader): Exemplar {
  const pe = r.enter(COST.exemplar);
  const stop = r.want;
  const x: Exemplar = { filteredAttributes: [], timeUnixNano: 0n, spanId: EMPTY_BYTES, traceId: EMPTY_BYTES };
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 7:
        pushKeyValue(r, t, x.filteredAttributes, 'filtered_attributes');
        break;
      case 2:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        x.timeUnixNano = r.fixed64();
        break;
      case 3:
        if ((t & 7) !== WT_I64) throw r.wrongType('as_double', t, WT_I64);
        x.asDouble = r.double();
        delete x.asInt;
        break;
      case 6:
        if ((t & 7) !== WT_I64) throw r.wrongType('as_int', t, WT_I64);
        x.asInt = r.sfixed64();
        delete x.asDouble;
        break;
      case 4:
        if ((t & 7) !== WT_LEN) throw r.wrongType('span_id', t, WT_LEN);
        x.spanId = r.bytes();
        break;
      case 5:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_id', t, WT_LEN);
        x.traceId = r.bytes();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  checkId(x.traceId, 16, 'exemplar.trace_id');
  checkId(x.spanId, 8, 'exemplar.span_id');
  return x;
}

// ---------------------------------------------------------------- encode

/** proto3 emits a double unless its bits are all zero (so -0 and NaN are sent). */
function dblSet(v: number): boolean {
  return v !== 0 || 1 / v < 0;
}

function sint32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

const METRICS: TopCodec<ResourceMetrics> = { size: sizeResourceMetrics, write: writeResourceMetrics };

/** The request's protobuf bytes (headroom, pooled: see encodeTop). */
/** The protobuf size of the request, without encoding it (cheap for spans/records still kept as wire bytes). */
export function encodedMetricsSize(d: MetricsData): number {
  return encodedTopSize(d.resourceMetrics, METRICS);
}

export function encodeMetrics(d: MetricsData, headroom = 0, pooled = false): Uint8Array {
  return encodeTop(d.resourceMetrics, METRICS, headroom, pooled);
}

function sizeResourceMetrics(rm: ResourceMetrics): number {
  const slot = reserve();
  const n = sizeLevel(sizeResourceField(rm.resource), rm.scopeMetrics, sizeScopeMetrics, rm.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeResourceMetrics(w: Writer, rm: ResourceMetrics): void {
  w.len();
  writeResourceField(w, rm.resource);
  writeLevelTail(w, rm.scopeMetrics, writeScopeMetrics, rm.schemaUrl);
}

function sizeScopeMetrics(sm: ScopeMetrics): number {
  const slot = reserve();
  const n = sizeLevel(sizeScopeField(sm.scope), sm.metrics, sizeMetric, sm.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeScopeMetrics(w: Writer, sm: ScopeMetrics): void {
  w.len();
  writeScopeField(w, sm.scope);
  writeLevelTail(w, sm.metrics, writeMetric, sm.schemaUrl);
}

function sizeMetric(m: Metric): number {
  const slot = reserve();
  let n = 0;
  if (m.name !== '') n += strField(m.name);
  if (m.description !== '') n += strField(m.description);
  if (m.unit !== '') n += strField(m.unit);
  if (m.gauge !== undefined) n += lenFieldSize(sizeGauge(m.gauge.dataPoints, 0, undefined));
  else if (m.sum !== undefined)
    n += lenFieldSize(sizeGauge(m.sum.dataPoints, m.sum.aggregationTemporality, m.sum.isMonotonic));
  else if (m.histogram !== undefined) n += lenFieldSize(sizeHistogram(m.histogram));
  else if (m.exponentialHistogram !== undefined) n += lenFieldSize(sizeExpHistogram(m.exponentialHistogram));
  else if (m.summary !== undefined) n += lenFieldSize(sizeSummary(m.summary));
  n += sizeKeyValues(m.metadata, 12);
  sizes.tab[slot] = n;
  return n;
}

function writeMetric(w: Writer, m: Metric): void {
  w.len();
  if (m.name !== '') {
    w.byte(0x0a);
    w.str(m.name);
  }
  if (m.description !== '') {
    w.byte(0x12);
    w.str(m.description);
  }
  if (m.unit !== '') {
    w.byte(0x1a);
    w.str(m.unit);
  }
  if (m.gauge !== undefined) {
    w.byte(0x2a);
    writeGauge(w, m.gauge.dataPoints, 0, undefined);
  } else if (m.sum !== undefined) {
    w.byte(0x3a);
    writeGauge(w, m.sum.dataPoints, m.sum.aggregationTemporality, m.sum.isMonotonic);
  } else if (m.histogram !== undefined) {
    w.byte(0x4a);
    writeHistogram(w, m.histogram);
  } else if (m.exponentialHistogram !== undefined) {
    w.byte(0x52);
    writeExpHistogram(w, m.exponentialHistogram);
  } else if (m.summary !== undefined) {
    w.byte(0x5a);
    writeSummary(w, m.summary);
  }
  writeKeyValues(w, m.metadata, 0x62);
}

/** Gauge and Sum share their shape (Sum adds temporality and monotonicity). */
function sizeGauge(dps: NumberDataPoint[], temporality: number, monotonic: boolean | undefined): number {
  const slot = reserve();
  let n = 0;
  for (let i = 0; i < dps.length; i++) n += lenFieldSize(sizeNumberDataPoint(dps[i]));
  if (temporality !== 0) n += 1 + int32Size(temporality);
  if (monotonic) n += 2;
  sizes.tab[slot] = n;
  return n;
}

function writeGauge(
  w: Writer,
  dps: NumberDataPoint[],
  temporality: number,
  monotonic: boolean | undefined,
): void {
  w.len();
  for (let i = 0; i < dps.length; i++) {
    w.byte(0x0a);
    writeNumberDataPoint(w, dps[i]);
  }
  if (temporality !== 0) {
    w.byte(0x10);
    w.int32(temporality);
  }
  if (monotonic) {
    w.byte(0x18);
    w.byte(1);
  }
}

function sizeNumberDataPoint(p: NumberDataPoint): number {
  const slot = reserve();
  let n = 0;
  if (p.startTimeUnixNano !== 0n) n += 9;
  if (p.timeUnixNano !== 0n) n += 9;
  if (p.asDouble !== undefined) n += 9;
  for (let i = 0; i < p.exemplars.length; i++) n += lenFieldSize(sizeExemplar(p.exemplars[i]));
  if (p.asDouble === undefined && p.asInt !== undefined) n += 9;
  n += sizeKeyValues(p.attributes, 7);
  if (p.flags !== 0) n += 1 + varintSizeU(p.flags);
  sizes.tab[slot] = n;
  return n;
}

function writeNumberDataPoint(w: Writer, p: NumberDataPoint): void {
  w.len();
  if (p.startTimeUnixNano !== 0n) {
    w.byte(0x11);
    w.fixed64(p.startTimeUnixNano);
  }
  if (p.timeUnixNano !== 0n) {
    w.byte(0x19);
    w.fixed64(p.timeUnixNano);
  }
  if (p.asDouble !== undefined) {
    w.byte(0x21);
    w.double(p.asDouble);
  }
  for (let i = 0; i < p.exemplars.length; i++) {
    w.byte(0x2a);
    writeExemplar(w, p.exemplars[i]);
  }
  if (p.asDouble === undefined && p.asInt !== undefined) {
    w.byte(0x31);
    w.sfixed64(p.asInt);
  }
  writeKeyValues(w, p.attributes, 0x3a);
  if (p.flags !== 0) {
    w.byte(0x40);
    w.uint32(p.flags);
  }
}

function sizeExemplar(x: Exemplar): number {
  const slot = reserve();
  let n = 0;
  if (x.timeUnixNano !== 0n) n += 9;
  if (x.asDouble !== undefined) n += 9;
  if (x.spanId.length !== 0) n += lenFieldSize(x.spanId.length);
  if (x.traceId.length !== 0) n += lenFieldSize(x.traceId.length);
  if (x.asDouble === undefined && x.asInt !== undefined) n += 9;
  n += sizeKeyValues(x.filteredAttributes, 7);
  sizes.tab[slot] = n;
  return n;
}

function writeExemplar(w: Writer, x: Exemplar): void {
  w.len();
  if (x.timeUnixNano !== 0n) {
    w.byte(0x11);
    w.fixed64(x.timeUnixNano);
  }
  if (x.asDouble !== undefined) {
    w.byte(0x19);
    w.double(x.asDouble);
  }
  if (x.spanId.length !== 0) {
    w.byte(0x22);
    w.bytes(x.spanId);
  }
  if (x.traceId.length !== 0) {
    w.byte(0x2a);
    w.bytes(x.traceId);
  }
  if (x.asDouble === undefined && x.asInt !== undefined) {
    w.byte(0x31);
    w.sfixed64(x.asInt);
  }
  writeKeyValues(w, x.filteredAttributes, 0x3a);
}

function sizeHistogram(h: Histogram): number {
  const slot = reserve();
  let n = 0;
  for (let i = 0; i < h.dataPoints.length; i++) n += lenFieldSize(sizeHistogramDataPoint(h.dataPoints[i]));
  if (h.aggregationTemporality !== 0) n += 1 + int32Size(h.aggregationTemporality);
  sizes.tab[slot] = n;
  return n;
}

function writeHistogram(w: Writer, h: Histogram): void {
  w.len();
  for (let i = 0; i < h.dataPoints.length; i++) {
    w.byte(0x0a);
    writeHistogramDataPoint(w, h.dataPoints[i]);
  }
  if (h.aggregationTemporality !== 0) {
    w.byte(0x10);
    w.int32(h.aggregationTemporality);
  }
}

function sizeHistogramDataPoint(p: HistogramDataPoint): number {
  const slot = reserve();
  let n = 0;
  if (p.startTimeUnixNano !== 0n) n += 9;
  if (p.timeUnixNano !== 0n) n += 9;
  if (p.count !== 0n) n += 9;
  if (p.sum !== undefined) n += 9;
  if (p.bucketCounts.length !== 0) n += lenFieldSize(8 * p.bucketCounts.length);
  if (p.explicitBounds.length !== 0) n += lenFieldSize(8 * p.explicitBounds.length);
  for (let i = 0; i < p.exemplars.length; i++) n += lenFieldSize(sizeExemplar(p.exemplars[i]));
  n += sizeKeyValues(p.attributes, 9);
  if (p.flags !== 0) n += 1 + varintSizeU(p.flags);
  if (p.min !== undefined) n += 9;
  if (p.max !== undefined) n += 9;
  sizes.tab[slot] = n;
  return n;
}

function writeHistogramDataPoint(w: Writer, p: HistogramDataPoint): void {
  w.len();
  if (p.startTimeUnixNano !== 0n) {
    w.byte(0x11);
    w.fixed64(p.startTimeUnixNano);
  }
  if (p.timeUnixNano !== 0n) {
    w.byte(0x19);
    w.fixed64(p.timeUnixNano);
  }
  if (p.count !== 0n) {
    w.byte(0x21);
    w.fixed64(p.count);
  }
  if (p.sum !== undefined) {
    w.byte(0x29);
    w.double(p.sum);
  }
  if (p.bucketCounts.length !== 0) {
    w.byte(0x32);
    w.uint32(8 * p.bucketCounts.length);
    for (let i = 0; i < p.bucketCounts.length; i++) w.fixed64(p.bucketCounts[i]);
  }
  if (p.explicitBounds.length !== 0) {
    w.byte(0x3a);
    w.uint32(8 * p.explicitBounds.length);
    for (let i = 0; i < p.explicitBounds.length; i++) w.double(p.explicitBounds[i]);
  }
  for (let i = 0; i < p.exemplars.length; i++) {
    w.byte(0x42);
    writeExemplar(w, p.exemplars[i]);
  }
  writeKeyValues(w, p.attributes, 0x4a);
  if (p.flags !== 0) {
    w.byte(0x50);
    w.uint32(p.flags);
  }
  if (p.min !== undefined) {
    w.byte(0x59);
    w.double(p.min);
  }
  if (p.max !== undefined) {
    w.byte(0x61);
    w.double(p.max);
  }
}

function sizeExpHistogram(h: ExponentialHistogram): number {
  const slot = reserve();
  let n = 0;
  for (let i = 0; i < h.dataPoints.length; i++) n += lenFieldSize(sizeExpDataPoint(h.dataPoints[i]));
  if (h.aggregationTemporality !== 0) n += 1 + int32Size(h.aggregationTemporality);
  sizes.tab[slot] = n;
  return n;
}

function writeExpHistogram(w: Writer, h: ExponentialHistogram): void {
  w.len();
  for (let i = 0; i < h.dataPoints.length; i++) {
    w.byte(0x0a);
    writeExpDataPoint(w, h.dataPoints[i]);
  }
  if (h.aggregationTemporality !== 0) {
    w.byte(0x10);
    w.int32(h.aggregationTemporality);
  }
}

function bucketsEmpty(b: ExponentialHistogramBuckets): boolean {
  return b.offset === 0 && b.bucketCounts.length === 0;
}

/** Size of a Buckets field including tag and length (reserves the message slot and the packed slot). */
function sizeBucketsField(b: ExponentialHistogramBuckets): number {
  if (bucketsEmpty(b)) return 0;
  const slot = reserve();
  let n = 0;
  if (b.offset !== 0) n += 1 + varintSize(sint32(b.offset));
  if (b.bucketCounts.length !== 0) {
    const ps = reserve();
    let m = 0;
    for (let i = 0; i < b.bucketCounts.length; i++) m += uint64Size(b.bucketCounts[i]);
    sizes.tab[ps] = m;
    n += lenFieldSize(m);
  }
  sizes.tab[slot] = n;
  return lenFieldSize(n);
}

function writeBucketsField(w: Writer, tag: number, b: ExponentialHistogramBuckets): void {
  if (bucketsEmpty(b)) return;
  w.byte(tag);
  w.len();
  if (b.offset !== 0) {
    w.byte(0x08);
    w.uint32(sint32(b.offset));
  }
  if (b.bucketCounts.length !== 0) {
    w.byte(0x12);
    w.len();
    for (let i = 0; i < b.bucketCounts.length; i++) w.uint64(b.bucketCounts[i]);
  }
}

function sizeExpDataPoint(p: ExponentialHistogramDataPoint): number {
  const slot = reserve();
  let n = sizeKeyValues(p.attributes, 1);
  if (p.startTimeUnixNano !== 0n) n += 9;
  if (p.timeUnixNano !== 0n) n += 9;
  if (p.count !== 0n) n += 9;
  if (p.sum !== undefined) n += 9;
  if (p.scale !== 0) n += 1 + varintSize(sint32(p.scale));
  if (p.zeroCount !== 0n) n += 9;
  n += sizeBucketsField(p.positive);
  n += sizeBucketsField(p.negative);
  if (p.flags !== 0) n += 1 + varintSizeU(p.flags);
  for (let i = 0; i < p.exemplars.length; i++) n += lenFieldSize(sizeExemplar(p.exemplars[i]));
  if (p.min !== undefined) n += 9;
  if (p.max !== undefined) n += 9;
  if (dblSet(p.zeroThreshold)) n += 9;
  sizes.tab[slot] = n;
  return n;
}

function writeExpDataPoint(w: Writer, p: ExponentialHistogramDataPoint): void {
  w.len();
  writeKeyValues(w, p.attributes, 0x0a);
  if (p.startTimeUnixNano !== 0n) {
    w.byte(0x11);
    w.fixed64(p.startTimeUnixNano);
  }
  if (p.timeUnixNano !== 0n) {
    w.byte(0x19);
    w.fixed64(p.timeUnixNano);
  }
  if (p.count !== 0n) {
    w.byte(0x21);
    w.fixed64(p.count);
  }
  if (p.sum !== undefined) {
    w.byte(0x29);
    w.double(p.sum);
  }
  if (p.scale !== 0) {
    w.byte(0x30);
    w.uint32(sint32(p.scale));
  }
  if (p.zeroCount !== 0n) {
    w.byte(0x39);
    w.fixed64(p.zeroCount);
  }
  writeBucketsField(w, 0x42, p.positive);
  writeBucketsField(w, 0x4a, p.negative);
  if (p.flags !== 0) {
    w.byte(0x50);
    w.uint32(p.flags);
  }
  for (let i = 0; i < p.exemplars.length; i++) {
    w.byte(0x5a);
    writeExemplar(w, p.exemplars[i]);
  }
  if (p.min !== undefined) {
    w.byte(0x61);
    w.double(p.min);
  }
  if (p.max !== undefined) {
    w.byte(0x69);
    w.double(p.max);
  }
  if (dblSet(p.zeroThreshold)) {
    w.byte(0x71);
    w.double(p.zeroThreshold);
  }
}

function sizeSummary(s: Summary): number {
  const slot = reserve();
  let n = 0;
  for (let i = 0; i < s.dataPoints.length; i++) n += lenFieldSize(sizeSummaryDataPoint(s.dataPoints[i]));
  sizes.tab[slot] = n;
  return n;
}

function writeSummary(w: Writer, s: Summary): void {
  w.len();
  for (let i = 0; i < s.dataPoints.length; i++) {
    w.byte(0x0a);
    writeSummaryDataPoint(w, s.dataPoints[i]);
  }
}

function quantileSize(q: ValueAtQuantile): number {
  return (dblSet(q.quantile) ? 9 : 0) + (dblSet(q.value) ? 9 : 0);
}

function sizeSummaryDataPoint(p: SummaryDataPoint): number {
  const slot = reserve();
  let n = 0;
  if (p.startTimeUnixNano !== 0n) n += 9;
  if (p.timeUnixNano !== 0n) n += 9;
  if (p.count !== 0n) n += 9;
  if (dblSet(p.sum)) n += 9;
  for (let i = 0; i < p.quantileValues.length; i++) n += lenFieldSize(quantileSize(p.quantileValues[i]));
  n += sizeKeyValues(p.attributes, 7);
  if (p.flags !== 0) n += 1 + varintSizeU(p.flags);
  sizes.tab[slot] = n;
  return n;
}

function writeSummaryDataPoint(w: Writer, p: SummaryDataPoint): void {
  w.len();
  if (p.startTimeUnixNano !== 0n) {
    w.byte(0x11);
    w.fixed64(p.startTimeUnixNano);
  }
  if (p.timeUnixNano !== 0n) {
    w.byte(0x19);
    w.fixed64(p.timeUnixNano);
  }
  if (p.count !== 0n) {
    w.byte(0x21);
    w.fixed64(p.count);
  }
  if (dblSet(p.sum)) {
    w.byte(0x29);
    w.double(p.sum);
  }
  for (let i = 0; i < p.quantileValues.length; i++) {
    const q = p.quantileValues[i];
    w.byte(0x32);
    w.uint32(quantileSize(q));
    if (dblSet(q.quantile)) {
      w.byte(0x09);
      w.double(q.quantile);
    }
    if (dblSet(q.value)) {
      w.byte(0x11);
      w.double(q.value);
    }
  }
  writeKeyValues(w, p.attributes, 0x3a);
  if (p.flags !== 0) {
    w.byte(0x40);
    w.uint32(p.flags);
  }
}
