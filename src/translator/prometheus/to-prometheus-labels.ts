// The labels of a Prometheus series made from an OTLP data point: its
// attributes (sanitized, colliding names joined with ";" in key order), the
// resource's `job`/`instance`, the scope's `otel_scope_*` labels, promoted
// resource attributes and external/constant labels, with the precedence the
// collector's translator gives them.
import { anyValueToString } from '../../pdata/attributes.js';
import type { AnyValue, InstrumentationScope, KeyValue } from '../../pdata/types.js';
import { normalizeLabel } from './normalize-name.js';

export const SERVICE_NAME = 'service.name';
export const SERVICE_NAMESPACE = 'service.namespace';
export const SERVICE_INSTANCE_ID = 'service.instance.id';

export type Labels = Map<string, string>;

function get(attrs: KeyValue[], key: string): AnyValue | undefined {
  for (const kv of attrs) if (kv.key === key) return kv.value;
  return undefined;
}

/** `job` = "<service.namespace>/<service.name>" (or the name alone); `instance` = service.instance.id. */
export function jobAndInstance(resourceAttrs: KeyValue[]): { job?: string; instance?: string } {
  const name = get(resourceAttrs, SERVICE_NAME);
  const ns = get(resourceAttrs, SERVICE_NAMESPACE);
  const inst = get(resourceAttrs, SERVICE_INSTANCE_ID);
  let job: string | undefined;
  if (name !== undefined) {
    job = anyValueToString(name);
    if (ns !== undefined) job = `${anyValueToString(ns)}/${job}`;
  }
  return { job, instance: inst === undefined ? undefined : anyValueToString(inst) };
}

/**
 * Attributes → labels: keys sanitized; when two keys sanitize to the same
 * name their values are joined with ";" in the order of the original keys
 * (the specification's rule for that ambiguity).
 */
export function attributeLabels(attrs: KeyValue[], into: Labels = new Map()): Labels {
  const sorted =
    attrs.length > 1 ? [...attrs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : attrs;
  for (const kv of sorted) {
    const name = normalizeLabel(kv.key);
    if (name === '') continue;
    const value = anyValueToString(kv.value);
    const prev = into.get(name);
    into.set(name, prev === undefined ? value : `${prev};${value}`);
  }
  return into;
}

export interface ResourceToTelemetry {
  enabled: boolean;
  /** Leave out service.name/namespace/instance.id (already in job and instance). */
  exclude_service_attributes: boolean;
}

export interface LabelRules {
  /** Resource attributes copied onto every series (resource_to_telemetry_conversion). */
  resourceToTelemetry: ResourceToTelemetry;
  /** Add otel_scope_name / otel_scope_version / otel_scope_schema_url and otel_scope_<attr>. */
  scopeLabels: boolean;
  /** Keep scope labels whose value is empty (the pull exporter writes them; remote write leaves them out). */
  emptyScopeLabels: boolean;
  /** Labels added where the series has no label of that name (external_labels, const_labels), sanitized. */
  extraLabels: [string, string][];
}

/** What every point of one resource + scope shares, computed once per scope. */
export interface ScopeLabelBase {
  promoted: Labels;
  scope: [string, string][];
  job?: string;
  instance?: string;
}

export function scopeLabelBase(
  resourceAttrs: KeyValue[],
  scope: InstrumentationScope,
  schemaUrl: string,
  rules: LabelRules,
): ScopeLabelBase {
  const promoted: Labels = new Map();
  if (rules.resourceToTelemetry.enabled) {
    const keep = rules.resourceToTelemetry.exclude_service_attributes
      ? resourceAttrs.filter(
          (kv) => kv.key !== SERVICE_NAME && kv.key !== SERVICE_NAMESPACE && kv.key !== SERVICE_INSTANCE_ID,
        )
      : resourceAttrs;
    attributeLabels(keep, promoted);
  }
  const scopeLabels: [string, string][] = [];
  if (rules.scopeLabels && (rules.emptyScopeLabels || scope.name !== '')) {
    const add = (k: string, v: string) => {
      if (v !== '' || rules.emptyScopeLabels) scopeLabels.push([k, v]);
    };
    add('otel_scope_name', scope.name);
    add('otel_scope_version', scope.version);
    add('otel_scope_schema_url', schemaUrl);
    for (const kv of scope.attributes)
      add(normalizeLabel(`otel_scope_${kv.key}`), anyValueToString(kv.value));
  }
  const { job, instance } = jobAndInstance(resourceAttrs);
  return { promoted, scope: scopeLabels, job, instance };
}

/**
 * The labels of one data point, without `__name__`: point attributes, then
 * promoted resource attributes where absent, then scope labels, `job` and
 * `instance` (these win), then extra labels where absent.
 */
export function pointLabels(base: ScopeLabelBase, attrs: KeyValue[], rules: LabelRules): Labels {
  const l = attributeLabels(attrs);
  for (const [k, v] of base.promoted) if (!l.has(k)) l.set(k, v);
  for (const [k, v] of base.scope) l.set(k, v);
  if (base.job !== undefined) l.set('job', base.job);
  if (base.instance !== undefined) l.set('instance', base.instance);
  for (const [k, v] of rules.extraLabels) if (!l.has(k)) l.set(k, v);
  return l;
}

/** Labels sorted by name (remote write requires it; the text format reads better). */
export function sortedLabels(l: Labels): [string, string][] {
  return [...l].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A stable identity of a label set (for merging samples of one series). */
export function labelsSignature(sorted: [string, string][]): string {
  let s = '';
  for (const [k, v] of sorted) s += `${k}\xff${v}\xfe`;
  return s;
}
