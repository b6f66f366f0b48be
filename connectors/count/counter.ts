// Counts for the metrics of one section within one resource of one request:
// one count per distinct set of attribute values, and the earliest and latest
// timestamp of what was counted (the data points' start time and time; now
// when nothing counted carried a time), as the collector's counter.go.
import { cloneAnyValue } from '../../src/pdata/clone.js';
import type { AnyValue, KeyValue, Metric } from '../../src/pdata/types.js';
import type { MetricDef } from './config.js';

interface Count {
  attributes: KeyValue[];
  count: number;
}

/** The value of `key` in the first list that has it. */
function lookup(key: string, lists: KeyValue[][]): AnyValue | undefined {
  for (const list of lists) for (const kv of list) if (kv.key === key) return kv.value;
  return undefined;
}

/**
 * The value a count carries for an attribute: ints and doubles as they are,
 * strings as strings, anything else as "" (the collector puts `value.Str()`,
 * which is empty for other types).
 */
function countValue(v: AnyValue): AnyValue {
  const a = v as { intValue?: bigint; doubleValue?: number; stringValue?: string };
  if (a.intValue !== undefined) return { intValue: a.intValue };
  if (a.doubleValue !== undefined) return { doubleValue: a.doubleValue };
  return { stringValue: a.stringValue ?? '' };
}

/** A default_value as the collector takes it: empty strings and zeros are no default. */
function defaultOf(v: string | number | undefined): AnyValue | undefined {
  if (v === undefined || v === '' || v === 0) return undefined;
  if (typeof v === 'string') return { stringValue: v };
  return Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
}

function keyOf(attrs: KeyValue[]): string {
  let k = '';
  for (const kv of attrs) {
    const v = kv.value as { intValue?: bigint; doubleValue?: number; stringValue?: string };
    k +=
      v.intValue !== undefined
        ? `i${v.intValue}`
        : v.doubleValue !== undefined
          ? `d${v.doubleValue}`
          : `s${v.stringValue}`;
    k += '\u0000';
  }
  return k;
}

export class Counter {
  private readonly counts = new Map<MetricDef, Map<string, Count>>();
  private start = 0n;
  private end = 0n;

  constructor(private readonly defs: readonly MetricDef[]) {}

  get empty(): boolean {
    return this.counts.size === 0;
  }

  /**
   * Counts one item for every metric whose attributes it has (or defaults
   * for) and whose conditions it matches. `attrs`: the item's, its scope's and
   * its resource's attributes, most specific first.
   */
  update(attrs: KeyValue[][], matches: (def: MetricDef) => boolean): void {
    for (const def of this.defs) {
      const values: KeyValue[] = [];
      for (const a of def.attributes) {
        const v = lookup(a.key, attrs);
        const value = v !== undefined ? countValue(v) : defaultOf(a.defaultValue);
        if (value === undefined) break;
        values.push({ key: a.key, value });
      }
      if (values.length !== def.attributes.length) continue; // missing an attribute: not counted
      if (def.conditions && !matches(def)) continue;
      let byAttrs = this.counts.get(def);
      if (!byAttrs) {
        byAttrs = new Map();
        this.counts.set(def, byAttrs);
      }
      const key = keyOf(values);
      const c = byAttrs.get(key);
      if (c) c.count++;
      else byAttrs.set(key, { attributes: values, count: 1 });
    }
  }

  /** Widens the time range of what was counted (0 = no time). */
  time(t: bigint): void {
    if (t === 0n) return;
    if (this.start === 0n || t < this.start) this.start = t;
    if (t > this.end) this.end = t;
  }

  /** One delta, monotonic sum per metric that counted something. */
  appendTo(metrics: Metric[]): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    const start = this.start === 0n ? now : this.start;
    const end = this.start === 0n ? now : this.end;
    for (const def of this.defs) {
      const byAttrs = this.counts.get(def);
      if (!byAttrs) continue;
      metrics.push({
        name: def.name,
        description: def.description,
        unit: '',
        metadata: [],
        sum: {
          // the counts are of this request only (delta), and never negative (monotonic)
          aggregationTemporality: 1,
          isMonotonic: true,
          dataPoints: [...byAttrs.values()].map((c) => ({
            attributes: c.attributes.map((kv) => ({ key: kv.key, value: cloneAnyValue(kv.value) })),
            startTimeUnixNano: start,
            timeUnixNano: end,
            asInt: BigInt(c.count),
            exemplars: [],
            flags: 0,
          })),
        },
      });
    }
  }
}
