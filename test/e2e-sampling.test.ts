// End to end through the binary: an app on the OpenTelemetry JS SDK (batching
// exporter over OTLP/HTTP protobuf) → Tsunagi (otlp → resource_detection with
// env + system → tail_sampling keeping every error trace and 10 % of the rest)
// → an OTLP sink that decodes with the upstream protos.
// Checked: exactly the expected traces arrive, each complete (no partial
// trace), and every resource carries host.name and OTEL_RESOURCE_ATTRIBUTES.
// Decisions are made on the processor's timer while it runs (the SIGTERM path,
// deciding what is pending at once, is covered by the processor's tests).
// The 10 % is the collector's hash (FNV-1a 64 of the default salt and the trace
// ID against MaxUint64 × 0.1), recomputed here from its definition.
import { hostname } from 'node:os';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const TRACES = 150;
const SPANS_PER_TRACE = 4;
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
let tsunagi: TsunagiProcess;
let httpPort: number;

beforeAll(async () => {
  sink = await new OtlpSink().start();
  httpPort = await freePort();
  tsunagi = await startTsunagi(
    `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  resource_detection:
    detectors: [env, system]
    system: { hostname_sources: [os] }
  tail_sampling:
    decision_wait: 1s
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: ten-percent, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [resource_detection, tail_sampling], exporters: [otlp_http] }
`,
    { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=e2e,k8s.cluster.name=sampling%20test' },
  );
});

afterAll(async () => {
  if (tsunagi?.child.exitCode === null) await tsunagi.stop();
  await sink?.stop();
});

describe('SDK → resource_detection → tail_sampling → sink', () => {
  test('every error trace and the 10 % the hash picks arrive whole, with the detected resource', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), {
          scheduledDelayMillis: 100,
          maxExportBatchSize: 128,
        }),
      ],
    });
    const tracer = provider.getTracer('shop-app');
    const expected = new Map<string, number>();
    let errors = 0;
    for (let i = 0; i < TRACES; i++) {
      const root = tracer.startSpan(`GET /orders/${i}`);
      const ctx = trace.setSpan(context.active(), root);
      const traceId = root.spanContext().traceId;
      const failing = i % 9 === 4;
      for (let c = 0; c < SPANS_PER_TRACE - 1; c++) {
        const child = tracer.startSpan(c === 0 ? 'SELECT orders' : `call ${c}`, {}, ctx);
        if (failing && c === SPANS_PER_TRACE - 2)
          child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
        child.end();
      }
      root.end();
      if (failing) errors++;
      if (failing || keptByTenPercent(traceId)) expected.set(traceId, SPANS_PER_TRACE);
    }
    await provider.forceFlush();
    await provider.shutdown();
    // decided on the processor's own timer, about decision_wait after each trace's first span
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const spansIn = () =>
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
    await waitFor(() => spansIn() >= total, 'the sampled spans at the sink', 20_000);
    expect(await tsunagi.stop()).toBe(0);

    const got = new Map<string, number>();
    const resources: any[] = [];
    for (const req of sink.requests.traces)
      for (const rs of req.resourceSpans ?? []) {
        resources.push(rs.resource);
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) {
            const id = Buffer.from(s.traceId, 'base64').toString('hex');
            got.set(id, (got.get(id) ?? 0) + 1);
          }
      }
    expect(errors).toBeGreaterThan(10);
    expect(expected.size).toBeGreaterThan(errors); // some traces kept by the 10 % too
    expect(expected.size).toBeLessThan(TRACES);
    expect([...got.entries()].sort()).toEqual([...expected.entries()].sort());
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      const attrs = Object.fromEntries(r.attributes.map((kv: any) => [kv.key, kv.value.stringValue]));
      expect(attrs).toMatchObject({
        'service.name': 'shop',
        'host.name': hostname(),
        'os.type': 'linux',
        'deployment.environment': 'e2e',
        'k8s.cluster.name': 'sampling test',
      });
    }
  });
});
