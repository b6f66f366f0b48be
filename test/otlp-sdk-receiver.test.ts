// The real OpenTelemetry JS SDK exporters (gRPC, HTTP/protobuf, HTTP/JSON)
// sending to the otlp receiver: the pdata handed to the pipeline must carry
// exactly what the SDK sent, down to the nanosecond and the value types.
import {
  createTraceState,
  type HrTime,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  ValueType,
} from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../receivers/otlp/config.js';
import { factory } from '../receivers/otlp/factory.js';
import type { OtlpReceiver } from '../receivers/otlp/receiver.js';
import { hexOf } from '../src/pdata/ids.js';
import type * as pd from '../src/pdata/types.js';
import { emptyHost, testSettings } from './support/component.js';
import { TestConsumer } from './support/gated-consumer.js';
import { recordSpans } from './support/otlp-sdk-fixtures.js';

// ---- plain views of SDK objects and of pdata, to compare value for value ----

const ns = (t: HrTime) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/** An SDK value as the OTLP wire carries it: integers → int (bigint), bytes tagged. */
function sdkValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (Array.isArray(v)) return v.map(sdkValue);
  if (typeof v === 'object')
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, sdkValue(x)]));
  return v;
}

function pdValue(v: pd.AnyValue): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('bytesValue' in v) return { bytes: Array.from(v.bytesValue!) };
  if ('arrayValue' in v) return v.arrayValue!.values.map(pdValue);
  if ('kvlistValue' in v) return pdAttrs(v.kvlistValue!.values);
  return null;
}

const pdAttrs = (kvs: pd.KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, pdValue(kv.value)]));
const sdkAttrs = (a: object | undefined) => sdkValue(a ?? {});

// ---- the receiver ----

const traces = new TestConsumer<'traces'>();
const metrics = new TestConsumer<'metrics'>();
const logs = new TestConsumer<'logs'>();
let rx: OtlpReceiver;
let grpcUrl: string;
let httpUrl: string;

beforeAll(async () => {
  const cfg = configSchema.parse({
    protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } },
  });
  rx = factory.create(testSettings('otlp'), cfg, { traces, metrics, logs }) as OtlpReceiver;
  await rx.start(emptyHost);
  grpcUrl = `http://127.0.0.1:${rx.endpoints().grpc}`;
  httpUrl = `http://${rx.endpoints().http}`;
});

afterAll(async () => {
  await rx.shutdown();
});

interface SdkExporter<T> {
  export(items: T, cb: (r: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
}

async function send<T>(exporter: SdkExporter<T>, items: T): Promise<void> {
  const result = await new Promise<{ code: number; error?: Error }>((r) => exporter.export(items, r));
  await exporter.shutdown();
  expect(result.error).toBeUndefined();
  expect(result.code).toBe(0);
}

const TRANSPORTS = ['grpc', 'http/protobuf', 'http/json'] as const;
type Transport = (typeof TRANSPORTS)[number];

// ---- traces ----

const RESOURCE = { 'service.name': 'checkout', 'service.version': '1.2.3', 'host.cpu.count': 8 };
const SPAN_ATTRS = {
  'http.method': 'POST',
  'http.status_code': 201,
  ratio: 0.25,
  cached: false,
  tags: ['a', 'b'],
  codes: [1, 2, 3],
  weights: [0.5, 1.5],
  flags: [true, false],
};

async function sdkSpans(): Promise<ReadableSpan[]> {
  return recordSpans(0, (tracer) => {
    const linked = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=v1'),
      isRemote: true,
    };
    const parent = tracer.startSpan('parent', {
      kind: SpanKind.SERVER,
      attributes: SPAN_ATTRS,
      links: [{ context: linked as any, attributes: { 'link.kind': 'follows', n: 7 } }],
      startTime: [1_700_000_000, 123_456_789],
    });
    parent.addEvent('cache miss', { key: 'user:42', attempt: 2 }, [1_700_000_000, 223_456_789]);
    parent.addEvent('retry');
    const child = tracer.startSpan(
      'child',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    child.end([1_700_000_000, 999_999_999]);
    parent.setStatus({ code: SpanStatusCode.OK });
    parent.end([1_700_000_001, 1]);
  });
}

function sdkSpanView(s: ReadableSpan) {
  const sc = s.spanContext();
  return {
    traceId: sc.traceId,
    spanId: sc.spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    traceState: sc.traceState?.serialize() ?? '',
    name: s.name,
    kind: s.kind + 1,
    start: ns(s.startTime),
    end: ns(s.endTime),
    attributes: sdkAttrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ name: e.name, time: ns(e.time), attributes: sdkAttrs(e.attributes) })),
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: sdkAttrs(l.attributes),
    })),
    status: { code: s.status.code, message: s.status.message ?? '' },
  };
}

function pdSpanView(s: pd.Span) {
  return {
    traceId: hexOf(s.traceId),
    spanId: hexOf(s.spanId),
    parentSpanId: hexOf(s.parentSpanId),
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    start: s.startTimeUnixNano,
    end: s.endTimeUnixNano,
    attributes: pdAttrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: pdAttrs(e.attributes) })),
    links: s.links.map((l) => ({
      traceId: hexOf(l.traceId),
      spanId: hexOf(l.spanId),
      traceState: l.traceState,
      attributes: pdAttrs(l.attributes),
    })),
    status: { code: s.status.code, message: s.status.message },
  };
}

function traceExporter(t: Transport) {
  if (t === 'grpc') return new TracesGrpc({ url: grpcUrl });
  if (t === 'http/protobuf') return new TracesProto({ url: `${httpUrl}/v1/traces` });
  return new TracesJson({ url: `${httpUrl}/v1/traces` });
}

// ---- metrics ----

class ManualReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

async function sdkMetrics(): Promise<ResourceMetrics> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter('billing', '0.9.0');
  const counter = meter.createCounter('orders', {
    description: 'orders placed',
    unit: '{order}',
    valueType: ValueType.INT,
  });
  counter.add(3, { region: 'eu' });
  counter.add(4, { region: 'us' });
  const gauge = meter.createGauge('temperature', { unit: 'Cel' });
  gauge.record(21.5, { room: 'lab' });
  const hist = meter.createHistogram('latency', {
    unit: 'ms',
    advice: { explicitBucketBoundaries: [10, 100, 1000] },
  });
  for (const v of [5, 50, 60, 500, 5000]) hist.record(v, { route: '/pay' });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

function sdkMetricView(rm: ResourceMetrics) {
  return rm.scopeMetrics.flatMap((sm) =>
    sm.metrics.map((m) => {
      const base = {
        scope: `${sm.scope.name}@${sm.scope.version}`,
        name: m.descriptor.name,
        description: m.descriptor.description,
        unit: m.descriptor.unit,
      };
      const int = m.descriptor.valueType === ValueType.INT;
      const times = (p: { startTime: HrTime; endTime: HrTime }) => ({
        start: ns(p.startTime),
        time: ns(p.endTime),
      });
      if (m.dataPointType === DataPointType.HISTOGRAM)
        return {
          ...base,
          type: 'histogram',
          temporality: m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
          points: m.dataPoints.map((p) => {
            const h = p.value as Histogram;
            return {
              attributes: sdkAttrs(p.attributes),
              ...times(p),
              count: BigInt(h.count),
              sum: h.sum,
              min: h.min,
              max: h.max,
              bounds: h.buckets.boundaries,
              counts: h.buckets.counts.map(BigInt),
            };
          }),
        };
      const points = m.dataPoints.map((p) => ({
        attributes: sdkAttrs(p.attributes),
        ...times(p),
        value: int ? BigInt(p.value as number) : (p.value as number),
      }));
      if (m.dataPointType === DataPointType.SUM)
        return {
          ...base,
          type: 'sum',
          monotonic: m.isMonotonic,
          temporality: m.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
          points,
        };
      return { ...base, type: 'gauge', points };
    }),
  );
}

function pdMetricView(d: pd.MetricsData) {
  return d.resourceMetrics.flatMap((rm) =>
    rm.scopeMetrics.flatMap((sm) =>
      sm.metrics.map((m) => {
        const base = {
          scope: `${sm.scope.name}@${sm.scope.version}`,
          name: m.name,
          description: m.description,
          unit: m.unit,
        };
        const num = (p: pd.NumberDataPoint) => ({
          attributes: pdAttrs(p.attributes),
          start: p.startTimeUnixNano,
          time: p.timeUnixNano,
          value: p.asInt ?? p.asDouble,
        });
        if (m.histogram)
          return {
            ...base,
            type: 'histogram',
            temporality: m.histogram.aggregationTemporality,
            points: m.histogram.dataPoints.map((p) => ({
              attributes: pdAttrs(p.attributes),
              start: p.startTimeUnixNano,
              time: p.timeUnixNano,
              count: p.count,
              sum: p.sum,
              min: p.min,
              max: p.max,
              bounds: p.explicitBounds,
              counts: p.bucketCounts,
            })),
          };
        if (m.sum)
          return {
            ...base,
            type: 'sum',
            monotonic: m.sum.isMonotonic,
            temporality: m.sum.aggregationTemporality,
            points: m.sum.dataPoints.map(num),
          };
        return { ...base, type: 'gauge', points: (m.gauge?.dataPoints ?? []).map(num) };
      }),
    ),
  );
}

function metricExporter(t: Transport) {
  if (t === 'grpc') return new MetricsGrpc({ url: grpcUrl });
  if (t === 'http/protobuf') return new MetricsProto({ url: `${httpUrl}/v1/metrics` });
  return new MetricsJson({ url: `${httpUrl}/v1/metrics` });
}

// ---- logs ----

const SPAN_CTX = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

async function sdkLogs(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('app-logger', '2.0.0');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, SPAN_CTX);
  const bodies: unknown[] = [
    'user logged in',
    42,
    3.14,
    true,
    { msg: 'structured', nested: { level: 2, list: [1, 'two', { three: 3 }] } },
    ['x', 7],
    new Uint8Array([0, 1, 254, 255]),
  ];
  bodies.forEach((body, i) => {
    logger.emit({
      body: body as any,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      timestamp: [1_700_000_000, i],
      observedTimestamp: [1_700_000_100, 999_999_999 - i],
      attributes: { i, 'user.roles': ['admin', 'dev'], req: { id: 'r-1', size: 10.5 } },
      context: i % 2 === 0 ? ctx : undefined,
    });
  });
  logger.emit({ eventName: 'session.start', body: 'event', severityNumber: SeverityNumber.INFO });
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

function sdkLogView(r: ReadableLogRecord) {
  return {
    scope: `${r.instrumentationScope.name}@${r.instrumentationScope.version}`,
    time: ns(r.hrTime),
    observed: ns(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    body: sdkValue(r.body),
    attributes: sdkAttrs(r.attributes),
    traceId: r.spanContext?.traceId ?? '',
    spanId: r.spanContext?.spanId ?? '',
    flags: r.spanContext?.traceFlags ?? 0,
    eventName: r.eventName ?? '',
  };
}

function pdLogView(d: pd.LogsData) {
  return d.resourceLogs.flatMap((rl) =>
    rl.scopeLogs.flatMap((sl) =>
      sl.logRecords.map((r) => ({
        scope: `${sl.scope.name}@${sl.scope.version}`,
        time: r.timeUnixNano,
        observed: r.observedTimeUnixNano,
        severityNumber: r.severityNumber,
        severityText: r.severityText,
        body: pdValue(r.body),
        attributes: pdAttrs(r.attributes),
        traceId: hexOf(r.traceId),
        spanId: hexOf(r.spanId),
        flags: r.flags,
        eventName: r.eventName,
      })),
    ),
  );
}

function logExporter(t: Transport) {
  if (t === 'grpc') return new LogsGrpc({ url: grpcUrl });
  if (t === 'http/protobuf') return new LogsProto({ url: `${httpUrl}/v1/logs` });
  return new LogsJson({ url: `${httpUrl}/v1/logs` });
}

// ---- the tests ----

describe.each(TRANSPORTS)('OpenTelemetry JS SDK → otlp receiver over %s', (transport) => {
  it('traces arrive exactly as sent', async () => {
    const spans = await sdkSpans();
    traces.reset();
    await send(traceExporter(transport), spans);
    expect(traces.received).toHaveLength(1);
    const rs = traces.received[0].resourceSpans;
    expect(rs).toHaveLength(1);
    expect(pdAttrs(rs[0].resource.attributes)).toEqual(sdkAttrs(spans[0].resource.attributes));
    const ss = rs[0].scopeSpans[0];
    expect(ss.scope.name).toBe('fixture-scope');
    expect(ss.scope.version).toBe('1.0.0');
    expect(ss.spans.map(pdSpanView)).toEqual(spans.map(sdkSpanView));
    // Spot checks that the comparison is not vacuous.
    const parent = ss.spans.find((s) => s.name === 'parent')!;
    expect(parent.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(parent.links[0].traceState).toBe('vendor=v1');
    expect(parent.attributes.find((a) => a.key === 'http.status_code')?.value).toEqual({ intValue: 201n });
    expect(parent.attributes.find((a) => a.key === 'ratio')?.value).toEqual({ doubleValue: 0.25 });
    expect(ss.spans.find((s) => s.name === 'child')!.status).toEqual({
      code: 2,
      message: 'connection reset',
    });
  });

  it('metrics (sum, gauge, histogram) arrive exactly as sent', async () => {
    const rm = await sdkMetrics();
    metrics.reset();
    await send(metricExporter(transport), rm);
    expect(metrics.received).toHaveLength(1);
    const got = metrics.received[0];
    expect(pdAttrs(got.resourceMetrics[0].resource.attributes)).toEqual(sdkAttrs(RESOURCE));
    const view = pdMetricView(got);
    expect(view).toEqual(sdkMetricView(rm));
    expect(view.map((m) => m.type).sort()).toEqual(['gauge', 'histogram', 'sum']);
    const hist = view.find((m) => m.type === 'histogram') as any;
    expect(hist.points[0].counts).toEqual([1n, 2n, 1n, 1n]);
  });

  it('logs (every body kind, severity, nested attributes, trace context) arrive exactly as sent', async () => {
    const records = await sdkLogs();
    logs.reset();
    await send(logExporter(transport), records);
    expect(logs.received).toHaveLength(1);
    const got = logs.received[0];
    expect(pdAttrs(got.resourceLogs[0].resource.attributes)).toEqual(sdkAttrs(RESOURCE));
    const view = pdLogView(got);
    expect(view).toEqual(records.map(sdkLogView));
    expect(view[0].traceId).toBe(SPAN_CTX.traceId);
    expect(view[4].body).toEqual({
      msg: 'structured',
      nested: { level: 2n, list: [1n, 'two', { three: 3n }] },
    });
    expect(view[6].body).toEqual({ bytes: [0, 1, 254, 255] });
    expect(view[7].eventName).toBe('session.start');
  });
});
