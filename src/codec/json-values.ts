// OTLP/JSON scalar readers (strict: a wrong JSON type is an error, null means the default) and writers.
// Readers throw a DecodeError located at the field (`traceId: expected 32 hex characters, got 6`);
// the message decoders prepend the outer path.
import { type DecodeBudget, UNLIMITED_BUDGET } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { atPath, type DecodeError, jsonError } from './errors.js';

export type Obj = Record<string, unknown>;

/**
 * The budget of the JSON decode in progress (decoding is synchronous: one at a time); the
 * readers charge what they build: repeated elements, IDs, bytes.
 */
export const jsonDecode: { budget: DecodeBudget } = { budget: UNLIMITED_BUDGET };

export function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** An error at field `name`. */
export function fieldError(name: string, reason: string): DecodeError {
  const e = jsonError(reason);
  e.path = name;
  e.message = `${name}: ${reason}`;
  return e;
}

/** The value must be a JSON object (null is not allowed here; callers treat null as absent first). */
export function asObject(v: unknown, name: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw fieldError(name, `expected an object, got ${typeName(v)}`);
  }
  return v as Obj;
}

/**
 * Reads a repeated message field: an array (null → empty) of objects decoded by `read`;
 * `cost`: each element's heap cost (decode-cost.ts), charged before they are read.
 */
export function readArray<T>(v: unknown, name: string, read: (o: Obj) => T, cost: number): T[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(name, `expected an array, got ${typeName(v)}`);
  jsonDecode.budget.charge(cost * v.length, v.length);
  const out: T[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
      throw fieldError(`${name}[${i}]`, `expected an object, got ${typeName(x)}`);
    }
    try {
      out[i] = read(x as Obj);
    } catch (e) {
      throw atPath(e, name, i);
    }
  }
  return out;
}

/** Reads a singular message field (null → undefined, the caller supplies the default). */
export function readMessage<T>(v: unknown, name: string, read: (o: Obj) => T): T | undefined {
  if (v === null || v === undefined) return undefined;
  const o = asObject(v, name);
  try {
    return read(o);
  } catch (e) {
    throw atPath(e, name);
  }
}

export function readString(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  throw fieldError(name, `expected a string, got ${typeName(v)}`);
}

export function readBool(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  throw fieldError(name, `expected a boolean, got ${typeName(v)}`);
}

const INT_RE = /^-?[0-9]+$/;

/** A 32-bit integer field: a JSON number or a decimal string (as the protobuf JSON mapping allows). */
function readInt32Range(v: unknown, name: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INT_RE.test(v)) n = Number(v);
  else if (v === null) return 0;
  else
    throw fieldError(
      name,
      `expected an integer, got ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)}`,
    );
  if (!Number.isInteger(n)) throw fieldError(name, `expected an integer, got ${n}`);
  if (n < min || n > max) throw fieldError(name, `${n} is out of range`);
  return n;
}

export function readUint32(v: unknown, name: string): number {
  return readInt32Range(v, name, 0, 0xffffffff);
}

export function readInt32(v: unknown, name: string): number {
  return readInt32Range(v, name, -0x80000000, 0x7fffffff);
}

/** An enum: its number, or its name in `names` (decoders accept both, encoders write numbers). */
export function readEnum(v: unknown, name: string, names: Record<string, number>): number {
  if (typeof v === 'string' && !INT_RE.test(v)) {
    const n = names[v];
    if (n === undefined) throw fieldError(name, `unknown enum value ${JSON.stringify(v)}`);
    return n;
  }
  return readInt32(v, name);
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Thrown (not a DecodeError) by a 64-bit reader given a JSON number JSON.parse may have rounded. */
export const UNSAFE_NUMBER: Error = new Error('64-bit JSON number beyond 2^53');

/** Set by decodeExact while decoding a body whose big integer literals were quoted. */
export const exactNumbers = { quoted: false };

/** A 64-bit integer: a decimal string (the OTLP form) or a JSON number (also accepted, exactly). */
function read64(v: unknown, name: string, signed: boolean): bigint {
  let b: bigint;
  if (typeof v === 'string') {
    if (!INT_RE.test(v))
      throw fieldError(name, `expected a decimal integer string, got ${JSON.stringify(v)}`);
    b = BigInt(v);
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw fieldError(name, `expected an integer, got ${v}`);
    if (!Number.isSafeInteger(v)) {
      // Digits were lost: decodeExact parses again with the literal quoted. A
      // number still unsafe then was written with an exponent (1e19).
      if (!exactNumbers.quoted) throw UNSAFE_NUMBER;
      throw fieldError(name, `${v} is not an exact integer; write 64-bit integers as decimal strings`);
    }
    b = BigInt(v);
  } else if (v === null) return 0n;
  else throw fieldError(name, `expected an integer string, got ${typeName(v)}`);
  if (signed ? b < I64_MIN || b > I64_MAX : b < 0n || b > U64_MAX) {
    throw fieldError(name, `${b} is out of range for ${signed ? 'int64' : 'uint64'}`);
  }
  return b;
}

export function readUint64(v: unknown, name: string): bigint {
  return read64(v, name, false);
}
export function readInt64(v: unknown, name: string): bigint {
  return read64(v, name, true);
}

/** A double: a JSON number, or "NaN"/"Infinity"/"-Infinity" (or a numeric string) as strings. */
export function readDouble(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = v.trim() === '' ? Number.NaN : Number(v);
    if (!Number.isNaN(n)) return n;
    throw fieldError(name, `expected a number, got ${JSON.stringify(v)}`);
  }
  if (v === null) return 0;
  throw fieldError(name, `expected a number, got ${typeName(v)}`);
}

/**
 * Quotes every integer literal of 16+ digits outside strings, so JSON.parse
 * keeps its exact digits ("9223372036854775807" instead of 9223372036854776000).
 * Other text (strings, escapes, smaller numbers, decimals, exponents) is untouched.
 */
export function quoteBigIntegers(s: string): string {
  let out = '';
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      // skip a string literal
      for (i++; i < n; i++) {
        const d = s.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (!((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d))
          break;
        j++;
      }
      const digits = j - i - (c === 0x2d ? 1 : 0);
      if (digits >= 16 && INT_TOKEN.test(s.slice(i, j))) {
        out += `${s.slice(from, i)}"${s.slice(i, j)}"`;
        from = j;
      }
      i = j - 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

const INT_TOKEN = /^-?[1-9][0-9]*$/;

const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** bytes: standard or URL-safe base64, padding optional (as the protobuf JSON mapping accepts). */
export function readBase64(v: unknown, name: string): Uint8Array {
  if (v === null) return new Uint8Array(0);
  if (typeof v !== 'string') throw fieldError(name, `expected a base64 string, got ${typeName(v)}`);
  if (!B64_RE.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw fieldError(name, 'invalid base64');
  }
  jsonDecode.budget.charge(COST.bytesView + v.length);
  const b = Buffer.from(v, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const HEXVAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEXVAL[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEXVAL[65 + i] = 10 + i;
  HEXVAL[97 + i] = 10 + i;
}

/** A trace/span ID: hex (either case) of exactly `bytes` bytes, or empty. */
export function readHexId(v: unknown, name: string, bytes: number): Uint8Array {
  if (v === null || v === '') return EMPTY;
  if (typeof v !== 'string') throw fieldError(name, `expected a hex string, got ${typeName(v)}`);
  if (v.length !== bytes * 2) {
    throw fieldError(name, `expected ${bytes * 2} hex characters, got ${v.length}`);
  }
  jsonDecode.budget.charge(COST.bytesView + bytes);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) {
    const c1 = v.charCodeAt(2 * i);
    const c2 = v.charCodeAt(2 * i + 1);
    const h = c1 < 128 ? HEXVAL[c1] : -1;
    const l = c2 < 128 ? HEXVAL[c2] : -1;
    if (h < 0 || l < 0)
      throw fieldError(name, `invalid hex character at position ${h < 0 ? 2 * i : 2 * i + 1}`);
    out[i] = (h << 4) | l;
  }
  return out;
}

const EMPTY: Uint8Array = new Uint8Array(0);

// ---------------------------------------------------------------- writing

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** A double as OTLP/JSON writes it: a number, or a string for NaN and the infinities. */
export function jsonDouble(n: number): string {
  if (Number.isFinite(n)) return n === 0 && 1 / n < 0 ? '-0' : String(n);
  return Number.isNaN(n) ? '"NaN"' : n > 0 ? '"Infinity"' : '"-Infinity"';
}

/** A JSON string literal. JSON.stringify is native and handles escaping (and lone surrogates). */
export const q = JSON.stringify as (s: string) => string;

/**
 * What JSON.parse will build from `text` (a string or UTF-8 bytes), estimated by one pass over
 * it before it runs: JSON.parse cannot be stopped half way, so its tree is paid for up front.
 * Measured on Node 20 (x64): an object ~56 bytes, an array ~48, an element or property slot
 * (with a boxed number) ~24, and the text's characters twice (the string handed to JSON.parse
 * and the strings in the tree).
 */
export function jsonTreeCost(text: string | Uint8Array): { bytes: number; values: number } {
  let objects = 0;
  let arrays = 0;
  let commas = 0;
  const n = text.length;
  if (typeof text === 'string') {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        for (i++; i < n; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
      } else if (c === 0x2c) commas++;
      else if (c === 0x7b) objects++;
      else if (c === 0x5b) arrays++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const c = text[i];
      if (c === 0x22) {
        for (i++; i < n; i++) {
          const d = text[i];
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
      } else if (c === 0x2c) commas++;
      else if (c === 0x7b) objects++;
      else if (c === 0x5b) arrays++;
    }
  }
  return {
    bytes: 56 * objects + 48 * arrays + 24 * commas + 2 * n,
    values: objects + arrays + commas,
  };
}
