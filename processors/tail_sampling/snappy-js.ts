// Snappy block decompression in JS, into a buffer the caller provides. The
// native binding returns a fresh buffer per call; at decision time every held
// chunk is uncompressed once, and fresh buffers (megabytes per tick) would wait
// for the garbage collector, which lets RSS drift up. Compression stays native.

/** The uncompressed length a snappy block announces (its leading varint). */
export function uncompressedLength(src: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = src[i];
    n += (b & 0x7f) * mul;
    if (b < 0x80) return n;
    mul *= 128;
  }
  throw new Error('snappy: invalid length');
}

/** Decompresses `src` (a raw snappy block) into `dst`; returns the length written. */
export function snappyUncompress(src: Uint8Array, dst: Uint8Array): number {
  let pos = 0;
  let len = 0;
  let mul = 1;
  for (;;) {
    const b = src[pos++];
    len += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  if (len > dst.length) throw new Error('snappy: output does not fit');
  let out = 0;
  const end = src.length;
  while (pos < end) {
    const tag = src[pos++];
    const type = tag & 3;
    if (type === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        n = 0;
        for (let i = 0; i < extra; i++) n |= src[pos++] << (8 * i);
        n >>>= 0;
      }
      n += 1;
      if (pos + n > end || out + n > len) throw new Error('snappy: corrupt literal');
      if (n < 32) {
        // short literals are the common case: a loop beats subarray + set
        for (let i = 0; i < n; i++) dst[out + i] = src[pos + i];
      } else dst.set(src.subarray(pos, pos + n), out);
      pos += n;
      out += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (type === 1) {
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (type === 2) {
      n = (tag >>> 2) + 1;
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      n = (tag >>> 2) + 1;
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16) | (src[pos + 3] << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > out || out + n > len) throw new Error('snappy: corrupt copy');
    if (offset >= n && n >= 32) {
      dst.copyWithin(out, out - offset, out - offset + n);
      out += n;
    } else {
      // short or overlapping (repeating the last `offset` bytes): byte by byte
      for (let i = 0; i < n; i++, out++) dst[out] = dst[out - offset];
    }
  }
  if (out !== len) throw new Error('snappy: length mismatch');
  return len;
}
