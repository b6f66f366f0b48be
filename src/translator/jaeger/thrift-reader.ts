// Minimal Thrift readers (compact and binary protocol) for the receiver's hot
// path: just what decoding a jaeger.Batch needs, bounds-checked so that a
// truncated or garbage datagram throws a JaegerDecodeError instead of reading
// past the end. Both readers report types in the binary protocol's numbering.
import { type DecodeBudget, UNLIMITED_BUDGET } from '../../codec/decode-budget.js';
import { CACHED_STRING_MAX, COST } from '../../codec/decode-cost.js';
import { JaegerDecodeError } from './model.js';
import { decodeString } from './string-cache.js';

export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

const MAX_DEPTH = 64;

export interface ThriftReader {
  pos: number;
  /** Set by readFieldBegin. */
  fieldType: number;
  fieldId: number;
  /** Set by readListBegin. */
  elemType: number;
  structBegin(): void;
  structEnd(): void;
  /** Reads a field header; false at the struct's STOP. */
  readFieldBegin(): boolean;
  /** Reads a list (or set) header; returns its size. */
  readListBegin(): number;
  readBool(): boolean;
  readByte(): number;
  readI32(): number;
  /** What the decoded values may cost: charged by the reader and the struct decoders. */
  budget: DecodeBudget;
  /** i64 as a JS number (exact below 2^53: microsecond timestamps). */
  readI64Number(): number;
  readI64BigInt(): bigint;
  /** i64 written big-endian into dst[off..off+8] (Jaeger IDs). Returns true if non-zero. */
  readI64Into(dst: Uint8Array, off: number): boolean;
  readDouble(): number;
  readString(): string;
  readBinary(): Uint8Array;
  skip(type: number): void;
}

function truncated(): never {
  throw new JaegerDecodeError('truncated thrift message');
}

abstract class BaseReader {
  pos = 0;
  fieldType = 0;
  fieldId = 0;
  elemType = 0;
  protected depth = 0;
  /** What the decoded values may cost (src/codec/decode-budget.ts): long strings and binaries here, structs in thrift-decode.ts. */
  budget: DecodeBudget = UNLIMITED_BUDGET;
  constructor(
    protected readonly buf: Buffer,
    protected readonly end: number = buf.length,
  ) {}

  protected need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) truncated();
    this.pos = p + n;
    return p;
  }

  readString(): string {
    const n = this.readLength();
    const p = this.need(n);
    if (n > CACHED_STRING_MAX) this.budget.charge(n + COST.string);
    return decodeString(this.buf, p, n);
  }

  readBinary(): Uint8Array {
    const n = this.readLength();
    const p = this.need(n);
    this.budget.charge(COST.bytesView + n);
    // A copy: the datagram buffer is reused/freed, attributes outlive it.
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(p, p + n));
    return out;
  }

  protected abstract readLength(): number;
  abstract structBegin(): void;
  abstract structEnd(): void;
  abstract readFieldBegin(): boolean;
  abstract readListBegin(): number;
  abstract readBool(): boolean;
  abstract readByte(): number;
  abstract readI16(): number;
  abstract readI32(): number;
  abstract readI64Number(): number;
  abstract readI64BigInt(): bigint;
  abstract readI64Into(dst: Uint8Array, off: number): boolean;
  abstract readDouble(): number;
  protected abstract readMapBegin(): number;
  protected abstract keyType: number;
  protected abstract valType: number;

  skip(type: number): void {
    switch (type) {
      case TType.BOOL:
        this.readBool();
        return;
      case TType.BYTE:
        this.readByte();
        return;
      case TType.I16:
        this.readI16();
        return;
      case TType.I32:
        this.readI32();
        return;
      case TType.I64:
        this.readI64Number();
        return;
      case TType.DOUBLE:
        this.readDouble();
        return;
      case TType.STRING: {
        const n = this.readLength();
        this.need(n);
        return;
      }
      case TType.STRUCT:
        if (++this.depth > MAX_DEPTH) throw new JaegerDecodeError('thrift nesting too deep');
        this.structBegin();
        while (this.readFieldBegin()) this.skip(this.fieldType);
        this.structEnd();
        this.depth--;
        return;
      case TType.LIST:
      case TType.SET: {
        if (++this.depth > MAX_DEPTH) throw new JaegerDecodeError('thrift nesting too deep');
        const n = this.readListBegin();
        const t = this.elemType;
        for (let i = 0; i < n; i++) this.skip(t);
        this.depth--;
        return;
      }
      case TType.MAP: {
        if (++this.depth > MAX_DEPTH) throw new JaegerDecodeError('thrift nesting too deep');
        const n = this.readMapBegin();
        const k = this.keyType;
        const v = this.valType;
        for (let i = 0; i < n; i++) {
          this.skip(k);
          this.skip(v);
        }
        this.depth--;
        return;
      }
      default:
        throw new JaegerDecodeError(`invalid thrift type ${type}`);
    }
  }

  /** Collection sizes are bounded by the bytes left (every element takes at least one byte). */
  protected checkSize(n: number): number {
    if (n < 0 || n > this.end - this.pos) throw new JaegerDecodeError(`invalid thrift collection size ${n}`);
    return n;
  }
}

/** TBinaryProtocol (big-endian fixed-width integers). */
export class BinaryReader extends BaseReader implements ThriftReader {
  protected keyType = 0;
  protected valType = 0;

  structBegin(): void {}
  structEnd(): void {}

  readFieldBegin(): boolean {
    const t = this.buf[this.need(1)];
    this.fieldType = t;
    if (t === TType.STOP) return false;
    const p = this.need(2);
    this.fieldId = this.buf.readInt16BE(p);
    return true;
  }

  readListBegin(): number {
    const p = this.need(5);
    this.elemType = this.buf[p];
    return this.checkSize(this.buf.readInt32BE(p + 1));
  }

  protected readMapBegin(): number {
    const p = this.need(6);
    this.keyType = this.buf[p];
    this.valType = this.buf[p + 1];
    return this.checkSize(this.buf.readInt32BE(p + 2));
  }

  protected readLength(): number {
    const n = this.buf.readInt32BE(this.need(4));
    if (n < 0) throw new JaegerDecodeError(`negative thrift string length ${n}`);
    return n;
  }

  readBool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  readByte(): number {
    return this.buf.readInt8(this.need(1));
  }
  readI16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  readI32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  readI64Number(): number {
    const p = this.need(8);
    return this.buf.readInt32BE(p) * 4294967296 + this.buf.readUInt32BE(p + 4);
  }
  readI64BigInt(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  readI64Into(dst: Uint8Array, off: number): boolean {
    const p = this.need(8);
    const b = this.buf;
    let nz = 0;
    for (let i = 0; i < 8; i++) nz |= dst[off + i] = b[p + i];
    return nz !== 0;
  }
  readDouble(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
}

const COMPACT_TO_TTYPE = [
  TType.STOP,
  TType.BOOL, // BOOLEAN_TRUE
  TType.BOOL, // BOOLEAN_FALSE
  TType.BYTE,
  TType.I16,
  TType.I32,
  TType.I64,
  TType.DOUBLE,
  TType.STRING,
  TType.LIST,
  TType.SET,
  TType.MAP,
  TType.STRUCT,
];

function compactType(t: number): number {
  if (t > 12) throw new JaegerDecodeError(`invalid thrift compact type ${t}`);
  return COMPACT_TO_TTYPE[t];
}

/** TCompactProtocol (zigzag varints, field-id deltas, bools in the field header). */
export class CompactReader extends BaseReader implements ThriftReader {
  protected keyType = 0;
  protected valType = 0;
  private lastFieldId = 0;
  private readonly fieldIdStack: number[] = [];
  /** A bool field's value travels in its header; readBool returns it once. */
  private pendingBool = -1;
  /** The last varint64 read, as two uint32 halves (already zigzag-decoded by readZigzag64). */
  private lo = 0;
  private hi = 0;

  structBegin(): void {
    this.fieldIdStack.push(this.lastFieldId);
    this.lastFieldId = 0;
  }
  structEnd(): void {
    this.lastFieldId = this.fieldIdStack.pop() ?? 0;
  }

  readFieldBegin(): boolean {
    const b = this.buf[this.need(1)];
    const t = b & 0x0f;
    if (t === 0) {
      this.fieldType = TType.STOP;
      return false;
    }
    const delta = b >>> 4;
    this.fieldId = delta === 0 ? this.zigzag32(this.readVarint32()) : this.lastFieldId + delta;
    this.lastFieldId = this.fieldId;
    this.fieldType = compactType(t);
    if (t === 1 || t === 2) this.pendingBool = t === 1 ? 1 : 0;
    return true;
  }

  readListBegin(): number {
    const b = this.buf[this.need(1)];
    let n = b >>> 4;
    if (n === 15) n = this.readVarint32();
    this.elemType = compactType(b & 0x0f);
    return this.checkSize(n);
  }

  protected readMapBegin(): number {
    const n = this.readVarint32();
    if (n === 0) return 0;
    const kv = this.buf[this.need(1)];
    this.keyType = compactType(kv >>> 4);
    this.valType = compactType(kv & 0x0f);
    return this.checkSize(n);
  }

  protected readLength(): number {
    return this.readVarint32();
  }

  readBool(): boolean {
    if (this.pendingBool >= 0) {
      const v = this.pendingBool === 1;
      this.pendingBool = -1;
      return v;
    }
    return this.buf[this.need(1)] === 1;
  }
  readByte(): number {
    return this.buf.readInt8(this.need(1));
  }
  readI16(): number {
    return this.zigzag32(this.readVarint32());
  }
  readI32(): number {
    return this.zigzag32(this.readVarint32());
  }
  readI64Number(): number {
    this.readZigzag64();
    return (this.hi | 0) * 4294967296 + this.lo;
  }
  readI64BigInt(): bigint {
    this.readZigzag64();
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }
  readI64Into(dst: Uint8Array, off: number): boolean {
    this.readZigzag64();
    const hi = this.hi;
    const lo = this.lo;
    dst[off] = hi >>> 24;
    dst[off + 1] = hi >>> 16;
    dst[off + 2] = hi >>> 8;
    dst[off + 3] = hi;
    dst[off + 4] = lo >>> 24;
    dst[off + 5] = lo >>> 16;
    dst[off + 6] = lo >>> 8;
    dst[off + 7] = lo;
    return (hi | lo) !== 0;
  }
  readDouble(): number {
    return this.buf.readDoubleLE(this.need(8));
  }

  override skip(type: number): void {
    if (type === TType.BOOL && this.pendingBool >= 0) this.pendingBool = -1;
    else if (type === TType.I64) this.readZigzag64();
    else super.skip(type);
  }

  private zigzag32(n: number): number {
    return (n >>> 1) ^ -(n & 1);
  }

  /** Unsigned varint up to 32 bits (lengths, sizes, i16/i32 before zigzag). */
  private readVarint32(): number {
    const b = this.buf;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) truncated();
      const byte = b[this.pos++];
      if (shift < 28) result |= (byte & 0x7f) << shift;
      else result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new JaegerDecodeError('thrift varint too long');
    }
  }

  /** Reads a zigzag varint64 into (hi, lo) as signed two's complement halves. */
  private readZigzag64(): void {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) truncated();
      const byte = b[this.pos++];
      const v = byte & 0x7f;
      if (shift < 28) lo |= v << shift;
      else if (shift === 28) {
        lo |= v << 28;
        hi |= v >>> 4;
      } else hi |= v << (shift - 32);
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new JaegerDecodeError('thrift varint too long');
    }
    lo >>>= 0;
    hi >>>= 0;
    // zigzag: n >>> 1 ^ -(n & 1), on 64 bits
    const mask = -(lo & 1) >>> 0;
    this.lo = (((lo >>> 1) | (hi << 31)) ^ mask) >>> 0;
    this.hi = ((hi >>> 1) ^ mask) >>> 0;
  }
}
