// Policies over spans' own fields (collector internal/sampling/always_sample.go,
// latency.go, status_code.go, span_count_sampler.go, trace_state_filter.go,
// trace_flags.go).
import type { Span, TracesData } from '../../../src/pdata/types.js';
import { STATUS_CODES } from '../config.js';
import { parseTraceState } from './tracestate.js';
import { Decision, type Evaluator } from './types.js';

/** Sampled when any span satisfies `check` (hasSpanWithCondition; resources are not looked at). */
export function anySpan(td: TracesData, check: (s: Span) => boolean): Decision {
  for (const rs of td.resourceSpans)
    for (const ss of rs.scopeSpans) for (const s of ss.spans) if (check(s)) return Decision.Sampled;
  return Decision.NotSampled;
}

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
      return anySpan(t.data, (s) => {
        if (min === 0n || s.startTimeUnixNano < min) min = s.startTimeUnixNano;
        if (max === 0n || s.endTimeUnixNano > max) max = s.endTimeUnixNano;
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
  return { evaluate: (t) => anySpan(t.data, (s) => codes.has(s.status.code)) };
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
      anySpan(t.data, (s) => {
        const ts = parseTraceState(s.traceState);
        return ts !== undefined && values.has(ts.get(cfg.key) ?? '');
      }),
  };
}

/** Sampled if any span has the W3C sampled flag (bit 0 of the low byte of `flags`). */
export const traceFlags = (): Evaluator => ({
  evaluate: (t) => anySpan(t.data, (s) => (s.flags & 0x01) !== 0),
});
