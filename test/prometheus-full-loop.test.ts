// The metrics loops a platform runs, end to end through the built binary and
// the REAL Prometheus 2.42:
// 1. an app on the OpenTelemetry JS SDK sends its spans (BatchSpanProcessor →
//    OTLP/HTTP protobuf) → Tsunagi's span_metrics connector → a metrics
//    pipeline → prometheus_remote_write → Prometheus with
//    --web.enable-remote-write-receiver. PromQL over the HTTP API: `sum` of
//    the call counters equals the spans the app made, per operation and
//    status, and `rate(...)` over a window inside the app's steady phase is
//    the app's request rate;
// 2. Tsunagi's prometheus receiver scrapes a target → prometheus exporter →
//    scraped by the same kind of Prometheus (honor_labels, as a federating
//    Prometheus does): the values, buckets and job/instance of the target
//    come out as the target exposed them.
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { EVERY_TYPE, MetricsTarget } from './support/metrics-target.js';
import { freePort } from './support/ports.js';
import {
  eventually,
  type PrometheusServer,
  prometheusAvailable,
  startPrometheus,
} from './support/prometheus-server.js';
import { startTsunagi, type TsunagiProcess } from './support/tsunagi-process.js';

const has = prometheusAvailable('metrics full loop e2e');

const running: { stop(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!has)('metrics loops through Tsunagi and the real Prometheus', () => {
  it('SDK spans → span_metrics → remote write → Prometheus: sum equals the spans sent, rate is the app’s rate', async () => {
    const prom: PrometheusServer = await startPrometheus({ remoteWriteReceiver: true });
    running.push(prom);
    const otlpPort = await freePort();
    const tsunagi: TsunagiProcess = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
connectors:
  span_metrics:
    metrics_flush_interval: 250ms
exporters:
  prometheus_remote_write:
    endpoint: ${prom.url}/api/v1/write
    retry_on_failure: { initial_interval: 50ms, max_elapsed_time: 10s }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [span_metrics] }
    metrics: { receivers: [span_metrics], exporters: [prometheus_remote_write] }
`);
    running.push(tsunagi);

    // The app: a tracer provider exporting in batches, as a service does.
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` }), {
          scheduledDelayMillis: 100,
          maxExportBatchSize: 512,
        }),
      ],
    });
    const tracer = provider.getTracer('checkout-app', '1.0.0');
    // Steady phase: every 100 ms, 4 "GET /cart" (1 in 4 ticks also an error) and 1 "POST /pay".
    const sent = new Map<string, number>();
    const endTimes: number[] = [];
    const span = (name: string, error = false) => {
      const s = tracer.startSpan(name);
      if (error) s.setStatus({ code: SpanStatusCode.ERROR });
      s.end();
      const key = `${name}|${error ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_UNSET'}`;
      sent.set(key, (sent.get(key) ?? 0) + 1);
      if (name === 'GET /cart') endTimes.push(Date.now());
    };
    const runUntil = Date.now() + 8000;
    for (let tick = 0; Date.now() < runUntil; tick++) {
      for (let i = 0; i < 4; i++) span('GET /cart');
      if (tick % 4 === 0) span('GET /cart', true);
      span('POST /pay');
      await sleep(100);
    }
    await provider.forceFlush();
    await provider.shutdown();

    const series = await eventually(async () => {
      const s = await prom.series('{__name__=~"traces_span_metrics_calls.*"}');
      return s.length > 0 ? s : undefined;
    }, 'span_metrics call counters in Prometheus');
    const name = series[0].__name__;
    expect(name).toBe('traces_span_metrics_calls_total');
    expect(series[0]).toMatchObject({
      job: 'shop/checkout',
      service_name: 'checkout',
      span_kind: 'SPAN_KIND_INTERNAL',
    });

    // sum: every span the app made is counted, per operation and status, once
    const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
    const expected = Object.fromEntries([...sent].map(([k, v]) => [k, String(v)]));
    const totals = async () =>
      Object.fromEntries(
        (await prom.query(`sum by (span_name, status_code) (${name})`)).map((r) => [
          `${r.metric.span_name}|${r.metric.status_code}`,
          r.value[1],
        ]),
      );
    await eventually(
      async () => (sorted(await totals()) === sorted(expected) ? true : undefined),
      `call counts ${JSON.stringify(expected)}`,
      30_000,
    ).catch(async (e) => {
      throw new Error(`${(e as Error).message}; Prometheus has ${JSON.stringify(await totals())}`);
    });
    expect(await totals()).toEqual(expected);
    const all = [...sent.values()].reduce((a, b) => a + b);
    expect((await prom.query(`sum(${name})`))[0].value[1]).toBe(String(all));

    // rate: over a 3 s window in the middle of the steady phase, the app's rate of GET /cart
    // (what it ended in that window, ÷ 3); Prometheus extrapolates at the window's edges and
    // the 250 ms flush shifts counts, so a quarter of tolerance.
    const mid = endTimes[Math.floor(endTimes.length / 2)] / 1000;
    const appRate = endTimes.filter((t) => t / 1000 > mid - 3 && t / 1000 <= mid).length / 3;
    const promRate = Number(
      (await prom.query(`sum(rate(${name}{span_name="GET /cart"}[3s]))`, mid + 0.5))[0]?.value[1],
    );
    expect(appRate).toBeGreaterThan(30);
    expect(Math.abs(promRate - appRate) / appRate).toBeLessThan(0.25);
  }, 90_000);

  it('prometheus receiver scrapes a target → prometheus exporter → scraped by Prometheus: values as exposed', async () => {
    const target = await new MetricsTarget(EVERY_TYPE).listen();
    running.push({ stop: () => target.close() });
    const exportPort = await freePort();
    const tsunagi = await startTsunagi(`
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: shop-app
          scrape_interval: 1s
          static_configs: [{ targets: ['${target.address}'] }]
exporters:
  prometheus:
    endpoint: 127.0.0.1:${exportPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [prometheus] }
`);
    running.push(tsunagi);
    const prom = await startPrometheus({
      config: () => `
global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: tsunagi
    honor_labels: true
    static_configs: [{ targets: ['127.0.0.1:${exportPort}'] }]
`,
    });
    running.push(prom);
    const one = (expr: string) =>
      eventually(async () => {
        const r = await prom.query(expr);
        return r.length > 0 ? r : undefined;
      }, expr);
    const labels = { job: 'shop-app', instance: target.address };

    const requests = await one('app_requests_total');
    expect(
      Object.fromEntries(requests.map((r) => [`${r.metric.method} ${r.metric.code}`, r.value[1]])),
    ).toEqual({ 'GET 200': '1027', 'POST 500': '3' });
    expect(requests[0].metric).toMatchObject(labels);
    expect((await one('app_temperature_celsius'))[0]).toMatchObject({
      metric: { ...labels, room: 'lab' },
      value: [expect.any(Number), '21.5'],
    });
    const buckets = await one('app_latency_seconds_bucket');
    expect(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value[1]]))).toEqual({
      '0.1': '2',
      '0.5': '5',
      '+Inf': '7',
    });
    expect((await one('app_latency_seconds_sum'))[0].value[1]).toBe('2.25');
    expect((await one('app_latency_seconds_count'))[0].value[1]).toBe('7');
    const quantiles = await one('app_rpc_seconds');
    expect(Object.fromEntries(quantiles.map((q) => [q.metric.quantile, q.value[1]]))).toEqual({
      '0.5': '0.05',
      '0.99': '0.75',
    });
    expect((await one('app_rpc_seconds_count'))[0].value[1]).toBe('400');
    expect((await one('app_mystery'))[0].value[1]).toBe('42');
    // the target's own up, as the receiver reports it, goes through too
    expect((await one('up{job="shop-app"}'))[0].value[1]).toBe('1');
    // and target_info carries the resource (the target's labels)
    expect((await one('target_info{job="shop-app"}'))[0].metric).toMatchObject({
      ...labels,
      deployment_environment: 'test',
      team: 'obs',
    });
  }, 90_000);
});
