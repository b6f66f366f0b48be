// Assembles one scrape's points into OTLP metrics as the collector's
// metricfamily.go does, and sets start times like its metrics adjuster
// (metrics_adjuster.go, starttimemetricadjuster.go).
import { EMPTY_BYTES, newResourceMetrics, newScope, newScopeMetrics } from '../../../src/pdata/create.js';
import {
  defineLazyHistogramPoints,
  defineLazyNumberPoints,
  lazyPointCount,
} from '../../../src/pdata/lazy-points.js';
import type {
  Exemplar,
  HistogramDataPoint,
  KeyValue,
  Metric,
  MetricsData,
  NumberDataPoint,
  ResourceMetrics,
  SummaryDataPoint,
} from '../../../src/pdata/types.js';
import { AggregationTemporality } from '../../../src/pdata/types.js';
import { trimPromSuffixes } from '../../../src/translator/prometheus/from-prometheus-names.js';
import { scrapeResourceAttributes } from '../../../src/translator/prometheus/from-prometheus-resource.js';
import type { ParsedExemplar } from '../exposition/types.js';
import {
  type DistributionState,
  type FamilyState,
  type GroupState,
  HAS_COUNT,
  HAS_START,
  HAS_SUM,
  HAS_VALUE,
  type ResourceState,
  type ScopeState,
  STALE,
} from './state.js';
import type { TargetSeries, Touched } from './target-series.js';

/** The collector's receiver scope name (internal/metadata ScopeName). */
export const SCOPE_NAME =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver';
const NO_RECORDED_VALUE = 1;

export type StartTimeMode =
  | { kind: 'initial_point' }
  /** use_start_time_metric: every cumulative point starts at the value of this metric. */
  | { kind: 'start_time_metric'; regex: RegExp | undefined };

export interface BuildOptions {
  trimSuffixes: boolean;
  scopeVersion: string;
  startTime: StartTimeMode;
  /** Gauge and sum points made as objects at once instead of kept as columns (the tests' slow path). */
  eagerPoints?: boolean;
}

export class StartTimeMissingError extends Error {}

let lastMs = Number.NaN;
let lastNs = 0n;
/** Milliseconds to nanoseconds; the points of a scrape share one time, so the last conversion is reused. */
function msToNs(ms: number): bigint {
  if (ms !== lastMs) {
    lastMs = ms;
    lastNs = BigInt(Math.trunc(ms)) * 1_000_000n;
  }
  return lastNs;
}

/** timestampFromFloat64: whole seconds and the fraction's nanoseconds. */
export function secondsToNs(s: number): bigint {
  const secs = Math.trunc(s);
  return BigInt(secs) * 1_000_000_000n + BigInt(Math.trunc((s - secs) * 1e9));
}

function attrs(flat: string[]): KeyValue[] {
  const out: KeyValue[] = new Array(flat.length / 2);
  for (let i = 0, j = 0; i < flat.length; i += 2, j++)
    out[j] = { key: flat[i], value: { stringValue: flat[i + 1] } };
  return out;
}

/** The bigints 0..1023, made once: most bucket counts are small (bigints are immutable, so shared). */
const SMALL_COUNTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** Go's float64 → uint64 for counts: what a sane exposition sends; garbage becomes 0. */
function toCount(v: number): bigint {
  if (!(Number.isFinite(v) && v > 0)) return 0n;
  const n = Math.trunc(v);
  return n < 1024 ? SMALL_COUNTS[n] : BigInt(n);
}

export function buildMetrics(
  touched: Touched,
  series: TargetSeries,
  discovered: ReadonlyMap<string, string>,
  opts: BuildOptions,
): MetricsData {
  const byResource = new Map<ResourceState, Map<ScopeState, FamilyState[]>>();
  for (const fam of touched.families) {
    const res = fam.scope.resource;
    let scopes = byResource.get(res);
    if (!scopes) {
      scopes = new Map();
      byResource.set(res, scopes);
    }
    let list = scopes.get(fam.scope);
    if (!list) {
      list = [];
      scopes.set(fam.scope, list);
    }
    list.push(fam);
  }
  const startOverride =
    opts.startTime.kind === 'start_time_metric' ? findStartTime(touched, opts.startTime.regex) : undefined;
  const resourceMetrics: ResourceMetrics[] = [];
  for (const [res, scopes] of byResource) {
    const rm = newResourceMetrics();
    rm.resource.attributes = scrapeResourceAttributes(res.job, res.instance, discovered);
    if (res.infoIter === touched.iter)
      for (const [k, v] of res.info) {
        const kv = rm.resource.attributes.find((a) => a.key === k);
        if (kv) kv.value = { stringValue: v };
        else rm.resource.attributes.push({ key: k, value: { stringValue: v } });
      }
    for (const [scope, families] of scopes) {
      const sm = newScopeMetrics(scopeOf(scope, res, touched.iter, opts.scopeVersion));
      if (scope.schemaUrl) sm.schemaUrl = scope.schemaUrl;
      for (const fam of families) {
        const m = buildMetric(fam, series, opts, startOverride);
        if (m) sm.metrics.push(m);
      }
      if (sm.metrics.length) rm.scopeMetrics.push(sm);
    }
    if (rm.scopeMetrics.length) resourceMetrics.push(rm);
  }
  return { resourceMetrics };
}

function scopeOf(scope: ScopeState, res: ResourceState, iter: number, version: string) {
  const isDefault = !scope.name && !scope.version && !scope.schemaUrl && scope.attributes.length === 0;
  if (isDefault && !(res.infoIter === iter && res.scopeInfo.has('\u000f\u000f')))
    return newScope(SCOPE_NAME, version);
  const s = newScope(scope.name, scope.version);
  const merged = new Map<string, string>();
  if (res.infoIter === iter)
    for (const [k, v] of res.scopeInfo.get(`${scope.name}\u000f${scope.version}\u000f${scope.schemaUrl}`) ??
      [])
      merged.set(k, v);
  for (const [k, v] of scope.attributes) merged.set(k, v); // otel_scope_ labels win over otel_scope_info
  for (const [k, v] of merged) s.attributes.push({ key: k, value: { stringValue: v } });
  return s;
}

function findStartTime(touched: Touched, regex: RegExp | undefined): bigint {
  for (const fam of touched.families) {
    if (fam.kind === 'histogram' || fam.kind === 'summary') continue;
    for (const g of fam.groups) {
      const name = g.otlpName;
      const match = regex ? regex.test(name) : name === 'process_start_time_seconds';
      if (match && (g.flags & HAS_VALUE) !== 0 && (g.flags & STALE) === 0) return secondsToNs(g.value);
    }
  }
  throw new StartTimeMissingError('start time metric not found in the scrape (use_start_time_metric)');
}

function buildMetric(
  fam: FamilyState,
  series: TargetSeries,
  opts: BuildOptions,
  startOverride: bigint | undefined,
): Metric | undefined {
  const md = series.metadataFor(fam.metadataName);
  const groups = fam.groups;
  let name = fam.familyKey;
  if (fam.kind === 'gauge' || fam.kind === 'sum' || fam.kind === 'monotonic_sum') {
    const first = groups.find((g) => (g.flags & HAS_VALUE) !== 0 || (g.flags & STALE) !== 0);
    if (!first) return undefined;
    name = first.otlpName || name;
  }
  if (opts.trimSuffixes)
    name = trimPromSuffixes(name, fam.kind === 'sum' || fam.kind === 'monotonic_sum', md?.unit ?? '');
  const metric: Metric = { name, description: md?.help ?? '', unit: md?.unit ?? '', metadata: [] };
  const adjust = opts.startTime.kind === 'initial_point';
  switch (fam.kind) {
    case 'gauge': {
      const gauge = { dataPoints: [] as NumberDataPoint[] };
      setNumberPoints(gauge, groups, () => 0n, opts.eagerPoints === true);
      metric.gauge = gauge;
      break;
    }
    case 'sum':
    case 'monotonic_sum': {
      const sum = {
        dataPoints: [] as NumberDataPoint[],
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        isMonotonic: fam.kind === 'monotonic_sum',
      };
      setNumberPoints(
        sum,
        groups,
        (g) => {
          const start = startOverride ?? (adjust ? adjustStart(g, g.value < g.prevValue) : ownStart(g));
          if ((g.flags & STALE) === 0) g.prevValue = g.value;
          return start;
        },
        opts.eagerPoints === true,
      );
      metric.sum = sum;
      break;
    }
    case 'histogram': {
      const histogram = {
        dataPoints: [] as HistogramDataPoint[],
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
      };
      const startOf = (g: DistributionState) => {
        const start =
          startOverride ??
          (adjust ? adjustStart(g, g.count < g.prevCount || g.sum < g.prevSum) : ownStart(g));
        if ((g.flags & STALE) === 0) {
          g.prevCount = g.count;
          g.prevSum = g.sum;
        }
        return start;
      };
      const dists = groups as DistributionState[];
      if (opts.eagerPoints === true || dists.some((g) => g.exemplars !== undefined)) {
        const points: HistogramDataPoint[] = [];
        for (const g of dists) {
          const p = histogramPoint(g);
          if (!p) continue;
          p.startTimeUnixNano = startOf(g);
          points.push(p);
        }
        histogram.dataPoints = points;
      } else setHistogramColumns(histogram, dists, startOf);
      metric.histogram = histogram;
      break;
    }
    case 'summary': {
      const points: SummaryDataPoint[] = [];
      for (const g of groups as DistributionState[]) {
        const p = summaryPoint(g);
        if (!p) continue;
        p.startTimeUnixNano =
          startOverride ??
          (adjust ? adjustStart(g, g.count < g.prevCount || g.sum < g.prevSum) : ownStart(g));
        if ((g.flags & STALE) === 0) {
          g.prevCount = g.count;
          g.prevSum = g.sum;
        }
        points.push(p);
      }
      metric.summary = { dataPoints: points };
      break;
    }
  }
  const d = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.summary;
  return d && (lazyPointCount(d) ?? d.dataPoints.length) > 0 ? metric : undefined;
}

/**
 * The points of a gauge or sum: the groups with a value or a staleness marker,
 * in order. Kept as columns (src/pdata/lazy-points.ts: no object per point
 * unless someone reads them), or made at once when exemplars come along.
 */
function setNumberPoints(
  body: { dataPoints: NumberDataPoint[] },
  groups: GroupState[],
  startOf: (g: GroupState) => bigint,
  eager: boolean,
): void {
  let n = 0;
  let exemplars = eager;
  for (const g of groups)
    if ((g.flags & (HAS_VALUE | STALE)) !== 0) {
      n++;
      if (g.exemplars) exemplars = true;
    }
  if (exemplars) {
    const points: NumberDataPoint[] = [];
    for (const g of groups)
      if ((g.flags & (HAS_VALUE | STALE)) !== 0) points.push(numberPoint(g, startOf(g)));
    body.dataPoints = points;
    return;
  }
  const cols = {
    length: n,
    attrs: new Array<string[]>(n),
    startTimeUnixNano: new Array<bigint>(n),
    timeUnixNano: new Array<bigint>(n),
    values: new Float64Array(n),
    flags: new Uint8Array(n),
    refs: new Float64Array(n),
  };
  let i = 0;
  for (const g of groups) {
    if ((g.flags & (HAS_VALUE | STALE)) === 0) continue;
    cols.attrs[i] = g.attrs;
    cols.refs[i] = g.ref;
    cols.startTimeUnixNano[i] = startOf(g);
    cols.timeUnixNano[i] = msToNs(g.timeMs);
    if ((g.flags & STALE) !== 0) cols.flags[i] = NO_RECORDED_VALUE;
    else cols.values[i] = g.value;
    i++;
  }
  defineLazyNumberPoints(body, cols);
}

/**
 * The initial-point adjuster: a series' first point keeps its start (its own
 * time, or _created); later points start where the first did, until the value
 * goes down (a reset), which starts a new run at that point's own start.
 */
function adjustStart(g: GroupState, reset: boolean): bigint {
  if ((g.flags & HAS_START) === 0) {
    g.flags |= HAS_START;
    g.startNs = ownStart(g);
  } else if (reset && (g.flags & STALE) === 0) g.startNs = ownStart(g);
  return g.startNs;
}

/** A point's own start: its _created, else its time (metricfamily.go). */
function ownStart(g: GroupState): bigint {
  return g.createdSeconds !== 0 ? secondsToNs(g.createdSeconds) : msToNs(g.timeMs);
}

function numberPoint(g: GroupState, start: bigint): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: attrs(g.attrs),
    startTimeUnixNano: start,
    timeUnixNano: msToNs(g.timeMs),
    exemplars: g.exemplars ? g.exemplars.map(convertExemplar) : [],
    flags: 0,
  };
  if ((g.flags & STALE) !== 0) p.flags = NO_RECORDED_VALUE;
  else p.asDouble = g.value;
  return p;
}

/** Buckets / quantiles by boundary: [bounds, values], sorted (usually already in order). */
function sortedBounds(g: DistributionState): [number[], number[]] {
  const bounds = g.bounds;
  const values = g.boundValues;
  let sorted = true;
  for (let i = 1; i < bounds.length; i++)
    if (bounds[i] < bounds[i - 1]) {
      sorted = false;
      break;
    }
  if (sorted) return [bounds, values];
  const order = bounds.map((_, i) => i).sort((a, b) => bounds[a] - bounds[b]);
  return [order.map((i) => bounds[i]), order.map((i) => values[i])];
}

/** toCount() as a double (exact: a whole number below 2^53, or a double's own value above). */
function countNumber(v: number): number {
  return Number.isFinite(v) && v > 0 ? Math.trunc(v) : 0;
}

/**
 * A histogram's points (the groups with a count) as columns, as histogramPoint()
 * would make them (src/pdata/lazy-points.ts: made on first read); the points
 * share one copy of their bounds while they are equal.
 */
function setHistogramColumns(
  body: { dataPoints: HistogramDataPoint[] },
  groups: DistributionState[],
  startOf: (g: DistributionState) => bigint,
): void {
  let n = 0;
  let buckets = 0;
  for (const g of groups)
    if ((g.flags & HAS_COUNT) !== 0) {
      n++;
      buckets += g.bounds.length + 1;
    }
  const cols = {
    length: n,
    attrs: new Array<string[]>(n),
    startTimeUnixNano: new Array<bigint>(n),
    timeUnixNano: new Array<bigint>(n),
    count: new Float64Array(n),
    sum: new Float64Array(n),
    hasSum: new Uint8Array(n),
    bucketStart: new Uint32Array(n + 1),
    bucketCounts: new Float64Array(buckets),
    explicitBounds: new Array<number[]>(n),
    flags: new Uint8Array(n),
    refs: new Float64Array(n),
  };
  let shared: number[] = [];
  let i = 0;
  let at = 0;
  for (const g of groups) {
    if ((g.flags & HAS_COUNT) === 0) continue;
    const [b, v] = sortedBounds(g);
    let k = b.length + 1;
    if (k > 1 && b[k - 2] === Number.POSITIVE_INFINITY) k--; // OTLP's last bucket is implicit +Inf
    let same = shared.length === k - 1;
    for (let j = 0; same && j < k - 1; j++) same = Object.is(shared[j], b[j]);
    if (!same) shared = b.slice(0, k - 1);
    const stale = (g.flags & STALE) !== 0;
    cols.attrs[i] = g.attrs;
    cols.refs[i] = g.ref;
    cols.explicitBounds[i] = shared;
    cols.bucketStart[i] = at;
    if (stale) {
      // counts stay 0, no sum
      cols.flags[i] = NO_RECORDED_VALUE;
      at += k;
    } else {
      for (let j = 0; j < k - 1; j++) cols.bucketCounts[at++] = countNumber(j === 0 ? v[j] : v[j] - v[j - 1]);
      cols.bucketCounts[at++] = countNumber(k > 1 ? g.count - v[k - 2] : g.count);
      cols.count[i] = countNumber(g.count);
      if ((g.flags & HAS_SUM) !== 0) {
        cols.sum[i] = g.sum;
        cols.hasSum[i] = 1;
      }
    }
    cols.timeUnixNano[i] = msToNs(g.timeMs);
    cols.startTimeUnixNano[i] = startOf(g);
    i++;
  }
  cols.bucketStart[n] = at;
  defineLazyHistogramPoints(body, cols);
}

function histogramPoint(g: DistributionState): HistogramDataPoint | undefined {
  if ((g.flags & HAS_COUNT) === 0) return undefined;
  const [b, v] = sortedBounds(g);
  let n = b.length + 1;
  if (n > 1 && b[n - 2] === Number.POSITIVE_INFINITY) n--; // OTLP's last bucket is implicit +Inf
  const bounds: number[] = new Array(n - 1);
  const counts: bigint[] = new Array(n);
  const stale = (g.flags & STALE) !== 0;
  for (let i = 0; i < n - 1; i++) {
    bounds[i] = b[i];
    counts[i] = stale ? 0n : toCount(i === 0 ? v[i] : v[i] - v[i - 1]);
  }
  counts[n - 1] = stale ? 0n : toCount(n > 1 ? g.count - v[n - 2] : g.count);
  const time = msToNs(g.timeMs);
  const p: HistogramDataPoint = {
    attributes: attrs(g.attrs),
    startTimeUnixNano: 0n, // set by the caller
    timeUnixNano: time,
    count: 0n,
    bucketCounts: counts,
    explicitBounds: bounds,
    exemplars: g.exemplars ? g.exemplars.map(convertExemplar) : [],
    flags: 0,
  };
  if (stale) p.flags = NO_RECORDED_VALUE;
  else {
    p.count = toCount(g.count);
    if ((g.flags & HAS_SUM) !== 0) p.sum = g.sum;
  }
  return p;
}

function summaryPoint(g: DistributionState): SummaryDataPoint | undefined {
  if ((g.flags & HAS_COUNT) === 0) return undefined;
  const time = msToNs(g.timeMs);
  const stale = (g.flags & STALE) !== 0;
  const [q, v] = sortedBounds(g);
  return {
    attributes: attrs(g.attrs),
    startTimeUnixNano: 0n, // set by the caller
    timeUnixNano: time,
    count: stale ? 0n : toCount(g.count),
    sum: stale || (g.flags & HAS_SUM) === 0 ? 0 : g.sum,
    quantileValues: q.map((quantile, i) => ({ quantile, value: stale ? 0 : v[i] })),
    flags: stale ? NO_RECORDED_VALUE : 0,
  };
}

/** The collector's convertExemplar: trace_id / span_id labels become IDs when they are hex. */
export function convertExemplar(e: ParsedExemplar): Exemplar {
  const out: Exemplar = {
    filteredAttributes: [],
    timeUnixNano: e.timestampMs === undefined ? 0n : msToNs(e.timestampMs),
    asDouble: e.value,
    spanId: EMPTY_BYTES,
    traceId: EMPTY_BYTES,
  };
  for (const [k, v] of e.labels) {
    const lk = k.toLowerCase();
    const id =
      lk === 'trace_id' ? hexToLowerBytes(v, 16) : lk === 'span_id' ? hexToLowerBytes(v, 8) : undefined;
    if (id && lk === 'trace_id') out.traceId = id;
    else if (id && lk === 'span_id') out.spanId = id;
    else out.filteredAttributes.push({ key: k, value: { stringValue: v } });
  }
  return out;
}

/**
 * decodeAndCopyToLowerBytes: a longer hex string gives its first `size`
 * bytes; a shorter one is right-aligned (zero-padded on the left); not hex →
 * undefined.
 */
function hexToLowerBytes(hex: string, size: number): Uint8Array | undefined {
  const decodedLen = Math.floor(hex.length / 2);
  const src = decodedLen >= size ? hex.slice(0, size * 2) : hex;
  if (src.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(src)) return undefined;
  const out = new Uint8Array(size);
  const bytes = Buffer.from(src, 'hex');
  out.set(bytes, size - bytes.length);
  return out;
}
