// HPACK's Huffman code (RFC 7541 5.2, Appendix B): decoding the strings a server
// sends Huffman-coded (nghttp2 and most servers code every string that gets shorter).
// A binary tree walked bit by bit: answer headers are a few dozen bytes, and once a
// server indexed them they arrive as table references, not strings.
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from './hpack-tables.js';

export class HuffmanError extends Error {}

const EOS = 256;
/**
 * The tree: node n's children are TREE[2n] (bit 0) and TREE[2n+1] (bit 1); a value
 * >= 0 is the next node, -1 - s a leaf of symbol s, 0 at a non-root index an unused branch
 * (node 0 is the root, never a child).
 */
const TREE = (() => {
  const t = new Int32Array(2 * 512);
  let nodes = 1;
  for (let sym = 0; sym <= EOS; sym++) {
    const code = HUFFMAN_CODES[sym];
    const len = HUFFMAN_LENGTHS[sym];
    let n = 0;
    for (let i = len - 1; i > 0; i--) {
      const slot = 2 * n + ((code >>> i) & 1);
      if (t[slot] === 0) t[slot] = nodes++;
      n = t[slot];
    }
    t[2 * n + (code & 1)] = -1 - sym;
  }
  return t;
})();

/**
 * Decodes a Huffman-coded string of `len` bytes at `src[start]` as latin1 (one char per octet).
 * Throws HuffmanError on EOS in the string or padding that is not a prefix of EOS (all ones,
 * at most 7 bits), as RFC 7541 5.2 requires.
 */
export function huffmanDecode(src: Uint8Array, start: number, len: number): string {
  // the shortest code is 5 bits: at most 8/5 symbols per byte
  const out = Buffer.allocUnsafe(Math.ceil((len * 8) / 5));
  let o = 0;
  let n = 0;
  /** Bits read since the last symbol, and whether they were all ones (EOS's prefix). */
  let pending = 0;
  let ones = true;
  const end = start + len;
  for (let p = start; p < end; p++) {
    const byte = src[p];
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >>> b) & 1;
      const next = TREE[2 * n + bit];
      pending++;
      if (bit === 0) ones = false;
      if (next < 0) {
        const sym = -1 - next;
        if (sym === EOS) throw new HuffmanError('EOS in a Huffman-coded string');
        out[o++] = sym;
        n = 0;
        pending = 0;
        ones = true;
      } else if (next === 0) throw new HuffmanError('invalid Huffman code');
      else n = next;
    }
  }
  if (pending > 7 || !ones) throw new HuffmanError('invalid Huffman padding');
  return out.toString('latin1', 0, o);
}

/** Huffman-codes a latin1 string (tests use it to make the answers a server may send). */
export function huffmanEncode(s: string): Buffer {
  const bytes = Buffer.from(s, 'latin1');
  let bits = 0;
  for (const c of bytes) bits += HUFFMAN_LENGTHS[c];
  const out = Buffer.alloc(Math.ceil(bits / 8));
  let acc = 0;
  let accBits = 0;
  let o = 0;
  for (const c of bytes) {
    let len = HUFFMAN_LENGTHS[c];
    const code = HUFFMAN_CODES[c];
    while (len > 0) {
      const take = Math.min(len, 8 - accBits);
      acc = (acc << take) | ((code >>> (len - take)) & ((1 << take) - 1));
      accBits += take;
      len -= take;
      if (accBits === 8) {
        out[o++] = acc;
        acc = 0;
        accBits = 0;
      }
    }
  }
  if (accBits > 0) out[o] = (acc << (8 - accBits)) | ((1 << (8 - accBits)) - 1);
  return out;
}
