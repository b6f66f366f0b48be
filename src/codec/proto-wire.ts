// Protobuf wire format primitives: a bounds-checked Reader and a Writer that fills one
// preallocated buffer. Encoding is two passes: `size*` functions compute every nested message
// length once and record it in the size table (pre-order), `write*` functions replay the table.
import { takeBuffer } from './buffer-pool.js';
import { type DecodeBudget, defaultBudget } from './decode-budget.js';
import { CACHED_STRING_MAX, COST } from './decode-cost.js';
import { DecodeError } from './errors.js';

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

const EMPTY: Uint8Array = new Uint8Array(0);

/** Buffer's native (undocumented but stable) fast paths, without toString/write's argument juggling. */
type FastBuffer = Buffer & {
  utf8Slice(start: number, end: number): string;
  utf8Write(s: string, offset: number, length: number): number;
  latin1Write(s: string, offset: number, length: number): number;
};

// ---------------------------------------------------------------- reading

const STR_CACHE_MAX = CACHED_STRING_MAX;
const STR_CACHE_SIZE = 4096;
const STR_CACHE_MASK = STR_CACHE_SIZE - 1;
const cacheBytes = new Uint8Array(STR_CACHE_SIZE * STR_CACHE_MAX);
const cacheDv = new DataView(cacheBytes.buffer);
const cacheLen = new Uint8Array(STR_CACHE_SIZE);
const cacheStr: string[] = new Array<string>(STR_CACHE_SIZE).fill('');

export class Reader {
  readonly buf: Uint8Array;
  /** The same bytes as a Buffer, for its native utf8Slice. */
  private readonly nb: FastBuffer;
  private readonly dv: DataView;
  pos = 0;
  /** End of the message being decoded (nested messages narrow it). */
  end: number;
  /** AnyValue nesting depth (bounded by the budget's maxDepth). */
  depth = 0;
  /** bytes() copies instead of returning views: the input is a pooled buffer that will be reused. */
  copyBytes = false;
  /** What the decoded values may cost (decode-budget.ts): charged by enter(), string() and bytes(). */
  readonly budget: DecodeBudget;

  constructor(buf: Uint8Array, budget: DecodeBudget = defaultBudget()) {
    this.buf = buf;
    this.budget = budget;
    this.nb = (
      Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    ) as FastBuffer;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = buf.length;
  }

  fail(reason: string, offset = this.pos): DecodeError {
    return new DecodeError(`${reason} at offset ${offset}`);
  }
  truncated(offset = this.pos): DecodeError {
    return this.fail('truncated message', offset);
  }

  /**
   * Reads a tag; returns it (field << 3 | wire type). Rejects field 0, field numbers past
   * 2^29 - 1 (a tag wider than 32 bits, as protobuf-go does) and wire types 6 and 7.
   */
  tag(): number {
    const start = this.pos;
    const t = this.uint32Exact('field number');
    if (t >>> 3 === 0) throw this.fail('invalid field number 0', start);
    if ((t & 7) > 5) throw this.fail(`invalid wire type ${t & 7}`, start);
    return t;
  }

  wrongType(field: string, t: number, expected: number): DecodeError {
    return new DecodeError(
      `invalid wire type ${t & 7} for ${field} (field ${t >>> 3}), expected ${expected}`,
    );
  }

  /** Varint truncated to its low 32 bits, unsigned (uint32, lengths, tags). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    const end = this.end;
    const start = pos;
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) throw this.truncated(start);
      const b = buf[pos++];
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    throw this.fail('invalid varint (more than 10 bytes)', start);
  }

  /**
   * A varint that must fit in 32 bits (tags, lengths): a wider one is refused, never truncated,
   * or a length of 2^32 + N would read as N and let the bytes after it pass as other fields.
   */
  uint32Exact(what: string): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end && buf[pos] < 0x80) {
      this.pos = pos + 1;
      return buf[pos];
    }
    const lo = this.varint64Parts();
    if (this.hi !== 0) throw this.fail(`invalid ${what}: varint wider than 32 bits`, pos);
    return lo;
  }

  /** int32 / enum: the low 32 bits, signed (negative values are sent as 10-byte varints). */
  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    return this.varint64Parts() !== 0 || this.hi !== 0;
  }

  /** Scratch for the high 32 bits of the last varint64Parts(). */
  private hi = 0;

  /** Reads a varint64: returns the low 32 bits (unsigned), leaves the high 32 bits in `hi`. */
  private varint64Parts(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    const start = pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw this.truncated(start);
      b = buf[pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw this.fail('invalid varint (more than 10 bytes)', start);
  }

  uint64(): bigint {
    const lo = this.varint64Parts();
    const hi = this.hi;
    if (hi === 0) return BigInt(lo);
    if (hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  int64(): bigint {
    const lo = this.varint64Parts();
    const hi = this.hi | 0;
    if (hi === 0) return BigInt(lo);
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) throw this.truncated(pos);
    this.pos = pos + 4;
    return this.dv.getUint32(pos, true);
  }

  fixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.end) throw this.truncated(pos);
    this.pos = pos + 8;
    const lo = this.dv.getUint32(pos, true);
    const hi = this.dv.getUint32(pos + 4, true);
    if (hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  sfixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.end) throw this.truncated(pos);
    this.pos = pos + 8;
    const lo = this.dv.getUint32(pos, true);
    const hi = this.dv.getInt32(pos + 4, true);
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) throw this.truncated(pos);
    this.pos = pos + 8;
    return this.dv.getFloat64(pos, true);
  }

  /** Reads a length prefix and returns where the delimited content ends (checked against `end`). */
  lenEnd(): number {
    const len = this.uint32Exact('length');
    const stop = this.pos + len;
    if (stop > this.end) throw this.truncated(this.pos);
    return stop;
  }

  /**
   * Enters a nested message: reads its length and narrows `end`. Returns the caller's end for
   * leave(). A length running past the available bytes narrows to what is there, so the
   * truncation is reported by the innermost decoder that hits it (a precise location).
   * `cost`: what the message decoded into costs on the heap (decode-cost.ts), charged to the budget.
   */
  enter(cost: number): number {
    const b = this.budget;
    b.bytes += cost;
    if (++b.items > b.itemsLimit || b.bytes > b.bytesLimit) throw b.exceeded();
    const len = this.uint32Exact('length');
    const parentEnd = this.end;
    const stop = this.pos + len;
    this.want = stop;
    this.end = Math.min(stop, parentEnd);
    return parentEnd;
  }
  /** Where the innermost entered message claims to end (valid right after enter()). */
  want = 0;

  /** Leaves a nested message; `stop` is the claimed end (from `want` after enter()). */
  leave(parentEnd: number, stop: number): void {
    if (stop > parentEnd) throw this.truncated(parentEnd);
    this.end = parentEnd;
  }

  /** Bytes as a zero-copy view into the input (a copy with copyBytes). */
  bytes(): Uint8Array {
    const stop = this.lenEnd();
    const pos = this.pos;
    this.pos = stop;
    if (stop === pos) return EMPTY;
    this.budget.charge(this.copyBytes ? COST.bytesView + stop - pos : COST.bytesView);
    if (this.copyBytes) return new Uint8Array(this.buf.subarray(pos, stop));
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + pos, stop - pos);
  }

  string(): string {
    const stop = this.lenEnd();
    const pos = this.pos;
    this.pos = stop;
    const n = stop - pos;
    if (n === 0) return '';
    if (n <= STR_CACHE_MAX) return this.cachedString(pos, n);
    this.budget.charge(n + COST.string);
    return this.nb.utf8Slice(pos, stop);
  }

  /**
   * Short strings repeat a lot in telemetry (attribute keys, methods, routes, service names): a
   * direct-mapped cache verified byte by byte returns the same string without decoding or
   * allocating it again.
   */
  private cachedString(pos: number, n: number): string {
    const buf = this.buf;
    // Sampled hash (length, both ends, middle): cheap, and the byte compare below keeps it exact.
    const last = pos + n - 1;
    let h = Math.imul(n, 0x9e3779b1) ^ buf[pos] ^ (buf[last] << 8) ^ (buf[pos + (n >> 1)] << 16);
    h = Math.imul(h ^ buf[last - (n >> 2)] ^ (buf[pos + (n >> 2)] << 24), 0x85ebca6b);
    const slot = (h ^ (h >>> 15)) & STR_CACHE_MASK;
    const base = slot * STR_CACHE_MAX;
    if (cacheLen[slot] === n) {
      // Compare 4 bytes at a time, then the tail.
      const dv = this.dv;
      let i = 0;
      while (i + 4 <= n && dv.getInt32(pos + i, true) === cacheDv.getInt32(base + i, true)) i += 4;
      if (i + 4 > n) {
        while (i < n && cacheBytes[base + i] === buf[pos + i]) i++;
        if (i === n) return cacheStr[slot];
      }
    }
    const s = this.nb.utf8Slice(pos, pos + n);
    for (let i = 0; i < n; i++) cacheBytes[base + i] = buf[pos + i];
    cacheLen[slot] = n;
    cacheStr[slot] = s;
    return s;
  }

  /** Skips a field of wire type `t & 7` (unknown fields). */
  skip(t: number): void {
    switch (t & 7) {
      case 0:
        this.varint64Parts();
        return;
      case 1:
        if (this.pos + 8 > this.end) throw this.truncated();
        this.pos += 8;
        return;
      case 2:
        this.pos = this.lenEnd();
        return;
      case 5:
        if (this.pos + 4 > this.end) throw this.truncated();
        this.pos += 4;
        return;
      case 3: {
        // Deprecated groups: skip to the matching END_GROUP.
        const field = t >>> 3;
        for (;;) {
          if (this.pos >= this.end) throw this.truncated();
          const inner = this.tag();
          if ((inner & 7) === 4) {
            if (inner >>> 3 !== field) throw this.fail('mismatched end group');
            return;
          }
          this.skip(inner);
        }
      }
      case 4:
        throw this.fail('unexpected end group');
      default:
        throw this.fail(`invalid wire type ${t & 7}`);
    }
  }
}

// ---------------------------------------------------------------- sizing

/**
 * Size table: nested message lengths in pre-order, filled by size*, replayed by
 * write*. With `chunking`, `rawChunked` sums the kept wire bytes that the writer
 * will hand out by reference instead of copying (isRawChunk). `once`: what is sized now is
 * written once and never sized again (an item need not remember its size for a next pass).
 */
export const sizes = { tab: new Int32Array(4096), n: 0, chunking: false, rawChunked: 0, once: false };

/** Kept wire bytes from this size on are passed by reference in a chunked encoding. */
const RAW_CHUNK_MIN = 16 * 1024;

export function isRawChunk(b: Uint8Array): boolean {
  return sizes.chunking && b.length >= RAW_CHUNK_MIN;
}

/** How a request's ResourceX list (repeated field 1) is sized and written. */
export interface TopCodec<T> {
  size: (item: T) => number;
  write: (w: Writer, item: T) => void;
}

/** Sizing pass over the list; the bytes the writer must hold (kept wire bytes passed by reference excluded). */
function sizeTop<T>(items: T[], c: TopCodec<T>): number {
  sizes.n = 0;
  sizes.rawChunked = 0;
  let total = 0;
  for (let i = 0; i < items.length; i++) total += lenFieldSize(c.size(items[i]));
  return total - sizes.rawChunked;
}

/** The size of the request encodeTop would produce, without encoding it (cheap for kept wire bytes). */
export function encodedTopSize<T>(items: T[], c: TopCodec<T>): number {
  return sizeTop(items, c);
}

function writeTop<T>(w: Writer, items: T[], c: TopCodec<T>): void {
  for (let i = 0; i < items.length; i++) {
    w.byte(0x0a);
    c.write(w, items[i]);
  }
}

/**
 * The request in one buffer, with `headroom` free bytes before it (for a caller's header);
 * `pooled`: the buffer is from codec/buffer-pool.ts, for the caller to give back.
 */
export function encodeTop<T>(items: T[], c: TopCodec<T>, headroom = 0, pooled = false): Buffer {
  const w = new Writer(sizeTop(items, c), headroom, false, pooled);
  writeTop(w, items, c);
  return w.finish();
}

/**
 * A ResourceX's scope list (its repeated field 2, tags included) encoded on its own: the bytes a
 * kept (lazily decoded) list holds, so an entry can keep its list as these bytes (compactTraces).
 */
export function encodeScopeList<T>(list: T[], c: TopCodec<T>): Buffer {
  sizes.n = 0;
  sizes.rawChunked = 0;
  let n = 0;
  // the items are kept as these bytes from now on: they are never sized again
  sizes.once = true;
  try {
    for (let i = 0; i < list.length; i++) n += lenFieldSize(c.size(list[i]));
  } finally {
    sizes.once = false;
  }
  // its own memory: a slice of Buffer's shared pool would keep the whole slab alive while queued
  const w = new Writer(n, 0, false, false, true);
  for (let i = 0; i < list.length; i++) {
    w.byte(0x12);
    c.write(w, list[i]);
  }
  return w.finish();
}

/** The request as pieces whose concatenation is encodeTop's: large kept wire bytes by reference (a vectored write). */
export function encodeTopChunks<T>(items: T[], c: TopCodec<T>): Uint8Array[] {
  sizes.chunking = true;
  try {
    const w = new Writer(sizeTop(items, c), 0, true);
    writeTop(w, items, c);
    return w.finishChunks();
  } finally {
    sizes.chunking = false;
  }
}

/** Reserves a size slot (call before sizing the children, so the order is pre-order). */
export function reserve(): number {
  const i = sizes.n++;
  if (i >= sizes.tab.length) {
    const t = new Int32Array(sizes.tab.length * 2);
    t.set(sizes.tab);
    sizes.tab = t;
  }
  return i;
}

export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** int32/enum varint size: negative values take 10 bytes. */
export function int32Size(n: number): number {
  n |= 0; // int32 semantics, as Writer.int32
  return n < 0 ? 10 : varintSize(n);
}

/** Size of a non-empty string field with a one-byte tag; records its UTF-8 length for Writer.str(). */
export function strField(s: string): number {
  const i = reserve();
  const len = utf8Length(s);
  sizes.tab[i] = len;
  return 1 + varintSize(len) + len;
}

/** Size of a length-delimited field with a one-byte tag. */
export function lenFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** UTF-8 length of a string as Buffer writes it (lone surrogates become U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length;
  // Native is faster past ~16 chars (measured); below, a tight ASCII loop.
  if (n > 16) return Buffer.byteLength(s, 'utf8');
  let i = 0;
  while (i < n && s.charCodeAt(i) < 0x80) i++;
  return i === n ? n : Buffer.byteLength(s, 'utf8');
}

export function uint64Size(v: bigint): number {
  const n = Number(v);
  if (n >= 0 && n < 0x10000000) return varintSize(n);
  if (v < 0n) v = BigInt.asUintN(64, v);
  let s = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    s++;
  }
  return s;
}

export function int64Size(v: bigint): number {
  const n = Number(v);
  if (n < 0) return 10;
  return uint64Size(v);
}

// ---------------------------------------------------------------- writing

export class Writer {
  readonly buf: FastBuffer;
  private readonly dv: DataView;
  /** A DataView of `buf`, for writers that copy words themselves. */
  get view(): DataView {
    return this.dv;
  }
  pos = 0;
  /** Next slot of the size table to replay. */
  si = 0;

  /** The size table, final once sizing is done (the writer is created after it). */
  readonly tab: Int32Array = sizes.tab;

  /** With chunking: the pieces so far, and where the current piece of `buf` starts. */
  private readonly chunks: Uint8Array[] | undefined;
  private chunkStart = 0;

  /**
   * `headroom` bytes are left free before the message (for a caller's header).
   * `pooled`: the buffer comes from codec/buffer-pool.ts and the caller gives it back.
   * `unshared`: the buffer is its own memory, never a slice of Buffer's shared pool (it is kept).
   */
  constructor(size: number, headroom = 0, chunked = false, pooled = false, unshared = false) {
    this.buf = (
      pooled
        ? takeBuffer(size + headroom)
        : unshared
          ? Buffer.allocUnsafeSlow(size + headroom)
          : Buffer.allocUnsafe(size + headroom)
    ) as FastBuffer;
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, size + headroom);
    this.pos = headroom;
    this.chunks = chunked ? [] : undefined;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  uint32(n: number): void {
    n >>>= 0;
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  int32(n: number): void {
    n |= 0;
    if (n >= 0) this.uint32(n);
    else this.parts64(n >>> 0, 0xffffffff);
  }

  /** The buffer, checked to be exactly filled (a sizing/writing mismatch is a bug, never silent). */
  finish(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`protobuf encoder wrote ${this.pos} bytes into ${this.buf.length}`);
    }
    return this.buf;
  }

  /** finish() for a chunked writer: the pieces in order. */
  finishChunks(): Uint8Array[] {
    const chunks = this.chunks ?? [];
    this.finish();
    if (this.pos > this.chunkStart) chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    return chunks;
  }

  /** Writes the length of the next nested message from the size table. */
  len(): void {
    this.uint32(this.tab[this.si++]);
  }

  private parts64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  uint64(v: bigint): void {
    const n = Number(v);
    if (n >= 0 && n <= 0xffffffff) {
      this.uint32(n);
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.parts64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  int64(v: bigint): void {
    const n = Number(v);
    if (n >= 0 && n <= 0xffffffff) this.uint32(n);
    else if (n < 0 && n >= -0x80000000) this.parts64(n >>> 0, 0xffffffff);
    else this.uint64(v);
  }

  /** int64 of a safe integer held as a number. */
  int64Num(n: number): void {
    if (n >= 0 && n <= 0xffffffff) this.uint32(n);
    else if (n < 0 && n >= -0x80000000) this.parts64(n >>> 0, 0xffffffff);
    else this.int64(BigInt(n));
  }

  fixed32(n: number): void {
    this.dv.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  fixed64(v: bigint): void {
    const n = Number(v);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      this.dv.setUint32(this.pos, n >>> 0, true);
      this.dv.setUint32(this.pos + 4, Math.floor(n / 4294967296), true);
    } else this.dv.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  sfixed64(v: bigint): void {
    const n = Number(v);
    if (n >= -Number.MAX_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) {
      this.dv.setUint32(this.pos, n >>> 0, true);
      this.dv.setUint32(this.pos + 4, Math.floor(n / 4294967296) >>> 0, true);
    } else this.dv.setBigInt64(this.pos, BigInt.asIntN(64, v), true);
    this.pos += 8;
  }

  double(n: number): void {
    this.dv.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  /** A string with its length prefix, its UTF-8 length replayed from the size table (strField). */
  str(s: string): void {
    const len = this.tab[this.si++];
    if (len < 24 && len === s.length) {
      // Short ASCII (most keys and values): one-byte length, then a JS copy loop.
      const buf = this.buf;
      let pos = this.pos;
      buf[pos++] = len;
      for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    this.uint32(len);
    this.chars(s, len);
  }

  /** The UTF-8 bytes of `s` (`len` of them). */
  private chars(s: string, len: number): void {
    if (len === s.length) {
      // ASCII: a JS loop beats the native call for short strings; latin1Write is a memcpy for long ones.
      if (len < 24) {
        const buf = this.buf;
        let pos = this.pos;
        for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
        this.pos = pos;
      } else this.pos += this.buf.latin1Write(s, this.pos, len);
    } else this.pos += this.buf.utf8Write(s, this.pos, len);
  }

  /** Reads an AnyValue slot (size * 8 + kind): writes the length, returns the kind. */
  anyLen(): number {
    const v = this.tab[this.si++];
    this.uint32(v >>> 3);
    return v & 7;
  }

  /** A string with its length prefix; `len` is its UTF-8 length (from utf8Length). */
  string(s: string, len: number): void {
    this.uint32(len);
    this.chars(s, len);
  }

  /** Bytes already in wire format (a lazily kept scope list), copied as they are. */
  raw(b: Uint8Array): void {
    if (this.chunks !== undefined && isRawChunk(b)) {
      if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
      this.chunks.push(b);
      this.chunkStart = this.pos;
      return;
    }
    // Buffer#copy is a plain memcpy; TypedArray#set from a Buffer source measured 4x slower.
    if (Buffer.isBuffer(b)) b.copy(this.buf, this.pos);
    else this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * src[start, end) as it is (an unchanged part of a wire item; `srcDv` views `src`): short
   * runs 4 bytes at a time through DataViews (a copy call costs more than it), long ones by memcpy.
   */
  rawRange(src: Buffer, srcDv: DataView, start: number, end: number): void {
    const n = end - start;
    let pos = this.pos;
    if (n < 128) {
      const dv = this.dv;
      let i = start;
      for (; i + 4 <= end; i += 4, pos += 4) dv.setInt32(pos, srcDv.getInt32(i));
      const buf = this.buf;
      for (; i < end; i++) buf[pos++] = src[i];
    } else {
      src.copy(this.buf, pos, start, end);
      pos += n;
    }
    this.pos = pos;
  }

  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    if (b.length <= 16) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < b.length; i++) buf[pos++] = b[i];
      this.pos = pos;
    } else {
      this.buf.set(b, this.pos);
      this.pos += b.length;
    }
  }
}
