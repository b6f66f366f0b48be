// Number data points kept as columns until someone reads them. A receiver that
// makes many points per batch (a scrape of 100k series) can hand a gauge or sum
// its points as a few arrays instead of an object (and attribute objects) per
// point: `dataPoints` is made from the columns on first read, exactly as the
// receiver would have made it, and an exporter that knows the columns (remote
// write) encodes straight from them while nobody has read the points. As with
// lazy.ts, reading is the only way to change pdata, so an unread body is an
// unchanged one; assigning `dataPoints` replaces the columns.
import type { KeyValue, NumberDataPoint } from './types.js';

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
}

const pending = new WeakMap<object, NumberPointColumns>();

/** Defines `body.dataPoints` as the points of `cols`, made on first read (or replaced on first assignment). */
export function defineLazyNumberPoints(
  body: { dataPoints: NumberDataPoint[] },
  cols: NumberPointColumns,
): void {
  pending.set(body, cols);
  const settle = (self: object, value: NumberDataPoint[]): NumberDataPoint[] => {
    pending.delete(self);
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
    get(this: object): NumberDataPoint[] {
      return settle(this, numberPointsOf(cols));
    },
    set(this: object, value: NumberDataPoint[]) {
      settle(this, value);
    },
  });
}

/** The columns of a gauge or sum whose points nobody has read yet; otherwise undefined. */
export function numberPointColumns(body: object): NumberPointColumns | undefined {
  return pending.get(body);
}

/** The point count of a gauge or sum without making its points. */
export function lazyPointCount(body: object): number | undefined {
  return pending.get(body)?.length;
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
