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
// The label bytes live in one arena buffer, not in a typed array per series
// (100k small ArrayBuffers would cost the GC and RSS). Entries not used for a
// while are dropped and the arena compacted at most every SWEEP_PASSES passes,
// so series that are gone do not keep memory for long.
import type { ProtoWriter } from './proto-writer.js';

/** Passes between sweeps; an entry unused for that long is dropped at the next. */
const SWEEP_PASSES = 32;

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
    /** The labels' bytes: arena[offset, offset + length). */
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
  private arena = new Uint8Array(64 * 1024);
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

  /** Writes arena[from, from + n) (an entry's bytes or part of them) at w.pos. */
  write(w: ProtoWriter, from: number, n: number): void {
    w.ensure(n);
    // a native copy: a byte loop in JS took 3-4x as long for a series' ~170 bytes (and the
    // arena is a plain Uint8Array: Buffer's subarray() costs a FastBuffer constructor call)
    w.buf.set(this.arena.subarray(from, from + n), w.pos);
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
    this.arena.set(buf.subarray(from, to), offset);
    let e = this.entries.get(attrs);
    if (e === undefined) {
      e = new Entry(scope, names, offset, n, 0, 0, this.pass, undefined);
      this.entries.set(attrs, e);
    } else {
      e.scope = scope;
      e.names = names;
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

  private reserve(n: number): number {
    if (this.used + n > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.arena.subarray(0, this.used));
      this.arena = next;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Drops entries unused since the last sweep and copies the others into a fresh, exact arena. */
  private sweep(): void {
    const since = this.lastSweep;
    this.lastSweep = this.pass;
    let live = 0;
    for (const [k, e] of this.entries) {
      if (e.lastPass <= since) this.entries.delete(k);
      else live += e.length;
    }
    // new series replace old ones' bytes only here: a fresh arena sized for the live ones
    const next = new Uint8Array(Math.max(64 * 1024, Math.ceil(live * 1.25)));
    let at = 0;
    const old = this.arena;
    for (const e of this.entries.values()) {
      next.set(old.subarray(e.offset, e.offset + e.length), at);
      e.offset = at;
      at += e.length;
    }
    this.arena = next;
    this.used = at;
  }
}
