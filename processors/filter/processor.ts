// Drops telemetry matching the configured conditions, highest level first
// (resource, scope, span/log/metric, span event/data point): a dropped parent
// is not looked into. Empty scopes and resources are removed afterwards, as
// the collector does; when nothing is left the request is accepted without
// calling the next consumer (the collector's ErrSkipProcessingData).
// Conditions that read only resource paths are evaluated once per resource,
// so spans and log records that arrived lazily are never decoded for them.
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { retryableError } from '../../src/component/errors.js';
import type { Matcher } from '../../src/filterconfig/match.js';
import {
  type ConditionSet,
  type ErrorReporter,
  evalConditions,
  itemCount,
  OttlError,
  TransformContext,
  WireSpanDrops,
} from '../../src/ottl/index.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LogsData, Metric, MetricsData, TracesData } from '../../src/pdata/types.js';

/** Condition sets by level for one signal, plus the legacy include/exclude matcher (true = keep). */
export interface FilterPlan {
  resource: ConditionSet[];
  scope: ConditionSet[];
  /** Span, log record or metric conditions. */
  item: ConditionSet[];
  /** Span event or data point conditions. */
  sub: ConditionSet[];
  keep?: Matcher;
}

/** Keeps the elements of `list` for which `keep` is true, in place; returns the list. */
function retain<T>(list: T[], keep: (x: T) => boolean): T[] {
  let w = 0;
  for (let r = 0; r < list.length; r++) if (keep(list[r])) list[w++] = list[r];
  list.length = w;
  return list;
}

export class FilterProcessor<S extends Signal> implements Processor<S> {
  private readonly ctx = new TransformContext();
  /** Item conditions need the items (not only resource paths). */
  private readonly itemsNeeded: boolean;
  /** The span conditions as one pass over spans still in wire bytes, when they allow it. */
  private readonly wireSpans: WireSpanDrops | undefined;

  constructor(
    private readonly signal: S,
    private readonly plan: FilterPlan,
    private readonly reporter: ErrorReporter,
    private readonly next: Consumer<S>,
  ) {
    const p = plan;
    this.itemsNeeded =
      p.scope.length > 0 || p.sub.length > 0 || p.keep !== undefined || p.item.some((s) => s.level > 0);
    // span conditions alone (no scope, span event or legacy match rules): one pass over spans still
    // in wire bytes when all of them allow it (src/ottl/wire-run.ts)
    this.wireSpans =
      signal === 'traces' &&
      this.itemsNeeded &&
      p.scope.length === 0 &&
      p.sub.length === 0 &&
      p.keep === undefined &&
      p.item.every((s) => s.context === 'span')
        ? WireSpanDrops.of(p.item.flatMap((s) => s.conditions))
        : undefined;
  }

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    let left: boolean;
    try {
      left = this.filter(data);
    } catch (err) {
      // error_mode: propagate; a plain error in the collector, answered as retryable
      if (err instanceof OttlError) return Promise.reject(retryableError(err.message, { cause: err }));
      return Promise.reject(err);
    }
    return left ? this.next.consume(data, ctx) : Promise.resolve();
  }

  /** Filters in place; false when nothing is left. */
  filter(data: SignalDataMap[S]): boolean {
    if (this.signal === 'traces') return this.traces(data as TracesData);
    if (this.signal === 'logs') return this.logs(data as LogsData);
    return this.metrics(data as MetricsData);
  }

  private any(sets: ConditionSet[]): boolean {
    for (let i = 0; i < sets.length; i++) {
      const s = sets[i];
      if (evalConditions(s.conditions, s.errorMode, this.ctx, this.reporter)) return true;
    }
    return false;
  }

  private traces(d: TracesData): boolean {
    const { plan: p, ctx } = this;
    retain(d.resourceSpans, (rs) => {
      ctx.setResource(rs.resource, rs);
      if (p.resource.length > 0 && this.any(p.resource)) return false;
      if (!this.itemsNeeded) {
        if (p.item.length > 0 && this.any(p.item)) return false;
        return itemCount(rs) > 0;
      }
      // spans still in wire bytes: dropped in one pass over them (-1: the general way)
      if (this.wireSpans !== undefined) {
        const left = this.wireSpans.run(rs, ctx);
        if (left >= 0) return left > 0;
      }
      retain(rs.scopeSpans, (ss) => {
        ctx.setScope(ss.scope, ss);
        if (p.scope.length > 0 && this.any(p.scope)) return false;
        retain(ss.spans, (span) => {
          ctx.span = span;
          if (
            p.keep &&
            !p.keep({ resource: rs.resource, scope: ss.scope, attributes: span.attributes, span })
          )
            return false;
          if (p.item.length > 0 && this.any(p.item)) return false;
          if (p.sub.length > 0)
            retain(span.events, (ev) => {
              ctx.event = ev;
              return !this.any(p.sub);
            });
          return true;
        });
        return ss.spans.length > 0;
      });
      return rs.scopeSpans.length > 0;
    });
    return d.resourceSpans.length > 0;
  }

  private logs(d: LogsData): boolean {
    const { plan: p, ctx } = this;
    retain(d.resourceLogs, (rl) => {
      ctx.setResource(rl.resource, rl);
      if (p.resource.length > 0 && this.any(p.resource)) return false;
      if (!this.itemsNeeded) {
        if (p.item.length > 0 && this.any(p.item)) return false;
        return itemCount(rl) > 0;
      }
      retain(rl.scopeLogs, (sl) => {
        ctx.setScope(sl.scope, sl);
        if (p.scope.length > 0 && this.any(p.scope)) return false;
        retain(sl.logRecords, (log) => {
          ctx.log = log;
          if (p.keep && !p.keep({ resource: rl.resource, scope: sl.scope, attributes: log.attributes, log }))
            return false;
          return !(p.item.length > 0 && this.any(p.item));
        });
        return sl.logRecords.length > 0;
      });
      return rl.scopeLogs.length > 0;
    });
    return d.resourceLogs.length > 0;
  }

  private metrics(d: MetricsData): boolean {
    const { plan: p, ctx } = this;
    retain(d.resourceMetrics, (rm) => {
      ctx.setResource(rm.resource, rm);
      if (p.resource.length > 0 && this.any(p.resource)) return false;
      retain(rm.scopeMetrics, (sm) => {
        ctx.setScope(sm.scope, sm);
        if (p.scope.length > 0 && this.any(p.scope)) return false;
        retain(sm.metrics, (m) => {
          ctx.metric = m;
          if (
            p.keep &&
            !p.keep({ resource: rm.resource, scope: sm.scope, attributes: [], metricName: m.name })
          )
            return false;
          if (p.item.length > 0 && this.any(p.item)) return false;
          if (p.sub.length > 0) return this.points(m, p.sub);
          return true;
        });
        return sm.metrics.length > 0;
      });
      return rm.scopeMetrics.length > 0;
    });
    return d.resourceMetrics.length > 0;
  }

  /** Drops data points; false when the metric had points and none is left. */
  private points(m: Metric, sets: ConditionSet[]): boolean {
    const data = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
    if (!data) return true;
    const list = data.dataPoints as { attributes: unknown }[];
    retain(list, (pt) => {
      this.ctx.point = pt as TransformContext['point'];
      return !this.any(sets);
    });
    return list.length > 0;
  }
}
