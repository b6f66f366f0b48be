// Fast paths for the conditions users write most against an item attribute by
// a constant key: `attributes["k"] == "literal"`, `attributes["k"] > 0.5`,
// `IsString(attributes["k"])`. On an item that arrived as protobuf they read
// the value's shape from its bytes (pdata/attributes.ts itemAttributeShape):
// no string or bigint is made, and a string is compared as bytes with the
// literal's UTF-8. Whenever the bytes cannot tell (a plain item, a value set by
// key, an unusual encoding, an int past ±2^49) the general evaluation runs, so
// every answer is the one compare.ts gives (wire-fast-path.test.ts checks it).
import {
  itemAttributeShape,
  itemAttributeShapeNumber,
  itemAttributeShapeStringIs,
  SHAPE_UNKNOWN,
} from '../pdata/attributes.js';
import type { CmpOp, Expr } from './ast.js';
import type { TransformContext } from './context.js';
import type { Getter, ItemAttributeRef } from './paths.js';

type BoolFn = (c: TransformContext) => boolean;

const STRING = 1;
const INT = 3;
const DOUBLE = 4;

/**
 * `attr op literal` for a string literal (== and !=) or a number literal (every operator);
 * undefined when the literal is of another kind (the caller keeps `general`).
 */
export function fastAttributeCompare(
  attr: ItemAttributeRef,
  op: CmpOp,
  literal: Expr,
  general: BoolFn,
): BoolFn | undefined {
  const { itemOf, key } = attr;
  const keyUtf8 = utf8Of(key);
  if (literal.k === 'str') {
    if (op !== '==' && op !== '!=') return undefined;
    const s = literal.v;
    // bytes compare like the decoded strings only for a well-formed literal without U+FFFD (a
    // string decoded from invalid UTF-8 holds U+FFFD where its bytes do not)
    if (!wellFormed(s) || s.includes('\uFFFD')) return undefined;
    const utf8 = utf8Of(s);
    const eq = op === '==';
    return (c) => {
      const item = itemOf(c);
      const kind = itemAttributeShape(item, key, keyUtf8);
      if (kind === SHAPE_UNKNOWN) return general(c);
      // absent, empty or another kind: "not equal" (compare.ts)
      const same = kind === STRING && itemAttributeShapeStringIs(item, utf8);
      return same === eq;
    };
  }
  let n: number;
  if (literal.k === 'int') {
    // an int literal compares with an int value exactly: as numbers only while both are exact
    if (literal.v > BigInt(Number.MAX_SAFE_INTEGER) || literal.v < -BigInt(Number.MAX_SAFE_INTEGER))
      return undefined;
    n = Number(literal.v);
  } else if (literal.k === 'float') {
    if (Number.isNaN(literal.v)) return undefined;
    n = literal.v;
  } else return undefined;
  // a value that is not a number: "not equal", so only != holds
  const other = op === '!=';
  return (c) => {
    const item = itemOf(c);
    const kind = itemAttributeShape(item, key, keyUtf8);
    if (kind === SHAPE_UNKNOWN) return general(c);
    if (kind !== INT && kind !== DOUBLE) return other;
    const v = itemAttributeShapeNumber(item, kind);
    if (v === undefined) return general(c);
    // int with int, and int or float with float, compare as numbers (compare.ts); NaN is
    // "not equal" to everything, as JS comparisons make it
    switch (op) {
      case '==':
        return v === n;
      case '!=':
        return v !== n;
      case '<':
        return v < n;
      case '<=':
        return v <= n;
      case '>':
        return v > n;
      case '>=':
        return v >= n;
    }
  };
}

/** A string's UTF-8 bytes in their own memory (not a slice of Buffer's shared pool). */
const utf8Of = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** No lone surrogate (String.prototype.isWellFormed, not in this target's lib). */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** The kind (itemAttributeShape number) each type test accepts. */
const KIND_TESTS = new Map<string, number>([
  ['IsString', 1],
  ['IsBool', 2],
  ['IsInt', 3],
  ['IsDouble', 4],
  ['IsList', 5],
  ['IsMap', 6],
]);

/** `IsString(attr)` and its siblings from the value's shape; undefined for other converters. */
export function fastAttributeTypeTest(
  attr: ItemAttributeRef,
  name: string,
  general: Getter,
): Getter | undefined {
  const want = KIND_TESTS.get(name);
  if (want === undefined) return undefined;
  const { itemOf, key } = attr;
  const keyUtf8 = utf8Of(key);
  return (c) => {
    const kind = itemAttributeShape(itemOf(c), key, keyUtf8);
    if (kind === SHAPE_UNKNOWN) return general(c);
    return kind === want;
  };
}
