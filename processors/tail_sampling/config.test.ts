import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseComponentConfig } from '../../src/config/validate.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const fixture = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/tailsamplingprocessor.yaml`, 'utf8'),
) as Record<string, any>;

/** The issues `validate` reports for a tail_sampling block written in YAML. */
function issues(yaml: string): string[] {
  const r = parseComponentConfig(factory, parse(yaml), 'processors::tail_sampling');
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('tail_sampling config', () => {
  it('takes the collector fixture, ottl_condition included', () => {
    const ts = fixture.tail_sampling;
    expect(issues(JSON.stringify(ts))).toEqual([]);
    const r = factory.configSchema.safeParse(ts);
    expect(r.success).toBe(true);
    const cfg = r.data as any;
    expect(cfg.decision_wait).toBe(10_000);
    expect(cfg.num_traces).toBe(100);
    expect(cfg.expected_new_traces_per_sec).toBe(10);
    expect(cfg.policies.map((p: any) => p.type)).toContain('composite');
  });

  it('has the collector defaults', () => {
    const cfg = factory.configSchema.parse({ policies: [{ name: 'a', type: 'always_sample' }] });
    expect(cfg).toMatchObject({
      decision_wait: 30_000,
      num_traces: 50_000,
      expected_new_traces_per_sec: 0,
      decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 0 },
      sample_on_first_match: false,
      drop_pending_traces_on_shutdown: false,
      maximum_trace_size_bytes: 0,
      decision_wait_after_root_received: 0,
    });
  });

  it('reports an ottl_condition that does not parse with its path and column', () => {
    expect(
      issues(`
policies:
  - name: o
    type: ottl_condition
    ottl_condition: { span: ['name == "a"', 'IsMatch(('] }
`),
    ).toEqual([
      'processors::tail_sampling::policies::0::ottl_condition::span::1: column 10: expected a value, found end of input',
    ]);
  });

  it.each([
    ['a missing policies list', 'decision_wait: 5s', 'policies: missing required field "policies"'],
    [
      'an unknown policy type',
      'policies: [{ name: a, type: always_sampled }]',
      'policies::0::type: unknown sampling policy type "always_sampled" (one of: always_sample,',
    ],
    [
      'a policy without a name',
      'policies: [{ type: always_sample }]',
      'policies::0::name: policy name cannot be empty',
    ],
    [
      'duplicate policy names',
      'policies: [{ name: a, type: always_sample }, { name: a, type: trace_flags }]',
      'policies::1::name: duplicate policy name "a"',
    ],
    [
      'an unknown status code',
      'policies: [{ name: s, type: status_code, status_code: { status_codes: [ERROR, FAILED] } }]',
      'policies::0::status_code::status_codes::1: unknown status code "FAILED", supported: OK, ERROR, UNSET',
    ],
    [
      'a status_code policy without codes',
      'policies: [{ name: s, type: status_code }]',
      'policies::0::status_code::status_codes: expected at least one status code to filter on',
    ],
    [
      'a regexp that does not compile',
      'policies: [{ name: r, type: string_attribute, string_attribute: { key: k, values: ["a(b"], enabled_regex_matching: true } }]',
      'policies::0::string_attribute::values::0: invalid regexp "a(b"',
    ],
    [
      'a numeric_attribute without bounds',
      'policies: [{ name: n, type: numeric_attribute, numeric_attribute: { key: k } }]',
      'policies::0::numeric_attribute: at least one of min_value or max_value must be set',
    ],
    [
      'min_value above max_value',
      'policies: [{ name: n, type: numeric_attribute, numeric_attribute: { key: k, min_value: 10, max_value: 5 } }]',
      'policies::0::numeric_attribute: min_value must be less than or equal to max_value',
    ],
    [
      'a drop policy inside a composite',
      'policies: [{ name: c, type: composite, composite: { max_total_spans_per_second: 10, composite_sub_policy: [{ name: d, type: drop }] } }]',
      'policies::0::composite::composite_sub_policy::0::type: unknown sampling policy type "drop"',
    ],
    [
      'an and policy without sub-policies',
      'policies: [{ name: x, type: and }]',
      'policies::0::and::and_sub_policy: policy "x" of type and needs at least one and_sub_policy',
    ],
    [
      'a not policy without its sub-policy',
      'policies: [{ name: x, type: not }]',
      'policies::0::not::not_sub_policy: missing required field "not_sub_policy"',
    ],
    [
      'a misspelt key',
      'policies: [{ name: l, type: latency, latency: { threshold: 5 } }]',
      'policies::0::latency::threshold: unknown key',
    ],
    [
      'a misspelt top-level key',
      'decision_wiat: 5s\npolicies: [{ name: a, type: always_sample }]',
      'processors::tail_sampling::decision_wiat: unknown key',
    ],
    [
      'an invalid duration',
      'decision_wait: 5 seconds\npolicies: [{ name: a, type: always_sample }]',
      'decision_wait: invalid duration "5 seconds"',
    ],
    [
      'block_on_overflow (not built)',
      'block_on_overflow: true\npolicies: [{ name: a, type: always_sample }]',
      'block_on_overflow: block_on_overflow: true is not supported yet',
    ],
    [
      'the span-ingest strategy (not built)',
      'sampling_strategy: span-ingest\npolicies: [{ name: a, type: always_sample }]',
      'sampling_strategy: sampling_strategy "span-ingest" is not supported yet',
    ],
  ])('rejects %s', (_what, yaml, expected) => {
    const got = issues(yaml);
    expect(
      got.some((m) => m.includes(expected)),
      `got: ${JSON.stringify(got)}`,
    ).toBe(true);
  });
});
