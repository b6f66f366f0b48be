// A bounded FIFO of pending requests consumed by `num_consumers` workers.
// Size is counted in requests, items or bytes (sizer). Used by the memory queue
// directly and by the persistent queue for the indices it holds on disk.

export interface Sized {
  size: number;
}

interface Taker<T> {
  accept?: (item: T) => boolean;
  resolve: (v: T | undefined) => void;
}

export class BoundedQueue<T extends Sized> {
  private items: T[] = [];
  private head = 0;
  private used = 0;
  private closed = false;
  private takers: Taker<T>[] = [];
  private roomWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Current size (requests or items). */
  size(): number {
    return this.used;
  }

  /** Number of queued entries. */
  length(): number {
    return this.items.length - this.head;
  }

  hasRoom(size: number): boolean {
    return this.used + size <= this.capacity;
  }

  /** Claims `size` without an entry yet (persistent queue: room reserved before the disk write). */
  reserve(size: number): void {
    this.used += size;
  }

  release(size: number): void {
    this.used -= size;
    this.wakeRoom();
  }

  /** Adds an entry whose size was reserved (or is added now when `reserved` is false). */
  push(item: T, reserved = false): void {
    if (!reserved) this.used += item.size;
    while (this.takers.length > 0) {
      const t = this.takers.shift()!;
      if (!t.accept || t.accept(item)) {
        t.resolve(item);
        return;
      }
      t.resolve(undefined); // a batch that this entry does not fit: it stops waiting
    }
    this.items.push(item);
  }

  /** Resolves once `size` fits (block_on_overflow), false if the queue closed meanwhile. */
  async waitForRoom(size: number): Promise<boolean> {
    while (!this.closed && !this.hasRoom(size)) {
      await new Promise<void>((r) => this.roomWaiters.push(r));
    }
    return !this.closed;
  }

  /** Next entry; undefined once closed and empty. The entry's size stays used until done(). */
  take(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head];
      this.items[this.head++] = undefined as unknown as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push({ resolve }));
  }

  /**
   * The next entry if `accept` takes it, waiting at most `ms` for one to
   * arrive; undefined on timeout, on an entry `accept` refuses (left queued)
   * or once closed and empty. For filling a batch.
   */
  takeWithin(ms: number, accept: (item: T) => boolean): Promise<T | undefined> {
    if (this.head < this.items.length) {
      return accept(this.items[this.head]) ? this.take() : Promise.resolve(undefined);
    }
    if (this.closed || ms <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const taker: Taker<T> = {
        accept,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
      };
      const timer = setTimeout(() => {
        const i = this.takers.indexOf(taker);
        if (i >= 0) this.takers.splice(i, 1);
        resolve(undefined);
      }, ms);
      this.takers.push(taker);
    });
  }

  /** A worker finished with an entry: its size frees up. */
  done(item: T): void {
    this.release(item.size);
  }

  /**
   * A batch took the entry: it stops counting against capacity now rather than at done()
   * (which then frees nothing more). What waits to be batched fills the queue, never the
   * batch being formed or sent (README "What `queue_size` counts when batching": else a
   * queue_size below one batch fills before the batch does, and senders are refused until
   * flush_timeout).
   */
  batched(item: T): void {
    const size = item.size;
    item.size = 0;
    if (size !== 0) this.release(size);
  }

  /** Ends every takeWithin() waiting to fill a batch (the batch is sent now); how many there were. */
  endFills(): number {
    let n = 0;
    this.takers = this.takers.filter((t) => {
      if (!t.accept) return true;
      n++;
      t.resolve(undefined);
      return false;
    });
    return n;
  }

  /** Removes and returns what was never taken (shutdown deadline). */
  drainRemaining(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  /** No more entries: idle workers get undefined, waiters for room give up. */
  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t.resolve(undefined);
    this.wakeRoom();
  }

  private wakeRoom(): void {
    for (const w of this.roomWaiters.splice(0)) w();
  }
}
