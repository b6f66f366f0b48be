// rate_limiting (spans) and bytes_limiting (protobuf bytes): token buckets with
// the semantics of golang.org/x/time/rate's Limiter.AllowN, which the collector
// uses: the bucket starts full, refills continuously at `rate` per second up to
// `burst`, and an event of n tokens passes only if n tokens are there now (an
// event larger than the burst never passes). A refused event takes nothing.
import { Decision, type Evaluator, type TraceView } from './types.js';

export type Clock = () => number;

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: Clock = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  allowN(n: number): boolean {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    const tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    if (n > this.burst || tokens < n) return false;
    this.tokens = tokens - n;
    this.last = t;
    return true;
  }
}

function limiter(perSecond: number, burst: number, cost: (t: TraceView) => number, now?: Clock): Evaluator {
  const bucket = new TokenBucket(perSecond, burst > 0 ? burst : perSecond * 2, now);
  return { evaluate: (t) => (bucket.allowN(cost(t)) ? Decision.Sampled : Decision.NotSampled) };
}

export const rateLimiting = (cfg: { spans_per_second: number; burst_capacity: number }, now?: Clock) =>
  limiter(cfg.spans_per_second, cfg.burst_capacity, (t) => t.spanCount, now);

export const bytesLimiting = (cfg: { bytes_per_second: number; burst_capacity: number }, now?: Clock) =>
  limiter(cfg.bytes_per_second, cfg.burst_capacity, (t) => t.wireBytes, now);
