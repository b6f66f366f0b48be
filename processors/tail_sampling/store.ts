// Where undecided spans wait: their protobuf bytes, copied into chunks, one
// chain of chunks per decision batch. A trace's spans that arrive in one
// request under one scope are copied next to each other as one "run"; the trace
// record keeps only the runs' coordinates (4 small integers each).
//
// Every trace in a batch is decided at the same tick, so the chunks of a batch
// all become garbage together: a chunk is freed as soon as the last run in it is
// released (decided, evicted) and nothing more will be written to it. Memory is
// the span bytes plus a few bytes per run; no per-span objects exist.
//
// A chunk that will receive no more appends (its batch's tick is over, or it is
// full) is compressed with snappy: held spans are mostly repeated keys, names,
// trace and parent IDs, and they wait decision_wait before anyone reads them.
// At the decision tick each chunk is uncompressed once (kept until the tick
// ends) and its runs read from that.
//
// Resources and scopes are kept once each (interned by their bytes) and shared
// by the runs that reference them, with reference counts.
import { compressSync } from 'snappy';
import { snappyUncompress, uncompressedLength } from './snappy-js.js';

const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;
/** Idle full-size chunk buffers kept for reuse (open chunks, uncompressed reads). */
const POOL_MAX = 24;

/** Chunks smaller than this stay uncompressed (not worth a native call). */
const MIN_COMPRESS = 2048;

interface Chunk {
  /** Raw bytes while open; snappy-compressed once sealed (if `compressed`). */
  buf: Uint8Array;
  used: number;
  /** Runs in this chunk not yet released. */
  live: number;
  /** Still the chunk its batch appends to. */
  open: boolean;
  compressed: boolean;
}

export class ChunkStore {
  private readonly chunks: (Chunk | undefined)[] = [];
  /** MAX_CHUNK-sized buffers to reuse: a steady stream of fresh megabyte buffers would wait for the GC. */
  private readonly pool: Uint8Array[] = [];
  private readonly freeIds: number[] = [];
  private readonly openByBatch = new Map<number, number>();
  /** Bytes of all chunks allocated (capacity, not just used). */
  allocatedBytes = 0;

  /**
   * Room for `len` bytes in `batch`'s open chunk (a new chunk when it does not
   * fit); returns the chunk id, and `target`/`offset` where to copy.
   */
  reserve(batch: number, len: number): number {
    let id = this.openByBatch.get(batch);
    let c = id === undefined ? undefined : this.chunks[id];
    if (c === undefined || c.buf.length - c.used < len) {
      const size = Math.max(len, c === undefined ? MIN_CHUNK : Math.min(MAX_CHUNK, c.buf.length * 2));
      if (c !== undefined && id !== undefined) this.seal(id, c);
      c = { buf: this.take(size), used: 0, live: 0, open: true, compressed: false };
      this.allocatedBytes += size;
      id = this.freeIds.pop() ?? this.chunks.length;
      this.chunks[id] = c;
      this.openByBatch.set(batch, id);
    }
    this.offset = c.used;
    this.target = c.buf;
    c.used += len;
    c.live++;
    return id as number;
  }
  /** Set by reserve(). */
  offset = 0;
  /** Set by reserve(). */
  target: Uint8Array = new Uint8Array(0);

  private take(size: number): Uint8Array {
    return size === MAX_CHUNK ? (this.pool.pop() ?? new Uint8Array(size)) : new Uint8Array(size);
  }

  private give(buf: Uint8Array): void {
    if (buf.length === MAX_CHUNK && this.pool.length < POOL_MAX) this.pool.push(buf);
  }

  /** Chunks uncompressed for reading during the current tick. */
  private readonly unpacked = new Map<number, Uint8Array>();

  /** A run's bytes (valid until endOfTick(), or while its chunk is open). */
  bytes(chunk: number, offset: number, len: number): Uint8Array {
    const c = this.chunks[chunk] as Chunk;
    if (!c.compressed) return c.buf.subarray(offset, offset + len);
    let raw = this.unpacked.get(chunk);
    if (raw === undefined) {
      const n = uncompressedLength(c.buf);
      raw = this.take(n > MAX_CHUNK / 2 && n <= MAX_CHUNK ? MAX_CHUNK : n);
      snappyUncompress(c.buf, raw);
      this.unpacked.set(chunk, raw);
    }
    return raw.subarray(offset, offset + len);
  }

  /** Gives back the chunks uncompressed for reading. */
  endOfTick(): void {
    for (const raw of this.unpacked.values()) this.give(raw);
    this.unpacked.clear();
  }

  /** The batch's tick is over: its open chunk gets compressed (late spans start a new one). */
  sealOpen(batch: number): void {
    const id = this.openByBatch.get(batch);
    if (id === undefined) return;
    this.openByBatch.delete(batch);
    this.seal(id, this.chunks[id] as Chunk);
  }

  release(chunk: number): void {
    const c = this.chunks[chunk] as Chunk;
    if (--c.live === 0 && !c.open) this.free(chunk, c);
  }

  /** The batch will get no more appends (it was decided). */
  closeBatch(batch: number): void {
    const id = this.openByBatch.get(batch);
    if (id === undefined) return;
    this.openByBatch.delete(batch);
    const c = this.chunks[id] as Chunk;
    c.open = false;
    if (c.live === 0) this.free(id, c);
  }

  private seal(id: number, c: Chunk): void {
    c.open = false;
    if (c.live === 0) {
      this.free(id, c);
      return;
    }
    if (c.used < MIN_COMPRESS) return;
    // copyOutputData: the binding's external buffers (freed by a finalizer) let RSS grow far
    // beyond what is live (measured: 1.5 GiB RSS for 100 MiB held); copied ones do not
    const packed = compressSync(Buffer.from(c.buf.buffer, c.buf.byteOffset, c.used), {
      copyOutputData: true,
    });
    this.allocatedBytes += packed.length - c.buf.length;
    this.give(c.buf);
    c.buf = packed;
    c.compressed = true;
  }

  private free(id: number, c: Chunk): void {
    this.allocatedBytes -= c.buf.length;
    if (!c.compressed) this.give(c.buf);
    const raw = this.unpacked.get(id);
    if (raw !== undefined) {
      this.unpacked.delete(id);
      this.give(raw);
    }
    this.chunks[id] = undefined;
    this.freeIds.push(id);
  }
}

interface Interned {
  bytes: Uint8Array;
  key: string;
  refs: number;
  /** For a scope: its resource's id. */
  parent: number;
  /** Something derived from the bytes once (a resource's decoded form). */
  derived: unknown;
}

/** Byte strings (resource and scope prefixes) kept once, with reference counts. */
export class InternTable {
  private readonly byKey = new Map<string, number>();
  private readonly items: (Interned | undefined)[] = [];
  private readonly freeIds: number[] = [];

  /** Set by acquire(): whether the last call created the item. */
  created = false;

  /** The id of `bytes` under `parent` (copied on first sight); takes one reference. */
  acquire(bytes: Uint8Array, parent = -1): number {
    const key = `${parent}|${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')}`;
    let id = this.byKey.get(key);
    this.created = id === undefined;
    if (id !== undefined) {
      (this.items[id] as Interned).refs++;
      return id;
    }
    id = this.freeIds.pop() ?? this.items.length;
    this.items[id] = { bytes: new Uint8Array(bytes), key, refs: 1, parent, derived: undefined };
    this.byKey.set(key, id);
    return id;
  }

  ref(id: number): void {
    (this.items[id] as Interned).refs++;
  }

  /** Drops one reference; returns the parent id when the item went away (else -2). */
  release(id: number): number {
    const it = this.items[id] as Interned;
    if (--it.refs > 0) return -2;
    this.byKey.delete(it.key);
    this.items[id] = undefined;
    this.freeIds.push(id);
    return it.parent;
  }

  bytes(id: number): Uint8Array {
    return (this.items[id] as Interned).bytes;
  }

  /** `make(bytes)`, computed once per item. */
  derived<T>(id: number, make: (bytes: Uint8Array) => T): T {
    const it = this.items[id] as Interned;
    it.derived ??= make(it.bytes);
    return it.derived as T;
  }

  parent(id: number): number {
    return (this.items[id] as Interned).parent;
  }

  get size(): number {
    return this.byKey.size;
  }
}
