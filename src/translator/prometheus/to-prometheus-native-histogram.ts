// An OTLP exponential histogram point → a Prometheus native histogram
// (specification "Exponential Histograms"): scale → schema (scales above 8
// are downscaled, below -4 dropped), dense buckets → spans + deltas with
// Prometheus's bucket index = OTLP index + 1, staleness as the stale NaN.
import type { ExponentialHistogramBuckets, ExponentialHistogramDataPoint } from '../../pdata/types.js';

export interface BucketSpan {
  offset: number;
  length: number;
}

export interface NativeHistogram {
  /** Integer count, or the stale NaN in countFloat when the point has no recorded value. */
  count?: bigint;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCount: bigint;
  negativeSpans: BucketSpan[];
  negativeDeltas: bigint[];
  positiveSpans: BucketSpan[];
  positiveDeltas: bigint[];
  timestampMs: number;
}

/** The stale marker Prometheus uses: a NaN with this exact bit pattern. */
export const STALE_NAN = (() => {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, 0x7ff00000);
  b.setUint32(4, 0x00000002);
  return b.getFloat64(0);
})();

export const DEFAULT_ZERO_THRESHOLD = 1e-128;

/**
 * Sparse spans and deltas of one side. Gaps of up to two empty buckets stay
 * inside a span (as zero deltas), longer gaps start a new span, as Prometheus
 * lays them out.
 */
export function bucketsToSpans(
  b: ExponentialHistogramBuckets,
  scaleDown: number,
): { spans: BucketSpan[]; deltas: bigint[] } {
  const merged = new Map<number, bigint>();
  for (let i = 0; i < b.bucketCounts.length; i++) {
    const c = b.bucketCounts[i];
    if (c === 0n) continue;
    const idx = ((b.offset + i) >> scaleDown) + 1;
    merged.set(idx, (merged.get(idx) ?? 0n) + c);
  }
  const idxs = [...merged.keys()].sort((a, z) => a - z);
  const spans: BucketSpan[] = [];
  const deltas: bigint[] = [];
  let prevCount = 0n;
  let prevIdx = 0;
  for (const idx of idxs) {
    const gap = spans.length === 0 ? 0 : idx - prevIdx - 1;
    if (spans.length === 0) spans.push({ offset: idx, length: 0 });
    else if (gap > 2) spans.push({ offset: gap, length: 0 });
    else
      for (let g = 0; g < gap; g++) {
        deltas.push(-prevCount);
        prevCount = 0n;
        spans[spans.length - 1].length++;
      }
    const c = merged.get(idx) as bigint;
    deltas.push(c - prevCount);
    prevCount = c;
    spans[spans.length - 1].length++;
    prevIdx = idx;
  }
  return { spans, deltas };
}

/** Converts one point; returns an error text where the specification says the point must be dropped. */
export function toNativeHistogram(
  p: ExponentialHistogramDataPoint,
  timestampMs: number,
  noRecordedValue: boolean,
): NativeHistogram | string {
  let schema = p.scale;
  if (schema < -4) return `exponential histogram scale ${schema} is below -4 (Prometheus's lowest schema)`;
  let scaleDown = 0;
  if (schema > 8) {
    scaleDown = schema - 8;
    schema = 8;
  }
  const pos = bucketsToSpans(p.positive, scaleDown);
  const neg = bucketsToSpans(p.negative, scaleDown);
  return {
    ...(noRecordedValue ? { countFloat: STALE_NAN } : { count: p.count }),
    sum: noRecordedValue ? STALE_NAN : (p.sum ?? 0),
    schema,
    zeroThreshold: p.zeroThreshold === 0 ? DEFAULT_ZERO_THRESHOLD : p.zeroThreshold,
    zeroCount: p.zeroCount,
    positiveSpans: pos.spans,
    positiveDeltas: pos.deltas,
    negativeSpans: neg.spans,
    negativeDeltas: neg.deltas,
    timestampMs,
  };
}
