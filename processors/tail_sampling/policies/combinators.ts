// and, drop, not and composite (collector internal/sampling/and.go, drop.go,
// not.go, composite.go). A sub-policy error makes the whole policy an error.
import { Decision, type Evaluator } from './types.js';

const notSampled = (d: Decision) => d === Decision.NotSampled || d === Decision.InvertNotSampled;

/** Sampled when no sub-policy says NotSampled (an inverted sample counts as sampled). */
export const and = (subs: Evaluator[]): Evaluator => ({
  evaluate(t) {
    for (const s of subs) if (notSampled(s.evaluate(t))) return Decision.NotSampled;
    return Decision.Sampled;
  },
});

/** Dropped (which beats every other vote) when all sub-policies match. */
export const drop = (subs: Evaluator[]): Evaluator => ({
  evaluate(t) {
    for (const s of subs) if (notSampled(s.evaluate(t))) return Decision.NotSampled;
    return Decision.Dropped;
  },
});

/** Swaps Sampled and NotSampled; any other decision (inverted ones included) passes through. */
export const not = (sub: Evaluator): Evaluator => ({
  evaluate(t) {
    const d = sub.evaluate(t);
    if (d === Decision.Sampled) return Decision.NotSampled;
    if (d === Decision.NotSampled) return Decision.Sampled;
    return d;
  },
});

export interface CompositeSub {
  evaluator: Evaluator;
  /** Spans per second this sub-policy may sample. */
  allocated: number;
}

/**
 * The first sub-policy (in configuration order) that samples decides: the
 * trace passes if its spans still fit this second's allocation of that
 * sub-policy and the total, else it is not sampled (and later sub-policies
 * are not asked). Counters restart every wall-clock second.
 */
export function composite(
  maxTotal: number,
  subs: CompositeSub[],
  nowSeconds = () => Math.floor(Date.now() / 1000),
): Evaluator {
  const used = subs.map(() => 0);
  let second = 0;
  return {
    evaluate(t) {
      const now = nowSeconds();
      if (now !== second) {
        second = now;
        used.fill(0);
      }
      for (let i = 0; i < subs.length; i++) {
        const d = subs[i].evaluator.evaluate(t);
        if (d !== Decision.Sampled && d !== Decision.InvertSampled) continue;
        const next = used[i] + t.spanCount;
        if (next <= subs[i].allocated && next <= maxTotal) {
          used[i] = next;
          return Decision.Sampled;
        }
        return Decision.NotSampled;
      }
      return Decision.NotSampled;
    },
  };
}
