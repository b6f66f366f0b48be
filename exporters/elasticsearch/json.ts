// JSON text writers for documents: built as strings (no intermediate objects)
// because this is the exporter's hot path.
import { anyValueToString } from '../../src/pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';

export { jsonObject, jsonValue, quote } from '../../src/pdata/json-text.js';

import { jsonValue, quote } from '../../src/pdata/json-text.js';

const hexSlice = (
  Buffer.prototype as unknown as { hexSlice: (this: Uint8Array, s: number, e: number) => string }
).hexSlice;

/** Lowercase hex of an ID, in one native call. */
export function hex(id: Uint8Array): string {
  return hexSlice.call(id, 0, id.length);
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
