// Turns the service's counts into per-second rates over the last minute, but
// only while someone watches: the timer runs while an event-stream client is
// connected, or for a while after /api/status was read, and stops otherwise.
// It reads counts the self-metrics keep anyway; the data path never sees it.
import type { StatusSnapshot, StatusSource } from '../../src/component/status.js';

/** Items per second in and out, per component key. */
export type Rates = Record<string, [number, number]>;

export interface Sample {
  /** epoch ms */
  t: number;
  rates: Rates;
  /** CPU used by the process since the previous sample, in % of one core. */
  cpuPercent: number;
}

export interface SamplerOptions {
  intervalMs?: number;
  /** Samples kept (60 at 1 s: the last minute). */
  keep?: number;
  /** How long a read of /api/status keeps the sampler running without a stream client. */
  lingerMs?: number;
}

export class Sampler {
  readonly intervalMs: number;
  private readonly keep: number;
  private readonly lingerMs: number;
  private readonly history: Sample[] = [];
  private readonly listeners = new Set<(snap: StatusSnapshot, s: Sample) => void>();
  private timer: NodeJS.Timeout | undefined;
  private lingerUntil = 0;
  private prev: { snap: StatusSnapshot; cpu: number } | undefined;

  constructor(
    private readonly source: StatusSource,
    opts: SamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.keep = opts.keep ?? 60;
    this.lingerMs = opts.lingerMs ?? 120_000;
  }

  /** True while the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  samples(): readonly Sample[] {
    return this.history;
  }

  /** A stream client: sampled every interval until the returned function is called. */
  watch(listener: (snap: StatusSnapshot, s: Sample) => void): () => void {
    this.listeners.add(listener);
    this.ensureRunning();
    return () => {
      this.listeners.delete(listener);
      this.stopIfIdle();
    };
  }

  /** A one-off read (/api/status): the current snapshot; keeps sampling for lingerMs so a poller sees rates. */
  read(): { snapshot: StatusSnapshot; history: readonly Sample[] } {
    this.lingerUntil = Date.now() + this.lingerMs;
    const fresh = !this.running;
    this.ensureRunning();
    // a fresh start takes its first sample now: that is the snapshot to answer with
    const snapshot = fresh && this.prev ? this.prev.snap : this.source.snapshot();
    return { snapshot, history: this.history };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private ensureRunning(): void {
    if (this.timer) return;
    // rates restart from here: a gap while nobody watched is not a rate of 0
    this.prev = undefined;
    this.history.length = 0;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private stopIfIdle(): void {
    if (this.listeners.size === 0 && Date.now() >= this.lingerUntil && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const snap = this.source.snapshot();
    const cpu = snap.process.cpuSeconds;
    const prev = this.prev;
    this.prev = { snap, cpu };
    if (prev) {
      const dt = (snap.at - prev.snap.at) / 1000;
      const sample: Sample = {
        t: snap.at,
        rates: dt > 0 ? rates(prev.snap, snap, dt) : {},
        cpuPercent: dt > 0 ? ((cpu - prev.cpu) / dt) * 100 : 0,
      };
      this.history.push(sample);
      if (this.history.length > this.keep) this.history.shift();
      for (const l of this.listeners) l(snap, sample);
    }
    this.stopIfIdle();
  }
}

function rates(a: StatusSnapshot, b: StatusSnapshot, dt: number): Rates {
  const before = new Map<string, { in: number; out: number }>();
  for (const c of a.components) if (c.counts) before.set(c.key, c.counts);
  const out: Rates = {};
  for (const c of b.components) {
    if (!c.counts) continue;
    const p = before.get(c.key) ?? { in: 0, out: 0 };
    out[c.key] = [round((c.counts.in - p.in) / dt), round((c.counts.out - p.out) / dt)];
  }
  return out;
}

const round = (x: number) => Math.round(x * 10) / 10;
