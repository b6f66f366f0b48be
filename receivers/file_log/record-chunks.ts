// The buffers the byte path (cri-json-fast.ts) writes records into, reused.
// Records leave file_log as lazily read scope lists that view these buffers
// (src/pdata/lazy.ts), so a buffer can be written again only when nothing
// downstream can still read it: each buffer carries a reference count, a
// Lease (the protocol of src/pdata/hold.ts). The writer holds the buffer it
// writes into, each run of records handed over holds the buffer it lies in
// until the consume() call that took it settled (file-consumer.ts), and a
// component that keeps the data longer holds it too (holdData). At zero the buffer goes back to the
// pool and its lease dies: an entry still pointing at it throws when read
// instead of reading other records. A release that never comes only keeps the
// buffer out of the pool; the GC frees it as any other.
import type { Lease } from '../../src/pdata/lazy.js';

/** One use of a pooled buffer: a fresh lease every time the buffer is handed out again. */
export class ChunkLease implements Lease {
  private refs = 1;
  live = true;

  constructor(
    readonly buf: Buffer,
    private readonly pool: ChunkPool,
  ) {}

  hold(): void {
    if (!this.live) throw new Error('hold on a record buffer that was given back');
    this.refs++;
  }

  release(): void {
    if (!this.live) return;
    if (--this.refs === 0) {
      this.live = false;
      this.pool.giveBack(this.buf);
    }
  }
}

export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** Buffers handed out and given back (for tests and diagnostics). */
  issued = 0;
  reused = 0;

  constructor(
    /** Size of the pooled buffers; larger ones (a long line) are made for it and not kept. */
    readonly size: number,
    /** Free buffers kept at most (more would be memory no batch in flight needs). */
    private readonly keep: number,
  ) {}

  /** A buffer of at least `min` bytes, held once by the caller (its writer). */
  take(min: number): ChunkLease {
    this.issued++;
    if (min <= this.size) {
      const b = this.free.pop();
      if (b !== undefined) {
        this.reused++;
        return new ChunkLease(b, this);
      }
    }
    return new ChunkLease(Buffer.allocUnsafe(Math.max(min, this.size)), this);
  }

  giveBack(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.keep) this.free.push(buf);
  }

  /** Free buffers now in the pool. */
  get available(): number {
    return this.free.length;
  }
}
