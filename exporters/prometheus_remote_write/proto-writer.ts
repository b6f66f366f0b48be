// A protobuf writer into one growing, reused buffer: the remote write encoder
// writes every series of a request into it and cuts requests out of it, so a
// series costs no buffer of its own. Strings go in with an ASCII fast path
// (label values are short), doubles through a DataView; lengths of nested
// messages are patched in afterwards (one byte reserved, widened when needed).

/** Buffer's native UTF-8 writer, without Buffer.write's argument handling. */
type FastBuffer = Buffer & { utf8Write(s: string, offset: number, length: number): number };

/** Strings longer than this go straight to the native UTF-8 writer. */
const ASCII_LOOP_MAX = 48;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;
  /** sample(): the last timestamp and its varint. */
  private lastTs = 0;
  private tsLen = 0;
  private readonly tsBytes = new Uint8Array(10);
  private view: DataView;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    this.resize(size);
  }

  /** Gives back a buffer that grew past `max` (a huge request once should not cost RSS for good). */
  shrink(max: number, to: number): void {
    if (this.buf.length > max && this.pos <= to) this.resize(to);
  }

  private resize(size: number): void {
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** 0 ≤ v < 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let n = v;
    while (n > 0x7f) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n = n < 0x80000000 ? n >>> 7 : Math.floor(n / 128);
    }
    buf[this.pos++] = n;
  }

  /** int64 / uint64 as a varint (negative values as 10-byte two's complement). */
  varint64(v: bigint): void {
    if (v >= 0n && v <= 0x1fffffffffffffn) {
      this.varint(Number(v));
      return;
    }
    this.ensure(10);
    let n = BigInt.asUintN(64, v);
    while (n > 0x7fn) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }

  /** int64 from a JS number of milliseconds (always within 2^53). */
  int64(v: number): void {
    if (v >= 0) this.varint(v);
    else this.varint64(BigInt(v));
  }

  sint32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  sint64(v: bigint): void {
    this.varint64(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** Bytes encoded beforehand (a label that is the same for many series). */
  raw(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    if (n <= 32) for (let i = 0; i < n; i++) buf[p++] = b[i];
    else {
      buf.set(b, p);
      p += n;
    }
    this.pos = p;
  }

  /** A string field; nothing for "" (proto3 default). */
  string(field: number, s: string): void {
    if (s === '') return;
    this.tag(field, 2);
    const start = this.begin();
    this.utf8(s);
    this.end(start);
  }

  /** Writes `s` as UTF-8 at pos (no length); returns the bytes written. */
  utf8(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const p = this.pos;
    if (n <= ASCII_LOOP_MAX) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p + i] = c;
      }
      if (i === n) {
        this.pos = p + n;
        return n;
      }
    }
    const written = (buf as FastBuffer).utf8Write(s, p, buf.length - p);
    this.pos = p + written;
    return written;
  }

  /**
   * A whole TimeSeries.labels field (tag 0x0a) from Label.name's field encoded
   * beforehand and a value (Label.value, left out when ""), in one go. Returns
   * the value's UTF-8 length: its bytes end the label.
   */
  label(nameField: Uint8Array, value: string): number {
    const n = value.length;
    const nl = nameField.length;
    this.ensure(nl + 3 * n + 16);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x0a;
    const labelAt = p++;
    for (let i = 0; i < nl; i++) buf[p++] = nameField[i];
    if (n > 0) {
      buf[p++] = 0x12;
      const valueAt = p++;
      let i = 0;
      if (n <= ASCII_LOOP_MAX)
        for (; i < n; i++) {
          const c = value.charCodeAt(i);
          if (c >= 0x80) break;
          buf[p + i] = c;
        }
      if (i === n && n < 0x80) {
        buf[valueAt] = n;
        p += n;
      } else {
        // long or not ASCII: the general path (a varint length may need more than the reserved byte)
        this.pos = valueAt;
        const s = this.begin();
        const written = this.utf8(value);
        this.end(s);
        this.end(labelAt + 1);
        return written;
      }
    }
    const len = p - labelAt - 1;
    this.pos = p;
    if (len < 0x80) buf[labelAt] = len;
    else this.end(labelAt + 1);
    return n;
  }

  /** label() for an integer value: its decimal digits, written without making a string. */
  intLabel(nameField: Uint8Array, value: number): number {
    const nl = nameField.length;
    this.ensure(nl + 32);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x0a;
    const labelAt = p++;
    for (let i = 0; i < nl; i++) buf[p++] = nameField[i];
    buf[p++] = 0x12;
    const valueAt = p++;
    let v = value;
    if (v < 0) {
      buf[p++] = 0x2d; // "-"
      v = -v;
    }
    let digits = 1;
    if (v < 0x80000000) {
      // int32 arithmetic (most values: counts, ids, ports)
      for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
      for (let i = digits - 1; i >= 0; i--) {
        const q = (v / 10) | 0;
        buf[p + i] = 0x30 + v - q * 10;
        v = q;
      }
    } else {
      for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
      for (let i = digits - 1; i >= 0; i--) {
        buf[p + i] = 0x30 + (v % 10);
        v = Math.floor(v / 10);
      }
    }
    p += digits;
    const n = p - valueAt - 1;
    buf[valueAt] = n;
    const len = p - labelAt - 1;
    this.pos = p;
    if (len < 0x80) buf[labelAt] = len;
    else this.end(labelAt + 1);
    return n;
  }

  /**
   * A whole TimeSeries.samples field (tag 0x12) in one go: the value (left out
   * when +0; Prometheus's stale marker, bits 0x7ff0000000000002, when `stale`) and
   * the timestamp in ms (left out when 0). Its body is at most 19 bytes.
   */
  sample(value: number, stale: boolean, ts: number): void {
    this.ensure(24);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x12;
    const lenAt = p++;
    if (stale) {
      buf[p++] = 0x09;
      this.view.setUint32(p, 0x00000002, true);
      this.view.setUint32(p + 4, 0x7ff00000, true);
      p += 8;
    } else if (value !== 0 || Object.is(value, -0)) {
      buf[p++] = 0x09;
      this.view.setFloat64(p, value, true);
      p += 8;
    }
    if (ts !== 0) {
      buf[p++] = 0x10;
      // most samples of a request share their timestamp: its varint is kept
      if (ts !== this.lastTs) {
        const start = p;
        if (ts > 0) {
          let n = ts;
          while (n > 0x7f) {
            buf[p++] = (n & 0x7f) | 0x80;
            n = n < 0x80000000 ? n >>> 7 : Math.floor(n / 128);
          }
          buf[p++] = n;
        } else {
          this.pos = p;
          this.varint64(BigInt(ts));
          p = this.pos;
        }
        this.lastTs = ts;
        this.tsLen = p - start;
        for (let i = 0; i < this.tsLen; i++) this.tsBytes[i] = buf[start + i];
      } else {
        const t = this.tsBytes;
        for (let i = 0; i < this.tsLen; i++) buf[p++] = t[i];
      }
    }
    buf[lenAt] = p - lenAt - 1;
    this.pos = p;
  }

  /** A TimeSeries field's tag and two bytes reserved for its length (see begin2); returns where its body starts. */
  series(tag: number): number {
    this.ensure(3);
    this.buf[this.pos] = tag;
    this.pos += 3;
    return this.pos;
  }

  /** Reserves one byte for a length; returns where the body starts (for end()). */
  begin(): number {
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  /** Writes the body's length before it (widening the reserved byte when the body is 128 bytes or more). */
  end(start: number): void {
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    let extra = 0;
    for (let n = len; n > 0x7f; n = Math.floor(n / 128)) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let p = start - 1;
    let n = len;
    while (n > 0x7f) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[p] = n;
  }

  /**
   * Like begin() with two bytes reserved: a series is mostly 128 bytes to 16 KiB,
   * so its body rarely moves when end2() writes the length.
   */
  begin2(): number {
    this.ensure(2);
    this.pos += 2;
    return this.pos;
  }

  end2(start: number): void {
    const len = this.pos - start;
    if (len >= 0x80 && len < 0x4000) {
      this.buf[start - 2] = (len & 0x7f) | 0x80;
      this.buf[start - 1] = len >>> 7;
      return;
    }
    // one byte or more than two: move the body next to the length's real size
    this.buf.copyWithin(start - 1, start, this.pos);
    this.pos--;
    this.end(start - 1);
  }

  /** A length-delimited field: tag, then begin(); close with end(). */
  open(field: number): number {
    this.tag(field, 2);
    return this.begin();
  }
}
