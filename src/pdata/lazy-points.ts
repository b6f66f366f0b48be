// Number and histogram data points kept as columns until someone reads them. A receiver that
// makes many points per batch (a scrape of 100k series) can hand a gauge or sum
// its points as a few arrays instead of an object (and attribute objects) per
// point: `dataPoints` is made from the columns on first read, exactly as the
// receiver would have made it, and an exporter that knows the columns (remote
// write) encodes straight from them while nobody has read the points. As with
// lazy.ts, reading is the only way to change pdata, so an unread body is an
// unchanged one; assigning `dataPoints` replaces the columns. Histograms
// (explicit buckets, no exemplars) the same way: HistogramPointColumns.
import type { HistogramDataPoint, KeyValue, NumberDataPoint } from './types.js';

/** OTLP's DataPointFlags.FLAG_NO_RECORDED_VALUE: such a point has no value. */
const NO_RECORDED_VALUE = 1;

export interface NumberPointColumns {
  readonly length: number;
  /**
   * Each point's attributes, all string-valued, flattened: [k0, v0, k1, v1, ...].
   * The arrays may be shared with the receiver's state and between batches: nobody writes to them.
   */
  readonly attrs: readonly (readonly string[])[];
  readonly startTimeUnixNano: readonly bigint[];
  readonly timeUnixNano: readonly bigint[];
  /** asDouble (not read for a point flagged with no recorded value). */
  readonly values: Float64Array;
  /** DataPointFlags. */
  readonly flags: Uint8Array;
  /** Optional: each point's series ref (see nextSeriesRef), 0 for none. */
  readonly refs?: Float64Array;
}

/**
 * Histogram points (explicit buckets, no exemplars, no min/max) as columns.
 * Counts are whole numbers kept as doubles (a uint64 the receiver made from a
 * double is one exactly); they become bigints when the points are made.
 */
export interface HistogramPointColumns {
  readonly length: number;
  /** As NumberPointColumns.attrs. */
  readonly attrs: readonly (readonly string[])[];
  readonly startTimeUnixNano: readonly bigint[];
  readonly timeUnixNano: readonly bigint[];
  readonly count: Float64Array;
  /** The sum, read where hasSum[i] is 1 (a point without one has no `sum`). */
  readonly sum: Float64Array;
  readonly hasSum: Uint8Array;
  /** Point i's bucket counts are bucketCounts[bucketStart[i], bucketStart[i + 1]) (length + 1 entries). */
  readonly bucketStart: Uint32Array;
  readonly bucketCounts: Float64Array;
  /** Each point's explicit bounds (shared between points and batches: nobody writes to them; copied when made). */
  readonly explicitBounds: readonly (readonly number[])[];
  readonly flags: Uint8Array;
  /** As NumberPointColumns.refs. */
  readonly refs?: Float64Array;
}

let lastRef = 0;

/**
 * A new series ref: a number (never 0, never given twice in this process) that a
 * producer of columns ties to one attribute array for good, so that a consumer
 * may remember what it derived from that array by the ref (the remote write
 * exporter's label cache) instead of by the array.
 */
export function nextSeriesRef(): number {
  return ++lastRef;
}

const pending = new WeakMap<object, NumberPointColumns>();
const pendingHistograms = new WeakMap<object, HistogramPointColumns>();

/** Makes `body.dataPoints` an accessor that makes the points on first read (or takes an assigned value). */
function defineLazy<P>(body: { dataPoints: P[] }, forget: (self: object) => void, make: () => P[]): void {
  const settle = (self: object, value: P[]): P[] => {
    forget(self);
    Object.defineProperty(self, 'dataPoints', {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    return value;
  };
  Object.defineProperty(body, 'dataPoints', {
    enumerable: true,
    configurable: true,
    get(this: object): P[] {
      return settle(this, make());
    },
    set(this: object, value: P[]) {
      settle(this, value);
    },
  });
}

/** Defines `body.dataPoints` as the points of `cols`, made on first read (or replaced on first assignment). */
export function defineLazyNumberPoints(
  body: { dataPoints: NumberDataPoint[] },
  cols: NumberPointColumns,
): void {
  pending.set(body, cols);
  defineLazy(
    body,
    (self) => pending.delete(self),
    () => numberPointsOf(cols),
  );
}

/** defineLazyNumberPoints() for a histogram. */
export function defineLazyHistogramPoints(
  body: { dataPoints: HistogramDataPoint[] },
  cols: HistogramPointColumns,
): void {
  pendingHistograms.set(body, cols);
  defineLazy(
    body,
    (self) => pendingHistograms.delete(self),
    () => histogramPointsOf(cols),
  );
}

/** The columns of a gauge or sum whose points nobody has read yet; otherwise undefined. */
export function numberPointColumns(body: object): NumberPointColumns | undefined {
  return pending.get(body);
}

/** The columns of a histogram whose points nobody has read yet; otherwise undefined. */
export function histogramPointColumns(body: object): HistogramPointColumns | undefined {
  return pendingHistograms.get(body);
}

/** The point count of a gauge, sum or histogram without making its points. */
export function lazyPointCount(body: object): number | undefined {
  return pending.get(body)?.length ?? pendingHistograms.get(body)?.length;
}

function attributesOf(flat: readonly string[]): KeyValue[] {
  const out: KeyValue[] = new Array(flat.length / 2);
  for (let i = 0, j = 0; i < flat.length; i += 2, j++)
    out[j] = { key: flat[i], value: { stringValue: flat[i + 1] } };
  return out;
}

/** The points the columns stand for. */
export function numberPointsOf(cols: NumberPointColumns): NumberDataPoint[] {
  const out: NumberDataPoint[] = new Array(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const p: NumberDataPoint = {
      attributes: attributesOf(cols.attrs[i]),
      startTimeUnixNano: cols.startTimeUnixNano[i],
      timeUnixNano: cols.timeUnixNano[i],
      exemplars: [],
      flags: cols.flags[i],
    };
    if ((p.flags & NO_RECORDED_VALUE) === 0) p.asDouble = cols.values[i];
    out[i] = p;
  }
  return out;
}

/** The bigints 0..1023, made once: most bucket counts are small (bigints are immutable, so shared). */
const SMALL: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** A whole, non-negative count kept as a double, as a bigint. */
function countOf(v: number): bigint {
  return v < 1024 ? SMALL[v] : BigInt(v);
}

/** The histogram points the columns stand for. */
export function histogramPointsOf(cols: HistogramPointColumns): HistogramDataPoint[] {
  const out: HistogramDataPoint[] = new Array(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const from = cols.bucketStart[i];
    const to = cols.bucketStart[i + 1];
    const counts: bigint[] = new Array(to - from);
    for (let j = from; j < to; j++) counts[j - from] = countOf(cols.bucketCounts[j]);
    const p: HistogramDataPoint = {
      attributes: attributesOf(cols.attrs[i]),
      startTimeUnixNano: cols.startTimeUnixNano[i],
      timeUnixNano: cols.timeUnixNano[i],
      count: countOf(cols.count[i]),
      bucketCounts: counts,
      explicitBounds: cols.explicitBounds[i].slice(),
      exemplars: [],
      flags: cols.flags[i],
    };
    if (cols.hasSum[i] !== 0) p.sum = cols.sum[i];
    out[i] = p;
  }
  return out;
}
