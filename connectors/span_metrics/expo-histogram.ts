// An exponential histogram of a stream of values, as the collector builds it
// for span_metrics (lightstep/go-expohisto, the OpenTelemetry Go SDK's
// algorithm): it starts at the finest scale (20) and, when a value would need
// more than `maxSize` buckets on one side, halves the resolution (scale - 1,
// every two buckets merged) as often as needed. Bucket i holds the values in
// (base^i, base^(i+1)], base = 2^(2^-scale), as the OTLP data model says;
// zeros are counted apart.
import type { ExponentialHistogramBuckets } from '../../src/pdata/types.js';

const MAX_SCALE = 20;
const MIN_SCALE = -10;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little endian: high word second

/** floor(log2(v)) and whether v is an exact power of two, for a positive finite v. */
function base2(v: number): { exp: number; pow2: boolean } {
  f64[0] = v;
  const hi = u32[HI];
  const lo = u32[1 - HI];
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0) {
    // subnormal: no shortcut needed for span durations; computed the slow way
    const exp = Math.floor(Math.log2(v));
    return { exp, pow2: 2 ** exp === v };
  }
  return { exp: biased - 1023, pow2: (hi & 0xfffff) === 0 && lo === 0 };
}

/** The index of the bucket holding `v` (> 0) at `scale`. */
export function mapToIndex(v: number, scale: number): number {
  const { exp, pow2 } = base2(v);
  if (scale <= 0) return (pow2 ? exp - 1 : exp) >> -scale;
  if (pow2) return exp * 2 ** scale - 1;
  // log_base(v) = log2(v) * 2^scale; a value on a boundary belongs to the bucket below
  const index = Math.floor(Math.log(v) * (2 ** scale / Math.LN2));
  return index;
}

class Buckets {
  start = 0;
  counts: number[] = [];

  get end(): number {
    return this.start + this.counts.length - 1;
  }

  increment(index: number): void {
    if (this.counts.length === 0) {
      this.start = index;
      this.counts.push(1);
      return;
    }
    if (index < this.start) {
      this.counts.unshift(...new Array<number>(this.start - index).fill(0));
      this.start = index;
    } else if (index > this.end) this.counts.push(...new Array<number>(index - this.end).fill(0));
    this.counts[index - this.start]++;
  }

  /** Merges buckets for a scale `change` steps coarser. */
  downscale(change: number): void {
    if (change === 0 || this.counts.length === 0) return;
    const start = Math.floor(this.start / 2 ** change);
    const merged: number[] = [];
    for (let i = 0; i < this.counts.length; i++) {
      const j = Math.floor((this.start + i) / 2 ** change) - start;
      merged[j] = (merged[j] ?? 0) + this.counts[i];
    }
    this.start = start;
    this.counts = merged;
  }

  toOtlp(): ExponentialHistogramBuckets {
    return {
      offset: this.counts.length ? this.start : 0,
      bucketCounts: this.counts.map((c) => BigInt(c)),
    };
  }
}

export class ExponentialHistogram {
  scale = MAX_SCALE;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  zeroCount = 0;
  readonly positive = new Buckets();
  readonly negative = new Buckets();

  constructor(private readonly maxSize: number) {}

  update(v: number): void {
    if (!Number.isFinite(v)) return;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v === 0) {
      this.zeroCount++;
      return;
    }
    const side = v > 0 ? this.positive : this.negative;
    const abs = Math.abs(v);
    let index = mapToIndex(abs, this.scale);
    if (side.counts.length > 0) {
      let low = Math.min(index, side.start);
      let high = Math.max(index, side.end);
      let change = 0;
      while (high - low >= this.maxSize && this.scale - change > MIN_SCALE) {
        high = Math.floor(high / 2);
        low = Math.floor(low / 2);
        change++;
      }
      if (change > 0) {
        this.scale -= change;
        this.positive.downscale(change);
        this.negative.downscale(change);
        index = mapToIndex(abs, this.scale);
      }
    }
    side.increment(index);
  }

  buckets(): { positive: ExponentialHistogramBuckets; negative: ExponentialHistogramBuckets } {
    return { positive: this.positive.toOtlp(), negative: this.negative.toOtlp() };
  }
}
