import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { goRegExp } from '../../src/regexp/go.js';
import { ottlConditionCompiler } from './policies/ottl.js';

// Keys and defaults of the collector's tail_sampling processor (contrib
// processor/tailsamplingprocessor/config.go and config.schema.yaml). Every
// policy object carries the sub-configs of all policy types, as in Go, so a
// `latency:` block on a `string_attribute` policy is accepted and ignored.

const latency = z.strictObject({
  threshold_ms: z.number().int().default(0),
  upper_threshold_ms: z.number().int().default(0),
});
const numericAttribute = z.strictObject({
  key: z.string().default(''),
  min_value: z.number().int().default(0),
  max_value: z.number().int().default(0),
  invert_match: z.boolean().default(false),
});
const probabilistic = z.strictObject({
  hash_salt: z.string().default(''),
  sampling_percentage: z.number().default(0),
});
const statusCode = z.strictObject({ status_codes: z.array(z.string()).default([]) });
const stringAttribute = z.strictObject({
  key: z.string().default(''),
  values: z.array(z.string()).default([]),
  enabled_regex_matching: z.boolean().default(false),
  cache_max_size: z.number().int().default(0),
  invert_match: z.boolean().default(false),
});
const rateLimiting = z.strictObject({
  spans_per_second: z.number().int().default(0),
  burst_capacity: z.number().int().default(0),
});
const bytesLimiting = z.strictObject({
  bytes_per_second: z.number().int().default(0),
  burst_capacity: z.number().int().default(0),
});
const spanCount = z.strictObject({
  min_spans: z.number().int().default(0),
  max_spans: z.number().int().default(0),
});
const traceState = z.strictObject({
  key: z.string().default(''),
  values: z.array(z.string()).default([]),
});
const booleanAttribute = z.strictObject({
  key: z.string().default(''),
  value: z.boolean().default(false),
  invert_match: z.boolean().default(false),
});
const ottlCondition = z.strictObject({
  error_mode: z.enum(['ignore', 'silent', 'propagate']).default('propagate'),
  span: z.array(z.string()).default([]),
  spanevent: z.array(z.string()).default([]),
});

/** The fields every policy has, at any nesting level (sharedPolicyCfg). */
const sharedFields = {
  name: z.string().default(''),
  type: z.string().default(''),
  latency: latency.optional(),
  numeric_attribute: numericAttribute.optional(),
  probabilistic: probabilistic.optional(),
  status_code: statusCode.optional(),
  string_attribute: stringAttribute.optional(),
  rate_limiting: rateLimiting.optional(),
  bytes_limiting: bytesLimiting.optional(),
  span_count: spanCount.optional(),
  trace_state: traceState.optional(),
  boolean_attribute: booleanAttribute.optional(),
  ottl_condition: ottlCondition.optional(),
};

const leafPolicy = z.strictObject(sharedFields);
const andConfig = z.strictObject({ and_sub_policy: z.array(leafPolicy).default([]) });
const compositeSubPolicy = z.strictObject({ ...sharedFields, and: andConfig.optional() });
const compositeConfig = z.strictObject({
  max_total_spans_per_second: z.number().int().default(0),
  policy_order: z.array(z.string()).default([]),
  composite_sub_policy: z.array(compositeSubPolicy).default([]),
  rate_allocation: z
    .array(z.strictObject({ policy: z.string().default(''), percent: z.number().int().default(0) }))
    .default([]),
});
const topPolicy = z.strictObject({
  ...sharedFields,
  and: andConfig.optional(),
  composite: compositeConfig.optional(),
  drop: z.strictObject({ drop_sub_policy: z.array(leafPolicy).default([]) }).optional(),
  not: z.strictObject({ not_sub_policy: leafPolicy.optional() }).optional(),
});

export type LeafPolicyConfig = z.output<typeof leafPolicy>;
export type CompositeSubPolicyConfig = z.output<typeof compositeSubPolicy>;
export type PolicyConfig = z.output<typeof topPolicy>;
/** Any level's policy: the union of the fields the levels allow. */
export type AnyPolicyConfig = LeafPolicyConfig &
  Partial<Pick<PolicyConfig, 'and' | 'composite' | 'drop' | 'not'>>;

/** Policy types that need no more than the shared fields. */
export const LEAF_TYPES = [
  'always_sample',
  'latency',
  'numeric_attribute',
  'probabilistic',
  'status_code',
  'string_attribute',
  'rate_limiting',
  'bytes_limiting',
  'span_count',
  'trace_state',
  'boolean_attribute',
  'ottl_condition',
  'trace_flags',
] as const;
const TOP_TYPES = [...LEAF_TYPES, 'and', 'composite', 'drop', 'not'];
const COMPOSITE_SUB_TYPES = [...LEAF_TYPES, 'and'];

export const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

export const configSchema = z
  .strictObject({
    /** Wait after a trace's first span before deciding. Output in ms. */
    decision_wait: duration().default(30_000),
    /** Traces kept in memory (undecided and decided); the oldest is evicted beyond it. */
    num_traces: z.number().int().min(0).default(50_000),
    expected_new_traces_per_sec: z.number().int().min(0).default(0),
    decision_cache: z
      .strictObject({
        sampled_cache_size: z.number().int().min(0).default(0),
        non_sampled_cache_size: z.number().int().min(0).default(0),
      })
      .default({ sampled_cache_size: 0, non_sampled_cache_size: 0 }),
    /** Decide this long after the root span arrived, when that is sooner than decision_wait (0 = off). */
    decision_wait_after_root_received: duration().default(0),
    /** Stop evaluating policies at the first one that samples. */
    sample_on_first_match: z.boolean().default(false),
    /** At shutdown, drop undecided traces instead of deciding on what arrived. */
    drop_pending_traces_on_shutdown: z.boolean().default(false),
    /** A trace whose held bytes exceed this is not sampled, at once (0 = no limit). */
    maximum_trace_size_bytes: z.number().int().min(0).default(0),
    block_on_overflow: z.boolean().default(false),
    sampling_strategy: z.enum(['trace-complete', 'span-ingest']).default('trace-complete'),
    tail_storage: z.string().optional(),
    policies: z.array(topPolicy).optional(),
  })
  .superRefine((c, ctx) => {
    const notYet = (path: (string | number)[], what: string) =>
      ctx.addIssue({ code: 'custom', path, message: `${what} is not supported yet` });
    if (c.block_on_overflow) notYet(['block_on_overflow'], 'block_on_overflow: true');
    if (c.sampling_strategy === 'span-ingest')
      notYet(['sampling_strategy'], 'sampling_strategy "span-ingest"');
    if (c.tail_storage !== undefined) notYet(['tail_storage'], 'tail_storage');
    if (c.policies === undefined) {
      ctx.addIssue({ code: 'custom', path: ['policies'], message: 'missing required field "policies"' });
      return;
    }
    const names = new Set<string>();
    c.policies.forEach((p, i) => {
      if (p.name !== '' && names.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'name'],
          message: `duplicate policy name "${p.name}"`,
        });
      names.add(p.name);
      checkPolicy(p, TOP_TYPES, ['policies', i], ctx);
    });
  });

export type TailSamplingConfig = z.output<typeof configSchema>;

type Ctx = z.RefinementCtx;

/** The collector's per-policy checks (loadSamplingPolicies and the evaluator constructors). */
function checkPolicy(
  p: AnyPolicyConfig,
  allowed: readonly string[],
  path: (string | number)[],
  ctx: Ctx,
): void {
  const issue = (sub: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path: [...path, ...sub], message });
  if (p.name === '') issue(['name'], 'policy name cannot be empty');
  if (p.type === '') {
    issue(['type'], 'missing required field "type"');
    return;
  }
  if (!allowed.includes(p.type)) {
    issue(['type'], `unknown sampling policy type "${p.type}" (one of: ${allowed.join(', ')})`);
    return;
  }
  const sub = (items: AnyPolicyConfig[], key: string, field: string, types: readonly string[]) => {
    if (items.length === 0)
      issue([key, field], `policy "${p.name}" of type ${p.type} needs at least one ${field}`);
    items.forEach((s, i) => {
      checkPolicy(s, types, [...path, key, field, i], ctx);
    });
  };
  switch (p.type) {
    case 'and':
      sub(p.and?.and_sub_policy ?? [], 'and', 'and_sub_policy', LEAF_TYPES);
      break;
    case 'drop':
      sub(p.drop?.drop_sub_policy ?? [], 'drop', 'drop_sub_policy', LEAF_TYPES);
      break;
    case 'not':
      if (!p.not?.not_sub_policy) issue(['not', 'not_sub_policy'], 'missing required field "not_sub_policy"');
      else checkPolicy(p.not.not_sub_policy, LEAF_TYPES, [...path, 'not', 'not_sub_policy'], ctx);
      break;
    case 'composite':
      sub(p.composite?.composite_sub_policy ?? [], 'composite', 'composite_sub_policy', COMPOSITE_SUB_TYPES);
      break;
    case 'status_code': {
      const codes = p.status_code?.status_codes ?? [];
      if (codes.length === 0)
        issue(['status_code', 'status_codes'], 'expected at least one status code to filter on');
      codes.forEach((s, i) => {
        if (!(s in STATUS_CODES))
          issue(
            ['status_code', 'status_codes', i],
            `unknown status code "${s}", supported: OK, ERROR, UNSET`,
          );
      });
      break;
    }
    case 'string_attribute':
      if (p.string_attribute?.enabled_regex_matching)
        p.string_attribute.values.forEach((v, i) => {
          try {
            goRegExp(v);
          } catch (e) {
            issue(['string_attribute', 'values', i], `invalid regexp "${v}": ${(e as Error).message}`);
          }
        });
      break;
    case 'numeric_attribute': {
      // The collector reads a 0 bound as "not set" (factory: MinValue != 0).
      const n = p.numeric_attribute;
      if (!n || (n.min_value === 0 && n.max_value === 0))
        issue(['numeric_attribute'], 'at least one of min_value or max_value must be set');
      else if (n.min_value !== 0 && n.max_value !== 0 && n.min_value > n.max_value)
        issue(['numeric_attribute'], 'min_value must be less than or equal to max_value');
      break;
    }
    case 'ottl_condition': {
      const compile = ottlConditionCompiler();
      if (!compile) {
        issue(['type'], 'the ottl_condition policy is not supported yet (OTTL is not built in)');
        break;
      }
      const o = p.ottl_condition;
      if (!o || (o.span.length === 0 && o.spanevent.length === 0))
        issue(['ottl_condition'], 'at least one span or spanevent condition is required');
      else {
        const err = compile.check(o);
        if (err) issue(['ottl_condition', ...err.path], err.message);
      }
      break;
    }
  }
}
