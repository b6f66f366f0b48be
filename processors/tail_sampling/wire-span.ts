// Reading the few span fields policies look at straight from the protobuf
// bytes, without decoding spans into objects: status code, start/end time,
// trace state, flags, and one attribute by key at a time. The values are read
// the way the decoder reads them (last occurrence of a field wins, the first
// KeyValue of a key is the one found, as pcommon.Map.Get does).
//
// A WireSpan is a cursor: one object, moved from span to span.

export const V_NONE = 0;
export const V_STR = 1;
export const V_BOOL = 2;
export const V_INT = 3;
export const V_DOUBLE = 4;
/** array, kvlist or bytes: present, but neither string, bool nor int. */
export const V_OTHER = 5;

type FastBuffer = Buffer & { utf8Slice(start: number, end: number): string };

export class WireSpan {
  private buf: FastBuffer = Buffer.alloc(0) as FastBuffer;
  private src: Uint8Array | undefined;
  private start = 0;
  private end = 0;
  private p = 0;

  // the last attr() result
  kind = V_NONE;
  str = '';
  int = 0n;
  bool = false;

  /** Positions the cursor on a span message body buf[start, end). */
  set(buf: Uint8Array, start: number, end: number): void {
    if (buf !== this.src) {
      this.src = buf;
      this.buf = (
        Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
      ) as FastBuffer;
    }
    this.start = start;
    this.end = end;
  }

  private varint(): number {
    const b = this.buf;
    let x = b[this.p++];
    if (x < 0x80) return x;
    let v = x & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      x = b[this.p++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
    return v;
  }

  /** An int64 varint exactly (two's complement). */
  private varintBig(): bigint {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const x = b[this.p++];
      if (shift < 28) lo |= (x & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (x & 0x0f) << 28;
        hi |= (x & 0x7f) >>> 4;
      } else hi |= (x & 0x7f) << (shift - 32);
      shift += 7;
      if (x < 0x80) break;
    }
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }

  private skip(wt: number): void {
    switch (wt) {
      case 0:
        while (this.buf[this.p++] >= 0x80);
        break;
      case 1:
        this.p += 8;
        break;
      case 2: {
        const n = this.varint();
        this.p += n;
        break;
      }
      case 5:
        this.p += 4;
        break;
      default:
        throw new Error(`unexpected wire type ${wt}`);
    }
  }

  /** Status.code (field 15 → field 3), 0 when absent. */
  statusCode(): number {
    let code = 0;
    this.p = this.start;
    while (this.p < this.end) {
      const t = this.varint();
      if (t !== 0x7a) {
        this.skip(t & 7);
        continue;
      }
      const stop = this.varint() + this.p;
      code = 0; // a later status message replaces an earlier one
      while (this.p < stop) {
        const st = this.varint();
        if (st === 0x18) code = this.varint() | 0;
        else this.skip(st & 7);
      }
    }
    return code;
  }

  private fixed64(tag: number): bigint {
    let v = 0n;
    this.p = this.start;
    while (this.p < this.end) {
      const t = this.varint();
      if (t === tag) {
        v = this.buf.readBigUInt64LE(this.p);
        this.p += 8;
      } else this.skip(t & 7);
    }
    return v;
  }

  startTime(): bigint {
    return this.fixed64(0x39);
  }

  endTime(): bigint {
    return this.fixed64(0x41);
  }

  /** flags (field 16, fixed32). */
  flags(): number {
    let v = 0;
    this.p = this.start;
    while (this.p < this.end) {
      const t = this.varint();
      if (t === 133) {
        // field 16, fixed32 (the tag is two bytes on the wire: 0x85 0x01)
        v = this.buf.readUInt32LE(this.p);
        this.p += 4;
      } else this.skip(t & 7);
    }
    return v;
  }

  traceState(): string {
    let s = '';
    this.p = this.start;
    while (this.p < this.end) {
      const t = this.varint();
      if (t === 0x1a) {
        const n = this.varint();
        s = this.buf.utf8Slice(this.p, this.p + n);
        this.p += n;
      } else this.skip(t & 7);
    }
    return s;
  }

  /**
   * Finds the first attribute whose key equals `key` (UTF-8 bytes) and reads its
   * value into kind/str/int/bool. False when the span has no such attribute.
   */
  attr(key: Uint8Array): boolean {
    const b = this.buf;
    this.p = this.start;
    while (this.p < this.end) {
      const t = this.varint();
      if (t !== 0x4a) {
        this.skip(t & 7);
        continue;
      }
      const kvEnd = this.varint() + this.p;
      // an empty key is not written (proto3 default): a KeyValue without one has key ""
      let matched = key.length === 0;
      let valStart = -1;
      let valEnd = -1;
      while (this.p < kvEnd) {
        const kt = this.varint();
        if (kt === 0x0a) {
          const len = this.varint();
          matched = len === key.length && equalAt(b, this.p, key);
          this.p += len;
        } else if (kt === 0x12) {
          const len = this.varint();
          valStart = this.p;
          valEnd = this.p + len;
          this.p += len;
        } else this.skip(kt & 7);
      }
      if (!matched) continue;
      this.readValue(valStart, valEnd);
      return true;
    }
    return false;
  }

  /** AnyValue in buf[start, end) (start < 0: absent): the last oneof member set wins. */
  private readValue(start: number, end: number): void {
    this.kind = V_NONE;
    if (start < 0) return;
    this.p = start;
    while (this.p < end) {
      const t = this.varint();
      switch (t) {
        case 0x0a: {
          const n = this.varint();
          this.kind = V_STR;
          this.str = this.buf.utf8Slice(this.p, this.p + n);
          this.p += n;
          break;
        }
        case 0x10:
          this.kind = V_BOOL;
          this.bool = this.varint() !== 0;
          break;
        case 0x18:
          this.kind = V_INT;
          this.int = this.varintBig();
          break;
        case 0x21:
          this.kind = V_DOUBLE;
          this.p += 8;
          break;
        case 0x2a:
        case 0x32:
        case 0x3a:
          this.kind = V_OTHER;
          this.skip(2);
          break;
        default:
          this.skip(t & 7);
      }
    }
  }
}

function equalAt(b: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (b[at + i] !== key[i]) return false;
  return true;
}

/** Calls `fn(buf, start, end)` with each span message body in a sequence of span fields (tag 0x12). */
export function eachSpan(
  buf: Uint8Array,
  fn: (buf: Uint8Array, start: number, end: number) => boolean,
): boolean {
  let p = 0;
  while (p < buf.length) {
    p++; // the tag: 0x12
    let len = 0;
    let mul = 1;
    for (;;) {
      const x = buf[p++];
      len += (x & 0x7f) * mul;
      if (x < 0x80) break;
      mul *= 128;
    }
    if (fn(buf, p, p + len)) return true;
    p += len;
  }
  return false;
}
