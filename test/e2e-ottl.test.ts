// End to end through the binary: an app on the OpenTelemetry JS SDK sends
// spans (OTLP/gRPC) and logs (OTLP/HTTP protobuf, pooled request bodies) →
// transform (redacts an attribute, parses a JSON body into attributes, sets
// the severity from a field) → filter (drops health-check spans and debug
// logs) → batch → OTLP sink, which decodes with the upstream protos. Every
// export was answered before Tsunagi is stopped, and SIGTERM delivers what was
// answered, so the sink's contents are final: exact counts and contents.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess } from './support/tsunagi-process.js';

let sink: OtlpSink;
let tsunagi: TsunagiProcess | undefined;
let grpcPort: number;
let httpPort: number;

beforeAll(async () => {
  sink = await new OtlpSink().start();
  grpcPort = await freePort();
  httpPort = await freePort();
  tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  transform:
    error_mode: ignore
    trace_statements:
      - set(span.attributes["user.password"], "***") where span.attributes["user.password"] != nil
    log_statements:
      - merge_maps(log.attributes, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")
      - set(log.severity_number, SEVERITY_NUMBER_DEBUG) where log.attributes["level"] == "debug"
      - set(log.severity_number, SEVERITY_NUMBER_ERROR) where log.attributes["level"] == "error"
      - set(log.severity_text, "ERROR") where log.attributes["level"] == "error"
  filter:
    error_mode: ignore
    trace_conditions:
      - span.attributes["http.route"] == "/healthz"
    log_conditions:
      - log.severity_number < SEVERITY_NUMBER_INFO and log.severity_number != SEVERITY_NUMBER_UNSPECIFIED
  batch: { timeout: 50ms }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sink.grpcPort}
    tls: { insecure: true }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [transform, filter, batch], exporters: [otlp_grpc] }
    logs: { receivers: [otlp], processors: [transform, filter, batch], exporters: [otlp_grpc] }
`);
});

afterAll(async () => {
  await tsunagi?.stop();
  await sink?.stop();
});

/** An attribute's value as protobufjs decoded it (int64 as a Long-like or number). */
const attr = (kvs: any[] | undefined, key: string) => {
  const v = (kvs ?? []).find((kv) => kv.key === key)?.value;
  if (v === undefined) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
};
const keys = (kvs: any[] | undefined) => (kvs ?? []).map((kv) => kv.key).sort();

test('transform then filter shape what the app sends', async () => {
  const resource = resourceFromAttributes({ 'service.name': 'shop' });
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}` }))],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${httpPort}/v1/logs` }),
      }),
    ],
  });
  const t = tracer.getTracer('app');
  for (let i = 0; i < 3; i++) t.startSpan('GET /healthz', { attributes: { 'http.route': '/healthz' } }).end();
  const logins = [0, 1].map((i) => {
    const s = t.startSpan('POST /login', {
      attributes: { 'http.route': '/login', 'user.password': `hunter${i}`, 'user.name': 'bob' },
    });
    s.end();
    return s.spanContext();
  });
  t.startSpan('GET /orders', { attributes: { 'http.route': '/orders' } }).end();
  const l = logs.getLogger('app');
  l.emit({ body: '{"level":"debug","msg":"cache miss"}' });
  l.emit({ body: '{"level":"debug","msg":"cache hit"}' });
  l.emit({ body: '{"level":"error","msg":"payment failed","order":42}' });
  l.emit({ body: 'plain text line', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
  l.emit({ body: 'old debug line', severityNumber: SeverityNumber.DEBUG });
  l.emit({ body: '{"level":"info","msg":"paid"}', attributes: { 'order.id': 'o-7' } });
  // Every export answered: Tsunagi accepted all of it. SIGTERM delivers what it accepted.
  await tracer.forceFlush();
  await logs.forceFlush();
  await tracer.shutdown();
  await logs.shutdown();
  expect(await tsunagi!.stop()).toBe(0);
  tsunagi = undefined;

  const spans = sink.requests.traces.flatMap((r) =>
    r.resourceSpans.flatMap((rs: any) => {
      expect(attr(rs.resource.attributes, 'service.name')).toBe('shop');
      return rs.scopeSpans.flatMap((ss: any) => ss.spans);
    }),
  );
  expect(spans.map((s: any) => s.name).sort()).toEqual(['GET /orders', 'POST /login', 'POST /login']);
  const loginIds = spans
    .filter((s: any) => s.name === 'POST /login')
    .map((s: any) => Buffer.from(s.spanId, 'base64').toString('hex'))
    .sort();
  expect(loginIds).toEqual(logins.map((c) => c.spanId).sort());
  for (const s of spans.filter((x: any) => x.name === 'POST /login')) {
    expect(keys(s.attributes)).toEqual(['http.route', 'user.name', 'user.password']);
    expect(attr(s.attributes, 'user.password')).toBe('***');
    expect(attr(s.attributes, 'user.name')).toBe('bob');
  }
  const orders = spans.find((x: any) => x.name === 'GET /orders');
  expect(keys(orders.attributes)).toEqual(['http.route']);

  const records = sink.requests.logs.flatMap((r) =>
    r.resourceLogs.flatMap((rl: any) => {
      expect(attr(rl.resource.attributes, 'service.name')).toBe('shop');
      return rl.scopeLogs.flatMap((sl: any) => sl.logRecords);
    }),
  );
  const byBody = new Map(records.map((r: any) => [r.body.stringValue, r]));
  expect([...byBody.keys()].sort()).toEqual(
    [
      'plain text line',
      '{"level":"error","msg":"payment failed","order":42}',
      '{"level":"info","msg":"paid"}',
    ].sort(),
  );
  expect(records).toHaveLength(3);
  const err = byBody.get('{"level":"error","msg":"payment failed","order":42}');
  expect([err.severityNumber, err.severityText]).toEqual([SeverityNumber.ERROR, 'ERROR']);
  expect(keys(err.attributes)).toEqual(['level', 'msg', 'order']);
  expect([attr(err.attributes, 'level'), attr(err.attributes, 'msg'), attr(err.attributes, 'order')]).toEqual(
    ['error', 'payment failed', 42],
  );
  // JSON numbers parse as doubles (ParseJSON, as in the collector)
  expect(err.attributes.find((kv: any) => kv.key === 'order').value.doubleValue).toBe(42);
  const info = byBody.get('{"level":"info","msg":"paid"}');
  expect(info.severityNumber ?? 0).toBe(0);
  expect(keys(info.attributes)).toEqual(['level', 'msg', 'order.id']);
  expect(attr(info.attributes, 'order.id')).toBe('o-7');
  const plainLine = byBody.get('plain text line');
  expect([plainLine.severityNumber, plainLine.severityText, plainLine.attributes ?? []]).toEqual([
    SeverityNumber.INFO,
    'INFO',
    [],
  ]);
});
