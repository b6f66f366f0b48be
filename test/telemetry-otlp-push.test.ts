// service.telemetry.metrics.readers[].periodic through the binary: Tsunagi
// pushes its own metrics over OTLP/HTTP (http/protobuf) and OTLP/gRPC as the
// Helm chart's internal-telemetry example and the OpenTelemetry demo
// configure it; the next hop decodes them with the upstream protos
// (protobufjs). The counts equal what Tsunagi accepted, the resource carries
// service.name and the configured attributes, headers arrive, and the
// pull form (readers[].pull.exporter.prometheus) still serves /metrics.
import { afterAll, expect, test } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The accepted-spans data point of a pushed request, if it has one. */
function acceptedSpans(req: any): { value: number; attrs: Record<string, string> } | undefined {
  for (const rm of req.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        if (m.name === 'otelcol_receiver_accepted_spans') {
          const p = m.sum.dataPoints[0];
          const attrs: Record<string, string> = {};
          for (const a of p.attributes) attrs[a.key] = a.value.stringValue;
          return { value: p.asDouble, attrs };
        }
  return undefined;
}

function resourceOf(req: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of req.resourceMetrics[0].resource.attributes) out[a.key] = a.value.stringValue;
  return out;
}

test('own metrics are pushed over OTLP/HTTP and OTLP/gRPC with the collector names, resource and headers', async () => {
  const sink = await new OtlpSink().start();
  cleanups.push(() => sink.stop());
  const [otlpPort, promPort] = [await freePort(), await freePort()];
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${otlpPort}"}
exporters:
  debug: {verbosity: basic}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
  telemetry:
    resource:
      attributes:
        - {name: deployment.environment, value: e2e}
      service.instance.id: null
    metrics:
      readers:
        - periodic:
            interval: 100
            exporter:
              otlp:
                protocol: http/protobuf
                endpoint: http://127.0.0.1:${sink.httpPort}
                headers: [{name: x-scope-orgid, value: team-a}]
        - periodic:
            interval: 100
            exporter:
              otlp_grpc:
                endpoint: http://127.0.0.1:${sink.grpcPort}
                headers: [{name: x-key, value: k1}]
                compression: gzip
        - pull:
            exporter:
              prometheus: {host: 127.0.0.1, port: ${promPort}}
`);
  cleanups.push(() => tsunagi.stop());

  const spans = Array.from({ length: 7 }, (_, i) => ({
    traceId: '0102030405060708090a0b0c0d0e0f10',
    spanId: `00000000000000${String(i + 1).padStart(2, '0')}`,
    name: `s${i}`,
    kind: 1,
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
  }));
  const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
  });
  expect(res.status).toBe(200);

  const pushedWith7 = (transport: 'http' | 'grpc') =>
    sink.requests.metrics.findIndex(
      (r, i) => sink.received.metrics[i].transport === transport && acceptedSpans(r)?.value === 7,
    );
  await waitFor(() => pushedWith7('http') >= 0 && pushedWith7('grpc') >= 0, 'both pushes to count 7 spans');

  for (const transport of ['http', 'grpc'] as const) {
    const i = pushedWith7(transport);
    const req = sink.requests.metrics[i];
    expect(acceptedSpans(req)?.attrs).toEqual({ receiver: 'otlp', transport: 'http' });
    const resource = resourceOf(req);
    expect(resource['service.name']).toBe('tsunagi');
    expect(resource['deployment.environment']).toBe('e2e');
    expect(resource).not.toHaveProperty('service.instance.id'); // null in the config removes it
    const metrics = req.resourceMetrics[0].scopeMetrics[0].metrics;
    const counters = metrics.filter((m: any) => m.sum).map((m: any) => m.name);
    expect(counters).toContain('otelcol_process_uptime_seconds'); // a counter: no _total in OTLP
    expect(counters.filter((n: string) => n.endsWith('_total'))).toEqual([]);
  }
  expect(sink.received.metrics[pushedWith7('http')].headers['x-scope-orgid']).toBe('team-a');
  expect(sink.received.metrics[pushedWith7('grpc')].headers['x-key']).toBe('k1');

  // The pull reader serves the same counters in Prometheus form.
  const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  expect(text).toMatch(/otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="http"\} 7/);

  expect(await tsunagi.stop()).toBe(0);
});

test('a push backend that is down is logged once and the process keeps running', async () => {
  const [otlpPort, deadPort] = [await freePort(), await freePort()];
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${otlpPort}"}
exporters:
  debug: {verbosity: basic}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
  telemetry:
    metrics:
      readers:
        - periodic:
            interval: 50
            exporter: {otlp: {protocol: http/protobuf, endpoint: "http://127.0.0.1:${deadPort}"}}
`);
  cleanups.push(() => tsunagi.stop());
  await waitFor(() => tsunagi.stderr().includes('Failed to export own metrics over OTLP'), 'the failure log');
  const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [] }),
  });
  expect(res.status).toBe(200);
  expect(await tsunagi.stop()).toBe(0);
  // Every 50 ms attempt and the final push at shutdown failed: one line (the next only after a minute).
  expect(tsunagi.stderr().split('Failed to export own metrics over OTLP').length - 1).toBe(1);
});
