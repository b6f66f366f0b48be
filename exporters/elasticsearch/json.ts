// JSON text writers for documents: built as strings (no intermediate objects)
// because this is the exporter's hot path.
import { anyValueToString } from '../../src/pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';

/** A value as JSON text (64-bit ints exact, bytes base64, non-finite doubles as strings). */
export function jsonValue(v: AnyValue | undefined): string {
  if (!v) return 'null';
  if ('stringValue' in v) return quote(v.stringValue as string);
  if ('intValue' in v) return (v.intValue as bigint).toString();
  if ('doubleValue' in v) {
    const d = v.doubleValue as number;
    return Number.isFinite(d) ? String(d) : `"${d}"`;
  }
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('kvlistValue' in v) return jsonObject((v.kvlistValue as { values: KeyValue[] }).values);
  if ('arrayValue' in v) {
    const vals = (v.arrayValue as { values: AnyValue[] }).values;
    let s = '[';
    for (let i = 0; i < vals.length; i++) s += (i ? ',' : '') + jsonValue(vals[i]);
    return `${s}]`;
  }
  if ('bytesValue' in v) return `"${Buffer.from(v.bytesValue as Uint8Array).toString('base64')}"`;
  return 'null';
}

// Printable ASCII except " and \ needs no escaping.
const SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON string literal; skips JSON.stringify for plain printable ASCII without quotes or backslashes. */
export function quote(s: string): string {
  if (s.length < 256 && SAFE.test(s)) return `"${s}"`;
  return JSON.stringify(s);
}

const hexSlice = (
  Buffer.prototype as unknown as { hexSlice: (this: Uint8Array, s: number, e: number) => string }
).hexSlice;

/** Lowercase hex of an ID, in one native call. */
export function hex(id: Uint8Array): string {
  return hexSlice.call(id, 0, id.length);
}

/** `{"k":v,…}` from attributes, skipping keys `skip` says. */
export function jsonObject(kvs: KeyValue[], skip?: (key: string) => boolean): string {
  let s = '{';
  let first = true;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (skip?.(kv.key)) continue;
    s += `${first ? '' : ','}${quote(kv.key)}:${jsonValue(kv.value)}`;
    first = false;
  }
  return `${s}}`;
}

/** `,"k":v` pairs (flat, keys as given, optionally prefixed) for ECS / raw documents. */
export function jsonPairs(kvs: KeyValue[], prefix = '', skip?: (key: string) => boolean): string {
  let s = '';
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (skip?.(kv.key)) continue;
    s += `,${quote(prefix + kv.key)}:${jsonValue(kv.value)}`;
  }
  return s;
}

export function textOf(v: AnyValue): string {
  return anyValueToString(v);
}

let lastSec = -1n;
let lastPrefix = '';

/** RFC 3339 with nanoseconds (ES `date_nanos` accepts it): 2024-05-01T10:00:00.123456789Z. */
export function isoNanos(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  if (sec !== lastSec) {
    lastSec = sec;
    lastPrefix = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  }
  const frac = Number(ns % 1_000_000_000n);
  return `${lastPrefix}.${String(frac).padStart(9, '0')}Z`;
}
