// CRC-32 (IEEE) for record checksums: zlib's native one where Node has it
// (20.15+), else a table-driven fallback.
import * as zlib from 'node:zlib';

let table: Uint32Array | undefined;

function crc32Fallback(buf: Uint8Array, prev = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The CRC of `buf`, or of the bytes before it (whose CRC is `prev`) followed by `buf`. */
export const crc32: (buf: Uint8Array, prev?: number) => number = native
  ? (b, prev = 0) => native(b, prev) >>> 0
  : crc32Fallback;
