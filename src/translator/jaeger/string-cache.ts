// Decoding the same short strings over and over (tag keys, service and
// operation names, enum-like values) dominates Thrift decoding. A small
// direct-mapped cache keyed by the bytes returns the already-built string:
// faster than a native UTF-8 decode per string, and repeated values share
// one string instead of filling the heap with copies.
const SLOTS = 4096; // power of two
const MAX_LEN = 48;

const slotBytes = new Uint8Array(SLOTS * MAX_LEN);
const slotLen = new Int32Array(SLOTS).fill(-1);
const slotStr: string[] = new Array(SLOTS).fill('');

interface Utf8Buffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** buf[start, start+len) as a UTF-8 string. */
export function decodeString(buf: Buffer, start: number, len: number): string {
  const b = buf as Utf8Buffer;
  if (len === 0) return '';
  if (len > MAX_LEN) return b.utf8Slice(start, start + len);
  // FNV-1a over the bytes, noting whether all are ASCII.
  let h = 0x811c9dc5;
  let high = 0;
  for (let i = 0; i < len; i++) {
    const c = buf[start + i];
    high |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  h = (h ^ len) & (SLOTS - 1);
  if (slotLen[h] === len) {
    const off = h * MAX_LEN;
    let same = true;
    for (let i = 0; i < len; i++)
      if (slotBytes[off + i] !== buf[start + i]) {
        same = false;
        break;
      }
    if (same) return slotStr[h];
  }
  const s = high < 0x80 ? b.latin1Slice(start, start + len) : b.utf8Slice(start, start + len);
  slotBytes.set(buf.subarray(start, start + len), h * MAX_LEN);
  slotLen[h] = len;
  slotStr[h] = s;
  return s;
}
