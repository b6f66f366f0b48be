// The encoded labels of a series, kept from one request to the next. A scrape
// target sends the same series every interval, and a receiver that keeps its
// points as columns (src/pdata/lazy-points.ts) hands over the same attribute
// array for a series every time (nobody writes to it). So the labels a plan
// wrote for that array — and their hash — are remembered by the array's
// identity, with the scope and metric they were written for: next time the
// series costs one copy of its label bytes instead of a plan replay, UTF-8
// writing and hashing of its values (as Prometheus's own scrape cache keeps a
// series' labels).
//
// The label bytes live in chunks of CHUNK_BYTES shared by many series, not in
// a typed array per series (100k small ArrayBuffers would cost the GC and RSS),
// nor in one buffer that doubles (twice the bytes at the moment it grows).
// Entries not used for a while are dropped and the live ones copied into fresh
// chunks at most every SWEEP_PASSES passes, so series that are gone do not keep
// memory for long.
import type { ProtoWriter } from './proto-writer.js';

/** Passes between sweeps; an entry unused for that long is dropped at the next. */
const SWEEP_PASSES = 32;
const CHUNK_BYTES = 256 * 1024;

/** Where a histogram's series' labels are within its entry's bytes, and their hashes. */
export interface HistogramLabels {
  /** _sum's labels: the first sumLength bytes; then _count's: countLength bytes. */
  sumLength: number;
  countLength: number;
  /** _bucket's labels without le: the bytes before le (prefixLength), then the rest of the entry after le. */
  prefixLength: number;
  sumH1: number;
  sumH2: number;
  countH1: number;
  countH2: number;
  /** The hash of _bucket's labels without le (add le's). */
  bucketH1: number;
  bucketH2: number;
}

export class Entry {
  constructor(
    /** The ScopeLabels and MetricNames the bytes were written for (their identity). */
    public scope: object,
    public names: object,
    /** The labels' bytes: chunk[offset, offset + length). */
    public chunk: Uint8Array,
    public offset: number,
    public length: number,
    /** A number series' label hash. */
    public h1: number,
    public h2: number,
    public lastPass: number,
    /** A histogram's entry: its series' parts. */
    public histogram: HistogramLabels | undefined,
  ) {}
}

export class SeriesLabelCache {
  private readonly entries = new Map<readonly string[], Entry>();
  /** The chunk bytes are stored into now, and how much of it is used. */
  private chunk = new Uint8Array(CHUNK_BYTES);
  private used = 0;
  private pass = 0;
  private lastSweep = 0;

  /** Marks the start of an encoder pass (sweeps now and then). */
  beginPass(): void {
    this.pass++;
    if (this.pass - this.lastSweep >= SWEEP_PASSES) this.sweep();
  }

  /** The entry remembered for `attrs` if it was written for `scope` and `names`. */
  get(attrs: readonly string[], scope: object, names: object): Entry | undefined {
    const e = this.entries.get(attrs);
    if (e === undefined || e.scope !== scope || e.names !== names) return undefined;
    e.lastPass = this.pass;
    return e;
  }

  /** Writes chunk[from, from + n) (an entry's bytes or part of them) at w.pos. */
  write(w: ProtoWriter, chunk: Uint8Array, from: number, n: number): void {
    w.ensure(n);
    // a native copy: a byte loop in JS took 3-4x as long for a series' ~170 bytes (and the
    // chunks are plain Uint8Arrays: Buffer's subarray() costs a FastBuffer constructor call)
    w.buf.set(chunk.subarray(from, from + n), w.pos);
    w.pos += n;
  }

  /** Remembers the labels written at buf[from, to) for `attrs`; the caller sets the hashes. */
  store(
    attrs: readonly string[],
    scope: object,
    names: object,
    buf: Uint8Array,
    from: number,
    to: number,
  ): Entry {
    const n = to - from;
    const offset = this.reserve(n);
    const chunk = this.chunk;
    chunk.set(buf.subarray(from, to), offset);
    let e = this.entries.get(attrs);
    if (e === undefined) {
      e = new Entry(scope, names, chunk, offset, n, 0, 0, this.pass, undefined);
      this.entries.set(attrs, e);
    } else {
      e.scope = scope;
      e.names = names;
      e.chunk = chunk;
      e.offset = offset;
      e.length = n;
      e.lastPass = this.pass;
      e.histogram = undefined;
    }
    return e;
  }

  /** Entries remembered (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Room for n bytes in the current chunk (a new one when it is full); returns where. */
  private reserve(n: number): number {
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(CHUNK_BYTES, n));
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Drops entries unused since the last sweep and copies the others into fresh chunks. */
  private sweep(): void {
    const since = this.lastSweep;
    this.lastSweep = this.pass;
    for (const [k, e] of this.entries) if (e.lastPass <= since) this.entries.delete(k);
    // the dropped entries' bytes (and replaced ones') are left behind with the old chunks
    this.chunk = new Uint8Array(CHUNK_BYTES);
    this.used = 0;
    for (const e of this.entries.values()) {
      const at = this.reserve(e.length);
      this.chunk.set(e.chunk.subarray(e.offset, e.offset + e.length), at);
      e.chunk = this.chunk;
      e.offset = at;
    }
  }
}
