// Policies over spans' own fields (collector internal/sampling/always_sample.go,
// latency.go, status_code.go, span_count_sampler.go, trace_state_filter.go,
// trace_flags.go).
import { STATUS_CODES } from '../config.js';
import type { WireSpan } from '../wire-span.js';
import { parseTraceState } from './tracestate.js';
import { Decision, type Evaluator, type TraceView } from './types.js';

/** Sampled when any span satisfies `check` (hasSpanWithCondition; resources are not looked at). */
export const anySpan = (t: TraceView, check: (s: WireSpan) => boolean): Decision =>
  t.visit(undefined, check) ? Decision.Sampled : Decision.NotSampled;

export const alwaysSample = (): Evaluator => ({ evaluate: () => Decision.Sampled });

/**
 * Duration = latest end - earliest start, built up span by span; the first span
 * at which the running duration satisfies the bounds samples the trace (the
 * collector stops there too, so a later span that widens the duration past
 * upper_threshold_ms does not change a decision already made).
 */
export function latency(cfg: { threshold_ms: number; upper_threshold_ms: number }): Evaluator {
  const lower = BigInt(cfg.threshold_ms);
  const upper = BigInt(cfg.upper_threshold_ms);
  return {
    evaluate(t) {
      let min = 0n;
      let max = 0n;
      return anySpan(t, (s) => {
        const start = s.startTime();
        const end = s.endTime();
        if (min === 0n || start < min) min = start;
        if (max === 0n || end > max) max = end;
        // time.Duration.Milliseconds(): truncated toward zero
        const ms = (max - min) / 1_000_000n;
        if (upper === 0n) return ms >= lower;
        return lower < ms && ms <= upper;
      });
    },
  };
}

export function statusCode(cfg: { status_codes: string[] }): Evaluator {
  const codes = new Set(cfg.status_codes.map((c) => STATUS_CODES[c]));
  return { evaluate: (t) => anySpan(t, (s) => codes.has(s.statusCode())) };
}

export function spanCount(cfg: { min_spans: number; max_spans: number }): Evaluator {
  return {
    evaluate(t) {
      const n = t.spanCount;
      if (cfg.max_spans === 0 && n >= cfg.min_spans) return Decision.Sampled;
      if (n >= cfg.min_spans && n <= cfg.max_spans) return Decision.Sampled;
      return Decision.NotSampled;
    },
  };
}

export function traceStateFilter(cfg: { key: string; values: string[] }): Evaluator {
  // a list member (key=value) is at most 256 characters
  const values = new Set(cfg.values.filter((v) => v !== '' && cfg.key.length + v.length < 256));
  return {
    evaluate: (t) =>
      anySpan(t, (s) => {
        const ts = parseTraceState(s.traceState());
        return ts !== undefined && values.has(ts.get(cfg.key) ?? '');
      }),
  };
}

/** Sampled if any span has the W3C sampled flag (bit 0 of the low byte of `flags`). */
export const traceFlags = (): Evaluator => ({
  evaluate: (t) => anySpan(t, (s) => (s.flags() & 0x01) !== 0),
});
