// Trace and span IDs: bytes in pdata, lowercase hex on the JSON wire and in backends.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexOf(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}

// Hex digit values by UTF-16 code unit (-1: not a hex digit); a table beats branches and regexes here.
const NIBBLE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Every character is a hex digit. */
export function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (NIBBLE[s.charCodeAt(i)] < 0) return false;
  }
  return true;
}

/**
 * Parses hex into bytes; returns undefined unless it is exactly `bytes` long and
 * valid hex. One pass: the digits are written into the slab's free space and
 * become a newIdBytes view only if all were valid (nothing is allocated otherwise).
 */
export function idFromHex(hex: string, bytes: number): Uint8Array | undefined {
  if (hex.length !== bytes * 2) return undefined;
  const at = slabRoom(bytes);
  let bad = 0;
  for (let i = 0; i < bytes; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 * i)];
    const lo = NIBBLE[hex.charCodeAt(2 * i + 1)];
    bad |= hi | lo; // negative once any digit was not hex
    slab[at + i] = (hi << 4) | lo;
  }
  if (bad < 0) return undefined;
  slabPos = at + bytes;
  return slab.subarray(at, at + bytes);
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
  const at = slabRoom(n);
  slabPos = at + n;
  return slab.subarray(at, at + n);
}
const SLAB = 8192;
let slab = new Uint8Array(SLAB);
let slabPos = 0;

/** Where `n` free bytes start in the slab (a fresh slab when the current one is full); not yet taken. */
function slabRoom(n: number): number {
  if (slabPos + n > SLAB) {
    slab = new Uint8Array(SLAB);
    slabPos = 0;
  }
  return slabPos;
}
