// Typed argument access for OTTL functions: the collector's StringGetter,
// StringLikeGetter, IntLikeGetter, FloatLikeGetter, PMapGetter... as small
// converters over runtime values, with the collector's error texts.
import { fail } from '../errors.js';
import { asString, formatFloat, hex, PMap, PSlice, typeName, type Value } from '../values.js';

export function expectString(v: Value, what = 'value'): string {
  if (typeof v === 'string') return v;
  return fail(`expected string but got ${typeName(v)} for ${what}`);
}

export function expectInt(v: Value, what = 'value'): bigint {
  if (typeof v === 'bigint') return v;
  return fail(`expected int64 but got ${typeName(v)} for ${what}`);
}

export function expectMap(v: Value, what = 'target'): PMap {
  if (v instanceof PMap) return v;
  return fail(`expected pcommon.Map but got ${typeName(v)} for ${what}`);
}

/** StringLikeGetter: strings, numbers and bools as text, bytes as hex, maps/slices as JSON; nil stays nil. */
export function stringLike(v: Value): string | null {
  if (v === null || v === undefined) return null;
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
  if (v instanceof Uint8Array) return hex(v);
  return asString(v);
}

/** IntLikeGetter: ints, floats truncated, numeric strings, bools as 0/1; nil stays nil. */
export function intLike(v: Value): bigint | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      if (!Number.isFinite(v)) return fail(`cannot convert ${v} to int64`);
      return BigInt.asIntN(64, BigInt(Math.trunc(v)));
    case 'boolean':
      return v ? 1n : 0n;
    case 'string': {
      const s = v.trim();
      if (!/^[+-]?\d+$/.test(s)) return fail(`invalid int64 string ${JSON.stringify(v)}`);
      const n = BigInt(s);
      if (n !== BigInt.asIntN(64, n)) return fail(`value out of range: ${v}`);
      return n;
    }
  }
  return fail(`unsupported type: ${typeName(v)}`);
}

/** FloatLikeGetter: floats, ints, numeric strings, bools as 0/1; nil stays nil. */
export function floatLike(v: Value): number | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const n = parseGoFloat(v);
      if (n === undefined) return fail(`invalid float64 string ${JSON.stringify(v)}`);
      return n;
    }
  }
  return fail(`unsupported type: ${typeName(v)}`);
}

/** strconv.ParseFloat(s, 64) for the usual decimal forms, Inf and NaN. */
export function parseGoFloat(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return Number.NaN;
  return undefined;
}

export function isList(v: Value): v is PSlice | Value[] {
  return v instanceof PSlice || Array.isArray(v);
}
