// One trace, found with all of its logs, whatever path each piece took: an app
// instrumented with the OpenTelemetry JS SDK sends spans and logs over OTLP, a
// legacy service sends a span of the same trace as Jaeger thrift over HTTP, and a
// plain-text log line carries only `trace_id=…` in its body. Through Tsunagi
// (otlp + jaeger receivers, tracelink, batch) the spans meet in one trace at the
// OTLP next hop, and a query by trace ID in the Loki and Elasticsearch stand-ins
// returns every line of the request.
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, expect, test } from 'vitest';
import { EsStandin } from './support/es-standin.js';
import { encodeBatch } from './support/jaeger-peer.js';
import { LokiStandin } from './support/loki-standin.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('a trace and all of its logs are found together across OTLP, Jaeger, Loki and Elasticsearch', async () => {
  const loki = await new LokiStandin().start();
  const es = await new EsStandin().start();
  const sink = await new OtlpSink().start();
  cleanups.push(
    () => loki.close(),
    () => es.close(),
    () => sink.stop(),
  );
  const [otlpPort, jaegerPort] = [await freePort(), await freePort()];
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
  jaeger:
    protocols:
      thrift_http: { endpoint: 127.0.0.1:${jaegerPort} }
processors:
  tracelink:
  batch: { timeout: 50ms }
exporters:
  loki:
    endpoint: ${loki.url}
  elasticsearch:
    endpoint: ${es.url}
  otlp_grpc:
    endpoint: 127.0.0.1:${sink.grpcPort}
    tls: { insecure: true }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [otlp], processors: [tracelink, batch], exporters: [loki, elasticsearch] }
    traces: { receivers: [otlp, jaeger], processors: [batch], exporters: [otlp_grpc] }
`);
  cleanups.push(() => tsunagi.stop());

  // The instrumented app: one server span, two log lines inside it.
  const resource = resourceFromAttributes({ 'service.name': 'checkout', 'k8s.namespace.name': 'shop' });
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` })),
    ],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${otlpPort}/v1/logs` }),
      }),
    ],
  });
  const span = tracer.getTracer('checkout').startSpan('POST /checkout');
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  const { traceId, spanId } = span.spanContext();
  const logger = logs.getLogger('checkout');
  logger.emit({ body: 'payment authorized', severityNumber: SeverityNumber.INFO, context: ctx });
  logger.emit({ body: 'stock reserved', severityNumber: SeverityNumber.WARN, context: ctx });
  span.end();

  // A line with no record-level context, only `trace_id=` in its text (tracelink links it).
  const textLine = await fetch(`http://127.0.0.1:${otlpPort}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy-billing' } }] },
          scopeLogs: [
            { logRecords: [{ body: { stringValue: `charged card trace_id=${traceId} amount=12.50` } }] },
          ],
        },
      ],
    }),
  });
  expect(textLine.status).toBe(200);

  // The legacy service's span of the same trace, as a Jaeger client sends it.
  const jaeger = await fetch(`http://127.0.0.1:${jaegerPort}/api/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-thrift' },
    body: encodeBatch({
      process: { serviceName: 'legacy-billing' },
      spans: [
        {
          traceIdHigh: BigInt(`0x${traceId.slice(0, 16)}`),
          traceIdLow: BigInt(`0x${traceId.slice(16)}`),
          spanId: 0x1234567890abcdefn,
          parentSpanId: BigInt(`0x${spanId}`),
          operationName: 'charge',
          startTime: 1_700_000_000_000_000,
          duration: 1500,
          tags: [{ key: 'span.kind', vType: 'STRING', vStr: 'client' }],
        },
      ],
    }),
  });
  expect(jaeger.status).toBeLessThan(300);

  await tracer.forceFlush();
  await logs.forceFlush();

  // Traces: both spans, through two protocols, in one trace.
  const spansOf = () =>
    sink.requests.traces.flatMap((r) =>
      r.resourceSpans.flatMap((rs: any) =>
        rs.scopeSpans.flatMap((ss: any) =>
          ss.spans.map((s: any) => ({ service: rs.resource.attributes[0].value.stringValue, s })),
        ),
      ),
    );
  const traceIdB64 = Buffer.from(traceId, 'hex').toString('base64');
  await waitFor(
    () => spansOf().filter((x) => x.s.traceId === traceIdB64).length === 2,
    'two spans of the trace',
  );
  const inTrace = spansOf().filter((x) => x.s.traceId === traceIdB64);
  expect(inTrace.map((x) => x.s.name).sort()).toEqual(['POST /checkout', 'charge']);
  const charge = inTrace.find((x) => x.s.name === 'charge')!;
  expect(Buffer.from(charge.s.parentSpanId, 'base64').toString('hex')).toBe(spanId);

  // Logs: one query by trace ID finds all three lines, in each backend.
  await waitFor(() => loki.findByMetadata('trace_id', traceId).length === 3, 'three lines in Loki');
  const lokiLines = loki.findByMetadata('trace_id', traceId).map((x) => x.entry.line);
  expect(lokiLines.sort()).toEqual([
    `charged card trace_id=${traceId} amount=12.50`,
    'payment authorized',
    'stock reserved',
  ]);
  const checkoutStream = loki
    .findByMetadata('trace_id', traceId)
    .find((x) => x.entry.line === 'stock reserved')!;
  expect(checkoutStream.stream.labels.service_name).toBe('checkout');
  expect(checkoutStream.entry.structuredMetadata.span_id).toBe(spanId);

  await waitFor(
    () => es.term('logs-*', 'trace_id', traceId).length === 3,
    'three documents in Elasticsearch',
  );
  expect(es.term('logs-generic.otel-default', 'trace_id', traceId)).toHaveLength(3);

  await tracer.shutdown();
  await logs.shutdown();
});
