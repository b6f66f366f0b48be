// Compiles MatchProperties into a predicate over one record. Every property
// that is set must match (AND); a list matches when any entry does (OR);
// `attributes`/`resources` need every listed key (and value, if given).

import { anyValueToString, findAttr, toAnyValue } from '../pdata/attributes.js';
import type { Signal } from '../pdata/signal.js';
import type { AnyValue, InstrumentationScope, KeyValue, LogRecord, Resource, Span } from '../pdata/types.js';
import { goRegExp } from '../regexp/go.js';
import type { MatchProperties } from './config.js';

/** What a matcher may look at; absent parts are not set for that signal. */
export interface MatchTarget {
  resource: Resource;
  scope: InstrumentationScope;
  /** The record's own attributes (span, log record or metric data point). */
  attributes: KeyValue[];
  span?: Span;
  log?: LogRecord;
  metricName?: string;
}

export type Matcher = (t: MatchTarget) => boolean;

const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

const SEVERITY: Record<string, number> = {};
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  for (let j = 0; j < 4; j++) SEVERITY[`${name}${j === 0 ? '' : j + 1}`] = i * 4 + j + 1;
});

/** Which properties apply to which signal (the collector rejects the others). */
const ALLOWED: Record<Signal, (keyof MatchProperties)[]> = {
  traces: ['services', 'span_names', 'span_kinds', 'attributes', 'resources', 'libraries'],
  logs: ['attributes', 'resources', 'libraries', 'log_bodies', 'log_severity_texts', 'log_severity_number'],
  metrics: ['metric_names', 'attributes', 'resources', 'libraries'],
};

type StrMatch = (s: string) => boolean;

function stringSet(mp: MatchProperties, list: string[]): StrMatch {
  if (mp.match_type === 'strict') {
    const set = new Set(list);
    return (s) => set.has(s);
  }
  const res = list.map((p) => goRegExp(p));
  return (s) => res.some((r) => r.test(s));
}

function valuesEqual(a: AnyValue, b: AnyValue): boolean {
  const ka = Object.keys(a)[0];
  if (ka !== Object.keys(b)[0]) return false;
  if (ka === undefined) return true;
  const va = (a as Record<string, unknown>)[ka];
  const vb = (b as Record<string, unknown>)[ka];
  if (typeof va !== 'object' || va === null) return va === vb;
  return anyValueToString(a) === anyValueToString(b);
}

function attrsMatcher(
  mp: MatchProperties,
  list: { key: string; value?: unknown }[],
): (attrs: KeyValue[]) => boolean {
  const checks = list.map(({ key, value }) => {
    if (value === undefined || value === null)
      return (attrs: KeyValue[]) => findAttr(attrs, key) !== undefined;
    if (mp.match_type === 'regexp') {
      const re = goRegExp(String(value));
      return (attrs: KeyValue[]) => {
        const kv = findAttr(attrs, key);
        return !!kv && 'stringValue' in kv.value && re.test(kv.value.stringValue as string);
      };
    }
    const want = toAnyValue(value);
    return (attrs: KeyValue[]) => {
      const kv = findAttr(attrs, key);
      return !!kv && valuesEqual(kv.value, want);
    };
  });
  return (attrs) => checks.every((c) => c(attrs));
}

/** Throws when a property that does not apply to `signal` is set (a config error, as in the collector). */
export function compileMatcher(mp: MatchProperties, signal: Signal): Matcher {
  for (const k of Object.keys(mp) as (keyof MatchProperties)[]) {
    if (k === 'match_type' || k === 'regexp' || mp[k] === undefined) continue;
    if (!ALLOWED[signal].includes(k)) throw new Error(`"${k}" cannot be used to match ${signal}`);
  }
  const checks: Matcher[] = [];
  if (mp.services) {
    const m = stringSet(mp, mp.services);
    checks.push((t) => {
      const v = findAttr(t.resource.attributes, 'service.name')?.value;
      return !!v && 'stringValue' in v && m(v.stringValue as string);
    });
  }
  if (mp.span_names) {
    const m = stringSet(mp, mp.span_names);
    checks.push((t) => !!t.span && m(t.span.name));
  }
  if (mp.span_kinds) {
    const m = stringSet(mp, mp.span_kinds);
    checks.push((t) => !!t.span && m(SPAN_KIND_NAMES[t.span.kind] ?? ''));
  }
  if (mp.attributes) {
    const m = attrsMatcher(mp, mp.attributes);
    checks.push((t) => m(t.attributes));
  }
  if (mp.resources) {
    const m = attrsMatcher(mp, mp.resources);
    checks.push((t) => m(t.resource.attributes));
  }
  if (mp.libraries) {
    const libs = mp.libraries.map((l) => ({
      name: stringSet(mp, [l.name]),
      version: l.version === undefined ? undefined : stringSet(mp, [l.version]),
    }));
    checks.push((t) => libs.some((l) => l.name(t.scope.name) && (!l.version || l.version(t.scope.version))));
  }
  if (mp.log_bodies) {
    const m = stringSet(mp, mp.log_bodies);
    checks.push((t) => !!t.log && m(anyValueToString(t.log.body)));
  }
  if (mp.log_severity_texts) {
    const m = stringSet(mp, mp.log_severity_texts);
    checks.push((t) => !!t.log && m(t.log.severityText));
  }
  if (mp.log_severity_number) {
    const { min, match_undefined } = mp.log_severity_number;
    const minN = typeof min === 'number' ? min : (SEVERITY[min.toUpperCase()] ?? Number(min));
    if (!Number.isFinite(minN)) throw new Error(`log_severity_number.min: unknown severity "${min}"`);
    checks.push((t) => {
      if (!t.log) return false;
      const n = t.log.severityNumber;
      return n === 0 ? match_undefined : n >= minN;
    });
  }
  if (mp.metric_names) {
    const m = stringSet(mp, mp.metric_names);
    checks.push((t) => t.metricName !== undefined && m(t.metricName));
  }
  return (t) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i](t)) return false;
    return true;
  };
}

/** include (if set) and not exclude (if set); undefined when neither is set (everything passes). */
export function compileIncludeExclude(
  include: MatchProperties | undefined,
  exclude: MatchProperties | undefined,
  signal: Signal,
): Matcher | undefined {
  if (!include && !exclude) return undefined;
  const inc = include ? compileMatcher(include, signal) : undefined;
  const exc = exclude ? compileMatcher(exclude, signal) : undefined;
  return (t) => (!inc || inc(t)) && !exc?.(t);
}
