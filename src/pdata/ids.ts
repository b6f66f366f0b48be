// Trace and span IDs: bytes in pdata, lowercase hex on the JSON wire and in backends.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexOf(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}

// Hex digit values by char code (-1: not a hex digit); a table beats branches and regexes here.
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Every character is a hex digit. */
export function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || NIBBLE[c] < 0) return false;
  }
  return true;
}

/**
 * Parses hex into bytes; returns undefined unless it is exactly `bytes` long and
 * valid hex (validated before anything is allocated; the bytes are a newIdBytes view).
 */
export function idFromHex(hex: string, bytes: number): Uint8Array | undefined {
  if (hex.length !== bytes * 2 || !isHex(hex)) return undefined;
  const out = newIdBytes(bytes);
  for (let i = 0; i < bytes; i++)
    out[i] = (NIBBLE[hex.charCodeAt(2 * i)] << 4) | NIBBLE[hex.charCodeAt(2 * i + 1)];
  return out;
}

export function isZeroId(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/** A valid W3C trace ID (16 bytes) or span ID (8 bytes): right length and not all zero. */
export function isValidTraceId(id: Uint8Array): boolean {
  return id.length === 16 && !isZeroId(id);
}
export function isValidSpanId(id: Uint8Array): boolean {
  return id.length === 8 && !isZeroId(id);
}

/**
 * A fresh n-byte ID array for the per-line hot paths (hex IDs in logs).
 * A `new Uint8Array(16)` costs ~220 B of heap; a view into a shared 8 KiB slab
 * ~100 B (measured). A record kept for long keeps at most its slab alive.
 */
export function newIdBytes(n: number): Uint8Array {
  if (slabPos + n > SLAB) {
    slab = new Uint8Array(SLAB);
    slabPos = 0;
  }
  const v = slab.subarray(slabPos, slabPos + n);
  slabPos += n;
  return v;
}
const SLAB = 8192;
let slab = new Uint8Array(SLAB);
let slabPos = 0;
