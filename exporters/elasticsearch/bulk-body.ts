// _bulk bodies written straight into Buffers: each document's action and
// source lines are appended as they are rendered, and only their byte offsets
// are kept. No per-batch megastring and no retained per-document strings, so
// the garbage collector stays out of the hot path (measured in bench/loki-es.ts).

export interface DocSpan {
  chunk: BulkChunk;
  /** Offsets in chunk.buf: the action line starts at `start`, the source at `srcStart`, both end before `end`. */
  start: number;
  srcStart: number;
  end: number;
  /** The pdata item (index into BuildResult.refs). */
  ref: number;
  index: string;
}

export class BulkChunk {
  len = 0;
  readonly docs: DocSpan[] = [];
  constructor(public buf: Buffer) {}

  body(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}

/** The source line of a document (for the dead-letter index and logs). */
export function sourceOf(d: DocSpan): string {
  return d.chunk.buf.toString('utf8', d.srcStart, d.end - 1);
}

/** Appends documents into chunks of at most `maxBytes` (one oversized document gets a chunk of its own). */
export class BulkWriter {
  readonly chunks: BulkChunk[] = [];
  private cur: BulkChunk | undefined;

  constructor(private readonly maxBytes: number) {}

  private chunkFor(bytes: number): BulkChunk {
    const c = this.cur;
    if (c && (c.docs.length === 0 || c.len + bytes <= this.maxBytes)) return c;
    const next = new BulkChunk(Buffer.allocUnsafe(Math.max(Math.min(this.maxBytes, 256 * 1024), bytes)));
    this.chunks.push(next);
    this.cur = next;
    return next;
  }

  add(action: string, source: string, index: string, ref: number): void {
    const approx = action.length + source.length + 2;
    const c = this.chunkFor(approx);
    c.ensure(approx * 3);
    const start = c.len;
    c.len += c.buf.write(action, c.len);
    c.buf[c.len++] = 10;
    const srcStart = c.len;
    c.len += c.buf.write(source, c.len);
    c.buf[c.len++] = 10;
    c.docs.push({ chunk: c, start, srcStart, end: c.len, ref, index });
  }

  /** Copies already-written documents (a retry subset, half of a split) into new chunks. */
  static repack(docs: readonly DocSpan[], maxBytes: number): BulkChunk[] {
    const w = new BulkWriter(maxBytes);
    for (const d of docs) {
      const n = d.end - d.start;
      const c = w.chunkFor(n);
      c.ensure(n);
      const start = c.len;
      d.chunk.buf.copy(c.buf, c.len, d.start, d.end);
      c.len += n;
      c.docs.push({
        chunk: c,
        start,
        srcStart: start + (d.srcStart - d.start),
        end: c.len,
        ref: d.ref,
        index: d.index,
      });
    }
    return w.chunks;
  }
}
