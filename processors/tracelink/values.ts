// Turning one found value into IDs, with W3C validation: trace IDs 16 bytes,
// span IDs 8 bytes, neither all zero; traceparent version 00 exactly
// "00-<32 lowercase hex>-<16 lowercase hex>-<2 hex>".
import { idFromHex, isHex, isValidSpanId, isValidTraceId, isZeroId } from '../../src/pdata/ids.js';
import type { AnyValue } from '../../src/pdata/types.js';

/** An ID from hex text of exactly `bytes` bytes, valid per W3C (not all zero), else undefined. */
export function hexId(text: string, bytes: number): Uint8Array | undefined {
  const id = idFromHex(text, bytes);
  return id === undefined || isZeroId(id) ? undefined : id;
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
