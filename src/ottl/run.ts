// Running a statement group over a request, at the group's context level:
// once per resource, scope, span, span event, log record, metric or data
// point. A span- or log-context group whose statements touch only resource
// paths runs once per item without reading the items, so lazily decoded spans
// and log records stay undecoded (src/pdata/lazy.ts).
import { lazyItemCount } from '../pdata/lazy.js';
import type {
  LogsData,
  Metric,
  MetricsData,
  ResourceLogs,
  ResourceSpans,
  TracesData,
} from '../pdata/types.js';
import type { DataPoint, TransformContext } from './context.js';
import { type ErrorReporter, runGroup, type StatementGroup } from './group.js';

/** Spans in a ResourceSpans (or log records in a ResourceLogs), without decoding them. */
export function itemCount(entry: ResourceSpans | ResourceLogs): number {
  const lazy = lazyItemCount(entry);
  if (lazy !== undefined) return lazy;
  let n = 0;
  if ('scopeSpans' in entry) for (const ss of entry.scopeSpans) n += ss.spans.length;
  else for (const sl of entry.scopeLogs) n += sl.logRecords.length;
  return n;
}

/** The cache a group sees: one per item, or one per request for `shared_cache` groups. */
export interface CacheMode {
  shared: boolean;
}

function fresh(ctx: TransformContext, shared: boolean): void {
  if (!shared && ctx.cache.length !== 0) ctx.cache = [];
}

export function transformTraces(
  d: TracesData,
  g: StatementGroup,
  ctx: TransformContext,
  r: ErrorReporter,
  shared = false,
): void {
  const resourceOnly = g.level === 0;
  for (const rs of d.resourceSpans) {
    ctx.setResource(rs.resource, rs);
    switch (g.context) {
      case 'resource':
        fresh(ctx, shared);
        runGroup(g, ctx, r);
        continue;
      case 'span':
        if (resourceOnly) {
          for (let n = itemCount(rs); n > 0; n--) {
            fresh(ctx, shared);
            runGroup(g, ctx, r);
          }
          continue;
        }
    }
    for (const ss of rs.scopeSpans) {
      ctx.setScope(ss.scope, ss);
      if (g.context === 'scope') {
        fresh(ctx, shared);
        runGroup(g, ctx, r);
        continue;
      }
      for (const span of ss.spans) {
        ctx.span = span;
        if (g.context === 'span') {
          fresh(ctx, shared);
          runGroup(g, ctx, r);
          continue;
        }
        for (const ev of span.events) {
          ctx.event = ev;
          fresh(ctx, shared);
          runGroup(g, ctx, r);
        }
      }
    }
  }
}

export function transformLogs(
  d: LogsData,
  g: StatementGroup,
  ctx: TransformContext,
  r: ErrorReporter,
  shared = false,
): void {
  const resourceOnly = g.level === 0;
  for (const rl of d.resourceLogs) {
    ctx.setResource(rl.resource, rl);
    if (g.context === 'resource') {
      fresh(ctx, shared);
      runGroup(g, ctx, r);
      continue;
    }
    if (g.context === 'log' && resourceOnly) {
      for (let n = itemCount(rl); n > 0; n--) {
        fresh(ctx, shared);
        runGroup(g, ctx, r);
      }
      continue;
    }
    for (const sl of rl.scopeLogs) {
      ctx.setScope(sl.scope, sl);
      if (g.context === 'scope') {
        fresh(ctx, shared);
        runGroup(g, ctx, r);
        continue;
      }
      for (const log of sl.logRecords) {
        ctx.log = log;
        fresh(ctx, shared);
        runGroup(g, ctx, r);
      }
    }
  }
}

/** The data points of a metric, whatever its type (empty for a metric without data). */
export function pointsOf(m: Metric): DataPoint[] {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
}

export function transformMetrics(
  d: MetricsData,
  g: StatementGroup,
  ctx: TransformContext,
  r: ErrorReporter,
  shared = false,
): void {
  for (const rm of d.resourceMetrics) {
    ctx.setResource(rm.resource, rm);
    if (g.context === 'resource') {
      fresh(ctx, shared);
      runGroup(g, ctx, r);
      continue;
    }
    for (const sm of rm.scopeMetrics) {
      ctx.setScope(sm.scope, sm);
      if (g.context === 'scope') {
        fresh(ctx, shared);
        runGroup(g, ctx, r);
        continue;
      }
      for (const m of sm.metrics) {
        ctx.metric = m;
        if (g.context === 'metric') {
          fresh(ctx, shared);
          runGroup(g, ctx, r);
          continue;
        }
        for (const p of pointsOf(m)) {
          ctx.point = p;
          fresh(ctx, shared);
          runGroup(g, ctx, r);
        }
      }
    }
  }
}
