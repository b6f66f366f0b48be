// Connectors end to end through the built binary, with spans and log records
// made and exported by the OpenTelemetry JS SDK and sinks that decode with
// the upstream protos:
// - traces → span_metrics → metrics: call counts and duration bucket counts
//   equal what the spans imply;
// - routing by a resource attribute: each tenant's spans reach its own sink,
//   exactly, the rest the default pipeline's;
// - count of log records (default and custom metric);
// - a sender through batch → routing → an exporter with a sending queue is
//   answered at once: the batch's 60 s timer holds no answer.
import { type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

async function sink(): Promise<OtlpSink> {
  const s = await new OtlpSink().start();
  running.push(s);
  return s;
}

async function tsunagi(yaml: string): Promise<TsunagiProcess> {
  const t = await startTsunagi(yaml);
  running.push(t);
  return t;
}

interface SpanSpec {
  name: string;
  ms: number;
  kind: SpanKind;
  error?: boolean;
}

/** Spans made by the SDK for a resource, with exact durations. */
async function sdkSpans(resource: Record<string, string>, specs: SpanSpec[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('shop-app', '1.0.0');
  for (const s of specs) {
    const start: HrTime = [1_700_000_000, 0];
    const span = tracer.startSpan(s.name, { kind: s.kind, startTime: start });
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end([1_700_000_000 + Math.floor(s.ms / 1000), Math.round((s.ms % 1000) * 1e6)]);
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** Exports with the SDK's OTLP/HTTP protobuf exporter; resolves with its result code (0 = success). */
function sdkExport(port: number, spans: ReadableSpan[]): Promise<number> {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` });
  return new Promise((resolve) => exporter.export(spans, (r) => resolve(r.code))).finally(() =>
    exporter.shutdown(),
  ) as Promise<number>;
}

const attrs = (list: any[]) =>
  Object.fromEntries(
    (list ?? []).map((kv: any) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.boolValue]),
  );

/** The latest data point of each series of metric `name` at the sink, keyed by `keyOf(attributes)`. */
function latest(s: OtlpSink, name: string, keyOf: (a: Record<string, unknown>) => string) {
  const out = new Map<string, { time: bigint; point: any; resource: Record<string, unknown> }>();
  for (const req of s.requests.metrics)
    for (const rm of req.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics) {
          if (m.name !== name) continue;
          for (const p of (m.sum ?? m.histogram).dataPoints) {
            const k = keyOf(attrs(p.attributes));
            const time = BigInt(p.timeUnixNano);
            const prev = out.get(k);
            if (!prev || time >= prev.time)
              out.set(k, { time, point: p, resource: attrs(rm.resource.attributes) });
          }
        }
  return out;
}

describe('connectors through the binary', () => {
  it('traces → span_metrics → metrics: calls and duration buckets equal what the spans imply', async () => {
    const metrics = await sink();
    const port = await freePort();
    await tsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
connectors:
  span_metrics:
    metrics_flush_interval: 100ms
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${metrics.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [span_metrics] }
    metrics: { receivers: [span_metrics], exporters: [otlp_http] }
`);
    const specs: SpanSpec[] = [
      ...[1, 2, 3, 5, 9, 45].map((ms) => ({ name: 'GET /cart', ms, kind: SpanKind.SERVER })),
      ...[120, 2500].map((ms) => ({ name: 'GET /cart', ms, kind: SpanKind.SERVER, error: true })),
      ...[0.5, 7, 7, 1400, 20_000].map((ms) => ({ name: 'SELECT', ms, kind: SpanKind.CLIENT })),
    ];
    // two requests, as an app exports batch by batch
    expect(await sdkExport(port, await sdkSpans({ 'service.name': 'shop' }, specs.slice(0, 7)))).toBe(0);
    expect(await sdkExport(port, await sdkSpans({ 'service.name': 'shop' }, specs.slice(7)))).toBe(0);

    // What the spans imply: the collector's default bounds, upper bounds inclusive.
    const bounds = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];
    const series = (s: SpanSpec) =>
      `${s.name}|${s.kind === SpanKind.SERVER ? 'SPAN_KIND_SERVER' : 'SPAN_KIND_CLIENT'}|${s.error ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET'}`;
    const expectedCalls: Record<string, string> = {};
    const expectedBuckets: Record<string, string[]> = {};
    for (const s of specs) {
      const k = series(s);
      expectedCalls[k] = String(Number(expectedCalls[k] ?? 0) + 1);
      expectedBuckets[k] ??= new Array(bounds.length + 1).fill('0');
      const b = expectedBuckets[k];
      let i = bounds.findIndex((bound) => s.ms <= bound);
      if (i < 0) i = bounds.length;
      b[i] = String(Number(b[i]) + 1);
    }
    const keyOf = (a: Record<string, unknown>) => `${a['span.name']}|${a['span.kind']}|${a['status.code']}`;
    const callsNow = () =>
      Object.fromEntries(
        [...latest(metrics, 'traces.span.metrics.calls', keyOf)].map(([k, v]) => [k, v.point.asInt]),
      );
    // Cumulative sums: the latest point of each series carries the total so far.
    await waitFor(
      () => Object.entries(expectedCalls).every(([k, v]) => callsNow()[k] === v),
      `call counts ${JSON.stringify(expectedCalls)} (have ${JSON.stringify(callsNow())})`,
    );
    expect(callsNow()).toEqual(expectedCalls);
    const durations = latest(metrics, 'traces.span.metrics.duration', keyOf);
    expect(Object.fromEntries([...durations].map(([k, v]) => [k, v.point.bucketCounts]))).toEqual(
      expectedBuckets,
    );
    for (const [, { point, resource }] of durations) {
      expect(point.explicitBounds).toEqual(bounds);
      expect(attrs(point.attributes)['service.name']).toBe('shop');
      expect(attrs(point.attributes)['collector.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(resource['service.name']).toBe('shop');
    }
    const cart = durations.get('GET /cart|SPAN_KIND_SERVER|STATUS_CODE_UNSET')!.point;
    expect(cart.count).toBe('6');
    expect(cart.sum).toBeCloseTo(65, 6);
  });

  it('routing by a resource attribute: each tenant to its sink exactly, the rest to the default pipeline', async () => {
    const [acme, ecorp, other] = [await sink(), await sink(), await sink()];
    const port = await freePort();
    await tsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
connectors:
  routing:
    default_pipelines: [traces/other]
    table:
      - condition: attributes["tenant"] == "acme"
        pipelines: [traces/acme]
      - statement: route() where attributes["tenant"] == "ecorp"
        pipelines: [traces/ecorp]
exporters:
  otlp_http/acme: { endpoint: http://127.0.0.1:${acme.httpPort} }
  otlp_http/ecorp: { endpoint: http://127.0.0.1:${ecorp.httpPort} }
  otlp_grpc/other:
    endpoint: 127.0.0.1:${other.grpcPort}
    tls: { insecure: true }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/in: { receivers: [otlp], exporters: [routing] }
    traces/acme: { receivers: [routing], exporters: [otlp_http/acme] }
    traces/ecorp: { receivers: [routing], exporters: [otlp_http/ecorp] }
    traces/other: { receivers: [routing], exporters: [otlp_grpc/other] }
`);
    const spans = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, ms: 1, kind: SpanKind.INTERNAL }));
    const sent = {
      acme: [...(await sdkSpans({ 'service.name': 'a', tenant: 'acme' }, spans(7, 'acme')))],
      ecorp: [...(await sdkSpans({ 'service.name': 'e', tenant: 'ecorp' }, spans(4, 'ecorp')))],
      globex: [...(await sdkSpans({ 'service.name': 'g', tenant: 'globex' }, spans(3, 'globex')))],
      none: [...(await sdkSpans({ 'service.name': 'n' }, spans(2, 'none')))],
    };
    // one request with every tenant in it, and one per tenant
    expect(await sdkExport(port, [...sent.acme.slice(0, 3), ...sent.ecorp.slice(0, 2), ...sent.globex])).toBe(
      0,
    );
    expect(await sdkExport(port, sent.acme.slice(3))).toBe(0);
    expect(await sdkExport(port, sent.ecorp.slice(2))).toBe(0);
    expect(await sdkExport(port, sent.none)).toBe(0);
    const names = (s: OtlpSink) =>
      s.requests.traces
        .flatMap((r) => r.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)))
        .map((sp: any) => sp.name)
        .sort();
    await waitFor(
      () => names(acme).length >= 7 && names(ecorp).length >= 4 && names(other).length >= 5,
      'spans at the three sinks',
    );
    await new Promise((r) => setTimeout(r, 200)); // nothing more may arrive
    expect(names(acme)).toEqual(
      spans(7, 'acme')
        .map((s) => s.name)
        .sort(),
    );
    expect(names(ecorp)).toEqual(
      spans(4, 'ecorp')
        .map((s) => s.name)
        .sort(),
    );
    expect(names(other)).toEqual([...spans(3, 'globex'), ...spans(2, 'none')].map((s) => s.name).sort());
  });

  it('count of log records from an SDK app, default and custom metrics', async () => {
    const out = await sink();
    const port = await freePort();
    await tsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
connectors:
  count:
    logs:
      log.record.count:
        description: The number of log records observed.
      app.error.log.count:
        description: Error+ logs per component.
        conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
        attributes: [{key: component, default_value: unknown}]
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${out.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [otlp], exporters: [count] }
    metrics: { receivers: [count], exporters: [otlp_http] }
`);
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const logger = provider.getLogger('shop-log');
    const emit = (sev: SeverityNumber, component?: string) =>
      logger.emit({ body: 'line', severityNumber: sev, attributes: component ? { component } : {} });
    for (let i = 0; i < 9; i++) emit(SeverityNumber.INFO, 'cart');
    for (let i = 0; i < 3; i++) emit(SeverityNumber.ERROR, 'cart');
    emit(SeverityNumber.FATAL, 'db');
    emit(SeverityNumber.ERROR);
    await provider.forceFlush();
    const records = memory.getFinishedLogRecords();
    const exporter = new OTLPLogExporter({ url: `http://127.0.0.1:${port}/v1/logs` });
    const code = await new Promise<number>((resolve) => exporter.export(records, (r) => resolve(r.code)));
    await exporter.shutdown();
    expect(code).toBe(0);

    const points = () =>
      out.requests.metrics.flatMap((r) =>
        r.resourceMetrics.flatMap((rm: any) =>
          rm.scopeMetrics.flatMap((sm: any) =>
            sm.metrics.flatMap((m: any) =>
              m.sum.dataPoints.map((p: any) => ({
                name: m.name,
                attrs: attrs(p.attributes),
                value: Number(p.asInt),
              })),
            ),
          ),
        ),
      );
    await waitFor(() => points().length >= 4, 'the counts at the sink');
    const sum = (name: string, component?: string) =>
      points()
        .filter((p) => p.name === name && (component === undefined || p.attrs.component === component))
        .reduce((a, p) => a + p.value, 0);
    expect(sum('log.record.count')).toBe(14);
    expect(sum('app.error.log.count', 'cart')).toBe(3);
    expect(sum('app.error.log.count', 'db')).toBe(1);
    expect(sum('app.error.log.count', 'unknown')).toBe(1);
    expect(out.requests.metrics[0].resourceMetrics[0].scopeMetrics[0].scope.name).toBe(
      'otelcol/countconnector',
    );
  });

  it('batch → routing → a pipeline without batch to otlp_http: the sender is answered at once', async () => {
    const next = await sink();
    const port = await freePort();
    const t = await tsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch: { timeout: 60s, send_batch_size: 100000 }
connectors:
  routing:
    default_pipelines: [traces/out]
    table:
      - condition: attributes["tenant"] == "acme"
        pipelines: [traces/out]
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${next.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces/in: { receivers: [otlp], processors: [batch], exporters: [routing] }
    traces/out: { receivers: [routing], exporters: [otlp_http] }
`);
    const spans = await sdkSpans(
      { 'service.name': 'a', tenant: 'acme' },
      Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, ms: 1, kind: SpanKind.SERVER })),
    );
    // The SDK's export resolves with success while the spans wait for the batch (in the
    // exporter's queue, 60 s timer, 100000 spans): the answer did not wait for either.
    expect(await sdkExport(port, spans)).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(next.requests.traces).toHaveLength(0);
    // SIGTERM flushes the batch through to the next hop.
    expect(await t.stop()).toBe(0);
    await waitFor(() => next.requests.traces.length > 0, 'the batch at the next hop');
    const got = next.requests.traces.flatMap((r) =>
      r.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
    );
    expect(got).toHaveLength(20);
  });
});
