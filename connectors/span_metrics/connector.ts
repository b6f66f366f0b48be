// The span metrics connector: aggregates spans into call counts
// (`<namespace>.calls`) and duration histograms (`<namespace>.duration`), and
// optionally span event counts (`<namespace>.events`), per resource and per
// distinct set of dimensions (service.name, span.name, span.kind, status.code,
// collector.instance.id and the configured ones), and emits them every
// `metrics_flush_interval` (connector/spanmetricsconnector in the collector).
// A request is answered once its spans are aggregated: the flush timer never
// holds a sender (DESIGN.md); what a flush emits goes to the metrics pipelines
// through the Emitter (refusals logged and counted; with cumulative
// temporality the next flush carries the totals again). Shutdown flushes once
// more, so spans answered before it are in the last metrics.
import type { ComponentSettings, Connector, ConnectorNext } from '../../src/component/component.js';
import { retryableError } from '../../src/component/errors.js';
import { Emitter } from '../../src/connectorhelper/emitter.js';
import { getAttr } from '../../src/pdata/attributes.js';
import { cloneKeyValue } from '../../src/pdata/clone.js';
import { newResource, newResourceMetrics, newScope, newScopeMetrics } from '../../src/pdata/create.js';
import type {
  AnyValue,
  Exemplar,
  InstrumentationScope,
  KeyValue,
  Metric,
  MetricsData,
  Span,
  TracesData,
} from '../../src/pdata/types.js';
import { BurstLogger } from '../../src/telemetry/burst-logger.js';
import {
  COLLECTOR_INSTANCE_ID,
  DEFAULT_EXPONENTIAL_MAX_SIZE,
  DELTA,
  type Dimension,
  explicitBounds,
  SERVICE_NAME,
  SPAN_KIND,
  SPAN_NAME,
  type SpanMetricsConfig,
  STATUS_CODE,
} from './config.js';
import {
  addExemplar,
  type HistogramSeries,
  histogramFactory,
  newSum,
  observe,
  SeriesMap,
  type SumSeries,
} from './series.js';

const SCOPE_NAME = 'spanmetricsconnector';
const SCOPE_NAME_KEY = 'span.instrumentation.scope.name';
const SCOPE_VERSION_KEY = 'span.instrumentation.scope.version';
const SEP = '\u0000';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

interface ResourceState {
  attributes: KeyValue[];
  calls: SeriesMap<SumSeries>;
  durations: SeriesMap<HistogramSeries>;
  events: SeriesMap<SumSeries>;
  /** Last time a span of it was aggregated (ms; only kept with metrics_expiration). */
  lastSeen: number;
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** A value as text for a series key (pcommon's AsString, close enough to tell values apart). */
function asString(v: AnyValue): string {
  const a = v as Record<string, unknown>;
  if (a.stringValue !== undefined) return a.stringValue as string;
  if (a.intValue !== undefined) return String(a.intValue);
  if (a.doubleValue !== undefined) return String(a.doubleValue);
  if (a.boolValue !== undefined) return String(a.boolValue);
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

/** The value of a dimension: the span's attribute, else the resource's (or event's), else its default. */
function dimensionValue(d: Dimension, ...lists: KeyValue[][]): AnyValue | undefined {
  for (const list of lists) {
    const v = getAttr(list, d.name);
    if (v !== undefined) return v;
  }
  return d.default === undefined ? undefined : { stringValue: d.default };
}

/** Key of a resource: its attributes (or the configured key attributes), order-independent. */
function resourceKey(attrs: KeyValue[], only: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const kv of attrs)
    if (only.size === 0 || only.has(kv.key)) parts.push(`${kv.key}=${asString(kv.value)}`);
  return parts.sort().join(SEP);
}

export class SpanMetricsConnector implements Connector<'traces'> {
  private readonly emitter: Emitter<'metrics'>;
  private readonly burst: BurstLogger;
  /** Least recently used first (resource_metrics_cache_size). */
  private readonly resources = new Map<string, ResourceState>();
  /** Delta only: when each series was last flushed, its next point's start (metric_timestamp_cache_size). */
  private readonly lastDelta = new Map<string, bigint>();
  private readonly delta: boolean;
  private readonly divider: number;
  private readonly bounds: number[] | undefined;
  private readonly newHistogram: (attributes: KeyValue[], start: bigint) => HistogramSeries;
  private readonly keyAttributes: ReadonlySet<string>;
  private readonly excluded: ReadonlySet<string>;
  private readonly scopes: ReadonlySet<string>;
  private readonly callsDims: Dimension[];
  private readonly durationDims: Dimension[];
  private readonly eventDims: Dimension[];
  /** Calls and durations have the same dimensions: one series key serves both. */
  private readonly sameDims: boolean;
  private readonly instanceId: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    settings: ComponentSettings,
    private readonly config: SpanMetricsConfig,
    next: ConnectorNext<'metrics'>,
  ) {
    this.emitter = new Emitter(settings, 'metrics', next);
    this.burst = new BurstLogger(settings.logger);
    const c = config;
    this.delta = c.aggregation_temporality === DELTA;
    this.divider = c.histogram.unit === 'ms' ? 1e6 : 1e9;
    this.bounds = c.histogram.exponential ? undefined : explicitBounds(c);
    this.newHistogram = histogramFactory(
      this.bounds,
      c.histogram.exponential?.max_size || DEFAULT_EXPONENTIAL_MAX_SIZE,
    );
    this.keyAttributes = new Set(c.resource_metrics_key_attributes);
    this.excluded = new Set(c.exclude_dimensions);
    this.scopes = new Set(c.include_instrumentation_scope);
    this.callsDims = [...c.dimensions, ...c.calls_dimensions];
    this.durationDims = [...c.dimensions, ...c.histogram.dimensions];
    this.eventDims = [...c.dimensions, ...c.events.dimensions];
    this.sameDims = c.calls_dimensions.length === 0 && c.histogram.dimensions.length === 0;
    this.instanceId = settings.serviceInstanceId ?? '';
    if (c.dimensions_cache_size !== undefined)
      settings.logger.warn(
        'dimensions_cache_size is deprecated in the collector and has no effect; use aggregation_cardinality_limit',
      );
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.flush(), this.config.metrics_flush_interval);
    this.timer.unref();
  }

  async shutdown(deadlineAt?: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.flush();
    await this.emitter.drain(deadlineAt);
  }

  consume(data: TracesData): Promise<void> {
    if (this.stopped) return Promise.reject(retryableError('span_metrics connector is shut down'));
    this.aggregate(data);
    return Promise.resolve();
  }

  private metricName(name: string): string {
    return this.config.namespace ? `${this.config.namespace}.${name}` : name;
  }

  /** The resource's state, most recently used last; the least recently used goes past the cache size. */
  private resourceFor(attrs: KeyValue[]): ResourceState {
    const key = resourceKey(attrs, this.keyAttributes);
    let st = this.resources.get(key);
    if (st) this.resources.delete(key);
    else {
      const limit = this.config.aggregation_cardinality_limit;
      st = {
        attributes: attrs.map(cloneKeyValue),
        calls: new SeriesMap(limit, newSum),
        durations: new SeriesMap(limit, this.newHistogram),
        events: new SeriesMap(limit, newSum),
        lastSeen: 0,
      };
      if (this.resources.size >= this.config.resource_metrics_cache_size) {
        const oldest = this.resources.keys().next().value as string;
        this.resources.delete(oldest);
      }
    }
    this.resources.set(key, st);
    if (this.config.metrics_expiration > 0) st.lastSeen = Date.now();
    return st;
  }

  /** The key of a series: the values of its dimensions, in order (the collector's buildKey). */
  private key(
    service: string,
    span: Span,
    scope: InstrumentationScope,
    dims: Dimension[],
    ...lists: KeyValue[][]
  ) {
    const x = this.excluded;
    let k = x.has(SERVICE_NAME) ? '' : service;
    if (!x.has(SPAN_NAME)) k += SEP + span.name;
    if (!x.has(SPAN_KIND)) k += SEP + (SPAN_KINDS[span.kind] ?? '');
    if (!x.has(STATUS_CODE)) k += SEP + (STATUS_CODES[span.status.code] ?? '');
    for (const d of dims) {
      const v = dimensionValue(d, ...lists);
      if (v !== undefined) k += SEP + asString(v);
    }
    if (this.scopes.has(scope.name) && scope.name !== '') k += `${SEP}${scope.name}${SEP}${scope.version}`;
    return k;
  }

  /** The attributes of a new series (the collector's buildAttributes). */
  private attributes(
    service: string,
    span: Span,
    scope: InstrumentationScope,
    dims: Dimension[],
    ...lists: KeyValue[][]
  ): KeyValue[] {
    const x = this.excluded;
    const out: KeyValue[] = [];
    const put = (key: string, stringValue: string) => out.push({ key, value: { stringValue } });
    if (!x.has(SERVICE_NAME)) put(SERVICE_NAME, service);
    if (!x.has(SPAN_NAME)) put(SPAN_NAME, span.name);
    if (!x.has(SPAN_KIND)) put(SPAN_KIND, SPAN_KINDS[span.kind] ?? '');
    if (!x.has(STATUS_CODE)) put(STATUS_CODE, STATUS_CODES[span.status.code] ?? '');
    if (!x.has(COLLECTOR_INSTANCE_ID) && this.instanceId) put(COLLECTOR_INSTANCE_ID, this.instanceId);
    for (const d of dims) {
      const v = dimensionValue(d, ...lists);
      if (v !== undefined) out.push(cloneKeyValue({ key: d.name, value: v }));
    }
    if (this.scopes.has(scope.name) && scope.name !== '') {
      put(SCOPE_NAME_KEY, scope.name);
      if (scope.version !== '') put(SCOPE_VERSION_KEY, scope.version);
    }
    return out;
  }

  private aggregate(d: TracesData): void {
    const now = nowNs();
    const c = this.config;
    const exemplars = c.exemplars.enabled ? c.exemplars.max_per_data_point : 0;
    for (const rs of d.resourceSpans) {
      const rattrs = rs.resource.attributes;
      const serviceAttr = getAttr(rattrs, SERVICE_NAME);
      if (!serviceAttr) continue; // the collector skips resources without service.name
      const service = (serviceAttr as { stringValue?: string }).stringValue ?? '';
      const st = this.resourceFor(rattrs);
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const ns =
            span.endTimeUnixNano > span.startTimeUnixNano
              ? span.endTimeUnixNano - span.startTimeUnixNano
              : 0n;
          const duration = Number(ns) / this.divider;
          const withTrace = exemplars > 0 && span.traceId.length > 0 && span.traceId.some((b) => b !== 0);
          const key = this.key(service, span, ss.scope, this.callsDims, span.attributes, rattrs);
          if (!c.histogram.disable) {
            const h = st.durations.get(
              this.sameDims
                ? key
                : this.key(service, span, ss.scope, this.durationDims, span.attributes, rattrs),
              () => this.attributes(service, span, ss.scope, this.durationDims, span.attributes, rattrs),
              now,
            );
            if (withTrace) addExemplar(h, exemplars, span.traceId.slice(), span.spanId.slice(), duration);
            observe(h, this.bounds, duration);
          }
          const s = st.calls.get(
            key,
            () => this.attributes(service, span, ss.scope, this.callsDims, span.attributes, rattrs),
            now,
          );
          if (withTrace) addExemplar(s, exemplars, span.traceId.slice(), span.spanId.slice(), duration);
          s.count++;
          if (c.events.enabled)
            for (const ev of span.events) {
              // event attributes over the resource's, the span's over both
              const key = this.key(
                service,
                span,
                ss.scope,
                this.eventDims,
                span.attributes,
                ev.attributes,
                rattrs,
              );
              const e = st.events.get(
                key,
                () =>
                  this.attributes(
                    service,
                    span,
                    ss.scope,
                    this.eventDims,
                    span.attributes,
                    ev.attributes,
                    rattrs,
                  ),
                now,
              );
              if (withTrace) addExemplar(e, exemplars, span.traceId.slice(), span.spanId.slice(), duration);
              e.count++;
            }
        }
      }
      if (st.calls.overflowed || st.durations.overflowed || st.events.overflowed)
        this.burst.warn(
          'aggregation_cardinality_limit reached: new series go to the otel.metric.overflow series',
          {
            limit: c.aggregation_cardinality_limit,
          },
        );
    }
  }

  /** Builds the metrics of every resource, resets what the temporality resets, and emits them. */
  flush(): void {
    const now = nowNs();
    const out: MetricsData = { resourceMetrics: [] };
    const temporality = this.delta ? 1 : 2;
    for (const [rkey, st] of this.resources) {
      const start = (skey: string, s: { start: bigint }) => {
        if (!this.delta) return s.start;
        const k = rkey + SEP + SEP + skey;
        const last = this.lastDelta.get(k);
        // (T1, T2), (T2, T3), …: an uninterrupted delta series starts where the last point ended
        this.lastDelta.delete(k);
        this.lastDelta.set(k, now);
        if (this.lastDelta.size > this.config.metric_timestamp_cache_size)
          this.lastDelta.delete(this.lastDelta.keys().next().value as string);
        return last ?? s.start;
      };
      const stamp = (ex: Exemplar[]) => ex.map((e) => ({ ...e, timeUnixNano: now }));
      const metrics: Metric[] = [];
      const sumOf = (name: string, series: SeriesMap<SumSeries>) => {
        if (series.map.size === 0) return;
        metrics.push({
          name: this.metricName(name),
          description: '',
          unit: '',
          metadata: [],
          sum: {
            aggregationTemporality: temporality,
            isMonotonic: true,
            dataPoints: [...series.map].map(([k, s]) => {
              const value = !this.delta && s.first ? 0 : s.count;
              s.first = false;
              return {
                attributes: s.attributes.map(cloneKeyValue),
                startTimeUnixNano: start(`${name}${SEP}${k}`, s),
                timeUnixNano: now,
                asInt: BigInt(value),
                exemplars: stamp(s.exemplars),
                flags: 0,
              };
            }),
          },
        });
      };
      sumOf('calls', st.calls);
      if (!this.config.histogram.disable && st.durations.map.size > 0)
        metrics.push(
          this.histogramMetric(
            st.durations,
            temporality,
            now,
            (k, s) => start(`duration${SEP}${k}`, s),
            stamp,
          ),
        );
      if (this.config.events.enabled) sumOf('events', st.events);
      if (metrics.length === 0) continue;
      const rm = newResourceMetrics({ ...newResource(), attributes: st.attributes.map(cloneKeyValue) });
      const sm = newScopeMetrics(newScope(SCOPE_NAME));
      sm.metrics = metrics;
      rm.scopeMetrics.push(sm);
      out.resourceMetrics.push(rm);
    }
    this.reset();
    this.emitter.emit(out);
  }

  private histogramMetric(
    series: SeriesMap<HistogramSeries>,
    temporality: number,
    now: bigint,
    start: (key: string, s: HistogramSeries) => bigint,
    stamp: (ex: Exemplar[]) => Exemplar[],
  ): Metric {
    const m: Metric = {
      name: this.metricName('duration'),
      description: '',
      unit: this.config.histogram.unit,
      metadata: [],
    };
    const entries = [...series.map];
    if (this.bounds) {
      const bounds = this.bounds;
      m.histogram = {
        aggregationTemporality: temporality,
        dataPoints: entries.map(([k, h]) => {
          const e = h as Extract<HistogramSeries, { kind: 'explicit' }>;
          return {
            attributes: e.attributes.map(cloneKeyValue),
            startTimeUnixNano: start(k, e),
            timeUnixNano: now,
            count: BigInt(e.count),
            sum: e.sum,
            bucketCounts: e.bucketCounts.map((n) => BigInt(n)),
            explicitBounds: bounds.slice(),
            exemplars: stamp(e.exemplars),
            flags: 0,
          };
        }),
      };
    } else
      m.exponentialHistogram = {
        aggregationTemporality: temporality,
        dataPoints: entries.map(([k, h]) => {
          const x = (h as Extract<HistogramSeries, { kind: 'exponential' }>).histogram;
          return {
            attributes: h.attributes.map(cloneKeyValue),
            startTimeUnixNano: start(k, h),
            timeUnixNano: now,
            count: BigInt(x.count),
            sum: x.sum,
            scale: x.scale,
            zeroCount: BigInt(x.zeroCount),
            ...x.buckets(),
            flags: 0,
            exemplars: stamp(h.exemplars),
            ...(x.count > 0 ? { min: x.min, max: x.max } : {}),
            zeroThreshold: 0,
          };
        }),
      };
    return m;
  }

  /** Delta: everything starts over. Cumulative: exemplars are per flush; idle resources expire. */
  private reset(): void {
    if (this.delta) {
      this.resources.clear();
      return;
    }
    const expiration = this.config.metrics_expiration;
    const now = Date.now();
    for (const [key, st] of this.resources) {
      st.calls.clearExemplars();
      st.durations.clearExemplars();
      st.events.clearExemplars();
      st.calls.overflowed = st.durations.overflowed = st.events.overflowed = false;
      if (expiration > 0 && now - st.lastSeen >= expiration) this.resources.delete(key);
    }
  }
}
