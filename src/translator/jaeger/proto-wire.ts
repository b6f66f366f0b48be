// A small protobuf wire reader and writer, enough for Jaeger's api_v2 model.
// Bounds-checked: a message that does not decode throws a JaegerDecodeError.
import { type DecodeBudget, UNLIMITED_BUDGET } from '../../codec/decode-budget.js';
import { CACHED_STRING_MAX, COST } from '../../codec/decode-cost.js';
import { JaegerDecodeError } from './model.js';
import { decodeString } from './string-cache.js';

function bad(msg: string): never {
  throw new JaegerDecodeError(`malformed protobuf: ${msg}`);
}

export class ProtoReader {
  pos: number;
  /** Halves of the last varint64 read (uint32 each). */
  lo = 0;
  hi = 0;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    public end = buf.length,
    /** What the decoded values may cost (src/codec/decode-budget.ts). */
    readonly budget: DecodeBudget = UNLIMITED_BUDGET,
  ) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /**
   * A varint that must fit in 32 bits (tags, lengths, ...): a wider one is refused, never
   * truncated, or a length of 2^32 + N would read as N and smuggle bytes past the check.
   */
  uint32Exact(): number {
    const b = this.buf;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) bad('truncated varint');
      const byte = b[this.pos++];
      if (shift === 28 && byte > 0x0f) bad('varint wider than 32 bits');
      if (shift < 28) result |= (byte & 0x7f) << shift;
      else result += byte * 2 ** 28;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
    bad('varint wider than 32 bits');
  }

  /** A uint32/int32/enum value: the low 32 bits (negative int32 values are 10-byte varints). */
  uint32(): number {
    const b = this.buf;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) bad('truncated varint');
      const byte = b[this.pos++];
      if (shift < 28) result |= (byte & 0x7f) << shift;
      else result += (byte & 0x0f) * 2 ** 28;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
    // Longer varints (negative int32 as 10 bytes): skip the rest, keep the low 32 bits.
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) bad('truncated varint');
      if ((b[this.pos++] & 0x80) === 0) return result >>> 0;
    }
    bad('varint too long');
  }

  /** Reads a varint64 into (hi, lo). */
  varint64(): void {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 63) bad('varint too long');
      if (this.pos >= this.end) bad('truncated varint');
      const byte = b[this.pos++];
      const v = byte & 0x7f;
      if (shift < 28) lo |= v << shift;
      else if (shift === 28) {
        lo |= v << 28;
        hi |= v >>> 4;
      } else hi |= v << (shift - 32);
      if ((byte & 0x80) === 0) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  int64Number(): number {
    this.varint64();
    return (this.hi | 0) * 4294967296 + this.lo;
  }

  int64BigInt(): bigint {
    this.varint64();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  double(): number {
    if (this.pos + 8 > this.end) bad('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  delimited(): number {
    const n = this.uint32Exact();
    const end = this.pos + n;
    if (end > this.end) bad('length beyond message end');
    return end;
  }

  bytes(): Uint8Array {
    const end = this.delimited();
    this.budget.charge(COST.bytesView + end - this.pos);
    const out = new Uint8Array(end - this.pos);
    out.set(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  string(): string {
    const end = this.delimited();
    if (end - this.pos > CACHED_STRING_MAX) this.budget.charge(end - this.pos + COST.string);
    const s = decodeString(this.buf, this.pos, end - this.pos);
    this.pos = end;
    return s;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        bad(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) bad('truncated field');
  }
}

export class ProtoWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;
  private readonly forks: number[] = [];

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  uint32(v: number): void {
    this.ensure(5);
    v >>>= 0;
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wireType: number): void {
    this.uint32((field << 3) | wireType);
  }

  /** int64 as a (two's complement) varint. */
  int64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    let lo = Number(u & 0xffffffffn);
    let hi = Number(u >> 32n);
    this.ensure(10);
    while (hi > 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.uint32(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  /** Starts a length-delimited submessage (field tag already written). */
  fork(): void {
    this.ensure(1);
    this.forks.push(this.pos);
    this.pos += 1; // one byte reserved for the length; widened in ldelim if needed
  }

  ldelim(): void {
    const start = this.forks.pop() as number;
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let size = 1;
    for (let v = len >>> 7; v > 0; v >>>= 7) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let p = start;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
