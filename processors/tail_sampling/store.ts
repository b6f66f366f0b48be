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
// Resources and scopes are kept once each (interned by their bytes) and shared
// by the runs that reference them, with reference counts.

const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

interface Chunk {
  buf: Uint8Array;
  used: number;
  /** Runs in this chunk not yet released. */
  live: number;
  /** Still the chunk its batch appends to. */
  open: boolean;
}

export class ChunkStore {
  private readonly chunks: (Chunk | undefined)[] = [];
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
      c = { buf: new Uint8Array(size), used: 0, live: 0, open: true };
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

  bytes(chunk: number, offset: number, len: number): Uint8Array {
    return (this.chunks[chunk] as Chunk).buf.subarray(offset, offset + len);
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
    this.seal(id, this.chunks[id] as Chunk);
  }

  private seal(id: number, c: Chunk): void {
    c.open = false;
    if (c.live === 0) this.free(id, c);
  }

  private free(id: number, c: Chunk): void {
    this.allocatedBytes -= c.buf.length;
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
    this.items[id] = { bytes: new Uint8Array(bytes), key, refs: 1, parent };
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

  parent(id: number): number {
    return (this.items[id] as Interned).parent;
  }

  get size(): number {
    return this.byKey.size;
  }
}
