// The traces in memory, kept compact: a Map from the trace ID (16 bytes as a
// latin1 string) to a small integer. A pending trace's integer is a slot in
// typed-array columns (no object per trace); a decided trace's is negative and
// says the decision, so late spans follow it. The Map's insertion order is the
// order of first arrival: its first entry is the oldest trace (what num_traces
// evicts first, as the collector's delete queue does).
//
// A trace's runs (see store.ts: span bytes copied next to each other) form a
// linked list in a run table, also typed arrays.

export const DECIDED_SAMPLED = -1;
export const DECIDED_NOT_SAMPLED = -2;

function grown<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as { new (n: number): T })(n);
  b.set(a);
  return b;
}

export class TraceTable {
  readonly index = new Map<string, number>();
  private cap = 1024;
  /** The batch whose tick decides the trace. */
  batch = new Int32Array(this.cap);
  /** The batch whose chunks hold its bytes (current at arrival). */
  store = new Int32Array(this.cap);
  /** Milliseconds since the processor started. */
  arrival = new Int32Array(this.cap);
  spans = new Int32Array(this.cap);
  /** Σ ResourceSpans sizes per received batch: what maximum_trace_size_bytes limits (saturates at 2^31-1). */
  size = new Int32Array(this.cap);
  /** The same with each field's tag and length: bytes_limiting's trace size (saturates too). */
  wire = new Int32Array(this.cap);
  firstRun = new Int32Array(this.cap);
  lastRun = new Int32Array(this.cap);
  keys: string[] = new Array(this.cap);
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  pending = 0;

  /** A new pending trace: its slot. */
  add(key: string, batch: number, arrival: number): number {
    let s = this.freeSlots.pop();
    if (s === undefined) {
      if (this.nextSlot === this.cap) this.grow();
      s = this.nextSlot++;
    }
    this.batch[s] = batch;
    this.store[s] = batch;
    this.arrival[s] = arrival;
    this.spans[s] = 0;
    this.size[s] = 0;
    this.wire[s] = 0;
    this.firstRun[s] = -1;
    this.lastRun[s] = -1;
    this.keys[s] = key;
    this.index.set(key, s);
    this.pending++;
    return s;
  }

  /** The slot goes back to the free list (the caller released its runs). */
  freeSlot(s: number): void {
    this.keys[s] = '';
    this.batch[s] = -1;
    this.freeSlots.push(s);
    this.pending--;
  }

  private grow(): void {
    const n = this.cap * 2;
    this.batch = grown(this.batch, n);
    this.store = grown(this.store, n);
    this.arrival = grown(this.arrival, n);
    this.spans = grown(this.spans, n);
    this.size = grown(this.size, n);
    this.wire = grown(this.wire, n);
    this.firstRun = grown(this.firstRun, n);
    this.lastRun = grown(this.lastRun, n);
    this.keys.length = n;
    this.cap = n;
  }
}

/** Runs: chunk, offset, length, scope id and the next run of the same trace (-1: last). */
export class RunTable {
  private cap = 4096;
  chunk = new Int32Array(this.cap);
  offset = new Int32Array(this.cap);
  length = new Int32Array(this.cap);
  scope = new Int32Array(this.cap);
  next = new Int32Array(this.cap);
  private freeHead = -1;
  private nextRun = 0;

  add(chunk: number, offset: number, length: number, scope: number): number {
    let r = this.freeHead;
    if (r >= 0) this.freeHead = this.next[r];
    else {
      if (this.nextRun === this.cap) this.grow();
      r = this.nextRun++;
    }
    this.chunk[r] = chunk;
    this.offset[r] = offset;
    this.length[r] = length;
    this.scope[r] = scope;
    this.next[r] = -1;
    return r;
  }

  free(r: number): void {
    this.next[r] = this.freeHead;
    this.freeHead = r;
  }

  private grow(): void {
    const n = this.cap * 2;
    this.chunk = grown(this.chunk, n);
    this.offset = grown(this.offset, n);
    this.length = grown(this.length, n);
    this.scope = grown(this.scope, n);
    this.next = grown(this.next, n);
    this.cap = n;
  }
}
