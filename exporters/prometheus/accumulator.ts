// The last value of every series, as the collector's prometheusexporter
// accumulator keeps it: cumulative points replace older ones (an older point
// is ignored), delta monotonic sums and delta histograms are added up into
// cumulative ones when the new point starts where the last one ended (else a
// later start is a reset, an earlier one is dropped), delta non-monotonic sums
// are dropped, the no-recorded-value flag deletes the series, and a series not
// updated for metric_expiration is forgotten. Everything kept is converted to
// strings and numbers at once, so no pdata (or pooled request body) is held.

import { anyValueToString, getAttr } from '../../src/pdata/attributes.js';
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  MetricsData,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../src/pdata/types.js';
import { AggregationTemporality } from '../../src/pdata/types.js';
import { buildMetricName } from '../../src/translator/prometheus/normalize-name.js';
import {
  attributeLabels,
  jobAndInstance,
  type LabelRules,
  labelsSignature,
  pointLabels,
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  scopeLabelBase,
  sortedLabels,
} from '../../src/translator/prometheus/to-prometheus-labels.js';
import { type PromExemplar, toPromExemplars } from '../../src/translator/prometheus/to-prometheus-series.js';

export type FamilyType = 'counter' | 'gauge' | 'unknown' | 'histogram' | 'summary';

export interface HistogramValue {
  count: bigint;
  sum?: number;
  bounds: number[];
  counts: bigint[];
}

export interface ExpHistogramValue {
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: { offset: number; counts: bigint[] };
  negative: { offset: number; counts: bigint[] };
}

export interface Entry {
  family: string;
  type: FamilyType;
  help: string;
  /** Sorted, without __name__. */
  labels: [string, string][];
  startNs: bigint;
  timeNs: bigint;
  value?: number;
  histogram?: HistogramValue;
  expHistogram?: ExpHistogramValue;
  summary?: { count: bigint; sum: number; quantiles: [number, number][] };
  exemplars: PromExemplar[];
  /** Labels of this resource's target_info (undefined when job or instance is missing). */
  target?: [string, string][];
  /** Wall-clock ms of the last update (metric_expiration). */
  updated: number;
}

export interface AccumulatorOptions {
  namespace: string;
  addMetricSuffixes: boolean;
  rules: LabelRules;
  expirationMs: number;
  now?: () => number;
}

const NO_RECORDED_VALUE = 1;
const IDENTIFYING = new Set([SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]);

function numberOf(p: NumberDataPoint): number {
  return p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : 0);
}

export class Accumulator {
  private readonly series = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly o: AccumulatorOptions) {
    this.now = o.now ?? Date.now;
  }

  get size(): number {
    return this.series.size;
  }

  /** Takes one request; returns the number of points stored. */
  accumulate(md: MetricsData): number {
    const now = this.now();
    let n = 0;
    for (const rm of md.resourceMetrics) {
      const target = targetLabels(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        const base = scopeLabelBase(rm.resource.attributes, sm.scope, sm.schemaUrl, this.o.rules);
        for (const m of sm.metrics) n += this.addMetric(m, base, target, now);
      }
    }
    return n;
  }

  private addMetric(
    m: Metric,
    base: ReturnType<typeof scopeLabelBase>,
    target: [string, string][] | undefined,
    now: number,
  ): number {
    let type: FamilyType;
    if (m.gauge)
      type = anyValueToString(getAttr(m.metadata, 'prometheus.type')) === 'unknown' ? 'unknown' : 'gauge';
    else if (m.sum) {
      const t = m.sum.aggregationTemporality;
      if (t === AggregationTemporality.UNSPECIFIED) return 0;
      if (t === AggregationTemporality.DELTA && !m.sum.isMonotonic) return 0;
      type = m.sum.isMonotonic ? 'counter' : 'gauge';
    } else if (m.histogram || m.exponentialHistogram) type = 'histogram';
    else if (m.summary) type = 'summary';
    else return 0;
    const family = buildMetricName(
      m.name,
      m.unit,
      type === 'counter' ? 'counter' : m.gauge ? 'gauge' : 'other',
      this.o.namespace,
      this.o.addMetricSuffixes,
    );
    if (family === '' || /^_+$/.test(family)) return 0;
    const kind = m.gauge ? 'g' : m.sum ? 's' : m.histogram ? 'h' : m.exponentialHistogram ? 'e' : 'q';
    const points = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
    let n = 0;
    for (const p of points) {
      const labels = sortedLabels(pointLabels(base, p.attributes, this.o.rules));
      const key = `${kind}\x00${family}\x00${labelsSignature(labels)}`;
      if ((p.flags & NO_RECORDED_VALUE) !== 0) {
        this.series.delete(key);
        continue;
      }
      const prev = this.series.get(key);
      const fresh: Entry = {
        family,
        type,
        help: m.description,
        labels,
        startNs: p.startTimeUnixNano,
        timeNs: p.timeUnixNano,
        exemplars: [],
        target,
        updated: now,
      };
      let stored: Entry | undefined;
      if (m.gauge || m.sum) stored = this.number(fresh, prev, p as NumberDataPoint, m);
      else if (m.histogram)
        stored = this.histogram(fresh, prev, p as HistogramDataPoint, m.histogram.aggregationTemporality);
      else if (m.exponentialHistogram)
        stored = this.expHistogram(
          fresh,
          prev,
          p as ExponentialHistogramDataPoint,
          m.exponentialHistogram.aggregationTemporality,
        );
      else {
        const s = p as SummaryDataPoint;
        if (prev && s.timeUnixNano < prev.timeNs) continue;
        fresh.summary = {
          count: s.count,
          sum: s.sum,
          quantiles: s.quantileValues.map((q) => [q.quantile, q.value]),
        };
        stored = fresh;
      }
      if (stored) {
        this.series.set(key, stored);
        n++;
      }
    }
    return n;
  }

  private number(fresh: Entry, prev: Entry | undefined, p: NumberDataPoint, m: Metric): Entry | undefined {
    if (prev && p.timeUnixNano < prev.timeNs) return undefined;
    fresh.value = numberOf(p);
    if (fresh.type === 'counter') fresh.exemplars = toPromExemplars(p.exemplars);
    if (
      m.sum?.aggregationTemporality === AggregationTemporality.DELTA &&
      prev &&
      p.startTimeUnixNano === prev.timeNs
    ) {
      fresh.value += prev.value ?? 0;
      fresh.startNs = prev.startNs;
    }
    return fresh;
  }

  private histogram(
    fresh: Entry,
    prev: Entry | undefined,
    p: HistogramDataPoint,
    temporality: number,
  ): Entry | undefined {
    fresh.histogram = {
      count: p.count,
      sum: p.sum,
      bounds: [...p.explicitBounds],
      counts: [...p.bucketCounts],
    };
    fresh.exemplars = toPromExemplars(p.exemplars);
    if (!prev?.histogram) return temporality === AggregationTemporality.UNSPECIFIED ? undefined : fresh;
    if (temporality === AggregationTemporality.CUMULATIVE)
      return p.timeUnixNano < prev.timeNs ? undefined : fresh;
    if (temporality !== AggregationTemporality.DELTA) return undefined;
    if (p.startTimeUnixNano !== prev.timeNs) return p.startTimeUnixNano > prev.timeNs ? fresh : undefined; // reset / misaligned
    const a = prev.histogram;
    const b = fresh.histogram;
    if (a.bounds.length !== b.bounds.length || a.bounds.some((x, i) => x !== b.bounds[i])) return fresh;
    b.count += a.count;
    b.sum = a.sum !== undefined || b.sum !== undefined ? (a.sum ?? 0) + (b.sum ?? 0) : undefined;
    b.counts = b.counts.map((c, i) => c + (a.counts[i] ?? 0n));
    fresh.startNs = prev.startNs;
    if (fresh.exemplars.length === 0) fresh.exemplars = prev.exemplars;
    return fresh;
  }

  private expHistogram(
    fresh: Entry,
    prev: Entry | undefined,
    p: ExponentialHistogramDataPoint,
    temporality: number,
  ): Entry | undefined {
    fresh.expHistogram = {
      count: p.count,
      sum: p.sum,
      scale: p.scale,
      zeroCount: p.zeroCount,
      positive: { offset: p.positive.offset, counts: [...p.positive.bucketCounts] },
      negative: { offset: p.negative.offset, counts: [...p.negative.bucketCounts] },
    };
    if (!prev?.expHistogram) return temporality === AggregationTemporality.UNSPECIFIED ? undefined : fresh;
    if (temporality === AggregationTemporality.CUMULATIVE)
      return p.timeUnixNano < prev.timeNs ? undefined : fresh;
    if (temporality !== AggregationTemporality.DELTA) return undefined;
    if (p.startTimeUnixNano !== prev.timeNs) return p.startTimeUnixNano > prev.timeNs ? fresh : undefined;
    const a = prev.expHistogram;
    const b = fresh.expHistogram;
    if (a.scale !== b.scale) return fresh; // different resolutions: treated as a reset
    b.count += a.count;
    b.sum = a.sum !== undefined || b.sum !== undefined ? (a.sum ?? 0) + (b.sum ?? 0) : undefined;
    b.zeroCount += a.zeroCount;
    b.positive = addBuckets(a.positive, b.positive);
    b.negative = addBuckets(a.negative, b.negative);
    fresh.startNs = prev.startNs;
    return fresh;
  }

  /** Drops expired series and returns the live ones. */
  collect(): Entry[] {
    const cutoff = this.now() - this.o.expirationMs;
    const out: Entry[] = [];
    for (const [k, e] of this.series) {
      if (e.updated < cutoff) this.series.delete(k);
      else out.push(e);
    }
    return out;
  }
}

function addBuckets(
  a: { offset: number; counts: bigint[] },
  b: { offset: number; counts: bigint[] },
): { offset: number; counts: bigint[] } {
  if (a.counts.length === 0) return b;
  if (b.counts.length === 0) return a;
  const lo = Math.min(a.offset, b.offset);
  const hi = Math.max(a.offset + a.counts.length, b.offset + b.counts.length);
  const counts = new Array<bigint>(hi - lo).fill(0n);
  a.counts.forEach((c, i) => {
    counts[a.offset - lo + i] += c;
  });
  b.counts.forEach((c, i) => {
    counts[b.offset - lo + i] += c;
  });
  return { offset: lo, counts };
}

/** target_info's labels: the resource's attributes other than service.*, plus job and instance; only when both exist. */
function targetLabels(attrs: KeyValue[]): [string, string][] | undefined {
  const { job, instance } = jobAndInstance(attrs);
  if (!job || !instance) return undefined;
  const l = attributeLabels(attrs.filter((kv) => !IDENTIFYING.has(kv.key)));
  l.set('job', job);
  l.set('instance', instance);
  return sortedLabels(l);
}
