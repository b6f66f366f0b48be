// HPACK encoding (RFC 7541) of a request's header block, built once per signal and
// reused for every call: static-table fields as indexes, everything else as literals
// without indexing (6.2.2), names by static index where the table has them, strings
// raw (no Huffman). The server's dynamic table is never touched, so the block stays
// valid for the connection's lifetime whatever SETTINGS_HEADER_TABLE_SIZE it sets.
// Strings are latin1 octets, as node:http2 sends them.
import { STATIC_TABLE } from './hpack-tables.js';

/** An integer with an n-bit prefix (5.1), the prefix's high bits `first`. */
function int(out: number[], v: number, n: number, first: number): void {
  const max = (1 << n) - 1;
  if (v < max) {
    out.push(first | v);
    return;
  }
  out.push(first | max);
  v -= max;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function str(out: number[], s: string): void {
  const b = Buffer.from(s, 'latin1');
  int(out, b.length, 7, 0);
  for (const c of b) out.push(c);
}

/** Encodes [name, value] pairs (names lower-case, pseudo-headers first) into a header block. */
export function encodeHeaderBlock(fields: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const full = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (full >= 0) {
      int(out, full + 1, 7, 0x80);
      continue;
    }
    const named = STATIC_TABLE.findIndex(([n]) => n === name);
    if (named >= 0) int(out, named + 1, 4, 0);
    else {
      out.push(0);
      str(out, name);
    }
    str(out, value);
  }
  return Buffer.from(out);
}
