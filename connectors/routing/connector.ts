// The routing connector: each resource, scope, span, metric, data point or log
// record goes to the pipelines of the first route (in table order) whose
// condition it matches, else to `default_pipelines` (the collector's behaviour
// since match_once became the only mode). The matching parts of a request are
// grouped per set of pipelines, so a request is split at most into one request
// per route. The answer is the pipelines': consume() resolves when every group
// was accepted.
import type { Component, Connector, ConnectorNext } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { ConsumerError, errorMessage, isRetryable, permanentError } from '../../src/component/errors.js';
import {
  type ErrorMode,
  ErrorReporter,
  evalConditions,
  itemCount,
  OttlError,
  TransformContext,
} from '../../src/ottl/index.js';
import { countMetricPoints } from '../../src/pdata/count.js';
import { ITEM_NAME, type Signal, type SignalDataMap } from '../../src/pdata/signal.js';
import type {
  LogsData,
  MetricsData,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  TracesData,
} from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import type { RoutingConfig } from './config.js';
import { type CompiledRoute, compileRoute, matchRequest, routesSignal } from './route.js';
import { splitLogs, splitMetrics, splitTraces, type Test } from './split.js';

type Entry = ResourceSpans | ResourceMetrics | ResourceLogs;

interface ActiveRoute<S extends Signal> {
  route: CompiledRoute;
  consumer: Consumer<S>;
}

export interface RoutingSettings {
  id: string;
  logger: Logger;
  metrics: SelfMetrics;
}

export class RoutingConnector<S extends Signal> implements Connector<S>, Component {
  private readonly ctx = new TransformContext();
  private readonly reporter: ErrorReporter;
  private readonly routes: ActiveRoute<S>[] = [];
  private readonly fallback: Consumer<S> | undefined;
  private readonly unrouted: (n: number) => void;

  constructor(
    settings: RoutingSettings,
    config: RoutingConfig,
    private readonly signal: S,
    next: ConnectorNext<S>,
  ) {
    const errorMode = config.error_mode as ErrorMode;
    this.reporter = new ErrorReporter(errorMode === 'ignore' ? settings.logger : undefined);
    // One consumer per set of pipelines: routes to the same pipelines share a group.
    const consumers = new Map<string, Consumer<S>>();
    const consumerFor = (ids: readonly string[]) => {
      const key = [...new Set(ids)].sort().join('\u0000');
      let c = consumers.get(key);
      if (!c) {
        c = next.to(ids) as Consumer<S>;
        consumers.set(key, c);
      }
      return c;
    };
    const seen = new Set<string>();
    config.table.forEach((r, index) => {
      const route = compileRoute(r, errorMode);
      if (!routesSignal(route, signal)) {
        settings.logger.warn(
          { route: index, context: route.kind === 'ottl' ? route.context : 'request' },
          `The route's context does not exist in ${signal}: it never matches here`,
        );
        return;
      }
      const context = route.kind === 'ottl' ? route.context : 'request';
      const key = `[${context}] ${r.statement ?? `route() where ${r.condition}`}`;
      if (seen.has(key)) {
        settings.logger.warn(
          { route: index, pipelines: r.pipelines },
          'The statement is already in the routing table: this route is ignored',
        );
        return;
      }
      seen.add(key);
      this.routes.push({ route, consumer: consumerFor(route.pipelines) });
    });
    this.fallback = config.default_pipelines.length > 0 ? consumerFor(config.default_pipelines) : undefined;
    const counter = settings.metrics.counter(
      `tsunagi_connector_routing_unrouted_${ITEM_NAME[signal]}_total`,
      'Items that matched no route of a routing connector without default_pipelines (dropped, as the collector does).',
      ['connector'],
    );
    this.unrouted = (n) => n > 0 && counter.inc({ connector: settings.id }, n);
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], rctx?: RequestContext): Promise<void> {
    const groups = new Map<Consumer<S>, Entry[]>();
    const add = (c: Consumer<S>, list: Entry[]) => {
      if (list.length === 0) return;
      const g = groups.get(c);
      if (g) g.push(...list);
      else groups.set(c, list);
    };
    let remaining = [...this.entries(data)];
    try {
      for (const { route, consumer } of this.routes) {
        if (remaining.length === 0) break;
        if (route.kind === 'request') {
          if (matchRequest(route, rctx)) {
            add(consumer, remaining);
            remaining = [];
          }
          continue;
        }
        const [matched, rest] = this.split(route, remaining);
        add(consumer, matched);
        remaining = rest;
      }
    } catch (err) {
      // error_mode propagate: the condition failed to evaluate; retrying would fail alike.
      if (err instanceof OttlError) return Promise.reject(permanentError(err.message, { cause: err }));
      return Promise.reject(err);
    }
    if (remaining.length > 0) {
      if (this.fallback) add(this.fallback, remaining);
      else this.unrouted(this.countItems(remaining));
    }
    if (groups.size === 0) return Promise.resolve();
    if (groups.size === 1) {
      const [[c, list]] = groups;
      return c.consume(this.wrap(list), rctx);
    }
    return deliverAll(
      [...groups].map(
        ([c, list]) =>
          () =>
            c.consume(this.wrap(list), rctx),
      ),
    );
  }

  private entries(data: SignalDataMap[S]): Entry[] {
    switch (this.signal) {
      case 'traces':
        return (data as TracesData).resourceSpans;
      case 'metrics':
        return (data as MetricsData).resourceMetrics;
      default:
        return (data as LogsData).resourceLogs;
    }
  }

  private wrap(list: Entry[]): SignalDataMap[S] {
    switch (this.signal) {
      case 'traces':
        return { resourceSpans: list } as SignalDataMap[S];
      case 'metrics':
        return { resourceMetrics: list } as SignalDataMap[S];
      default:
        return { resourceLogs: list } as SignalDataMap[S];
    }
  }

  private countItems(list: Entry[]): number {
    if (this.signal === 'metrics') return countMetricPoints({ resourceMetrics: list as ResourceMetrics[] });
    let n = 0;
    for (const e of list) n += itemCount(e as ResourceSpans | ResourceLogs);
    return n;
  }

  /** [matched, rest] of `list` for an OTTL route. */
  private split(route: Extract<CompiledRoute, { kind: 'ottl' }>, list: Entry[]): [Entry[], Entry[]] {
    const set = route.set;
    const ctx = this.ctx;
    const test: Test = set
      ? () => evalConditions(set.conditions, set.errorMode, ctx, this.reporter)
      : () => true;
    const level = set?.level ?? 0;
    switch (this.signal) {
      case 'traces':
        return splitTraces(list as ResourceSpans[], level, ctx, test);
      case 'metrics':
        return splitMetrics(list as ResourceMetrics[], level, route.context === 'datapoint', ctx, test);
      default:
        return splitLogs(list as ResourceLogs[], level, ctx, test);
    }
  }
}

/**
 * Sends every group at once and resolves when all were accepted; otherwise
 * rejects with one error naming every failure, retryable if any is.
 */
async function deliverAll(sends: (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled(
    sends.map((send) => {
      try {
        return send();
      } catch (e) {
        return Promise.reject(e);
      }
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  if (failures.length === 0) return;
  if (failures.length === 1) throw failures[0];
  const retryable = failures.filter(isRetryable);
  const retryAfterMs = Math.max(
    0,
    ...retryable.map((e) => (e instanceof ConsumerError ? (e.retryAfterMs ?? 0) : 0)),
  );
  throw new ConsumerError(failures.map(errorMessage).join('; '), {
    retryable: retryable.length > 0,
    retryAfterMs: retryAfterMs > 0 ? retryAfterMs : undefined,
    throttled: retryable.some((e) => e instanceof ConsumerError && e.throttled),
    cause: failures,
  });
}
