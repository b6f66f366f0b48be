// Protobuf written by hand, for tests that need encodings our encoder never writes (value
// before key, repeated oneof fields, non-minimal lengths). Bytes as plain number arrays.

/** An unsigned varint of a non-negative safe integer. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A 64-bit varint (negative values as their two's complement, as int64 fields are written). */
export function varint64(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

/** A length-delimited field (one-byte tag: field < 16). */
export const ld = (field: number, body: number[]): number[] => [
  (field << 3) | 2,
  ...varint(body.length),
  ...body,
];

/** A string's UTF-8 bytes. */
export const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** The 8 little-endian bytes of a double. */
export function doubleBytes(x: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...b];
}
