// End to end with the real OpenTelemetry JS SDK: the SDK exports every batch
// twice, once straight to a sink and once through Tsunagi (otlp receiver → batch →
// otlp_grpc / otlp_http exporters) to a second sink. Both sinks decode with the
// upstream protos; what arrives through Tsunagi must equal the direct copy, item by
// item, for all three signals and all three SDK encodings (gRPC, HTTP/protobuf,
// HTTP/JSON).
import {
  type Attributes,
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

type Encoding = 'grpc' | 'http-proto' | 'http-json';
const ENCODINGS: Encoding[] = ['grpc', 'http-proto', 'http-json'];

let direct: OtlpSink;
let via: OtlpSink;
let tsunagi: TsunagiProcess;
let grpcPort: number;
let httpPort: number;

beforeAll(async () => {
  direct = await new OtlpSink().start();
  via = await new OtlpSink().start();
  grpcPort = await freePort();
  httpPort = await freePort();
  tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch: { timeout: 50ms }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${via.grpcPort}
    tls: { insecure: true }
  otlp_http:
    endpoint: http://127.0.0.1:${via.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_grpc] }
    metrics: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
    logs: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`);
});

afterAll(async () => {
  expect(await tsunagi?.stop()).toBe(0);
  await direct?.stop();
  await via?.stop();
});

/** An SDK exporter that hands each batch to two exporters (direct and through Tsunagi). */
class Tee<T> {
  constructor(
    private readonly a: any,
    private readonly b: any,
  ) {}
  export(items: T, cb: (r: { code: number; error?: Error }) => void): void {
    let pending = 2;
    let worst = { code: 0 } as { code: number; error?: Error };
    const done = (r: { code: number; error?: Error }) => {
      if (r.code !== 0) worst = r;
      if (--pending === 0) cb(worst);
    };
    this.a.export(items, done);
    this.b.export(items, done);
  }
  async shutdown() {
    await Promise.all([this.a.shutdown(), this.b.shutdown()]);
  }
  async forceFlush() {}
}

function exporterFor(kind: 'traces' | 'metrics' | 'logs', enc: Encoding, target: 'direct' | 'via'): any {
  const port = target === 'direct' ? direct.grpcPort : grpcPort;
  if (target === 'direct' || enc === 'grpc') {
    const url = `http://127.0.0.1:${port}`;
    return kind === 'traces'
      ? new TraceGrpc({ url })
      : kind === 'metrics'
        ? new MetricsGrpc({ url })
        : new LogsGrpc({ url });
  }
  const url = `http://127.0.0.1:${httpPort}/v1/${kind}`;
  if (enc === 'http-proto')
    return kind === 'traces'
      ? new TraceProto({ url })
      : kind === 'metrics'
        ? new MetricsProto({ url })
        : new LogsProto({ url });
  return kind === 'traces'
    ? new TraceJson({ url })
    : kind === 'metrics'
      ? new MetricsJson({ url })
      : new LogsJson({ url });
}

const resource = (enc: Encoding) =>
  resourceFromAttributes({
    'service.name': 'e2e-app',
    'service.version': '1.2.3',
    'test.encoding': enc,
    'host.cpu.count': 2,
    'deployment.tags': ['a', 'b'],
  });

const richAttributes: Attributes = {
  str: 'héllo wörld ✓',
  int: 9007199254740991,
  neg: -42,
  dbl: 1234.5678,
  bool: true,
  'empty.str': '',
  'arr.str': ['x', 'y', ''],
  'arr.int': [1, 2, 3],
  'arr.dbl': [0.5, -1.25],
  'arr.bool': [true, false],
};

/** Flattens decoded requests to one entry per item with its resource and scope, sorted by `keyOf`. */
function flatten(requests: any[], rKey: string, sKey: string, iKey: string, keyOf: (item: any) => string) {
  const out: any[] = [];
  for (const req of requests)
    for (const r of req[rKey] ?? [])
      for (const s of r[sKey] ?? [])
        for (const item of s[iKey] ?? [])
          out.push({
            resource: r.resource,
            rSchema: r.schemaUrl,
            scope: s.scope,
            sSchema: s.schemaUrl,
            item,
          });
  return out.sort((x, y) => keyOf(x.item).localeCompare(keyOf(y.item)));
}

const ofEncoding = (enc: Encoding) => (e: any) =>
  e.resource.attributes.some((kv: any) => kv.key === 'test.encoding' && kv.value.stringValue === enc);

describe.each(ENCODINGS)('SDK over %s → Tsunagi → next hop', (enc) => {
  test('traces arrive bit-identical (traceState, 2^62 attribute, dropped counts)', async () => {
    const provider = new BasicTracerProvider({
      resource: resource(enc),
      // Limits the SDK enforces by dropping, so the dropped_* counts are non-zero.
      spanLimits: {
        attributeCountLimit: 8,
        eventCountLimit: 2,
        linkCountLimit: 1,
        attributePerEventCountLimit: 1,
        attributePerLinkCountLimit: 1,
      },
      spanProcessors: [
        new SimpleSpanProcessor(
          new Tee(exporterFor('traces', enc, 'direct'), exporterFor('traces', enc, 'via')),
        ),
      ],
    });
    const tracer = provider.getTracer('e2e-scope', '0.9.1');
    const linkTarget = tracer.startSpan('link-target');
    linkTarget.end();
    // A remote parent with a W3C tracestate, which the root span inherits.
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b173',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState('vendor=abc,other=x-1'),
    });
    // 2^62 is an exact double beyond 2^53: an int attribute the SDK can carry.
    // First, so the attribute limit (8 of 11) drops others, not this one.
    const root = tracer.startSpan(
      'GET /orders',
      { kind: SpanKind.SERVER, attributes: { 'int.big': 2 ** 62, ...richAttributes } },
      remote,
    );
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const child = tracer.startSpan(
      'db.query',
      {
        kind: SpanKind.CLIENT,
        links: [
          { context: root.spanContext(), attributes: { 'link.reason': 'dropped' } },
          { context: linkTarget.spanContext(), attributes: { 'link.reason': 'retry-of', 'link.n': 2 } },
        ],
      },
      ctx,
    );
    child.addEvent('early', { dropped: true });
    child.addEvent('cache.miss', { 'cache.key': 'orders:42', 'cache.ttl': 30 });
    child.addEvent('exception', { 'exception.message': 'boom' }, [1_700_000_000, 123_456_789]);
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
    child.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
    await context.with(ctx, async () => {});
    await provider.forceFlush();

    const match = ofEncoding(enc);
    await waitFor(
      () =>
        flatten(via.requests.traces, 'resourceSpans', 'scopeSpans', 'spans', (s) => s.spanId).filter(match)
          .length === 3,
      'three spans through Tsunagi',
    );
    const want = flatten(
      direct.requests.traces,
      'resourceSpans',
      'scopeSpans',
      'spans',
      (s) => s.spanId,
    ).filter(match);
    const got = flatten(via.requests.traces, 'resourceSpans', 'scopeSpans', 'spans', (s) => s.spanId).filter(
      match,
    );
    expect(want).toHaveLength(3);
    const bigOf = (list: any[]) =>
      list.find((e) => e.item.name === 'GET /orders').item.attributes.find((kv: any) => kv.key === 'int.big')
        .value.intValue;
    // Direct (always gRPC here) carries 2^62 exactly.
    expect(bigOf(want)).toBe('4611686018427387904');
    if (enc === 'http-json') {
      // The SDK's JSON writes the number with JSON.stringify: 4611686018427388000,
      // the shortest text of that double. Tsunagi decodes the literal exactly, as
      // the collector does, so that is what is forwarded.
      expect(bigOf(got)).toBe('4611686018427388000');
      for (const list of [got, want])
        for (const kv of list.find((e) => e.item.name === 'GET /orders').item.attributes)
          if (kv.key === 'int.big') kv.value.intValue = 'compared above';
    }
    expect(got).toEqual(want);
    const rootSpan = got.find((e) => e.item.name === 'GET /orders').item;
    expect(rootSpan.traceState).toBe('vendor=abc,other=x-1');
    expect(rootSpan.droppedAttributesCount).toBe(3);
    const dbSpan = got.find((e) => e.item.name === 'db.query').item;
    expect(dbSpan.events.map((e: any) => e.name)).toEqual(['cache.miss', 'exception']);
    expect(dbSpan.events[1].timeUnixNano).toBe('1700000000123456789');
    expect(dbSpan.droppedEventsCount).toBe(1);
    expect(dbSpan.events[0].droppedAttributesCount).toBe(1);
    expect(dbSpan.links).toHaveLength(1);
    expect(dbSpan.droppedLinksCount).toBe(1);
    expect(dbSpan.links[0].droppedAttributesCount).toBe(1);
    expect(dbSpan.status).toEqual({ code: 2, message: 'upstream failed' });
    await provider.shutdown();
  });

  test('metrics arrive bit-identical', async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new Tee(exporterFor('metrics', enc, 'direct'), exporterFor('metrics', enc, 'via')) as any,
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ resource: resource(enc), readers: [reader] });
    const meter = provider.getMeter('e2e-meter', '2.0.0');
    meter
      .createCounter('orders.placed', { unit: '{order}', description: 'Orders placed' })
      .add(5, { region: 'eu' });
    meter.createUpDownCounter('queue.depth').add(-3);
    meter.createHistogram('http.server.duration', { unit: 'ms' }).record(12.5, { route: '/orders' });
    meter.createObservableGauge('cpu.temp').addCallback((r) => r.observe(61.5, { core: 0 }));
    await provider.forceFlush();

    const match = ofEncoding(enc);
    const flat = (reqs: any[]) =>
      flatten(reqs, 'resourceMetrics', 'scopeMetrics', 'metrics', (m) => m.name).filter(match);
    await waitFor(() => flat(via.requests.metrics).length === 4, 'four metrics through Tsunagi');
    const want = flat(direct.requests.metrics);
    expect(want).toHaveLength(4);
    expect(flat(via.requests.metrics)).toEqual(want);
    await provider.shutdown();
  });

  test('logs arrive bit-identical', async () => {
    const provider = new LoggerProvider({
      resource: resource(enc),
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new Tee(exporterFor('logs', enc, 'direct'), exporterFor('logs', enc, 'via')) as any,
        }),
      ],
    });
    const logger = provider.getLogger('e2e-logger', '3.0.0');
    const span = new BasicTracerProvider().getTracer('t').startSpan('with-logs');
    const spanCtx = trace.setSpan(ROOT_CONTEXT, span);
    logger.emit({
      body: 'plain line',
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      context: spanCtx,
    });
    logger.emit({
      body: { msg: 'structured', nested: { list: [1, 'two', false], deep: { x: 1.5 } } } as any,
      severityNumber: SeverityNumber.ERROR2,
      attributes: { ...richAttributes, 'map.attr': { k: 'v', n: 1 } as any },
      timestamp: [1_700_000_001, 999_999_999],
      eventName: 'order.failed',
    });
    await provider.forceFlush();

    const match = ofEncoding(enc);
    const key = (l: any) => JSON.stringify(l.body);
    const flat = (reqs: any[]) => flatten(reqs, 'resourceLogs', 'scopeLogs', 'logRecords', key).filter(match);
    await waitFor(() => flat(via.requests.logs).length === 2, 'two log records through Tsunagi');
    const want = flat(direct.requests.logs);
    expect(want).toHaveLength(2);
    expect(flat(via.requests.logs)).toEqual(want);
    const plain = flat(via.requests.logs).find((e) => e.item.body.stringValue === 'plain line').item;
    expect(Buffer.from(plain.traceId, 'base64').toString('hex')).toBe(span.spanContext().traceId);
    await provider.shutdown();
  });
});
