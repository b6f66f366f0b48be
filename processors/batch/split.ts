// Per-signal access to the resource-level entries of a batch, and splitting of
// one entry at item granularity. Splitting never writes into its input: the
// head keeps the original resource/scope objects, the tail gets private copies
// of those small shells (so a mutating processor downstream never sees the same
// Resource twice, e.g. hashing it twice), while the items themselves are only
// re-sliced, never copied.

import { metricPointCount, resourceLogCount, resourceSpanCount } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type {
  InstrumentationScope,
  Metric,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
} from '../../src/pdata/types.js';

export interface SignalOps<R> {
  entries(data: unknown): R[];
  count(entry: R): number;
  /** Splits an entry holding more than n items into the first n items and the rest. */
  split(entry: R, n: number): [R, R];
  wrap(entries: R[]): unknown;
}

/** Deep copy of a small pdata shell (resource, scope, metric metadata). */
function copy<T>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copy((v as Record<string, unknown>)[k]);
  return out as T;
}
const copyResource = (r: Resource): Resource => copy(r);
const copyScope = (s: InstrumentationScope): InstrumentationScope => copy(s);

/**
 * Generic split of a two-level structure (scopes holding items).
 * `items(scope)` gives the item list, `withItems(scope, items, fresh)` builds a
 * scope shell holding `items` (fresh: give it a copied scope).
 */
function splitScopes<S>(
  scopes: S[],
  n: number,
  itemCount: (s: S) => number,
  sliceScope: (s: S, from: number, to: number | undefined, fresh: boolean) => S,
): [S[], S[]] {
  const head: S[] = [];
  let left = n;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i];
    const c = itemCount(s);
    if (c <= left) {
      head.push(s);
      left -= c;
      if (left === 0 && i + 1 < scopes.length) return [head, scopes.slice(i + 1)];
      continue;
    }
    head.push(sliceScope(s, 0, left, false));
    return [head, [sliceScope(s, left, undefined, true), ...scopes.slice(i + 1)]];
  }
  return [head, []];
}

export const tracesOps: SignalOps<ResourceSpans> = {
  entries: (d) => (d as SignalDataMap['traces']).resourceSpans,
  count: resourceSpanCount,
  split(rs, n) {
    const [h, t] = splitScopes(
      rs.scopeSpans,
      n,
      (ss) => ss.spans.length,
      (ss, from, to, fresh) => ({
        scope: fresh ? copyScope(ss.scope) : ss.scope,
        spans: ss.spans.slice(from, to),
        schemaUrl: ss.schemaUrl,
      }),
    );
    return [
      { resource: rs.resource, scopeSpans: h, schemaUrl: rs.schemaUrl },
      { resource: copyResource(rs.resource), scopeSpans: t, schemaUrl: rs.schemaUrl },
    ];
  },
  wrap: (entries) => ({ resourceSpans: entries }),
};

export const logsOps: SignalOps<ResourceLogs> = {
  entries: (d) => (d as SignalDataMap['logs']).resourceLogs,
  count: resourceLogCount,
  split(rl, n) {
    const [h, t] = splitScopes(
      rl.scopeLogs,
      n,
      (sl) => sl.logRecords.length,
      (sl, from, to, fresh) => ({
        scope: fresh ? copyScope(sl.scope) : sl.scope,
        logRecords: sl.logRecords.slice(from, to),
        schemaUrl: sl.schemaUrl,
      }),
    );
    return [
      { resource: rl.resource, scopeLogs: h, schemaUrl: rl.schemaUrl },
      { resource: copyResource(rl.resource), scopeLogs: t, schemaUrl: rl.schemaUrl },
    ];
  },
  wrap: (entries) => ({ resourceLogs: entries }),
};

/** A metric shell holding data points [from, to) of `m`. */
function sliceMetric(m: Metric, from: number, to: number | undefined, fresh: boolean): Metric {
  const out: Metric = {
    name: m.name,
    description: m.description,
    unit: m.unit,
    metadata: fresh ? copy(m.metadata) : m.metadata,
  };
  if (m.gauge) out.gauge = { dataPoints: m.gauge.dataPoints.slice(from, to) };
  else if (m.sum) out.sum = { ...m.sum, dataPoints: m.sum.dataPoints.slice(from, to) };
  else if (m.histogram)
    out.histogram = { ...m.histogram, dataPoints: m.histogram.dataPoints.slice(from, to) };
  else if (m.exponentialHistogram)
    out.exponentialHistogram = {
      ...m.exponentialHistogram,
      dataPoints: m.exponentialHistogram.dataPoints.slice(from, to),
    };
  else if (m.summary) out.summary = { dataPoints: m.summary.dataPoints.slice(from, to) };
  return out;
}

export const metricsOps: SignalOps<ResourceMetrics> = {
  entries: (d) => (d as SignalDataMap['metrics']).resourceMetrics,
  count: (rm) => {
    let n = 0;
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += metricPointCount(m);
    return n;
  },
  split(rm, n) {
    const [h, t] = splitScopes(
      rm.scopeMetrics,
      n,
      (sm) => {
        let c = 0;
        for (const m of sm.metrics) c += metricPointCount(m);
        return c;
      },
      (sm, from, to, fresh) => {
        // Items are data points: split the metric list, then possibly one metric.
        const [hm, tm] = splitScopes(
          sm.metrics,
          from === 0 ? (to as number) : from,
          metricPointCount,
          sliceMetric,
        );
        return {
          scope: fresh ? copyScope(sm.scope) : sm.scope,
          metrics: from === 0 ? hm : tm,
          schemaUrl: sm.schemaUrl,
        };
      },
    );
    return [
      { resource: rm.resource, scopeMetrics: h, schemaUrl: rm.schemaUrl },
      { resource: copyResource(rm.resource), scopeMetrics: t, schemaUrl: rm.schemaUrl },
    ];
  },
  wrap: (entries) => ({ resourceMetrics: entries }),
};

export function opsFor(signal: Signal): SignalOps<unknown> {
  switch (signal) {
    case 'traces':
      return tracesOps as SignalOps<unknown>;
    case 'metrics':
      return metricsOps as SignalOps<unknown>;
    default:
      return logsOps as SignalOps<unknown>;
  }
}
