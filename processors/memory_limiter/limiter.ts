// Measures the memory Tsunagi can free (the V8 heap in use plus ArrayBuffers and
// other external memory: src/memory/usage.ts) every check_interval and refuses
// data while it is at or above the soft limit (limit − spike). Like the
// collector's memorylimiter.CheckMemLimits: above the soft limit it forces a
// full GC when the last one is older than min_gc_interval_when_soft_limited,
// above the hard limit when older than min_gc_interval_when_hard_limited, and
// decides on the figure measured after it. Garbage counts as memory in use
// until a GC runs, and while data is refused little is allocated, so without
// these GCs the limiter would keep refusing long after the load is gone.
//
// It also tells the receivers (src/memory/pressure.ts) whether it refuses and
// what its hard limit is, so a large request is refused before it is decoded.
import type { MemoryLimiterStatus } from '../../src/component/status.js';
import { forceGc } from '../../src/memory/gc.js';
import { type MemoryGauge, registerMemoryGauge } from '../../src/memory/pressure.js';
import { memoryInUse } from '../../src/memory/usage.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { Limits } from './memory.js';

export type MemoryState = 'normal' | 'soft' | 'hard';

export interface MemorySource {
  /** Memory in use, in bytes (V8 heap used + external). */
  inUse(): number;
  /** Forces a full GC if possible. */
  gc(): void;
  now(): number;
}

export const processMemory: MemorySource = {
  inUse: () => memoryInUse(),
  gc: () => {
    forceGc();
  },
  now: () => performance.now(),
};

const MiB = 1048576;

export class MemoryLimiter implements MemoryGauge {
  private state: MemoryState = 'normal';
  private timer: NodeJS.Timeout | undefined;
  private lastGc: number;
  private users = 0;
  private unregister: (() => void) | undefined;
  /** The memory in use at the last check (the status page). */
  private lastUsed = 0;
  /** Items refused since start, over every pipeline using this limiter. */
  refusedItems = 0;

  constructor(
    private readonly limits: Limits,
    private readonly intervalMs: number,
    private readonly gcIntervals: { soft: number; hard: number },
    private readonly logger: Logger,
    private readonly source: MemorySource = processMemory,
  ) {
    // as the collector: the first forced GC is due one interval after start
    this.lastGc = source.now();
  }

  /** True while data must be refused. */
  get refusing(): boolean {
    return this.state !== 'normal';
  }

  /** Time between measurements (the refusal's retry delay derives from it). */
  get checkIntervalMs(): number {
    return this.intervalMs;
  }

  get hardLimitBytes(): number {
    return this.limits.hardBytes;
  }

  /** Bytes left below the hard limit, measured now. */
  freeBytes(): number {
    return this.limits.hardBytes - this.source.inUse();
  }

  /** The delay suggested to refused senders: the check interval, at least 1 s. */
  get retryAfterMs(): number {
    return Math.max(1000, this.intervalMs);
  }

  get current(): MemoryState {
    return this.state;
  }

  start(): void {
    if (this.users++ > 0) return;
    this.unregister = registerMemoryGauge(this);
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
    this.unregister?.();
    this.unregister = undefined;
    return true;
  }

  /** What the status page shows. */
  status(): MemoryLimiterStatus {
    return {
      state: this.state,
      usedBytes: this.lastUsed,
      softLimitBytes: this.limits.softBytes,
      hardLimitBytes: this.limits.hardBytes,
      checkIntervalMs: this.intervalMs,
      refusedItems: this.refusedItems,
    };
  }

  /** One measurement; public so tests can drive it with an injected source. */
  check(): void {
    let used = this.source.inUse();
    let next = this.classify(used);
    if (next !== 'normal') {
      const now = this.source.now();
      const gate = next === 'hard' ? this.gcIntervals.hard : this.gcIntervals.soft;
      if (gate === 0 || now - this.lastGc > gate) {
        const before = used;
        this.source.gc();
        this.lastGc = this.source.now();
        used = this.source.inUse();
        next = this.classify(used);
        this.logger.info(
          { cur_mem_mib: Math.round(used / MiB), before_gc_mib: Math.round(before / MiB) },
          'Memory usage after GC.',
        );
      }
    }
    this.lastUsed = used;
    if (next !== this.state) this.logTransition(this.state, next, used);
    this.state = next;
  }

  private classify(used: number): MemoryState {
    if (used >= this.limits.hardBytes) return 'hard';
    if (used >= this.limits.softBytes) return 'soft';
    return 'normal';
  }

  private logTransition(from: MemoryState, to: MemoryState, used: number): void {
    const fields = {
      cur_mem_mib: Math.round(used / MiB),
      soft_limit_mib: Math.round(this.limits.softBytes / MiB),
      hard_limit_mib: Math.round(this.limits.hardBytes / MiB),
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
