// The encoded labels of a series, kept from one request to the next. A scrape
// target sends the same series every interval, and a receiver that keeps its
// points as columns (src/pdata/lazy-points.ts) tags each point with a series
// ref: a number that stands for one attribute array for good (the receiver
// never writes to it, nor gives its ref to another). So the labels a plan
// wrote for a ref — and their hash — are remembered with the scope and metric
// they were written for: next time the series costs one copy of its label
// bytes instead of a plan replay, UTF-8 writing and hashing of its values (as
// Prometheus's own scrape cache keeps a series' labels).
//
// Compact, for 100k series and more: no object or string per entry. Entries
// are rows of typed arrays, found through an open-addressing table of entry
// numbers keyed by the ref; the label bytes live in chunks of CHUNK_BYTES
// shared by many series (not a typed array per series, nor one buffer that
// doubles: twice the bytes at the moment it grows).
//
// Staleness: an entry not used for SWEEP_PASSES encoder passes is dropped at the
// next sweep, which copies the live entries into fresh rows and chunks (so the
// bytes of series that are gone are given back). Bounded: at MAX_ENTRIES a
// sweep runs at once, and while it is still full new series are written from
// their plans without being remembered.
import type { ProtoWriter } from './proto-writer.js';

/** Passes between sweeps; an entry unused for that long is dropped at the next. */
const SWEEP_PASSES = 32;
const CHUNK_BYTES = 256 * 1024;
/** At most this many series remembered. */
export const MAX_ENTRIES = 1 << 21;

// An entry's row in `rows` (Int32Array, ROW ints per entry)
const SCOPE = 0;
const NAMES = 1;
const CHUNK = 2;
const OFFSET = 3;
const LENGTH = 4;
const H1 = 5;
const H2 = 6;
const LAST_PASS = 7;
/** The entry's row in `hist` (a histogram's parts), or -1 for a number series. */
const HIST = 8;
const ROW = 9;

// A histogram entry's row in `hist` (Int32Array, HROW ints). Its bytes are _sum's
// labels (sumLength), then _count's (countLength), then _bucket's without le:
// prefixLength bytes before le, the rest of the entry after it. H1/H2 of the
// entry are _sum's hash.
export const SUM_LENGTH = 0;
export const COUNT_LENGTH = 1;
export const PREFIX_LENGTH = 2;
export const COUNT_H1 = 3;
export const COUNT_H2 = 4;
/** The hash of _bucket's labels without le (add le's). */
export const BUCKET_H1 = 5;
export const BUCKET_H2 = 6;
export const HROW = 7;

/** Where a histogram's series' labels are within its entry's bytes, and their hashes. */
export interface HistogramLabels {
  sumLength: number;
  countLength: number;
  prefixLength: number;
  sumH1: number;
  sumH2: number;
  countH1: number;
  countH2: number;
  bucketH1: number;
  bucketH2: number;
}

/** The table slot for a ref (a whole number below 2^53) in a table of mask + 1 slots. */
function slotOf(ref: number, mask: number): number {
  const lo = ref | 0;
  const hi = (ref / 4294967296) | 0;
  return (Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 0) & mask;
}

export class SeriesLabelCache {
  /** The entries' refs (entry i: refs[i]), their rows and histogram rows. */
  private refs = new Float64Array(1024);
  rows = new Int32Array(1024 * ROW);
  hist = new Int32Array(64 * HROW);
  private count = 0;
  private histCount = 0;
  /** Open addressing: entry number + 1, 0 for a free slot; at most half full. */
  private slots = new Int32Array(2048);
  /** The chunks label bytes are stored in; the last one is filled now. */
  chunks: Uint8Array[] = [new Uint8Array(CHUNK_BYTES)];
  private used = 0;
  private pass = 0;
  private lastSweep = 0;

  /** Marks the start of an encoder pass (sweeps now and then). */
  beginPass(): void {
    this.pass++;
    if (this.pass - this.lastSweep >= SWEEP_PASSES) this.sweep();
  }

  /** The entry remembered for `ref` if it was written for `scope` and `names` (ids); else -1. */
  find(ref: number, scope: number, names: number): number {
    const mask = this.slots.length - 1;
    let i = slotOf(ref, mask);
    for (;;) {
      const s = this.slots[i];
      if (s === 0) return -1;
      const e = s - 1;
      if (this.refs[e] === ref) {
        const r = e * ROW;
        const rows = this.rows;
        if (rows[r + SCOPE] !== scope || rows[r + NAMES] !== names) return -1;
        rows[r + LAST_PASS] = this.pass;
        return e;
      }
      i = (i + 1) & mask;
    }
  }

  /** Entry e's hashes, chunk, offset, length; its histogram row (-1: a number series). */
  h1(e: number): number {
    return this.rows[e * ROW + H1];
  }
  h2(e: number): number {
    return this.rows[e * ROW + H2];
  }
  chunkOf(e: number): Uint8Array {
    return this.chunks[this.rows[e * ROW + CHUNK]];
  }
  offsetOf(e: number): number {
    return this.rows[e * ROW + OFFSET];
  }
  lengthOf(e: number): number {
    return this.rows[e * ROW + LENGTH];
  }
  histOf(e: number): number {
    return this.rows[e * ROW + HIST];
  }

  /** Writes entry e's bytes (from + n of them, from its start) at w.pos. */
  write(w: ProtoWriter, e: number, from: number, n: number): void {
    const r = e * ROW;
    const at = this.rows[r + OFFSET] + from;
    w.ensure(n);
    // a native copy: a byte loop in JS took 3-4x as long for a series' ~170 bytes (and the
    // chunks are plain Uint8Arrays: Buffer's subarray() costs a FastBuffer constructor call)
    w.buf.set(this.chunks[this.rows[r + CHUNK]].subarray(at, at + n), w.pos);
    w.pos += n;
  }

  /**
   * Remembers the labels written at buf[from, to) for `ref` with their hash (a
   * histogram's: _sum's, and its parts in `h`); returns the entry, or -1 when
   * the cache is full.
   */
  store(
    ref: number,
    scope: number,
    names: number,
    buf: Uint8Array,
    from: number,
    to: number,
    h1: number,
    h2: number,
    h?: HistogramLabels,
  ): number {
    let e = this.lookup(ref);
    if (e < 0) {
      if (this.count >= MAX_ENTRIES) {
        this.sweep();
        if (this.count >= MAX_ENTRIES) return -1;
      }
      e = this.add(ref);
    }
    const n = to - from;
    const offset = this.reserve(n);
    this.chunks[this.chunks.length - 1].set(buf.subarray(from, to), offset);
    const rows = this.rows;
    const r = e * ROW;
    rows[r + SCOPE] = scope;
    rows[r + NAMES] = names;
    rows[r + CHUNK] = this.chunks.length - 1;
    rows[r + OFFSET] = offset;
    rows[r + LENGTH] = n;
    rows[r + H1] = h1;
    rows[r + H2] = h2;
    rows[r + LAST_PASS] = this.pass;
    if (h === undefined) rows[r + HIST] = -1;
    else {
      let x = rows[r + HIST];
      if (x < 0) x = rows[r + HIST] = this.addHist();
      const hist = this.hist;
      const q = x * HROW;
      hist[q + SUM_LENGTH] = h.sumLength;
      hist[q + COUNT_LENGTH] = h.countLength;
      hist[q + PREFIX_LENGTH] = h.prefixLength;
      hist[q + COUNT_H1] = h.countH1;
      hist[q + COUNT_H2] = h.countH2;
      hist[q + BUCKET_H1] = h.bucketH1;
      hist[q + BUCKET_H2] = h.bucketH2;
    }
    return e;
  }

  /** Entries remembered (tests). */
  get size(): number {
    return this.count;
  }

  /** Bytes held: rows, table and label chunks (tests, the bench). */
  get bytes(): number {
    let n = this.refs.byteLength + this.rows.byteLength + this.hist.byteLength + this.slots.byteLength;
    for (const c of this.chunks) n += c.byteLength;
    return n;
  }

  /** The entry of `ref` whatever it was written for; -1 if none. */
  private lookup(ref: number): number {
    const mask = this.slots.length - 1;
    let i = slotOf(ref, mask);
    for (;;) {
      const s = this.slots[i];
      if (s === 0) return -1;
      if (this.refs[s - 1] === ref) return s - 1;
      i = (i + 1) & mask;
    }
  }

  /** A new entry for `ref` (not in the table), its row's HIST -1. */
  private add(ref: number): number {
    const e = this.count;
    if (e === this.refs.length) {
      const refs = new Float64Array(e * 2);
      refs.set(this.refs);
      this.refs = refs;
      const rows = new Int32Array(e * 2 * ROW);
      rows.set(this.rows);
      this.rows = rows;
    }
    this.refs[e] = ref;
    this.rows[e * ROW + HIST] = -1;
    this.count++;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.insert(e);
    return e;
  }

  private addHist(): number {
    const x = this.histCount++;
    if (x * HROW === this.hist.length) {
      const hist = new Int32Array(this.hist.length * 2);
      hist.set(this.hist);
      this.hist = hist;
    }
    return x;
  }

  private insert(e: number): void {
    const mask = this.slots.length - 1;
    let i = slotOf(this.refs[e], mask);
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = e + 1;
  }

  /** A table of `size` slots holding entries 0..count-1. */
  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let e = 0; e < this.count; e++) this.insert(e);
  }

  /** Room for n bytes in the current chunk (a new one when it is full); returns where. */
  private reserve(n: number): number {
    if (this.used + n > this.chunks[this.chunks.length - 1].length) {
      this.chunks.push(new Uint8Array(Math.max(CHUNK_BYTES, n)));
      this.used = 0;
    }
    const at = this.used;
    this.used += n;
    return at;
  }

  /** Drops entries unused since the last sweep; the others move to fresh rows and chunks. */
  private sweep(): void {
    const since = this.lastSweep;
    this.lastSweep = this.pass;
    const { refs, rows, hist, chunks, count } = this;
    let live = 0;
    for (let e = 0; e < count; e++) if (rows[e * ROW + LAST_PASS] > since) live++;
    const cap = Math.max(1024, 2 ** Math.ceil(Math.log2(live + 1)));
    this.refs = new Float64Array(cap);
    this.rows = new Int32Array(cap * ROW);
    this.hist = new Int32Array(64 * HROW);
    this.histCount = 0;
    this.chunks = [new Uint8Array(CHUNK_BYTES)];
    this.used = 0;
    this.count = 0;
    for (let e = 0; e < count; e++) {
      const r = e * ROW;
      if (rows[r + LAST_PASS] <= since) continue;
      const to = this.count++;
      this.refs[to] = refs[e];
      const t = to * ROW;
      this.rows.set(rows.subarray(r, r + ROW), t);
      const n = rows[r + LENGTH];
      const at = this.reserve(n);
      const from = rows[r + OFFSET];
      this.chunks[this.chunks.length - 1].set(chunks[rows[r + CHUNK]].subarray(from, from + n), at);
      this.rows[t + CHUNK] = this.chunks.length - 1;
      this.rows[t + OFFSET] = at;
      const x = rows[r + HIST];
      if (x >= 0) {
        const y = this.addHist();
        this.hist.set(hist.subarray(x * HROW, x * HROW + HROW), y * HROW);
        this.rows[t + HIST] = y;
      }
    }
    this.rehash(Math.max(2048, 2 ** Math.ceil(Math.log2(this.count * 2 + 2))));
  }
}

let nextId = 1;
/** An id for a scope's or metric's label state (what an entry was written for). */
export function cacheId(): number {
  return nextId++;
}
