// Applies the action list to the attributes of each span, log record or metric
// data point that passes include/exclude.

import type { AttrAction } from '../../src/attraction/actions.js';
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import type { Matcher, MatchTarget } from '../../src/filterconfig/match.js';
import { metricPointCount } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';

export class AttributesProcessor<S extends Signal> implements Processor<S> {
  constructor(
    private readonly signal: S,
    private readonly apply: AttrAction,
    private readonly matcher: Matcher | undefined,
    private readonly next: Consumer<S>,
  ) {}

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    if (this.signal === 'traces') this.traces(data as TracesData, ctx);
    else if (this.signal === 'logs') this.logs(data as LogsData, ctx);
    else this.metrics(data as MetricsData, ctx);
    return this.next.consume(data, ctx);
  }

  private traces(d: TracesData, ctx: RequestContext | undefined): void {
    const { apply, matcher } = this;
    for (const rs of d.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          if (
            matcher &&
            !matcher({ resource: rs.resource, scope: ss.scope, attributes: span.attributes, span })
          )
            continue;
          apply(span.attributes, ctx);
        }
  }

  private logs(d: LogsData, ctx: RequestContext | undefined): void {
    const { apply, matcher } = this;
    for (const rl of d.resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const log of sl.logRecords) {
          if (
            matcher &&
            !matcher({ resource: rl.resource, scope: sl.scope, attributes: log.attributes, log })
          )
            continue;
          apply(log.attributes, ctx);
        }
  }

  private metrics(d: MetricsData, ctx: RequestContext | undefined): void {
    const { apply, matcher } = this;
    for (const rm of d.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics) {
          if (metricPointCount(m) === 0) continue;
          const points = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)!.dataPoints;
          for (const p of points) {
            if (matcher) {
              const t: MatchTarget = {
                resource: rm.resource,
                scope: sm.scope,
                attributes: p.attributes,
                metricName: m.name,
              };
              if (!matcher(t)) continue;
            }
            apply(p.attributes, ctx);
          }
        }
  }
}
