// End to end through the binary, the pipeline issue 15 names: an app on the
// OpenTelemetry JS SDK → transform (redacts an attribute; parses a JSON log
// body into attributes and sets the severity from a field) → filter (drops
// health-check spans and debug logs) → tail_sampling (every error trace and
// 10 % of the rest, decided per trace; traces only) → OTLP sink, which decodes
// with the upstream protos. Exact expectations, computed from the rules:
// - a span that the filter drops never reaches tail_sampling: its error does
//   not keep its trace, and a trace made only of health checks is gone;
// - a kept trace arrives whole (every span the filter let through), redacted;
// - the 10 % is the collector's hash (FNV-1a 64 of the default salt and the
//   trace ID against MaxUint64 × 0.1), recomputed here from its definition.
// Traces go over OTLP/HTTP protobuf (pooled request bodies), logs over gRPC.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const TRACES = 160;
/** floor(big.Float(MaxUint64) × 0.1) at 64-bit precision: computed with exact rational arithmetic. */
const THRESHOLD_10_PERCENT = 1844674407370955263n;

function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}
const keptByTenPercent = (traceIdHex: string) =>
  fnv1a64(Buffer.concat([Buffer.from('default-hash-seed'), Buffer.from(traceIdHex, 'hex')])) <=
  THRESHOLD_10_PERCENT;

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
    traces:
      span:
        - attributes["http.route"] == "/healthz"
    logs:
      log_record:
        - severity_number < SEVERITY_NUMBER_INFO and severity_number != SEVERITY_NUMBER_UNSPECIFIED
  tail_sampling:
    decision_wait: 1s
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: ten-percent, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sink.grpcPort}
    tls: { insecure: true }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [transform, filter, tail_sampling], exporters: [otlp_grpc] }
    logs: { receivers: [otlp], processors: [transform, filter], exporters: [otlp_grpc] }
`);
});

afterAll(async () => {
  if (tsunagi?.child.exitCode === null) await tsunagi.stop();
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
const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');

test('SDK → transform → filter → tail_sampling → sink: exactly the expected traces and logs, shaped', async () => {
  const resource = resourceFromAttributes({ 'service.name': 'shop' });
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), {
        scheduledDelayMillis: 100,
        maxExportBatchSize: 128,
      }),
    ],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${grpcPort}` }),
        scheduledDelayMillis: 100,
      }),
    ],
  });
  const t = tracer.getTracer('app');

  /** trace ID → the span names expected at the sink (empty: the trace must not arrive). */
  const expected = new Map<string, string[]>();
  /** span ID → the password the app set (every one must arrive redacted). */
  const passwords = new Map<string, string>();
  let errorKept = 0;
  let hashKept = 0;
  let probeErrorOnly = 0;
  for (let i = 0; i < TRACES; i++) {
    if (i % 4 === 0) {
      // a health check on its own: the filter drops it, failing or not; nothing of it arrives
      const probe = t.startSpan('GET /healthz', { attributes: { 'http.route': '/healthz' } });
      if (i % 8 === 0) probe.setStatus({ code: SpanStatusCode.ERROR });
      probe.end();
      expected.set(probe.spanContext().traceId, []);
      continue;
    }
    const root = t.startSpan('POST /login', {
      attributes: { 'http.route': '/login', 'user.password': `hunter${i}`, 'user.name': `u${i}` },
    });
    const ctx = trace.setSpan(context.active(), root);
    const traceId = root.spanContext().traceId;
    passwords.set(root.spanContext().spanId, `hunter${i}`);
    const failing = i % 4 === 2 && i % 3 === 0;
    const db = t.startSpan('SELECT users', { attributes: { 'db.system': 'postgresql' } }, ctx);
    if (failing) db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    db.end();
    // a failing health probe inside the trace: dropped before sampling, so its error keeps nothing
    const probeFails = i % 4 === 1;
    if (probeFails) {
      const probe = t.startSpan('GET /healthz', { attributes: { 'http.route': '/healthz' } }, ctx);
      probe.setStatus({ code: SpanStatusCode.ERROR });
      probe.end();
    }
    root.end();
    const byHash = keptByTenPercent(traceId);
    if (failing) errorKept++;
    else if (byHash) hashKept++;
    if (probeFails && !byHash) probeErrorOnly++;
    expected.set(traceId, failing || byHash ? ['POST /login', 'SELECT users'] : []);
  }

  const l = logs.getLogger('app');
  l.emit({ body: '{"level":"debug","msg":"cache miss"}' });
  l.emit({ body: '{"level":"error","msg":"payment failed","order":42}' });
  l.emit({ body: 'plain text line', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
  l.emit({ body: 'old debug line', severityNumber: SeverityNumber.DEBUG });
  l.emit({ body: '{"level":"info","msg":"paid","user.password":"x"}', attributes: { 'order.id': 'o-7' } });

  // Every export answered: Tsunagi accepted all of it.
  await tracer.forceFlush();
  await logs.forceFlush();
  await tracer.shutdown();
  await logs.shutdown();

  // the data is such that each rule is exercised
  expect(errorKept).toBeGreaterThan(5);
  expect(hashKept).toBeGreaterThan(0);
  expect(probeErrorOnly).toBeGreaterThan(10);

  // decided on the processor's own timer, about decision_wait after each trace's first span
  const total = [...expected.values()].reduce((n, names) => n + names.length, 0);
  const spansAtSink = () =>
    sink.requests.traces.reduce(
      (n, req) =>
        n +
        (req.resourceSpans ?? []).reduce(
          (m: number, rs: any) =>
            m + (rs.scopeSpans ?? []).reduce((k: number, ss: any) => k + (ss.spans ?? []).length, 0),
          0,
        ),
      0,
    );
  await waitFor(
    () => spansAtSink() >= total && sink.requests.logs.length > 0,
    'the sampled spans at the sink',
    30_000,
  );
  // SIGTERM decides what is still pending and delivers it: the sink's contents are final
  expect(await tsunagi!.stop()).toBe(0);
  tsunagi = undefined;

  const got = new Map<string, string[]>();
  for (const req of sink.requests.traces)
    for (const rs of req.resourceSpans ?? []) {
      expect(attr(rs.resource.attributes, 'service.name')).toBe('shop');
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          const id = hex(s.traceId);
          got.set(id, [...(got.get(id) ?? []), s.name]);
          if (s.name === 'POST /login') {
            expect(passwords.has(hex(s.spanId))).toBe(true);
            expect(keys(s.attributes)).toEqual(['http.route', 'user.name', 'user.password']);
            expect(attr(s.attributes, 'user.password')).toBe('***');
            expect(attr(s.attributes, 'http.route')).toBe('/login');
          } else {
            expect(s.name).toBe('SELECT users');
            expect(keys(s.attributes)).toEqual(['db.system']);
          }
        }
    }
  const want = [...expected]
    .filter(([, names]) => names.length > 0)
    .map(([id, names]) => [id, [...names].sort()]);
  expect([...got].map(([id, names]) => [id, [...names].sort()]).sort()).toEqual(want.sort());

  const records = sink.requests.logs.flatMap((r) =>
    r.resourceLogs.flatMap((rl: any) => {
      expect(attr(rl.resource.attributes, 'service.name')).toBe('shop');
      return rl.scopeLogs.flatMap((sl: any) => sl.logRecords);
    }),
  );
  const byBody = new Map(records.map((r: any) => [r.body.stringValue, r]));
  expect(records).toHaveLength(3);
  expect([...byBody.keys()].sort()).toEqual(
    [
      'plain text line',
      '{"level":"error","msg":"payment failed","order":42}',
      '{"level":"info","msg":"paid","user.password":"x"}',
    ].sort(),
  );
  const err = byBody.get('{"level":"error","msg":"payment failed","order":42}');
  expect([err.severityNumber, err.severityText]).toEqual([SeverityNumber.ERROR, 'ERROR']);
  expect(keys(err.attributes)).toEqual(['level', 'msg', 'order']);
  expect(err.attributes.find((kv: any) => kv.key === 'order').value.doubleValue).toBe(42);
  const info = byBody.get('{"level":"info","msg":"paid","user.password":"x"}');
  expect(info.severityNumber ?? 0).toBe(0);
  expect(keys(info.attributes)).toEqual(['level', 'msg', 'order.id', 'user.password']);
  expect([attr(info.attributes, 'msg'), attr(info.attributes, 'order.id')]).toEqual(['paid', 'o-7']);
  const plainLine = byBody.get('plain text line');
  expect([plainLine.severityNumber, plainLine.severityText, plainLine.attributes ?? []]).toEqual([
    SeverityNumber.INFO,
    'INFO',
    [],
  ]);
});
