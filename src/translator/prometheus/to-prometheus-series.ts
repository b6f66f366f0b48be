// OTLP metrics → Prometheus time series (the remote-write data model): one
// series per label set with its samples, exemplars and native histograms,
// plus a metadata entry per metric family. The rules are the specification's
// (compatibility/prometheus_and_openmetrics.md) as the collector's
// prometheusremotewrite translator applies them: cumulative only (delta sums,
// histograms and exponential histograms are dropped and reported), monotonic
// sums → counters with `_total`, non-monotonic sums and gauges → gauges,
// histograms → `_bucket{le}` / `_sum` / `_count`, summaries → `{quantile}` /
// `_sum` / `_count`, exponential histograms → native histograms, the
// no-recorded-value flag → the stale NaN, resources → `target_info`.

import { anyValueToString } from '../../pdata/attributes.js';
import { hexOf } from '../../pdata/ids.js';
import {
  AggregationTemporality,
  type Exemplar,
  type KeyValue,
  type Metric,
  type MetricsData,
} from '../../pdata/types.js';
import { buildMetricName, prometheusUnit } from './normalize-name.js';
import {
  attributeLabels,
  type LabelRules,
  labelsSignature,
  pointLabels,
  type ScopeLabelBase,
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  scopeLabelBase,
  sortedLabels,
} from './to-prometheus-labels.js';
import { type NativeHistogram, STALE_NAN, toNativeHistogram } from './to-prometheus-native-histogram.js';

export interface PromSample {
  value: number;
  timestampMs: number;
}

export interface PromExemplar {
  labels: [string, string][];
  value: number;
  timestampMs: number;
}

export interface PromSeries {
  /** Sorted by name; includes `__name__`. */
  labels: [string, string][];
  samples: PromSample[];
  exemplars: PromExemplar[];
  histograms: NativeHistogram[];
}

/** Remote write MetricMetadata.MetricType. */
export const PromMetricType = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  SUMMARY: 5,
  INFO: 6,
} as const;

export interface PromMetadata {
  type: number;
  family: string;
  help: string;
  unit: string;
}

export interface SeriesSettings extends LabelRules {
  namespace: string;
  addMetricSuffixes: boolean;
  /** Emit one `target_info` series per resource (target_info.enabled). */
  targetInfo: boolean;
}

export interface SeriesResult {
  series: PromSeries[];
  metadata: PromMetadata[];
  /** Data points that could not be translated (and why, a few examples). */
  dropped: number;
  reasons: string[];
  /** Samples + histogram samples produced. */
  sampleCount: number;
}

export const NO_RECORDED_VALUE = 1;
/** OpenMetrics limit on the characters of an exemplar's labels. */
const MAX_EXEMPLAR_RUNES = 128;

export function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/** Exemplars with trace_id / span_id labels and their filtered attributes (if they fit in 128 runes). */
export function toPromExemplars(exemplars: Exemplar[]): PromExemplar[] {
  const out: PromExemplar[] = [];
  for (const e of exemplars) {
    const labels: [string, string][] = [];
    let runes = 0;
    if (e.traceId.length > 0 && e.traceId.some((b) => b !== 0)) {
      const v = hexOf(e.traceId);
      labels.push(['trace_id', v]);
      runes += 8 + v.length;
    }
    if (e.spanId.length > 0 && e.spanId.some((b) => b !== 0)) {
      const v = hexOf(e.spanId);
      labels.push(['span_id', v]);
      runes += 7 + v.length;
    }
    const extra: [string, string][] = [];
    for (const kv of e.filteredAttributes) {
      const v = anyValueToString(kv.value);
      runes += [...kv.key].length + [...v].length;
      extra.push([kv.key, v]);
    }
    if (runes <= MAX_EXEMPLAR_RUNES) labels.push(...extra);
    const value = e.asDouble ?? (e.asInt !== undefined ? Number(e.asInt) : 0);
    out.push({ labels, value, timestampMs: nsToMs(e.timeUnixNano) });
  }
  return out;
}

/** Inserts [k, v] into labels sorted by name (replacing a label of that name). */
export function withLabel(sorted: [string, string][], k: string, v: string): [string, string][] {
  const out: [string, string][] = [];
  let placed = false;
  for (const l of sorted) {
    if (!placed && k <= l[0]) {
      out.push([k, v]);
      placed = true;
      if (k === l[0]) continue;
    }
    out.push(l);
  }
  if (!placed) out.push([k, v]);
  return out;
}

class SeriesSet {
  readonly bySig = new Map<string, PromSeries>();
  samples = 0;

  private series(sorted: [string, string][], name: string, extra: [string, string] | undefined): PromSeries {
    let l = withLabel(sorted, '__name__', name);
    if (extra) l = withLabel(l, extra[0], extra[1]);
    const sig = labelsSignature(l);
    let s = this.bySig.get(sig);
    if (!s) {
      s = { labels: l, samples: [], exemplars: [], histograms: [] };
      this.bySig.set(sig, s);
    }
    return s;
  }

  /** `sorted`: the point's labels sorted by name, without __name__. */
  add(
    sorted: [string, string][],
    name: string,
    extra: [string, string] | undefined,
    sample: PromSample,
  ): PromSeries {
    const s = this.series(sorted, name, extra);
    s.samples.push(sample);
    this.samples++;
    return s;
  }

  addHistogram(sorted: [string, string][], name: string, h: NativeHistogram): PromSeries {
    const s = this.series(sorted, name, undefined);
    s.histograms.push(h);
    this.samples++;
    return s;
  }
}

function numberValue(p: { asDouble?: number; asInt?: bigint }): number {
  return p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : 0);
}

function formatBound(b: number): string {
  // Go's strconv.FormatFloat(b, 'f', -1, 64): shortest digits, never an exponent.
  if (!Number.isFinite(b)) return b > 0 ? '+Inf' : b < 0 ? '-Inf' : 'NaN';
  if (Number.isInteger(b) && Math.abs(b) < 1e21) return String(b);
  const s = String(b);
  if (!/e/i.test(s)) return s;
  return toPlainDecimal(b);
}

/** A finite number in plain decimal notation with its shortest round-trip digits. */
export function toPlainDecimal(v: number): string {
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, d0, rest = '', expStr] = m;
  const digits = d0 + rest;
  const exp = Number(expStr);
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length);
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

export { formatBound };

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary' | 'exphist';

export function isMetricKind(k: string): k is MetricKind {
  return k === 'gauge' || k === 'counter' || k === 'histogram' || k === 'summary' || k === 'exphist';
}

/** The remote write metadata type of a kind. */
export function metadataType(kind: MetricKind): number {
  return kind === 'counter'
    ? PromMetricType.COUNTER
    : kind === 'gauge'
      ? PromMetricType.GAUGE
      : kind === 'summary'
        ? PromMetricType.SUMMARY
        : PromMetricType.HISTOGRAM;
}

/** Why a metric cannot be translated, or its kind. */
export function metricKind(m: Metric): MetricKind | string {
  if (m.gauge) return 'gauge';
  if (m.sum) {
    if (m.sum.aggregationTemporality !== AggregationTemporality.CUMULATIVE)
      return `sum "${m.name}" has ${temporalityName(m.sum.aggregationTemporality)} temporality (only cumulative can be written)`;
    return m.sum.isMonotonic ? 'counter' : 'gauge';
  }
  if (m.histogram) {
    if (m.histogram.aggregationTemporality !== AggregationTemporality.CUMULATIVE)
      return `histogram "${m.name}" has ${temporalityName(m.histogram.aggregationTemporality)} temporality (only cumulative can be written)`;
    return 'histogram';
  }
  if (m.exponentialHistogram) {
    if (m.exponentialHistogram.aggregationTemporality !== AggregationTemporality.CUMULATIVE)
      return `exponential histogram "${m.name}" has ${temporalityName(m.exponentialHistogram.aggregationTemporality)} temporality (only cumulative can be written)`;
    return 'exphist';
  }
  if (m.summary) return 'summary';
  return `metric "${m.name}" has no data type`;
}

function temporalityName(t: number): string {
  return t === AggregationTemporality.DELTA ? 'delta' : 'unspecified';
}

const IDENTIFYING = new Set([SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]);

/** Translates a whole request. Never throws on content: untranslatable points are counted in `dropped`. */
export function otlpToSeries(md: MetricsData, s: SeriesSettings): SeriesResult {
  const set = new SeriesSet();
  const metadata = new Map<string, PromMetadata>();
  let dropped = 0;
  const reasons: string[] = [];
  const drop = (n: number, why: string) => {
    dropped += n;
    if (reasons.length < 5 && !reasons.includes(why)) reasons.push(why);
  };

  for (const rm of md.resourceMetrics) {
    const rattrs = rm.resource.attributes;
    let latestMs = -1;
    let firstBase: ScopeLabelBase | undefined;
    for (const sm of rm.scopeMetrics) {
      const base = scopeLabelBase(rattrs, sm.scope, sm.schemaUrl, s);
      firstBase ??= base;
      for (const m of sm.metrics) {
        const kind = metricKind(m);
        const points =
          (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
        if (!isMetricKind(kind)) {
          if (points.length > 0) drop(points.length, kind);
          continue;
        }
        const name = buildMetricName(
          m.name,
          m.unit,
          kind === 'counter' ? 'counter' : m.gauge ? 'gauge' : 'other',
          s.namespace,
          s.addMetricSuffixes,
        );
        if (name === '' || /^_+$/.test(name)) {
          drop(points.length, `metric name "${m.name}" normalizes to an invalid name`);
          continue;
        }
        if (!metadata.has(name))
          metadata.set(name, {
            type: metadataType(kind),
            family: name,
            help: m.description,
            unit: prometheusUnit(m.unit),
          });
        for (const p of points) {
          const ts = nsToMs(p.timeUnixNano);
          if (ts > latestMs) latestMs = ts;
          const stale = (p.flags & NO_RECORDED_VALUE) !== 0;
          const labels = sortedLabels(pointLabels(base, p.attributes, s));
          if (kind === 'gauge' || kind === 'counter') {
            const np = p as { asDouble?: number; asInt?: bigint; exemplars: Exemplar[] };
            const series = set.add(labels, name, undefined, {
              value: stale ? STALE_NAN : numberValue(np),
              timestampMs: ts,
            });
            if (kind === 'counter' && np.exemplars.length > 0 && !stale)
              series.exemplars.push(...toPromExemplars(np.exemplars));
          } else if (kind === 'histogram') {
            addHistogram(set, labels, name, p as Parameters<typeof addHistogram>[3], ts, stale);
          } else if (kind === 'summary') {
            addSummary(set, labels, name, p as Parameters<typeof addSummary>[3], ts, stale);
          } else {
            const h = toNativeHistogram(p as Parameters<typeof toNativeHistogram>[0], ts, stale);
            if (typeof h === 'string') drop(1, h);
            else set.addHistogram(labels, name, h);
          }
        }
      }
    }
    if (s.targetInfo && latestMs >= 0 && firstBase) addTargetInfo(set, rattrs, firstBase, s, latestMs);
  }

  const series = [...set.bySig.values()];
  for (const x of series) {
    if (x.samples.length > 1) x.samples.sort((a, b) => a.timestampMs - b.timestampMs);
    if (x.histograms.length > 1) x.histograms.sort((a, b) => a.timestampMs - b.timestampMs);
  }
  return { series, metadata: [...metadata.values()], dropped, reasons, sampleCount: set.samples };
}

function addHistogram(
  set: SeriesSet,
  labels: [string, string][],
  name: string,
  p: {
    count: bigint;
    sum?: number;
    bucketCounts: bigint[];
    explicitBounds: number[];
    exemplars: Exemplar[];
  },
  ts: number,
  stale: boolean,
): void {
  if (p.sum !== undefined)
    set.add(labels, `${name}_sum`, undefined, { value: stale ? STALE_NAN : p.sum, timestampMs: ts });
  set.add(labels, `${name}_count`, undefined, {
    value: stale ? STALE_NAN : Number(p.count),
    timestampMs: ts,
  });
  const buckets: { bound: number; series: PromSeries }[] = [];
  let cumulative = 0n;
  const n = Math.min(p.explicitBounds.length, p.bucketCounts.length);
  for (let i = 0; i < n; i++) {
    cumulative += p.bucketCounts[i];
    const bound = p.explicitBounds[i];
    const series = set.add(labels, `${name}_bucket`, ['le', formatBound(bound)], {
      value: stale ? STALE_NAN : Number(cumulative),
      timestampMs: ts,
    });
    buckets.push({ bound, series });
  }
  const inf = set.add(labels, `${name}_bucket`, ['le', '+Inf'], {
    value: stale ? STALE_NAN : Number(p.count),
    timestampMs: ts,
  });
  buckets.push({ bound: Number.POSITIVE_INFINITY, series: inf });
  if (stale || p.exemplars.length === 0) return;
  buckets.sort((a, b) => a.bound - b.bound);
  for (const ex of toPromExemplars(p.exemplars)) {
    const target = buckets.find((b) => ex.value <= b.bound);
    target?.series.exemplars.push(ex);
  }
}

function addSummary(
  set: SeriesSet,
  labels: [string, string][],
  name: string,
  p: { count: bigint; sum: number; quantileValues: { quantile: number; value: number }[] },
  ts: number,
  stale: boolean,
): void {
  set.add(labels, `${name}_sum`, undefined, { value: stale ? STALE_NAN : p.sum, timestampMs: ts });
  set.add(labels, `${name}_count`, undefined, {
    value: stale ? STALE_NAN : Number(p.count),
    timestampMs: ts,
  });
  for (const q of p.quantileValues)
    set.add(labels, name, ['quantile', formatBound(q.quantile)], {
      value: stale ? STALE_NAN : q.value,
      timestampMs: ts,
    });
}

/** One `target_info` sample (value 1) with the resource's non-identifying attributes, `job` and `instance`. */
function addTargetInfo(
  set: SeriesSet,
  rattrs: KeyValue[],
  base: ScopeLabelBase,
  s: SeriesSettings,
  tsMs: number,
): void {
  const t = targetInfo(rattrs, base, s);
  if (t) set.add(t.labels, t.name, undefined, { value: 1, timestampMs: tsMs });
}

/**
 * The name and labels (sorted, without __name__) of a resource's `target_info`:
 * its non-identifying attributes, `job`, `instance` and the extra labels; none
 * when the resource has no other attributes.
 */
export function targetInfo(
  rattrs: KeyValue[],
  base: ScopeLabelBase,
  s: SeriesSettings,
): { name: string; labels: [string, string][] } | undefined {
  const rest = rattrs.filter((kv) => !IDENTIFYING.has(kv.key));
  if (rest.length === 0) return undefined;
  const l = attributeLabels(rest);
  if (base.job !== undefined) l.set('job', base.job);
  if (base.instance !== undefined) l.set('instance', base.instance);
  for (const [k, v] of s.extraLabels) if (!l.has(k)) l.set(k, v);
  const name = s.namespace ? buildMetricName('target_info', '', 'other', s.namespace, false) : 'target_info';
  return { name, labels: sortedLabels(l) };
}
