import { describe, expect, it } from 'vitest';
import { configSchema, type PolicyConfig } from '../config.js';
import { request, type SpanSpec, sid, tid } from '../testdata/traces.js';
import { viewOfRequest } from '../trace-view.js';
import { buildEvaluator } from './build.js';
import { composite } from './combinators.js';
import { rateLimiting, TokenBucket } from './limiters.js';
import { fnv1a64, probabilistic, thresholdFor } from './probabilistic.js';
import { parseTraceState } from './tracestate.js';
import { Decision, type Evaluator, type TraceView } from './types.js';

const D = Decision;

/** A trace of the given spans under one resource. */
function view(
  spans: Partial<SpanSpec>[],
  resource: Record<string, unknown> = { 'service.name': 's' },
): TraceView {
  const data = request({ resource, spans: spans.map((s, i) => ({ trace: tid(1), id: sid(i + 1), ...s })) });
  return viewOfRequest(data);
}

function policy(p: Record<string, unknown>): Evaluator {
  const cfg = configSchema.parse({ policies: [{ name: 'p', ...p }] });
  return buildEvaluator((cfg.policies as PolicyConfig[])[0]);
}

describe('attribute policies (resource or any span)', () => {
  const str = (extra: Record<string, unknown> = {}) =>
    policy({ type: 'string_attribute', string_attribute: { key: 'k', values: ['v1', 'v2'], ...extra } });

  it('string_attribute matches exact values on the resource or a span', () => {
    expect(str().evaluate(view([{ attributes: { k: 'v2' } }]))).toBe(D.Sampled);
    expect(str().evaluate(view([{}], { k: 'v1' }))).toBe(D.Sampled);
    expect(str().evaluate(view([{ attributes: { k: 'v3' } }]))).toBe(D.NotSampled);
    // Str() of a non-string is "": an int attribute never matches
    expect(str().evaluate(view([{ attributes: { k: 1n } }]))).toBe(D.NotSampled);
  });

  it('string_attribute with regexps: unanchored, as Go MatchString', () => {
    const p = policy({
      type: 'string_attribute',
      string_attribute: {
        key: 'url.path',
        values: ['/health', '^/api/v[0-9]+$'],
        enabled_regex_matching: true,
      },
    });
    expect(p.evaluate(view([{ attributes: { 'url.path': '/x/health/y' } }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ attributes: { 'url.path': '/api/v2' } }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ attributes: { 'url.path': '/api/v2/x' } }]))).toBe(D.NotSampled);
  });

  it('string_attribute invert_match: InvertNotSampled at a match, InvertSampled (also when the key is absent) otherwise', () => {
    const p = str({ invert_match: true });
    expect(p.evaluate(view([{ attributes: { k: 'other' } }, {}]))).toBe(D.InvertSampled);
    expect(p.evaluate(view([{ attributes: { k: 'v1' } }]))).toBe(D.InvertNotSampled);
    expect(p.evaluate(view([{}], { k: 'v2' }))).toBe(D.InvertNotSampled);
  });

  it('numeric_attribute: inclusive range, a 0 bound means unbounded (as the collector reads it), ints only', () => {
    const p = policy({
      type: 'numeric_attribute',
      numeric_attribute: { key: 'n', min_value: 50, max_value: 100 },
    });
    expect(p.evaluate(view([{ attributes: { n: 50n } }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ attributes: { n: 100n } }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ attributes: { n: 101n } }]))).toBe(D.NotSampled);
    expect(p.evaluate(view([{ attributes: { n: 75.5 } }]))).toBe(D.NotSampled); // Int() of a double is 0
    expect(p.evaluate(view([{}], { n: 60n }))).toBe(D.Sampled);
    const atLeast = policy({ type: 'numeric_attribute', numeric_attribute: { key: 'n', min_value: 500 } });
    expect(atLeast.evaluate(view([{ attributes: { n: 9_000_000_000_000n } }]))).toBe(D.Sampled);
    const inv = policy({
      type: 'numeric_attribute',
      numeric_attribute: { key: 'n', min_value: 1, max_value: 10, invert_match: true },
    });
    expect(inv.evaluate(view([{ attributes: { n: 5n } }]))).toBe(D.InvertNotSampled);
    expect(inv.evaluate(view([{ attributes: { n: 50n } }, {}]))).toBe(D.InvertSampled);
  });

  it('boolean_attribute, plain and inverted', () => {
    const p = policy({ type: 'boolean_attribute', boolean_attribute: { key: 'b', value: true } });
    expect(p.evaluate(view([{ attributes: { b: true } }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ attributes: { b: false } }]))).toBe(D.NotSampled);
    const inv = policy({
      type: 'boolean_attribute',
      boolean_attribute: { key: 'b', value: true, invert_match: true },
    });
    expect(inv.evaluate(view([{ attributes: { b: true } }]))).toBe(D.InvertNotSampled);
    expect(inv.evaluate(view([{ attributes: { b: false } }]))).toBe(D.InvertSampled);
  });
});

describe('span field policies', () => {
  it('status_code', () => {
    const p = policy({ type: 'status_code', status_code: { status_codes: ['ERROR', 'UNSET'] } });
    expect(p.evaluate(view([{ status: 1 }, { status: 2 }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ status: 1 }]))).toBe(D.NotSampled);
    expect(p.evaluate(view([{ status: 0 }]))).toBe(D.Sampled);
  });

  it('latency over earliest start to latest end, with and without an upper bound', () => {
    const ms = (n: number) => BigInt(n) * 1_000_000n;
    const trace = view([
      { start: ms(1000), end: ms(1100) },
      { start: ms(1050), end: ms(1600) },
    ]); // 600 ms in all
    expect(policy({ type: 'latency', latency: { threshold_ms: 600 } }).evaluate(trace)).toBe(D.Sampled);
    expect(policy({ type: 'latency', latency: { threshold_ms: 601 } }).evaluate(trace)).toBe(D.NotSampled);
    // upper bound: threshold < d <= upper, checked as the running duration grows (the collector stops at the first hit)
    expect(
      policy({ type: 'latency', latency: { threshold_ms: 50, upper_threshold_ms: 200 } }).evaluate(trace),
    ).toBe(D.Sampled);
    expect(
      policy({ type: 'latency', latency: { threshold_ms: 100, upper_threshold_ms: 200 } }).evaluate(trace),
    ).toBe(D.NotSampled);
  });

  it('span_count: min only, and min..max inclusive', () => {
    const three = view([{}, {}, {}]);
    expect(policy({ type: 'span_count', span_count: { min_spans: 3 } }).evaluate(three)).toBe(D.Sampled);
    expect(policy({ type: 'span_count', span_count: { min_spans: 4 } }).evaluate(three)).toBe(D.NotSampled);
    expect(policy({ type: 'span_count', span_count: { min_spans: 1, max_spans: 2 } }).evaluate(three)).toBe(
      D.NotSampled,
    );
  });

  it('trace_state: a value of the key, in a header that parses', () => {
    const p = policy({ type: 'trace_state', trace_state: { key: 'k3', values: ['v1', 'v2'] } });
    expect(p.evaluate(view([{ traceState: 'a=b, k3=v2' }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ traceState: 'k3=v3' }]))).toBe(D.NotSampled);
    expect(p.evaluate(view([{ traceState: 'k3=v1,k3=v2' }]))).toBe(D.NotSampled); // duplicate key: invalid
    expect(p.evaluate(view([{ traceState: 'K3=v1' }]))).toBe(D.NotSampled); // upper case key: invalid
  });

  it('parses W3C tracestate as the Go SDK does', () => {
    expect(parseTraceState('')?.size).toBe(0);
    expect(parseTraceState('vendor@tenant=x,a=b ')?.get('a')).toBe('b');
    expect(parseTraceState('t1@sys=1')?.get('t1@sys')).toBe('1');
    expect(parseTraceState('a=')).toBeUndefined();
    expect(parseTraceState('a=b c')?.get('a')).toBe('b c');
    expect(parseTraceState('a=b,c')).toBeUndefined();
    expect(parseTraceState(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','))).toBeUndefined();
  });

  it('trace_flags: any span with the sampled flag', () => {
    const p = policy({ type: 'trace_flags' });
    expect(p.evaluate(view([{ flags: 0 }, { flags: 0x101 }]))).toBe(D.Sampled);
    expect(p.evaluate(view([{ flags: 0x100 }]))).toBe(D.NotSampled);
  });
});

describe('probabilistic, hashed as the collector does', () => {
  /** FNV-1a 64 straight from its definition, with bigint: an oracle for the fast version. */
  function fnvRef(...parts: Uint8Array[]): bigint {
    let h = 0xcbf29ce484222325n;
    for (const p of parts)
      for (const b of p) {
        h ^= BigInt(b);
        h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
      }
    return h;
  }
  const join = ([hi, lo]: [number, number]) => (BigInt(hi) << 32n) | BigInt(lo);

  it('FNV-1a 64 matches the published vectors and a bigint reference', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(join(fnv1a64(enc('')))).toBe(0xcbf29ce484222325n);
    expect(join(fnv1a64(enc('a')))).toBe(0xaf63dc4c8601ec8cn);
    expect(join(fnv1a64(enc('foobar')))).toBe(0x85944171f73967e8n);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 500; i++) {
      const salt = Uint8Array.from({ length: i % 20 }, rnd);
      const id = Uint8Array.from({ length: 16 }, rnd);
      expect(join(fnv1a64(salt, id))).toBe(fnvRef(salt, id));
    }
  });

  it('thresholds equal big.Float(MaxUint64) × ratio at 64-bit precision, truncated (values from exact arithmetic)', () => {
    expect(thresholdFor(0.5)).toBe(9223372036854775807n);
    expect(thresholdFor(0.25)).toBe(4611686018427387903n);
    expect(thresholdFor(0.1)).toBe(1844674407370955263n);
    expect(thresholdFor(0.01)).toBe(184467440737095519n);
    expect(thresholdFor(1 / 3)).toBe(6148914691236516863n);
    expect(thresholdFor(0.33)).toBe(6087425544324152319n);
    expect(thresholdFor(0.9999999)).toBe(18446742229035145215n);
    expect(thresholdFor(1.5)).toBe(18446744073709551615n);
    expect(thresholdFor(-0.5)).toBe(0n);
  });

  it('decides hash(salt ‖ trace ID) <= threshold, default salt "default-hash-seed"', () => {
    let sampled = 0;
    const enc = new TextEncoder();
    for (let i = 0; i < 2000; i++) {
      const id = Buffer.from(`${i.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`, 'hex');
      const t = viewOfRequest({ resourceSpans: [] }, id);
      const want = fnvRef(enc.encode('default-hash-seed'), id) <= thresholdFor(0.1);
      const got = probabilistic({ hash_salt: '', sampling_percentage: 10 }).evaluate(t) === D.Sampled;
      expect(got).toBe(want);
      if (got) sampled++;
      const salted = fnvRef(enc.encode('s1'), id) <= thresholdFor(0.1);
      expect(probabilistic({ hash_salt: 's1', sampling_percentage: 10 }).evaluate(t) === D.Sampled).toBe(
        salted,
      );
    }
    expect(sampled).toBeGreaterThan(140);
    expect(sampled).toBeLessThan(260);
  });
});

describe('limiting policies', () => {
  it('a token bucket as golang.org/x/time/rate: starts full, refills continuously, refuses more than the burst', () => {
    let now = 0;
    const b = new TokenBucket(10, 20, () => now);
    expect(b.allowN(15)).toBe(true);
    expect(b.allowN(6)).toBe(false); // 5 left; a refusal takes nothing
    expect(b.allowN(5)).toBe(true);
    now = 500; // +5 tokens
    expect(b.allowN(5)).toBe(true);
    expect(b.allowN(1)).toBe(false);
    now = 100_000;
    expect(b.allowN(21)).toBe(false); // beyond the burst, never
    expect(b.allowN(20)).toBe(true);
  });

  it('rate_limiting counts the trace spans against spans_per_second (burst 2x by default)', () => {
    let now = 0;
    const p = rateLimiting({ spans_per_second: 3, burst_capacity: 0 }, () => now);
    const t = (n: number) =>
      viewOfRequest(
        request({ spans: Array.from({ length: n }, (_, i) => ({ trace: tid(1), id: sid(i + 1) })) }),
      );
    expect(p.evaluate(t(4))).toBe(D.Sampled);
    expect(p.evaluate(t(3))).toBe(D.NotSampled);
    now = 1000;
    expect(p.evaluate(t(3))).toBe(D.Sampled);
  });

  it('bytes_limiting counts the protobuf bytes of the trace', () => {
    const p = policy({
      type: 'bytes_limiting',
      bytes_limiting: { bytes_per_second: 100, burst_capacity: 150 },
    });
    const t = (n: number) => viewOfRequest({ resourceSpans: [] }, undefined, n);
    expect(p.evaluate(t(151))).toBe(D.NotSampled);
    expect(p.evaluate(t(150))).toBe(D.Sampled);
    expect(p.evaluate(t(10))).toBe(D.NotSampled);
  });
});

describe('combining policies', () => {
  const yes = { evaluate: () => D.Sampled };
  const no = { evaluate: () => D.NotSampled };

  it('and / drop / not', () => {
    const t = view([{ attributes: { a: 'x' } }]);
    const and = policy({
      type: 'and',
      and: {
        and_sub_policy: [
          { name: 'x', type: 'string_attribute', string_attribute: { key: 'a', values: ['x'] } },
          { name: 'y', type: 'always_sample' },
        ],
      },
    });
    expect(and.evaluate(t)).toBe(D.Sampled);
    const drop = policy({
      type: 'drop',
      drop: {
        drop_sub_policy: [
          { name: 'x', type: 'string_attribute', string_attribute: { key: 'a', values: ['x'] } },
        ],
      },
    });
    expect(drop.evaluate(t)).toBe(D.Dropped);
    expect(drop.evaluate(view([{}]))).toBe(D.NotSampled);
    const not = policy({ type: 'not', not: { not_sub_policy: { name: 'y', type: 'always_sample' } } });
    expect(not.evaluate(t)).toBe(D.NotSampled);
  });

  it('composite: the first sampling sub-policy decides within its share of the spans per second', () => {
    let second = 1;
    const t = (n: number) =>
      viewOfRequest(
        request({ spans: Array.from({ length: n }, (_, i) => ({ trace: tid(1), id: sid(i + 1) })) }),
      );
    const c = composite(
      10,
      [
        { evaluator: no, allocated: 5 },
        { evaluator: yes, allocated: 6 },
      ],
      () => second,
    );
    expect(c.evaluate(t(4))).toBe(D.Sampled);
    expect(c.evaluate(t(3))).toBe(D.NotSampled); // 7 > 6: the later sub-policies are not asked
    expect(c.evaluate(t(2))).toBe(D.Sampled);
    second = 2;
    expect(c.evaluate(t(6))).toBe(D.Sampled);
  });

  it('composite allocation as the collector computes it: unlisted sub-policies get 0 spans/s', () => {
    const c = policy({
      type: 'composite',
      composite: {
        max_total_spans_per_second: 100,
        policy_order: ['a', 'b'],
        composite_sub_policy: [
          { name: 'a', type: 'string_attribute', string_attribute: { key: 'k', values: ['x'] } },
          { name: 'b', type: 'always_sample' },
        ],
        rate_allocation: [{ policy: 'a', percent: 50 }],
      },
    });
    expect(c.evaluate(view([{ attributes: { k: 'x' } }]))).toBe(D.Sampled);
    expect(c.evaluate(view([{ attributes: { k: 'y' } }]))).toBe(D.NotSampled);
  });
});
