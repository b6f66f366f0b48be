// Bounded parallel file-system calls for a poll's glob match and stats: issued
// together, their completions wake the event loop in bunches instead of once each.

/**
 * File system calls of one glob match in flight at once. Issued one after another, every stat is
 * a round trip through libuv's threadpool with its own event-loop wake-up; issued together, the
 * completions arrive in bunches (about 10x fewer wake-ups, ~10 % less CPU for 101 idle pods).
 * Bounded so that other file work (checkpoint writes, the persistent queue) waits behind a few
 * calls at most.
 */
export const FS_PARALLEL = 16;

/** Runs at most `n` of the calls given to `run` at once. */
export class Limit {
  private queue: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await f();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** `f` of every item, at most `n` at once, in the items' order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  n: number,
  f: (t: T) => Promise<R>,
): Promise<R[]> {
  const limit = new Limit(n);
  return Promise.all(items.map((t) => limit.run(() => f(t))));
}
