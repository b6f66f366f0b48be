// Labels and structured metadata the way Loki's own OTLP ingestion maps them:
// a default list of resource attributes becomes index labels, names are
// normalised (dots and other invalid characters → `_`), nested maps are
// flattened with `_`, and everything else becomes structured metadata.

import { anyValueToString } from '../../src/pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';

/** Loki's `default_resource_attributes_as_index_labels` (docs/sources/send-data/otel/_index.md). */
export const LOKI_DEFAULT_RESOURCE_LABELS: readonly string[] = [
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment.name',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
];

/** The old lokiexporter's hint attributes (never sent on). */
export const HINT_RESOURCE_LABELS = 'loki.resource.labels';
export const HINT_ATTRIBUTE_LABELS = 'loki.attribute.labels';
export const HINT_TENANT = 'loki.tenant';
export const HINT_FORMAT = 'loki.format';

export function isHint(key: string): boolean {
  return (
    key.length > 5 &&
    key.startsWith('loki.') &&
    (key === HINT_RESOURCE_LABELS ||
      key === HINT_ATTRIBUTE_LABELS ||
      key === HINT_TENANT ||
      key === HINT_FORMAT)
  );
}

const nameCache = new Map<string, string>();

/** A valid Loki/Prometheus label name: invalid characters → `_`, a leading digit gets `key_`. */
export function normalizeLabelName(name: string): string {
  let out = nameCache.get(name);
  if (out !== undefined) return out;
  out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  if (nameCache.size < 10_000) nameCache.set(name, out);
  return out;
}

/** Splits a hint value "a, b,c" into names. */
export function hintList(v: AnyValue | undefined): string[] {
  const s = anyValueToString(v);
  if (!s) return [];
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/**
 * Appends an attribute as flat structured-metadata pairs (name, value, name, value…):
 * maps are flattened with `_` (Loki's rule), other values stringified.
 */
export function pushFlat(out: string[], prefix: string, v: AnyValue): void {
  if ('kvlistValue' in v) {
    const kvs = (v.kvlistValue as { values: KeyValue[] }).values;
    for (let i = 0; i < kvs.length; i++)
      pushFlat(out, `${prefix}_${normalizeLabelName(kvs[i].key)}`, kvs[i].value);
    return;
  }
  const s = anyValueToString(v);
  if (s !== '') out.push(prefix, s);
}

/** Prometheus-style label value escaping (Loki parses the stream selector with the PromQL parser). */
export function escapeLabelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="1", b="2"}` from pairs sorted by name (duplicates: first wins). */
export function labelsString(pairs: [string, string][]): string {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = '{';
  let prev = '';
  for (let i = 0; i < pairs.length; i++) {
    const [n, v] = pairs[i];
    if (n === prev) continue;
    if (s.length > 1) s += ', ';
    s += `${n}="${escapeLabelValue(v)}"`;
    prev = n;
  }
  return `${s}}`;
}

/** Loki's level names from the OTLP severity number (then the severity text). */
export function levelOf(severityNumber: number, severityText: string): string | undefined {
  if (severityNumber >= 1 && severityNumber <= 24) {
    if (severityNumber <= 4) return 'trace';
    if (severityNumber <= 8) return 'debug';
    if (severityNumber <= 12) return 'info';
    if (severityNumber <= 16) return 'warn';
    if (severityNumber <= 20) return 'error';
    return 'fatal';
  }
  if (!severityText) return undefined;
  const t = severityText.toLowerCase();
  if (t.startsWith('warn')) return 'warn';
  if (t.startsWith('err')) return 'error';
  if (t.startsWith('crit') || t.startsWith('fatal') || t.startsWith('emerg') || t.startsWith('alert'))
    return 'fatal';
  if (t.startsWith('info') || t === 'notice') return 'info';
  if (t.startsWith('debug')) return 'debug';
  if (t.startsWith('trace')) return 'trace';
  return t;
}

/**
 * The label-cardinality guard: an attribute that shows more distinct values
 * than the bound stops being a label (its values go to structured metadata or
 * the line instead), and the exporter says so once.
 */
export class CardinalityGuard {
  private readonly seen = new Map<string, Set<string>>();
  private readonly demoted = new Set<string>();

  constructor(
    private readonly bound: number,
    private readonly onDemote: (attr: string, bound: number) => void,
  ) {}

  /** True if `attr` may still be a label carrying `value`. */
  allow(attr: string, value: string): boolean {
    if (this.demoted.has(attr)) return false;
    let set = this.seen.get(attr);
    if (!set) {
      set = new Set();
      this.seen.set(attr, set);
    }
    if (set.has(value)) return true;
    if (set.size >= this.bound) {
      this.demoted.add(attr);
      this.seen.delete(attr);
      this.onDemote(attr, this.bound);
      return false;
    }
    set.add(value);
    return true;
  }
}
