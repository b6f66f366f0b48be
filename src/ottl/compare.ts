// OTTL comparison rules (LANGUAGE.md "Comparison Rules"): numbers compare as
// numbers (int vs float as float64), strings and bools among themselves, bytes
// byte by byte, nil equals only nil, maps and slices by deep equality; any
// other pair is "not equal" (`!=` true, every other operator false).
import type { CmpOp } from './ast.js';
import { fromAny, ODuration, OTime, PMap, PSlice, type Value } from './values.js';

/** -1/0/1 when ordered, 0/1 "equal / not equal" only (NaN) for unordered comparable pairs, undefined when incomparable. */
function order(a: Value, b: Value): number | 'eq' | 'ne' | undefined {
  if (a === null || a === undefined) return b === null || b === undefined ? 'eq' : undefined;
  if (b === null || b === undefined) return undefined;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'bigint') {
    if (tb === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    if (tb === 'number') return num(Number(a), b as number);
    return undefined;
  }
  if (ta === 'number') {
    if (tb === 'number') return num(a as number, b as number);
    if (tb === 'bigint') return num(a as number, Number(b));
    return undefined;
  }
  if (ta === 'string') return tb === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : undefined;
  if (ta === 'boolean') return tb === 'boolean' ? (a === b ? 0 : a ? 1 : -1) : undefined;
  if (a instanceof Uint8Array) return b instanceof Uint8Array ? Buffer.compare(a, b) : undefined;
  if (a instanceof OTime) return b instanceof OTime ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : undefined;
  if (a instanceof ODuration)
    return b instanceof ODuration ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : undefined;
  if (isCollection(a) && isCollection(b)) return deepEqual(a, b) ? 'eq' : 'ne';
  return undefined;
}

function num(a: number, b: number): number | 'ne' {
  if (Number.isNaN(a) || Number.isNaN(b)) return 'ne';
  return a < b ? -1 : a > b ? 1 : 0;
}

const isCollection = (v: Value) => v instanceof PMap || v instanceof PSlice || Array.isArray(v);

export function compare(a: Value, b: Value, op: CmpOp): boolean {
  const o = order(a, b);
  if (o === undefined) return op === '!=';
  if (o === 'eq') return op === '==';
  if (o === 'ne') return op === '!=';
  switch (op) {
    case '==':
      return o === 0;
    case '!=':
      return o !== 0;
    case '<':
      return o < 0;
    case '<=':
      return o <= 0;
    case '>':
      return o > 0;
    case '>=':
      return o >= 0;
  }
}

/** Equality as OTTL's `==` sees it (used by ContainsValue, Index...). */
export function valuesEqual(a: Value, b: Value): boolean {
  return compare(a, b, '==');
}

function deepEqual(a: Value, b: Value): boolean {
  if (a instanceof PMap || b instanceof PMap) {
    if (!(a instanceof PMap && b instanceof PMap)) return false;
    if (a.kvs.length !== b.kvs.length) return false;
    for (const kv of a.kvs) {
      const other = b.kvs.find((x) => x.key === kv.key);
      if (!other || !sameValue(fromAny(kv.value), fromAny(other.value))) return false;
    }
    return true;
  }
  const la = a instanceof PSlice ? a.values.map(fromAny) : (a as Value[]);
  const lb = b instanceof PSlice ? b.values.map(fromAny) : (b as Value[]);
  if (la.length !== lb.length) return false;
  for (let i = 0; i < la.length; i++) if (!sameValue(la[i], lb[i])) return false;
  return true;
}

/** Strict element equality inside collections (reflect.DeepEqual: same type and value). */
function sameValue(a: Value, b: Value): boolean {
  if (typeof a !== typeof b) return false;
  if (isCollection(a) || isCollection(b)) return isCollection(a) && isCollection(b) && deepEqual(a, b);
  const o = order(a, b);
  return o === 0 || o === 'eq';
}
