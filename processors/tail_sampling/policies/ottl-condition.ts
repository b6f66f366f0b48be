// The ottl_condition policy over a compiled condition (see ottl.ts for the seam):
// Sampled at the first span, or span event, that a condition matches.
import type { OttlCondition } from './ottl.js';
import { Decision, type Evaluator } from './types.js';

export function ottlConditionFilter(cond: OttlCondition): Evaluator {
  return {
    evaluate(t) {
      for (const rs of t.data.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) {
            if (cond.matchSpan(span, ss.scope, rs.resource)) return Decision.Sampled;
            for (const ev of span.events)
              if (cond.matchSpanEvent(ev, span, ss.scope, rs.resource)) return Decision.Sampled;
          }
      return Decision.NotSampled;
    },
  };
}
