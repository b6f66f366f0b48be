// Turning one found value into IDs, with W3C validation: trace IDs 16 bytes,
// span IDs 8 bytes, neither all zero; traceparent version 00 exactly
// "00-<32 lowercase hex>-<16 lowercase hex>-<2 hex>".
import { isValidSpanId, isValidTraceId } from '../../src/pdata/ids.js';
import type { AnyValue } from '../../src/pdata/types.js';

// Hex digit values by char code (-1: not a hex digit); a table beats branches here.
const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || NIBBLE[c] < 0) return false;
  }
  return true;
}

/** An ID from hex text of exactly `bytes` bytes, valid per W3C (not all zero), else undefined. */
export function hexId(text: string, bytes: number): Uint8Array | undefined {
  if (text.length !== bytes * 2) return undefined;
  const id = new Uint8Array(bytes);
  let any = 0;
  for (let i = 0, j = 0; i < bytes; i++, j += 2) {
    const a = text.charCodeAt(j);
    const b = text.charCodeAt(j + 1);
    if (a > 255 || b > 255) return undefined;
    const hi = NIBBLE[a];
    const lo = NIBBLE[b];
    if ((hi | lo) < 0) return undefined;
    any |= id[i] = (hi << 4) | lo;
  }
  return any === 0 ? undefined : id;
}

/** An ID from an attribute value: hex string (trimmed) or raw bytes. */
export function idFromValue(v: AnyValue, bytes: number): Uint8Array | undefined {
  if ('stringValue' in v) return hexId((v.stringValue as string).trim(), bytes);
  if ('bytesValue' in v) {
    const b = v.bytesValue as Uint8Array;
    if (b.length !== bytes) return undefined;
    return (bytes === 16 ? isValidTraceId(b) : isValidSpanId(b)) ? b : undefined;
  }
  return undefined;
}

/** Trace flags (0–255) from an int or a 1–2 digit hex string ("01"). */
export function flagsFromValue(v: AnyValue): number | undefined {
  if ('intValue' in v) {
    const n = v.intValue as bigint;
    return n >= 0n && n <= 255n ? Number(n) : undefined;
  }
  if ('stringValue' in v) return flagsFromText((v.stringValue as string).trim());
  return undefined;
}

export function flagsFromText(s: string): number | undefined {
  if (s.length < 1 || s.length > 2 || !isHex(s)) return undefined;
  return Number.parseInt(s, 16);
}

export interface TraceContext {
  traceId: Uint8Array;
  spanId?: Uint8Array;
  flags?: number;
}

const LOWER_HEX = /^[0-9a-f]+$/;

/** Parses a W3C traceparent, version 00 only. */
export function parseTraceparent(s: string): TraceContext | undefined {
  s = s.trim();
  if (s.length !== 55 || s[2] !== '-' || s[35] !== '-' || s[52] !== '-' || !s.startsWith('00'))
    return undefined;
  const t = s.slice(3, 35);
  const sp = s.slice(36, 52);
  const f = s.slice(53, 55);
  if (!LOWER_HEX.test(t) || !LOWER_HEX.test(sp) || !isHex(f)) return undefined;
  const traceId = hexId(t, 16);
  const spanId = hexId(sp, 8);
  if (!traceId || !spanId) return undefined;
  return { traceId, spanId, flags: Number.parseInt(f, 16) };
}
