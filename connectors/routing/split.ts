// Moving the part of a request that matches a route out of what is left,
// at the route's level: whole resources for a condition that reads only
// resource paths (their spans and log records stay undecoded), whole scopes
// for one that reads scope paths, single spans, log records, metrics or data
// points otherwise. A resource or scope split between two parts is copied for
// the matched part, so no two pipelines share one object (either may change it).

import type { DataPoint, Level, TransformContext } from '../../src/ottl/context.js';
import { cloneKeyValue, cloneResource, cloneScope } from '../../src/pdata/clone.js';
import type {
  Metric,
  NumberDataPoint,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
} from '../../src/pdata/types.js';

/** Whether the item the TransformContext holds matches. */
export type Test = () => boolean;

/** The result of splitting one element: it matched entirely, not at all, or [matched part, rest]. */
type Part<T> = 'all' | 'none' | [T, T];

/** Splits a list into [matched, rest], element by element. */
function splitList<T>(list: readonly T[], part: (t: T) => Part<T>): [T[], T[]] {
  const matched: T[] = [];
  const rest: T[] = [];
  for (const x of list) {
    const p = part(x);
    if (p === 'all') matched.push(x);
    else if (p === 'none') rest.push(x);
    else {
      matched.push(p[0]);
      rest.push(p[1]);
    }
  }
  return [matched, rest];
}

/** Wraps a split of a parent's children: the parent whole when all or none of them matched. */
function parted<P, C>(
  children: readonly C[],
  split: [C[], C[]],
  rebuild: (c: C[], copy: boolean) => P,
): Part<P> {
  const [m, r] = split;
  if (m.length === 0) return 'none';
  if (r.length === 0 && m.length === children.length) return 'all';
  return [rebuild(m, true), rebuild(r, false)];
}

export function splitTraces(
  list: ResourceSpans[],
  level: Level,
  ctx: TransformContext,
  test: Test,
): [ResourceSpans[], ResourceSpans[]] {
  const scope = (ss: ScopeSpans): Part<ScopeSpans> => {
    ctx.setScope(ss.scope, ss);
    if (level === 1) return test() ? 'all' : 'none';
    return parted(
      ss.spans,
      splitList(ss.spans, (span) => {
        ctx.span = span;
        return test() ? 'all' : 'none';
      }),
      (spans, copy) => ({ scope: copy ? cloneScope(ss.scope) : ss.scope, spans, schemaUrl: ss.schemaUrl }),
    );
  };
  return splitList(list, (rs) => {
    ctx.setResource(rs.resource, rs);
    if (level === 0) return test() ? 'all' : 'none';
    return parted(rs.scopeSpans, splitList(rs.scopeSpans, scope), (scopeSpans, copy) => ({
      resource: copy ? cloneResource(rs.resource) : rs.resource,
      scopeSpans,
      schemaUrl: rs.schemaUrl,
    }));
  });
}

export function splitLogs(
  list: ResourceLogs[],
  level: Level,
  ctx: TransformContext,
  test: Test,
): [ResourceLogs[], ResourceLogs[]] {
  const scope = (sl: ScopeLogs): Part<ScopeLogs> => {
    ctx.setScope(sl.scope, sl);
    if (level === 1) return test() ? 'all' : 'none';
    return parted(
      sl.logRecords,
      splitList(sl.logRecords, (log) => {
        ctx.log = log;
        return test() ? 'all' : 'none';
      }),
      (logRecords, copy) => ({
        scope: copy ? cloneScope(sl.scope) : sl.scope,
        logRecords,
        schemaUrl: sl.schemaUrl,
      }),
    );
  };
  return splitList(list, (rl) => {
    ctx.setResource(rl.resource, rl);
    if (level === 0) return test() ? 'all' : 'none';
    return parted(rl.scopeLogs, splitList(rl.scopeLogs, scope), (scopeLogs, copy) => ({
      resource: copy ? cloneResource(rl.resource) : rl.resource,
      scopeLogs,
      schemaUrl: rl.schemaUrl,
    }));
  });
}

/** The data points of a metric, whatever its type. */
function pointsOf(m: Metric): DataPoint[] {
  const d = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return d ? d.dataPoints : [];
}

/** A copy of `m` (its own descriptor fields) with `points` as its data points. */
function withPoints(m: Metric, points: DataPoint[], copy: boolean): Metric {
  const out: Metric = {
    name: m.name,
    description: m.description,
    unit: m.unit,
    metadata: copy ? m.metadata.map(cloneKeyValue) : m.metadata,
  };
  if (m.gauge) out.gauge = { dataPoints: points as NumberDataPoint[] };
  else if (m.sum) out.sum = { ...m.sum, dataPoints: points as NumberDataPoint[] };
  else if (m.histogram) out.histogram = { ...m.histogram, dataPoints: points as never };
  else if (m.exponentialHistogram)
    out.exponentialHistogram = { ...m.exponentialHistogram, dataPoints: points as never };
  else if (m.summary) out.summary = { dataPoints: points as never };
  return out;
}

/**
 * `perPoint`: the route's context is `datapoint` (level 2 means each point);
 * otherwise `metric` (level 2 means each metric) or `resource`.
 */
export function splitMetrics(
  list: ResourceMetrics[],
  level: Level,
  perPoint: boolean,
  ctx: TransformContext,
  test: Test,
): [ResourceMetrics[], ResourceMetrics[]] {
  const metric = (m: Metric): Part<Metric> => {
    ctx.metric = m;
    if (!perPoint) return test() ? 'all' : 'none';
    const points = pointsOf(m);
    return parted(
      points,
      splitList(points, (p) => {
        ctx.point = p;
        return test() ? 'all' : 'none';
      }),
      (ps, copy) => withPoints(m, ps, copy),
    );
  };
  const scope = (sm: ScopeMetrics): Part<ScopeMetrics> => {
    ctx.setScope(sm.scope, sm);
    if (level === 1) return test() ? 'all' : 'none';
    return parted(sm.metrics, splitList(sm.metrics, metric), (metrics, copy) => ({
      scope: copy ? cloneScope(sm.scope) : sm.scope,
      metrics,
      schemaUrl: sm.schemaUrl,
    }));
  };
  return splitList(list, (rm) => {
    ctx.setResource(rm.resource, rm);
    if (level === 0) return test() ? 'all' : 'none';
    return parted(rm.scopeMetrics, splitList(rm.scopeMetrics, scope), (scopeMetrics, copy) => ({
      resource: copy ? cloneResource(rm.resource) : rm.resource,
      scopeMetrics,
      schemaUrl: rm.schemaUrl,
    }));
  });
}
