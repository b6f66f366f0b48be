// Large byte buffers that their owner gives back for reuse instead of leaving
// them to the GC. V8 frees an ArrayBuffer's memory only once a GC finds its
// JS object dead, and it starts a full mark-compact for about every 64 MiB of
// ArrayBuffer memory allocated since the last one. The agent encodes ~500 MB
// of queue records per million lines: that alone ran ~30 mark-compacts per
// run, 15–20 % of its CPU, and kept ~30 MiB of dead records resident.
//
// The rule: a buffer from takeBuffer() is given back (giveBuffer) only by the
// one owner that knows no view of it is still in use; a buffer that is never
// given back is simply collected as usual. Sizes below POOL_MIN are not pooled.
// A buffer with several owners (a request body whose unread items travel through
// batches and queues) is given back through a Lease (leaseBuffer).
import type { Lease } from '../pdata/lazy.js';

/** Smallest pooled size: below it Node's own allocation is cheap and the churn small. */
export const POOL_MIN = 16 * 1024;
const POOL_MAX = 64 * 1024 * 1024;
/** Idle buffers kept at most (bytes); more are left to the GC. */
const KEEP_IDLE = 32 * 1024 * 1024;

const free = new Map<number, ArrayBuffer[]>();
/** Buffers this pool made, and whether each is idle in `free` (a double give is ignored). */
const idle = new WeakMap<ArrayBuffer, boolean>();
let idleBytes = 0;
let reuses = 0;

/** Capacity class of `n`: four steps per power of two, so at most 25 % is unused. */
export function capacityFor(n: number): number {
  const p = 2 ** Math.floor(Math.log2(n));
  const step = p / 4;
  return Math.ceil(n / step) * step;
}

/** `n` bytes (uninitialized), from an idle pooled buffer when one of its class is free. */
export function takeBuffer(n: number): Buffer {
  if (n < POOL_MIN || n > POOL_MAX) return Buffer.allocUnsafe(n);
  const cap = capacityFor(n);
  const list = free.get(cap);
  let ab = list?.pop();
  if (ab !== undefined) {
    idleBytes -= cap;
    reuses++;
  } else ab = Buffer.allocUnsafeSlow(cap).buffer as ArrayBuffer;
  idle.set(ab, false);
  return Buffer.from(ab, 0, n);
}

/** `chunks` copied into one buffer from takeBuffer() (e.g. a received body that outlives its chunks). */
export function pooledCopy(
  chunks: readonly Uint8Array[],
  size = chunks.reduce((n, c) => n + c.length, 0),
): Buffer {
  const out = takeBuffer(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Gives a takeBuffer() result (or any view of it) back; anything else is ignored. */
export function giveBuffer(b: Uint8Array): void {
  const ab = b.buffer as ArrayBuffer;
  if (idle.get(ab) !== false) return;
  const cap = ab.byteLength;
  if (idleBytes + cap > KEEP_IDLE) {
    idle.delete(ab);
    return;
  }
  idle.set(ab, true);
  idleBytes += cap;
  let list = free.get(cap);
  if (!list) {
    list = [];
    free.set(cap, list);
  }
  list.push(ab);
}

/** Bytes held idle (for tests and diagnostics). */
export function idlePoolBytes(): number {
  return idleBytes;
}

/** How many takes were served by a given-back buffer so far (for tests and diagnostics). */
export function poolReuses(): number {
  return reuses;
}

/** A Lease on `buf` (a takeBuffer() result) held once by the caller; the last release gives it back. */
export function leaseBuffer(buf: Uint8Array): Lease {
  return new BufferLease(buf);
}

class BufferLease implements Lease {
  private refs = 1;
  constructor(private readonly buf: Uint8Array) {}

  get live(): boolean {
    return this.refs > 0;
  }

  hold(): void {
    if (this.refs === 0)
      throw new Error('buffer lease held after it was released (its buffer may be reused)');
    this.refs++;
  }

  release(): void {
    if (this.refs === 0) throw new Error('buffer lease released more often than held');
    if (--this.refs === 0) giveBuffer(this.buf);
  }
}
