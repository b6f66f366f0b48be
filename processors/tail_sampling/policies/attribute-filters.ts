// string_attribute, numeric_attribute and boolean_attribute: match a key on
// the resource or on any span (collector internal/sampling/*_tag_filter.go,
// util.go). Values are read the way pcommon reads them: Str() of a non-string
// is "", Int() of a non-int is 0, Bool() of a non-bool is false; the collector's
// behaviour for mistyped attributes follows from that, and so does ours.

import { getAttr } from '../../../src/pdata/attributes.js';
import type { AnyValue, Resource } from '../../../src/pdata/types.js';
import { goRegExp } from '../../../src/regexp/go.js';
import { V_BOOL, V_INT, V_STR, type WireSpan } from '../wire-span.js';
import { Decision, type Evaluator, type TraceView } from './types.js';

const strOf = (v: AnyValue): string => ('stringValue' in v ? (v.stringValue as string) : '');
const intOf = (v: AnyValue): bigint => ('intValue' in v ? (v.intValue as bigint) : 0n);
const boolOf = (v: AnyValue): boolean => ('boolValue' in v ? (v.boolValue as boolean) : false);

/** Sampled when the resource or any span satisfies its check (hasResourceOrSpanWithCondition). */
export const anyResourceOrSpan = (
  t: TraceView,
  onResource: (r: Resource) => boolean,
  onSpan: (s: WireSpan) => boolean,
): Decision => (t.visit(onResource, onSpan) ? Decision.Sampled : Decision.NotSampled);

/**
 * The inverted form (invertHasResourceOrSpanWithCondition): InvertNotSampled as
 * soon as a resource or span fails its check, else InvertSampled.
 */
export const allResourcesAndSpans = (
  t: TraceView,
  okResource: (r: Resource) => boolean,
  okSpan: (s: WireSpan) => boolean,
): Decision =>
  t.visit(
    (r) => !okResource(r),
    (s) => !okSpan(s),
  )
    ? Decision.InvertNotSampled
    : Decision.InvertSampled;

/** A bounded memo of regexp results per value (the collector's LRU, `cache_max_size`, default 128). */
class MatchCache {
  private readonly map = new Map<string, boolean>();
  constructor(private readonly max: number) {}
  get(k: string): boolean | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: boolean): void {
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

export function stringAttributeFilter(cfg: {
  key: string;
  values: string[];
  enabled_regex_matching: boolean;
  cache_max_size: number;
  invert_match: boolean;
}): Evaluator {
  let matcher: (s: string) => boolean;
  if (cfg.enabled_regex_matching) {
    // Go's regexp.MatchString: unanchored, as written (the collector adds no anchors).
    const res = cfg.values.map((v) => goRegExp(v));
    const cache = new MatchCache(cfg.cache_max_size > 0 ? cfg.cache_max_size : 128);
    matcher = (s) => {
      const hit = cache.get(s);
      if (hit !== undefined) return hit;
      const m = res.some((r) => r.test(s));
      cache.set(s, m);
      return m;
    };
  } else {
    const set = new Set(cfg.values.filter((v) => v !== ''));
    matcher = (s) => set.has(s);
  }
  const key = cfg.key;
  const keyBytes = utf8(key);
  // Span values must be non-empty to match; resource values need not (as upstream).
  const resourceMatches = (r: Resource) => {
    const v = getAttr(r.attributes, key);
    return v !== undefined && matcher(strOf(v));
  };
  const spanMatches = (s: WireSpan) => {
    if (!s.attr(keyBytes)) return false;
    const str = s.kind === V_STR ? s.str : '';
    return str.length > 0 && matcher(str);
  };
  if (cfg.invert_match)
    return {
      evaluate: (t) =>
        allResourcesAndSpans(
          t,
          (r) => !resourceMatches(r),
          (s) => !spanMatches(s),
        ),
    };
  return { evaluate: (t) => anyResourceOrSpan(t, resourceMatches, spanMatches) };
}

export function numericAttributeFilter(cfg: {
  key: string;
  min_value: number;
  max_value: number;
  invert_match: boolean;
}): Evaluator {
  // A bound of 0 means "not set" in the collector's factory (MinValue != 0 check).
  const min = cfg.min_value !== 0 ? BigInt(cfg.min_value) : undefined;
  const max = cfg.max_value !== 0 ? BigInt(cfg.max_value) : undefined;
  const key = cfg.key;
  const keyBytes = utf8(key);
  const inRange = (n: bigint) => (min === undefined || n >= min) && (max === undefined || n <= max);
  /** true/false: present and in range or not; undefined: absent. */
  const onResource = (r: Resource) => {
    const v = getAttr(r.attributes, key);
    return v === undefined ? undefined : inRange(intOf(v));
  };
  const onSpan = (s: WireSpan) => (s.attr(keyBytes) ? inRange(s.kind === V_INT ? s.int : 0n) : undefined);
  if (cfg.invert_match)
    return {
      evaluate: (t) =>
        allResourcesAndSpans(
          t,
          (r) => onResource(r) !== true,
          (s) => onSpan(s) !== true,
        ),
    };
  return {
    evaluate: (t) =>
      anyResourceOrSpan(
        t,
        (r) => onResource(r) === true,
        (s) => onSpan(s) === true,
      ),
  };
}

export function booleanAttributeFilter(cfg: {
  key: string;
  value: boolean;
  invert_match: boolean;
}): Evaluator {
  const key = cfg.key;
  const keyBytes = utf8(key);
  const onResource = (r: Resource) => {
    const v = getAttr(r.attributes, key);
    return v === undefined ? undefined : boolOf(v) === cfg.value;
  };
  const onSpan = (s: WireSpan) =>
    s.attr(keyBytes) ? (s.kind === V_BOOL && s.bool) === cfg.value : undefined;
  if (cfg.invert_match)
    return {
      evaluate: (t) =>
        allResourcesAndSpans(
          t,
          (r) => onResource(r) !== true,
          (s) => onSpan(s) !== true,
        ),
    };
  return {
    evaluate: (t) =>
      anyResourceOrSpan(
        t,
        (r) => onResource(r) === true,
        (s) => onSpan(s) === true,
      ),
  };
}
