// Config → evaluators, with the collector's composition rules (processor.go
// getPolicyEvaluator, composite_helper.go, and/drop/not helpers).
import type { AnyPolicyConfig, CompositeSubPolicyConfig, PolicyConfig } from '../config.js';
import {
  booleanAttributeFilter,
  numericAttributeFilter,
  stringAttributeFilter,
} from './attribute-filters.js';
import { and, type CompositeSub, composite, drop, not } from './combinators.js';
import { bytesLimiting, rateLimiting } from './limiters.js';
import { ottlConditionCompiler } from './ottl.js';
import { ottlConditionFilter } from './ottl-condition.js';
import { probabilistic } from './probabilistic.js';
import {
  alwaysSample,
  latency,
  spanCount,
  statusCode,
  traceFlags,
  traceStateFilter,
} from './trace-filters.js';
import type { Evaluator } from './types.js';

export interface Policy {
  name: string;
  evaluator: Evaluator;
  isDrop: boolean;
}

/** The top-level policies, drop policies first: a Dropped vote wins, so they are asked first. */
export function buildPolicies(cfgs: PolicyConfig[]): Policy[] {
  const all = cfgs.map((c) => ({ name: c.name, evaluator: buildEvaluator(c), isDrop: c.type === 'drop' }));
  return [...all.filter((p) => p.isDrop), ...all.filter((p) => !p.isDrop)];
}

export function buildEvaluator(c: AnyPolicyConfig): Evaluator {
  switch (c.type) {
    case 'and':
      return and((c.and?.and_sub_policy ?? []).map(buildEvaluator));
    case 'drop':
      return drop((c.drop?.drop_sub_policy ?? []).map(buildEvaluator));
    case 'not':
      return not(buildEvaluator(c.not?.not_sub_policy as AnyPolicyConfig));
    case 'composite':
      return buildComposite(c.composite as NonNullable<PolicyConfig['composite']>);
    case 'always_sample':
      return alwaysSample();
    case 'latency':
      return latency(c.latency ?? { threshold_ms: 0, upper_threshold_ms: 0 });
    case 'numeric_attribute':
      return numericAttributeFilter(
        c.numeric_attribute ?? { key: '', min_value: 0, max_value: 0, invert_match: false },
      );
    case 'probabilistic':
      return probabilistic(c.probabilistic ?? { hash_salt: '', sampling_percentage: 0 });
    case 'status_code':
      return statusCode(c.status_code ?? { status_codes: [] });
    case 'string_attribute':
      return stringAttributeFilter(
        c.string_attribute ?? {
          key: '',
          values: [],
          enabled_regex_matching: false,
          cache_max_size: 0,
          invert_match: false,
        },
      );
    case 'rate_limiting':
      return rateLimiting(c.rate_limiting ?? { spans_per_second: 0, burst_capacity: 0 });
    case 'bytes_limiting':
      return bytesLimiting(c.bytes_limiting ?? { bytes_per_second: 0, burst_capacity: 0 });
    case 'span_count':
      return spanCount(c.span_count ?? { min_spans: 0, max_spans: 0 });
    case 'trace_state':
      return traceStateFilter(c.trace_state ?? { key: '', values: [] });
    case 'boolean_attribute':
      return booleanAttributeFilter(c.boolean_attribute ?? { key: '', value: false, invert_match: false });
    case 'trace_flags':
      return traceFlags();
    case 'ottl_condition': {
      const compiler = ottlConditionCompiler();
      if (!compiler) throw new Error('the ottl_condition policy is not supported yet (OTTL is not built in)');
      return ottlConditionFilter(
        compiler.compile(c.ottl_condition ?? { error_mode: 'propagate', span: [], spanevent: [] }),
      );
    }
    default:
      throw new Error(`unknown sampling policy type "${c.type}"`);
  }
}

/**
 * Rate allocation as composite_helper.go computes it: a listed sub-policy gets
 * percent% of max_total_spans_per_second (or an equal share when percent <= 0);
 * a sub-policy absent from rate_allocation gets 0 and so never samples.
 * policy_order is accepted but, as in the collector, the sub-policies are
 * asked in composite_sub_policy order.
 */
function buildComposite(cfg: NonNullable<PolicyConfig['composite']>): Evaluator {
  const total = cfg.max_total_spans_per_second;
  const equalShare = total / cfg.composite_sub_policy.length;
  const alloc = new Map<string, number>();
  for (const r of cfg.rate_allocation)
    alloc.set(r.policy, r.percent > 0 ? (r.percent / 100) * total : equalShare);
  const subs: CompositeSub[] = cfg.composite_sub_policy.map((s: CompositeSubPolicyConfig) => ({
    evaluator: buildEvaluator(s),
    // int64(float64) in Go: truncation
    allocated: Math.trunc(alloc.get(s.name) ?? 0),
  }));
  return composite(total, subs);
}
