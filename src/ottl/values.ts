// Runtime values of OTTL expressions, the TypeScript side of the collector's
// Go types: string, int64 (bigint), float64 (number), bool, nil (null), bytes
// (Uint8Array), pcommon.Map / pcommon.Slice (PMap / PSlice: live views of
// pdata, so editors change the telemetry in place), plain lists from `[...]`
// literals (arrays), time.Time (OTime) and time.Duration (ODuration).
import { anyValueToString } from '../pdata/attributes.js';
import type { AnyValue, KeyValue } from '../pdata/types.js';
import { fail } from './errors.js';

/** A pcommon.Map: a live view of a KeyValue list. */
export class PMap {
  constructor(readonly kvs: KeyValue[]) {}
}

/** A pcommon.Slice: a live view of an AnyValue list. */
export class PSlice {
  constructor(readonly values: AnyValue[]) {}
}

/** time.Time with nanosecond precision (UTC nanoseconds since the epoch). */
export class OTime {
  constructor(readonly ns: bigint) {}
}

/** time.Duration in nanoseconds. */
export class ODuration {
  constructor(readonly ns: bigint) {}
}

export type Value =
  | string
  | bigint
  | number
  | boolean
  | null
  | Uint8Array
  | PMap
  | PSlice
  | Value[]
  | OTime
  | ODuration;

/** The Go type name the collector's errors use. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof Uint8Array) return '[]byte';
  if (v instanceof PMap) return 'pcommon.Map';
  if (v instanceof PSlice) return 'pcommon.Slice';
  if (Array.isArray(v)) return '[]any';
  if (v instanceof OTime) return 'time.Time';
  if (v instanceof ODuration) return 'time.Duration';
  return typeof v;
}

/** The value an attribute (or body) holds, as OTTL sees it. */
export function fromAny(v: AnyValue | undefined): Value {
  if (v === undefined) return null;
  const a = v as Record<string, unknown>;
  if (a.stringValue !== undefined) return a.stringValue as string;
  if (a.intValue !== undefined) return a.intValue as bigint;
  if (a.doubleValue !== undefined) return a.doubleValue as number;
  if (a.boolValue !== undefined) return a.boolValue as boolean;
  if (a.kvlistValue !== undefined) return new PMap((a.kvlistValue as { values: KeyValue[] }).values);
  if (a.arrayValue !== undefined) return new PSlice((a.arrayValue as { values: AnyValue[] }).values);
  if (a.bytesValue !== undefined) return a.bytesValue as Uint8Array;
  return null;
}

/** Converts a value for storing in pdata; maps and slices are deep-copied (pcommon CopyTo). */
export function toAny(v: Value | undefined): AnyValue {
  if (v === null || v === undefined) return {};
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'bigint':
      return { intValue: v };
    case 'number':
      return { doubleValue: v };
    case 'boolean':
      return { boolValue: v };
  }
  if (v instanceof Uint8Array) return { bytesValue: v.slice() };
  if (v instanceof PMap) return { kvlistValue: { values: copyKvs(v.kvs) } };
  if (v instanceof PSlice) return { arrayValue: { values: v.values.map(copyAny) } };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAny) } };
  if (v instanceof OTime || v instanceof ODuration)
    return fail(`unsupported value type ${typeName(v)} for a telemetry field`);
  return fail(`unsupported value type ${typeName(v)}`);
}

export function copyAny(v: AnyValue): AnyValue {
  const a = v as Record<string, unknown>;
  if (a.kvlistValue !== undefined)
    return { kvlistValue: { values: copyKvs((a.kvlistValue as { values: KeyValue[] }).values) } };
  if (a.arrayValue !== undefined)
    return { arrayValue: { values: (a.arrayValue as { values: AnyValue[] }).values.map(copyAny) } };
  if (a.bytesValue !== undefined) return { bytesValue: (a.bytesValue as Uint8Array).slice() };
  return { ...v } as AnyValue;
}

export function copyKvs(kvs: KeyValue[]): KeyValue[] {
  const out: KeyValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) out[i] = { key: kvs[i].key, value: copyAny(kvs[i].value) };
  return out;
}

/** A map value as a KeyValue list: pcommon.Map directly, map literals were built as PMap too. */
export function asKvs(v: Value, what = 'value'): KeyValue[] {
  if (v instanceof PMap) return v.kvs;
  return fail(`expected pcommon.Map but got ${typeName(v)} for ${what}`);
}

/** Plain JS form (for JSON output and deep equality). */
export function toPlain(v: Value): unknown {
  if (v instanceof PMap) {
    const o: Record<string, unknown> = {};
    for (const kv of v.kvs) o[kv.key] = toPlain(fromAny(kv.value));
    return o;
  }
  if (v instanceof PSlice) return v.values.map((x) => toPlain(fromAny(x)));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64) for finite values; JS prints the same shortest digits. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Number.POSITIVE_INFINITY) return '+Inf';
  if (f === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return f.toFixed(0);
  const s = String(f);
  if (!s.includes('e')) return s;
  // expand exponent notation to plain decimal, as 'f' formatting does
  const [mant, expStr] = s.split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const dot = (mant.replace('-', '').indexOf('.') + 1 || mant.replace('-', '').length + 1) - 1 + exp;
  let out: string;
  if (dot <= 0) out = `0.${'0'.repeat(-dot)}${digits}`;
  else if (dot >= digits.length) out = digits + '0'.repeat(dot - digits.length);
  else out = `${digits.slice(0, dot)}.${digits.slice(dot)}`;
  return neg ? `-${out}` : out;
}

/** pcommon.Value.AsString-style text of a value (used by Concat, IsMatch, String...). */
export function asString(v: Value): string {
  if (v === null) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return formatFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof PMap) return anyValueToString({ kvlistValue: { values: v.kvs } });
  if (v instanceof PSlice) return anyValueToString({ arrayValue: { values: v.values } });
  if (Array.isArray(v)) return JSON.stringify(toPlain(v), (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  if (v instanceof OTime) return new Date(Number(v.ns / 1_000_000n)).toISOString();
  if (v instanceof ODuration) return `${v.ns}ns`;
  return String(v);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
