// The series span_metrics keeps per resource: call counts (sums) and span
// durations (explicit or exponential histograms), one per distinct set of
// dimension values, with up to `max_per_data_point` exemplars each. Past
// `aggregation_cardinality_limit` series, new sets of values all go to one
// overflow series with the attribute otel.metric.overflow=true (the
// collector's internal/metrics, the SDKs' cardinality limit).
import type { Exemplar, KeyValue } from '../../src/pdata/types.js';
import { ExponentialHistogram } from './expo-histogram.js';

export const OVERFLOW_KEY = 'otel.metric.overflow';
const OVERFLOW_ATTRIBUTES: KeyValue[] = [{ key: OVERFLOW_KEY, value: { boolValue: true } }];

export interface Series {
  attributes: KeyValue[];
  /** When the series began (ns), the start of its cumulative points. */
  start: bigint;
  exemplars: Exemplar[];
}

export interface SumSeries extends Series {
  count: number;
  /** Not flushed yet: a new cumulative series starts at 0, so backends see the first increase. */
  first: boolean;
}

export interface ExplicitSeries extends Series {
  kind: 'explicit';
  bucketCounts: number[];
  count: number;
  sum: number;
}

export interface ExponentialSeries extends Series {
  kind: 'exponential';
  histogram: ExponentialHistogram;
}

export type HistogramSeries = ExplicitSeries | ExponentialSeries;

/** Series by key, bounded by the cardinality limit (0: none). */
export class SeriesMap<T extends Series> {
  readonly map = new Map<string, T>();
  /** Set when a series went to overflow since the last flush. */
  overflowed = false;

  constructor(
    private readonly limit: number,
    private readonly make: (attributes: KeyValue[], start: bigint) => T,
  ) {}

  get(key: string, attributes: () => KeyValue[], start: bigint): T {
    let s = this.map.get(key);
    if (s) return s;
    if (this.limit > 0 && this.map.size >= this.limit) {
      this.overflowed = true;
      s = this.map.get(OVERFLOW_KEY);
      if (s) return s;
      key = OVERFLOW_KEY;
      s = this.make(
        OVERFLOW_ATTRIBUTES.map((kv) => ({ ...kv })),
        start,
      );
    } else s = this.make(attributes(), start);
    this.map.set(key, s);
    return s;
  }

  clearExemplars(): void {
    for (const s of this.map.values()) if (s.exemplars.length) s.exemplars = [];
  }
}

export function newSum(attributes: KeyValue[], start: bigint): SumSeries {
  return { attributes, start, exemplars: [], count: 0, first: true };
}

export function histogramFactory(
  bounds: number[] | undefined,
  maxSize: number,
): (attributes: KeyValue[], start: bigint) => HistogramSeries {
  if (bounds)
    return (attributes, start) => ({
      kind: 'explicit',
      attributes,
      start,
      exemplars: [],
      bucketCounts: new Array<number>(bounds.length + 1).fill(0),
      count: 0,
      sum: 0,
    });
  return (attributes, start) => ({
    kind: 'exponential',
    attributes,
    start,
    exemplars: [],
    histogram: new ExponentialHistogram(maxSize),
  });
}

/** The explicit bucket of `v`: the first bound ≥ v (Go's sort.SearchFloat64s), else the last bucket. */
export function bucketOf(bounds: readonly number[], v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function observe(h: HistogramSeries, bounds: readonly number[] | undefined, v: number): void {
  if (h.kind === 'explicit') {
    h.sum += v;
    h.count++;
    h.bucketCounts[bucketOf(bounds!, v)]++;
  } else h.histogram.update(v);
}

/** Keeps an exemplar unless the series has its `max` already. */
export function addExemplar(
  s: Series,
  max: number,
  traceId: Uint8Array,
  spanId: Uint8Array,
  value: number,
): void {
  if (s.exemplars.length >= max) return;
  s.exemplars.push({ filteredAttributes: [], timeUnixNano: 0n, asDouble: value, traceId, spanId });
}
