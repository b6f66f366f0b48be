// The count connector: per request and resource, counts spans and span events,
// metrics and data points, or log records into sum metrics (one data point per
// distinct set of attribute values), with the resource's attributes, under the
// scope `otelcol/countconnector`, as the collector's count connector does.
// The sender is answered once the counts are made (the request is taken); the
// counts then go to the metrics pipelines without holding that answer (their
// refusals are logged and counted by the Emitter).
import type { ComponentSettings, Connector, ConnectorNext } from '../../src/component/component.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { Emitter } from '../../src/connectorhelper/emitter.js';
import {
  ErrorReporter,
  evalConditions,
  OttlError,
  pointsOf,
  TransformContext,
} from '../../src/ottl/index.js';
import { cloneKeyValue } from '../../src/pdata/clone.js';
import { newResource, newResourceMetrics, newScope, newScopeMetrics } from '../../src/pdata/create.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { KeyValue, LogsData, Metric, MetricsData, Resource, TracesData } from '../../src/pdata/types.js';
import { type CountConfig, type MetricDef, metricDefs } from './config.js';
import { Counter } from './counter.js';

const SCOPE_NAME = 'otelcol/countconnector';
const NO_ATTRIBUTES: KeyValue[] = [];

/** Emissions the metrics pipelines may leave unanswered before new requests are refused (memory bound). */
export const MAX_IN_FLIGHT = 1024;

export class CountConnector<S extends Signal> implements Connector<S> {
  private readonly ctx = new TransformContext();
  private readonly reporter = new ErrorReporter(undefined);
  private readonly emitter: Emitter<'metrics'>;
  private readonly defs: Record<'spans' | 'spanevents' | 'metrics' | 'datapoints' | 'logs', MetricDef[]>;

  constructor(
    settings: ComponentSettings,
    config: CountConfig,
    private readonly signal: S,
    next: ConnectorNext<'metrics'>,
  ) {
    this.emitter = new Emitter(settings, 'metrics', next);
    this.defs = {
      spans: metricDefs(config, 'spans'),
      spanevents: metricDefs(config, 'spanevents'),
      metrics: metricDefs(config, 'metrics'),
      datapoints: metricDefs(config, 'datapoints'),
      logs: metricDefs(config, 'logs'),
    };
  }

  async start(): Promise<void> {}

  async shutdown(deadlineAt?: number): Promise<void> {
    await this.emitter.drain(deadlineAt);
  }

  consume(data: SignalDataMap[S]): Promise<void> {
    if (this.emitter.inFlight >= MAX_IN_FLIGHT)
      return Promise.reject(
        retryableError(`the metrics pipelines have ${MAX_IN_FLIGHT} counts unanswered`, { throttled: true }),
      );
    const out: MetricsData = { resourceMetrics: [] };
    try {
      if (this.signal === 'traces') this.countTraces(data as TracesData, out);
      else if (this.signal === 'metrics') this.countMetrics(data as MetricsData, out);
      else this.countLogs(data as LogsData, out);
    } catch (err) {
      // A condition failed to evaluate (the collector's propagate mode): nothing is counted.
      if (err instanceof OttlError) return Promise.reject(permanentError(err.message, { cause: err }));
      return Promise.reject(err);
    }
    if (out.resourceMetrics.length > 0) this.emitter.emit(out);
    return Promise.resolve();
  }

  private matches = (def: MetricDef) =>
    evalConditions(def.conditions!.conditions, 'propagate', this.ctx, this.reporter);

  /** Adds a resource with the counters' metrics, unless they counted nothing. */
  private emitFor(out: MetricsData, resource: Resource, counters: Counter[]): void {
    if (counters.every((c) => c.empty)) return;
    // the collector copies the resource's attributes (only)
    const rm = newResourceMetrics({ ...newResource(), attributes: resource.attributes.map(cloneKeyValue) });
    const sm = newScopeMetrics(newScope(SCOPE_NAME));
    for (const c of counters) c.appendTo(sm.metrics);
    rm.scopeMetrics.push(sm);
    out.resourceMetrics.push(rm);
  }

  private countTraces(d: TracesData, out: MetricsData): void {
    const ctx = this.ctx;
    for (const rs of d.resourceSpans) {
      const spans = new Counter(this.defs.spans);
      const events = new Counter(this.defs.spanevents);
      ctx.setResource(rs.resource, rs);
      const rattrs = rs.resource.attributes;
      for (const ss of rs.scopeSpans) {
        ctx.setScope(ss.scope, ss);
        const sattrs = ss.scope.attributes;
        for (const span of ss.spans) {
          ctx.span = span;
          spans.update([span.attributes, sattrs, rattrs], this.matches);
          spans.time(span.startTimeUnixNano);
          spans.time(span.endTimeUnixNano);
          for (const ev of span.events) {
            ctx.event = ev;
            events.update([ev.attributes, sattrs, rattrs], this.matches);
            events.time(ev.timeUnixNano);
          }
        }
      }
      this.emitFor(out, rs.resource, [spans, events]);
    }
  }

  private countMetrics(d: MetricsData, out: MetricsData): void {
    const ctx = this.ctx;
    for (const rm of d.resourceMetrics) {
      const metrics = new Counter(this.defs.metrics);
      const points = new Counter(this.defs.datapoints);
      ctx.setResource(rm.resource, rm);
      const rattrs = rm.resource.attributes;
      for (const sm of rm.scopeMetrics) {
        ctx.setScope(sm.scope, sm);
        const sattrs = sm.scope.attributes;
        for (const m of sm.metrics) {
          ctx.metric = m;
          metrics.update([NO_ATTRIBUTES, sattrs, rattrs], this.matches);
          for (const p of pointsOf(m as Metric)) {
            ctx.point = p;
            points.update([p.attributes, sattrs, rattrs], this.matches);
            metrics.time(p.timeUnixNano);
            points.time(p.startTimeUnixNano);
            points.time(p.timeUnixNano);
          }
        }
      }
      this.emitFor(out, rm.resource, [metrics, points]);
    }
  }

  private countLogs(d: LogsData, out: MetricsData): void {
    const ctx = this.ctx;
    for (const rl of d.resourceLogs) {
      const logs = new Counter(this.defs.logs);
      ctx.setResource(rl.resource, rl);
      const rattrs = rl.resource.attributes;
      for (const sl of rl.scopeLogs) {
        ctx.setScope(sl.scope, sl);
        const sattrs = sl.scope.attributes;
        for (const r of sl.logRecords) {
          ctx.log = r;
          logs.update([r.attributes, sattrs, rattrs], this.matches);
          logs.time(r.timeUnixNano || r.observedTimeUnixNano);
        }
      }
      this.emitFor(out, rl.resource, [logs]);
    }
  }
}
