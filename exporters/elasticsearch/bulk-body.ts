// _bulk bodies written straight into Buffers: each document's action and
// source lines are appended as they are rendered, and only their byte offsets
// are kept (in typed arrays). No per-batch megastring and no retained
// per-document strings or objects, so the garbage collector stays out of the
// hot path (measured in bench/loki-es.ts). The bodies' buffers come from the
// shared buffer pool (src/codec/buffer-pool.ts) and the sender gives them back
// once a batch is done (releaseChunks): a new 5 MB body per batch was most of
// the ArrayBuffer memory that starts V8's mark-compacts.
import { giveBuffer, takeBuffer } from '../../src/codec/buffer-pool.js';

export class BulkChunk {
  len = 0;
  /** Number of documents. */
  n = 0;
  /** Per document: action line start, source start, end (after the newline), pdata item. */
  starts = new Int32Array(1024);
  srcs = new Int32Array(1024);
  ends = new Int32Array(1024);
  refs = new Int32Array(1024);
  readonly indices: string[] = [];
  constructor(public buf: Buffer) {}

  body(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const bigger = takeBuffer(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(bigger, 0, 0, this.len);
    giveBuffer(this.buf);
    this.buf = bigger;
  }

  push(start: number, src: number, end: number, ref: number, index: string): void {
    if (this.n === this.starts.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.srcs = grow(this.srcs);
      this.ends = grow(this.ends);
      this.refs = grow(this.refs);
    }
    const k = this.n++;
    this.starts[k] = start;
    this.srcs[k] = src;
    this.ends[k] = end;
    this.refs[k] = ref;
    this.indices.push(index);
  }
}

/**
 * Gives the chunks' buffers back to the pool. Only when nothing still reads them: no view of a
 * body may be in a socket write or a compression still (the sender sends gzipped copies).
 */
export function releaseChunks(chunks: readonly BulkChunk[]): void {
  for (const c of chunks) {
    giveBuffer(c.buf);
    c.buf = EMPTY;
    c.len = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** One document of a chunk (made only for documents that need attention). */
export interface DocSpan {
  chunk: BulkChunk;
  k: number;
}

export function refOf(d: DocSpan): number {
  return d.chunk.refs[d.k];
}

export function indexOf(d: DocSpan): string {
  return d.chunk.indices[d.k];
}

/** The source line of a document (for the dead-letter index and logs). */
export function sourceOf(d: DocSpan): string {
  return d.chunk.buf.toString('utf8', d.chunk.srcs[d.k], d.chunk.ends[d.k] - 1);
}

export function spansOf(c: BulkChunk): DocSpan[] {
  return Array.from({ length: c.n }, (_, k) => ({ chunk: c, k }));
}

export interface WriterMark {
  chunks: number;
  cur: BulkChunk | undefined;
  len: number;
  n: number;
}

/** Appends documents into chunks of at most `maxBytes` (one oversized document gets a chunk of its own). */
export class BulkWriter {
  readonly chunks: BulkChunk[] = [];
  private cur: BulkChunk | undefined;

  /**
   * `sizeHint`: about how many bytes all documents will take. A chunk's buffer is sized from it
   * (up to flush.bytes) instead of growing by doubling, each step a copy of all written so far;
   * the pages of a buffer never written to are never touched, so an estimate too large costs
   * address space, not memory.
   */
  constructor(
    private readonly maxBytes: number,
    private sizeHint = 0,
  ) {}

  private chunkFor(bytes: number): BulkChunk {
    const c = this.cur;
    if (c && (c.n === 0 || c.len + bytes <= this.maxBytes)) return c;
    if (c) this.sizeHint -= c.len;
    const want = Math.min(this.maxBytes + 64 * 1024, Math.max(1024 * 1024, this.sizeHint));
    const next = new BulkChunk(takeBuffer(Math.max(want, bytes * 3)));
    this.chunks.push(next);
    this.cur = next;
    return next;
  }

  /** Appends one document; `tail` (already encoded) completes the source when given. */
  add(action: string, source: string, index: string, ref: number, tail?: Buffer): void {
    const approx = action.length + source.length + 2 + (tail ? tail.length : 0);
    const c = this.chunkFor(approx);
    c.ensure(approx * 3);
    const start = c.len;
    c.len += c.buf.write(action, c.len);
    c.buf[c.len++] = 10;
    const src = c.len;
    c.len += c.buf.write(source, c.len);
    if (tail) c.len += tail.copy(c.buf, c.len);
    c.buf[c.len++] = 10;
    c.push(start, src, c.len, ref, index);
  }

  /**
   * Aims `d` at the free space of the current chunk, so that a document is written in place
   * (no copy); endDoc() then takes it. `d` may grow the buffer as it writes (a copy of the chunk).
   */
  beginDoc(d: { buf: Buffer; len: number }): void {
    const c = this.cur ?? this.chunkFor(0);
    d.buf = c.buf;
    d.len = c.len;
  }

  /**
   * Takes the document written into `d` since beginDoc(): action line, source from `srcAt`,
   * newline included. One that would take the chunk past maxBytes moves to a new chunk.
   */
  endDoc(d: { buf: Buffer; len: number }, srcAt: number, index: string, ref: number): void {
    const c = this.cur as BulkChunk;
    const start = c.len;
    const bytes = d.len - start;
    if (c.n > 0 && d.len > this.maxBytes) {
      const next = this.chunkFor(bytes);
      next.ensure(bytes);
      const at = next.len;
      d.buf.copy(next.buf, at, start, d.len);
      next.len += bytes;
      next.push(at, at + (srcAt - start), next.len, ref, index);
      return;
    }
    c.buf = d.buf;
    c.len = d.len;
    c.push(start, srcAt, d.len, ref, index);
  }

  /** Where the writer is now, for reset(). */
  mark(): WriterMark {
    const c = this.cur;
    return { chunks: this.chunks.length, cur: c, len: c ? c.len : 0, n: c ? c.n : 0 };
  }

  /** Forgets every document added since `m` was taken. */
  reset(m: WriterMark): void {
    this.chunks.length = m.chunks;
    this.cur = m.cur;
    if (m.cur) {
      m.cur.len = m.len;
      m.cur.n = m.n;
      m.cur.indices.length = m.n;
    }
  }

  /** Copies already-written documents (a retry subset, half of a split) into new chunks. */
  static repack(docs: readonly DocSpan[], maxBytes: number): BulkChunk[] {
    const w = new BulkWriter(maxBytes);
    for (const d of docs) {
      const from = d.chunk;
      const s = from.starts[d.k];
      const e = from.ends[d.k];
      const c = w.chunkFor(e - s);
      c.ensure(e - s);
      const start = c.len;
      from.buf.copy(c.buf, c.len, s, e);
      c.len += e - s;
      c.push(start, start + (from.srcs[d.k] - s), c.len, from.refs[d.k], from.indices[d.k]);
    }
    return w.chunks;
  }
}
