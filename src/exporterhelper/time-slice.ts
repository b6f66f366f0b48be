// Exporters build one backend request from thousands of items (an Elasticsearch
// _bulk body, a Loki push, a compressed OTLP body) on the same event loop that
// answers every receiver's senders. Built in one synchronous stretch, a batch of
// 8192 log records held the loop for 100–400 ms, and an SDK with one export in
// flight waited that long for an answer Tsunagi had already decided on — and
// dropped what its queue could not hold meanwhile (issue 12, config/gateway.yaml).
// A TimeSlice lets such a loop give the event loop back every few milliseconds:
// the work and its CPU cost are unchanged, the answers are no longer held.

/** How long a synchronous stretch may run before it yields (ms). */
export const DEFAULT_SLICE_MS = 4;

/** How many items a loop handles between looks at the clock (a clock read per item would cost more than it saves). */
const CHECK_EVERY = 32;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class TimeSlice {
  private deadline: number;
  private count = 0;
  /** How many times this slice gave the event loop back (tests and diagnostics). */
  yields = 0;

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {
    this.deadline = performance.now() + sliceMs;
  }

  /**
   * Call once per item: resolves at once (a resolved promise, no turn) while the
   * slice lasts, and after one event-loop turn once it is spent. Loops write
   * `if (slice.due()) await slice.next();` to stay synchronous on the fast path.
   */
  due(): boolean {
    if (++this.count < CHECK_EVERY) return false;
    this.count = 0;
    return performance.now() >= this.deadline;
  }

  /** Gives the event loop back (pending I/O, answers, timers run), then starts a new slice. */
  async next(): Promise<void> {
    this.yields++;
    await turn();
    this.deadline = performance.now() + this.sliceMs;
  }
}

/**
 * Runs one task at a time, in call order. A sliced build yields, so without this the
 * queue's `num_consumers` workers would build their batches side by side, each holding
 * its half-built request: more memory for no more throughput (the work is CPU-bound).
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => {});
    return result;
  }
}
