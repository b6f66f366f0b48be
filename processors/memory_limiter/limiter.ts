// Measures the process's RSS every check_interval and refuses data while it is
// above the soft limit (limit − spike). Above the hard limit it also asks V8
// for a garbage collection when `--expose-gc` made global.gc available.
import type { MemoryLimiterStatus } from '../../src/component/status.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { Limits } from './memory.js';

export type MemoryState = 'normal' | 'soft' | 'hard';

export interface MemorySource {
  /** Resident set size in bytes. */
  rss(): number;
  /** Forces a GC if possible. */
  gc(): void;
  now(): number;
}

export const processMemory: MemorySource = {
  rss: () => process.memoryUsage.rss(),
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
  now: () => Date.now(),
};

export class MemoryLimiter {
  private state: MemoryState = 'normal';
  private timer: NodeJS.Timeout | undefined;
  private lastGc = Number.NEGATIVE_INFINITY;
  private users = 0;
  /** RSS at the last check (the status page). */
  private lastRss = 0;
  /** Items refused since start, over every pipeline using this limiter. */
  refusedItems = 0;

  constructor(
    private readonly limits: Limits,
    private readonly intervalMs: number,
    private readonly gcIntervals: { soft: number; hard: number },
    private readonly logger: Logger,
    private readonly source: MemorySource = processMemory,
  ) {}

  /** True while data must be refused. */
  get refusing(): boolean {
    return this.state !== 'normal';
  }

  /** Time between measurements (the refusal's retry delay derives from it). */
  get checkIntervalMs(): number {
    return this.intervalMs;
  }

  get current(): MemoryState {
    return this.state;
  }

  start(): void {
    if (this.users++ > 0) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** Returns true when the last user stopped. */
  stop(): boolean {
    if (--this.users > 0) return false;
    this.users = 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return true;
  }

  /** What the status page shows. */
  status(): MemoryLimiterStatus {
    return {
      state: this.state,
      rssBytes: this.lastRss,
      softLimitBytes: this.limits.softBytes,
      hardLimitBytes: this.limits.hardBytes,
      checkIntervalMs: this.intervalMs,
      refusedItems: this.refusedItems,
    };
  }

  /** One measurement; public so tests can drive it with an injected source. */
  check(): void {
    let rss = this.source.rss();
    let next = this.classify(rss);
    if (next !== 'normal') {
      const gcEvery = next === 'hard' ? this.gcIntervals.hard : this.gcIntervals.soft;
      const now = this.source.now();
      if (next === 'hard' && now - this.lastGc >= gcEvery) {
        this.lastGc = now;
        this.source.gc();
        rss = this.source.rss();
        next = this.classify(rss);
      }
    }
    this.lastRss = rss;
    if (next !== this.state) this.logTransition(this.state, next, rss);
    this.state = next;
  }

  private classify(rss: number): MemoryState {
    if (rss >= this.limits.hardBytes) return 'hard';
    if (rss >= this.limits.softBytes) return 'soft';
    return 'normal';
  }

  private logTransition(from: MemoryState, to: MemoryState, rss: number): void {
    const fields = {
      cur_mem_mib: Math.round(rss / 1048576),
      soft_limit_mib: Math.round(this.limits.softBytes / 1048576),
      hard_limit_mib: Math.round(this.limits.hardBytes / 1048576),
    };
    if (to === 'normal')
      this.logger.info(fields, 'Memory usage back within limits. Resuming normal operation.');
    else if (from === 'normal' || to === 'hard')
      this.logger.warn(
        fields,
        to === 'hard'
          ? 'Memory usage is above hard limit. Refusing data.'
          : 'Memory usage is above soft limit. Refusing data.',
      );
  }
}
