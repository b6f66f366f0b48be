// Splitting a request per routing key and grouping the parts per backend.
// Keys are the bytes the collector hashes (trace_exporter.go, log_exporter.go,
// metrics_exporter.go): a trace ID's 16 bytes; for `service` and `attributes`
// the composite "name=value|" per attribute in configured order ("name=|" when
// missing). A request goes out as one part per backend, resources and scopes
// shared (not copied) between the parts; a request whose items all belong to
// one backend goes out as it came (lazily kept spans stay undecoded when the
// key needs no span: service, resource). Routing by trace ID while the items are
// still their wire bytes reads only the trace IDs and copies the items' bytes
// (wire-routing.ts); this file routes the decoded form.
import { randomBytes } from 'node:crypto';
import { anyValueToString, findAttr } from '../../src/pdata/attributes.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type {
  InstrumentationScope,
  KeyValue,
  LogRecord,
  LogsData,
  Metric,
  MetricsData,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Span,
  TracesData,
} from '../../src/pdata/types.js';
import type { RoutingKey } from './config.js';
import { type EndpointFor, type KeepLease, routeLogsWire, routeTracesWire } from './wire-routing.js';

export type { EndpointFor } from './wire-routing.js';

export interface RouteOptions {
  key: RoutingKey;
  /** routing_attributes (key `attributes`). */
  attributes: readonly string[];
  endpointFor: EndpointFor;
  /** Split by trace ID on the wire: the parts go in a pooled buffer whose lease this takes (wire-routing.ts). */
  keep?: KeepLease;
}

export function routeData<S extends Signal>(
  signal: S,
  data: SignalDataMap[S],
  o: RouteOptions,
): Map<string, SignalDataMap[S]> {
  if (signal === 'traces') return routeTraces(data as TracesData, o) as Map<string, SignalDataMap[S]>;
  if (signal === 'logs') return routeLogs(data as LogsData, o) as Map<string, SignalDataMap[S]>;
  return routeMetrics(data as MetricsData, o) as Map<string, SignalDataMap[S]>;
}

// ---- keys ----

const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

const attrPart = (name: string, attrs: readonly KeyValue[] | undefined): string | undefined => {
  const kv = attrs && findAttr(attrs as KeyValue[], name);
  return kv ? `${name}=${anyValueToString(kv.value)}|` : undefined;
};

/** `service` key: the resource's service.name (the collector routes it as a one-attribute composite). */
export function serviceKey(resource: Resource): string {
  return attrPart('service.name', resource.attributes) ?? 'service.name=|';
}

/** Composite `attributes` key: first found in resource, scope, then item (plus pseudo attributes). */
function compositeKey(
  names: readonly string[],
  resource: Resource,
  scope: InstrumentationScope,
  item: (name: string) => string | undefined,
): string {
  let key = '';
  for (const n of names)
    key += attrPart(n, resource.attributes) ?? attrPart(n, scope.attributes) ?? item(n) ?? `${n}=|`;
  return key;
}

/** Attributes as sorted "k=v|" pairs: an identity independent of attribute order. */
function identity(attrs: readonly KeyValue[]): string {
  return attrs
    .map((kv) => `${kv.key}=${anyValueToString(kv.value)}|`)
    .sort()
    .join('');
}

// ---- grouping ----

/** Per backend: the resources of its part and the resource/scope being appended to. */
class Parts<R, SC, I> {
  readonly byEndpoint = new Map<string, { resources: R[]; r: number; s: number; scope?: SC }>();
  /** A part differs from the input (an item or resource went elsewhere). */
  split = false;
  private first: string | undefined;

  constructor(
    private readonly newResource: (r: R) => R,
    private readonly newScope: (s: SC) => SC,
    private readonly items: (s: SC) => I[],
    private readonly scopes: (r: R) => SC[],
  ) {}

  private dest(endpoint: string) {
    if (this.first === undefined) this.first = endpoint;
    else if (endpoint !== this.first) this.split = true;
    let d = this.byEndpoint.get(endpoint);
    if (!d) {
      d = { resources: [], r: -1, s: -1 };
      this.byEndpoint.set(endpoint, d);
    }
    return d;
  }

  /** A whole resource (with all its scopes) to `endpoint`. */
  addResource(endpoint: string, r: R): void {
    const d = this.dest(endpoint);
    d.resources.push(r);
    d.r = -1;
  }

  /** One item of resource #ri, scope #si. */
  addItem(endpoint: string, ri: number, r: R, si: number, s: SC, item: I): void {
    const d = this.dest(endpoint);
    if (d.r !== ri) {
      const nr = this.newResource(r);
      d.resources.push(nr);
      d.r = ri;
      d.s = -1;
    }
    if (d.s !== si || !d.scope) {
      d.scope = this.newScope(s);
      this.scopes(d.resources[d.resources.length - 1]).push(d.scope);
      d.s = si;
    }
    this.items(d.scope).push(item);
  }
}

// ---- traces ----

function routeTraces(d: TracesData, o: RouteOptions): Map<string, TracesData> {
  if (o.key === 'traceID') {
    const wire = routeTracesWire(d, o.endpointFor, o.keep);
    if (wire) return wire;
  }
  const parts = new Parts<ResourceSpans, ScopeSpans, Span>(
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopeSpans: [] }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, spans: [] }),
    (s) => s.spans,
    (r) => r.scopeSpans,
  );
  const rss = d.resourceSpans;
  for (let ri = 0; ri < rss.length; ri++) {
    const rs = rss[ri];
    if (o.key === 'service') {
      parts.addResource(o.endpointFor(serviceKey(rs.resource)), rs);
      continue;
    }
    // attributes: the whole trace (within this resource) follows the key of its first span, as the
    // collector computes the key once per trace
    const perTrace = o.key === 'attributes' ? new Map<string, string>() : undefined;
    const sss = rs.scopeSpans;
    for (let si = 0; si < sss.length; si++) {
      const ss = sss[si];
      for (const span of ss.spans) {
        let endpoint: string;
        if (!perTrace) endpoint = o.endpointFor(span.traceId);
        else {
          const tid = Buffer.from(
            span.traceId.buffer,
            span.traceId.byteOffset,
            span.traceId.byteLength,
          ).toString('latin1');
          let e = perTrace.get(tid);
          if (e === undefined) {
            e = o.endpointFor(
              compositeKey(o.attributes, rs.resource, ss.scope, (n) =>
                n === 'span.kind'
                  ? `${n}=${SPAN_KIND_NAMES[span.kind] ?? String(span.kind)}|`
                  : n === 'span.name'
                    ? `${n}=${span.name}|`
                    : attrPart(n, span.attributes),
              ),
            );
            perTrace.set(tid, e);
          }
          endpoint = e;
        }
        parts.addItem(endpoint, ri, rs, si, ss, span);
      }
    }
  }
  return collect(parts, d, (resourceSpans) => ({ resourceSpans }));
}

// ---- logs ----

function routeLogs(d: LogsData, o: RouteOptions): Map<string, LogsData> {
  if (o.key === 'traceID') {
    const wire = routeLogsWire(d, o.endpointFor, o.keep);
    if (wire) return wire;
  }
  const parts = new Parts<ResourceLogs, ScopeLogs, LogRecord>(
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopeLogs: [] }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, logRecords: [] }),
    (s) => s.logRecords,
    (r) => r.scopeLogs,
  );
  const rls = d.resourceLogs;
  for (let ri = 0; ri < rls.length; ri++) {
    const rl = rls[ri];
    if (o.key === 'service' || o.key === 'resource') {
      const key = o.key === 'service' ? serviceKey(rl.resource) : identity(rl.resource.attributes);
      parts.addResource(o.endpointFor(key), rl);
      continue;
    }
    // traceID: a record without one goes to a random backend (one per resource and request),
    // as the collector does
    let untraced: string | undefined;
    const sls = rl.scopeLogs;
    for (let si = 0; si < sls.length; si++) {
      const sl = sls[si];
      for (const rec of sl.logRecords) {
        let endpoint: string;
        if (o.key === 'attributes')
          endpoint = o.endpointFor(
            compositeKey(o.attributes, rl.resource, sl.scope, (n) => attrPart(n, rec.attributes)),
          );
        else if (rec.traceId.length === 0 || rec.traceId.every((b) => b === 0))
          endpoint = untraced ??= o.endpointFor(randomTraceKey());
        else endpoint = o.endpointFor(rec.traceId);
        parts.addItem(endpoint, ri, rl, si, sl, rec);
      }
    }
  }
  return collect(parts, d, (resourceLogs) => ({ resourceLogs }));
}

/** The collector's random() balancing key: 4 random bytes in an otherwise zero trace ID. */
function randomTraceKey(): Uint8Array {
  const k = new Uint8Array(16);
  k.set(randomBytes(4));
  return k;
}

// ---- metrics ----

type DataPointLike = { attributes: KeyValue[] };
const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

function routeMetrics(d: MetricsData, o: RouteOptions): Map<string, MetricsData> {
  const parts = new Parts<ResourceMetrics, ScopeMetrics, Metric>(
    (r) => ({ resource: r.resource, schemaUrl: r.schemaUrl, scopeMetrics: [] }),
    (s) => ({ scope: s.scope, schemaUrl: s.schemaUrl, metrics: [] }),
    (s) => s.metrics,
    (r) => r.scopeMetrics,
  );
  const rms = d.resourceMetrics;
  for (let ri = 0; ri < rms.length; ri++) {
    const rm = rms[ri];
    if (o.key === 'service' || o.key === 'resource') {
      const key = o.key === 'service' ? serviceKey(rm.resource) : identity(rm.resource.attributes);
      parts.addResource(o.endpointFor(key), rm);
      continue;
    }
    const resourceId = o.key === 'streamID' ? identity(rm.resource.attributes) : '';
    const sms = rm.scopeMetrics;
    for (let si = 0; si < sms.length; si++) {
      const sm = sms[si];
      const scopeId =
        o.key === 'streamID' ? `${sm.scope.name}|${sm.scope.version}|${identity(sm.scope.attributes)}` : '';
      for (const m of sm.metrics) {
        if (o.key === 'metric') {
          parts.addItem(o.endpointFor(m.name), ri, rm, si, sm, m);
          continue;
        }
        // streamID / attributes: per data point; a metric whose points go to several
        // backends is cut into one metric per backend
        const kind = KINDS.find((k) => m[k]);
        if (!kind) {
          parts.addItem(o.endpointFor(`${resourceId}${scopeId}${m.name}`), ri, rm, si, sm, m);
          continue;
        }
        const body = m[kind] as { dataPoints: DataPointLike[] };
        const groups = new Map<string, DataPointLike[]>();
        for (const dp of body.dataPoints) {
          const key =
            o.key === 'streamID'
              ? `${resourceId}${scopeId}${m.name}|${kind}|${identity(dp.attributes)}`
              : compositeKey(o.attributes, rm.resource, sm.scope, (n) => attrPart(n, dp.attributes));
          const endpoint = o.endpointFor(key);
          const g = groups.get(endpoint);
          if (g) g.push(dp);
          else groups.set(endpoint, [dp]);
        }
        if (groups.size <= 1) {
          const only = groups.keys().next().value ?? o.endpointFor(`${resourceId}${scopeId}${m.name}`);
          parts.addItem(only, ri, rm, si, sm, m);
          continue;
        }
        for (const [endpoint, dataPoints] of groups)
          parts.addItem(endpoint, ri, rm, si, sm, { ...m, [kind]: { ...body, dataPoints } } as Metric);
      }
    }
  }
  return collect(parts, d, (resourceMetrics) => ({ resourceMetrics }));
}

function collect<R, SC, I, D>(parts: Parts<R, SC, I>, original: D, wrap: (rs: R[]) => D): Map<string, D> {
  const out = new Map<string, D>();
  // one backend for everything: send the request as it came
  if (!parts.split && parts.byEndpoint.size === 1) {
    out.set(parts.byEndpoint.keys().next().value as string, original);
    return out;
  }
  for (const [endpoint, p] of parts.byEndpoint) out.set(endpoint, wrap(p.resources));
  return out;
}
