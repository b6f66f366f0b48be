// Exponential backoff with jitter, the collector's retry_on_failure
// (cenkalti/backoff semantics): each delay is the current interval randomized
// by ±randomization_factor; the interval grows by `multiplier` up to
// `max_interval`; after `max_elapsed_time` (0 = never) it stops.

export interface BackoffConfig {
  initial_interval: number;
  randomization_factor: number;
  multiplier: number;
  max_interval: number;
  max_elapsed_time: number;
}

export class ExponentialBackoff {
  private interval: number;
  private readonly startedAt: number;

  constructor(
    private readonly cfg: BackoffConfig,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.interval = cfg.initial_interval;
    this.startedAt = now();
  }

  /** Milliseconds already spent since the first attempt. */
  elapsed(): number {
    return this.now() - this.startedAt;
  }

  /** The next delay in ms, or undefined once max_elapsed_time would be exceeded. */
  next(): number | undefined {
    const { randomization_factor: rf, multiplier, max_interval, max_elapsed_time } = this.cfg;
    const delta = rf * this.interval;
    const delay = this.interval - delta + this.random() * (2 * delta);
    this.interval = Math.min(this.interval * multiplier, max_interval);
    if (max_elapsed_time > 0 && this.elapsed() + delay > max_elapsed_time) return undefined;
    return delay;
  }

  /** Whether waiting `ms` more stays within max_elapsed_time. */
  allows(ms: number): boolean {
    return this.cfg.max_elapsed_time <= 0 || this.elapsed() + ms <= this.cfg.max_elapsed_time;
  }
}

/** Resolves after `ms`, or early (false) when `stop` aborts. */
export function sleep(ms: number, stop?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      stop?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    stop?.addEventListener('abort', onAbort, { once: true });
  });
}
