// JSON text for pdata values, written as strings (no intermediate objects)
// because exporters build documents and log lines with it on their hot path.
import type { AnyValue, KeyValue } from './types.js';

// Printable ASCII except " and \ needs no escaping.
const SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON string literal; skips JSON.stringify for plain printable ASCII without quotes or backslashes. */
export function quote(s: string): string {
  if (s.length < 256 && SAFE.test(s)) return `"${s}"`;
  return JSON.stringify(s);
}

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
