// The collector's attribute hash (attraction sha2Hasher, SHA-256 since
// v0.85.0): strings hash their UTF-8 bytes, booleans one byte 1/0, ints their
// int64 little-endian bytes, doubles their float64 bits little-endian; the
// result is lowercase hex. Other types become an empty string.
import { createHash } from 'node:crypto';
import type { AnyValue } from '../pdata/types.js';

export function hashValue(v: AnyValue): AnyValue {
  let bytes: Uint8Array | string;
  if ('stringValue' in v) bytes = v.stringValue as string;
  else if ('boolValue' in v) bytes = Uint8Array.of(v.boolValue ? 1 : 0);
  else if ('intValue' in v) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v.intValue as bigint);
    bytes = b;
  } else if ('doubleValue' in v) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v.doubleValue as number);
    bytes = b;
  } else return { stringValue: '' };
  return { stringValue: createHash('sha256').update(bytes).digest('hex') };
}
