// An app instrumented with the OpenTelemetry JS SDK sends OTLP metrics to the built
// tsunagi binary; its `prometheus` exporter serves them and the REAL Prometheus 2.42
// scrapes it. What Prometheus stores is compared with what the app recorded:
// counters, up-down counters, histograms, gauges, job/instance from the resource,
// target_info, and expiry. The same Prometheus scrapes Tsunagi's own /metrics
// (telemetry address): the scrape is healthy and the otelcol_* names are unchanged.
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/ports.js';
import {
  eventually,
  type PrometheusServer,
  prometheusAvailable,
  startPrometheus,
} from './support/prometheus-server.js';
import { startTsunagi, type TsunagiProcess } from './support/tsunagi-process.js';

const has = prometheusAvailable('prometheus exporter e2e');

describe.skipIf(!has)('prometheus exporter ← scraped by the real Prometheus', () => {
  let prom: PrometheusServer;
  let tsunagi: TsunagiProcess;
  let otlpPort: number;
  let exportPort: number;
  let telemetryPort: number;

  beforeAll(async () => {
    otlpPort = await freePort();
    exportPort = await freePort();
    telemetryPort = await freePort();
    tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
exporters:
  prometheus:
    endpoint: 127.0.0.1:${exportPort}
    const_labels: { region: eu }
    metric_expiration: 6s
service:
  telemetry:
    metrics: { address: 127.0.0.1:${telemetryPort} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`);
    prom = await startPrometheus({
      config: () => `
global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: federate-tsunagi
    honor_labels: true
    static_configs: [{ targets: ['127.0.0.1:${exportPort}'] }]
  - job_name: tsunagi-self
    static_configs: [{ targets: ['127.0.0.1:${telemetryPort}'] }]
`,
    });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await tsunagi?.stop();
  });

  const one = (expr: string) =>
    eventually(async () => {
      const r = await prom.query(expr);
      return r.length > 0 ? r : undefined;
    }, expr);

  it('stores what the SDK app recorded, with the specification’s names and labels', async () => {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': 'cart',
        'service.namespace': 'shop',
        'service.instance.id': 'cart-1',
        'deployment.environment': 'test',
      }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${otlpPort}/v1/metrics` }),
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    const meter = provider.getMeter('cart-service', '2.0.0');
    const orders = meter.createCounter('orders', { unit: '{order}', description: 'Orders placed' });
    const inflight = meter.createUpDownCounter('requests.inflight', { unit: '{request}' });
    const latency = meter.createHistogram('checkout.duration', { unit: 'ms' });
    const temp = meter.createObservableGauge('cpu.temperature', { unit: 'Cel' });
    temp.addCallback((r) => r.observe(61.5, { core: '0' }));
    orders.add(3, { 'payment.method': 'card' });
    orders.add(2, { 'payment.method': 'card' });
    orders.add(1, { 'payment.method': 'cash' });
    inflight.add(5);
    inflight.add(-2);
    for (const v of [3, 7, 30, 80, 800]) latency.record(v, { route: '/pay' });
    await provider.forceFlush();

    const common = {
      job: 'shop/cart',
      instance: 'cart-1',
      otel_scope_name: 'cart-service',
      otel_scope_version: '2.0.0',
      region: 'eu',
    };
    const counters = await one('orders_total');
    const byMethod = Object.fromEntries(counters.map((c) => [c.metric.payment_method, c]));
    expect(byMethod.card.value[1]).toBe('5');
    expect(byMethod.cash.value[1]).toBe('1');
    expect(byMethod.card.metric).toEqual({ __name__: 'orders_total', payment_method: 'card', ...common });

    // An up-down counter is a non-monotonic sum: a gauge, no _total.
    const updown = await one('requests_inflight');
    expect(updown[0].value[1]).toBe('3');
    expect(await prom.query('requests_inflight_total')).toEqual([]);

    const gauge = await one('cpu_temperature_celsius');
    expect(gauge[0].metric).toMatchObject({ core: '0', ...common });
    expect(gauge[0].value[1]).toBe('61.5');

    // SDK default bounds [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, ...]: cumulative counts.
    const buckets = await one('checkout_duration_milliseconds_bucket{route="/pay"}');
    const le = Object.fromEntries(buckets.map((b) => [b.metric.le, b.value[1]]));
    expect(le).toMatchObject({
      '0': '0',
      '5': '1',
      '10': '2',
      '25': '2',
      '50': '3',
      '100': '4',
      '1000': '5',
      '+Inf': '5',
    });
    expect((await one('checkout_duration_milliseconds_sum'))[0].value[1]).toBe('920');
    expect((await one('checkout_duration_milliseconds_count'))[0].value[1]).toBe('5');
    expect(await one('histogram_quantile(0.5, checkout_duration_milliseconds_bucket)')).toHaveLength(1);

    const target = await one('target_info');
    // The resource's other attributes; service.* became job and instance; no const_labels here.
    expect(target[0].metric).toEqual({
      __name__: 'target_info',
      job: 'shop/cart',
      instance: 'cart-1',
      deployment_environment: 'test',
    });

    // The scrape of the exporter itself is healthy.
    expect((await one('up{job="federate-tsunagi"}'))[0].value[1]).toBe('1');
    await provider.shutdown();
  }, 60_000);

  it('Tsunagi’s own /metrics is scraped healthy with the otelcol_* names unchanged', async () => {
    expect((await one('up{job="tsunagi-self"}'))[0].value[1]).toBe('1');
    const accepted = await one('otelcol_receiver_accepted_metric_points_total{job="tsunagi-self"}');
    expect(Number(accepted[0].value[1])).toBeGreaterThan(0);
    expect(accepted[0].metric).toMatchObject({ receiver: 'otlp', transport: expect.any(String) });
    expect(
      await one('otelcol_exporter_sent_metric_points_total{job="tsunagi-self",exporter="prometheus"}'),
    ).toHaveLength(1);
  }, 30_000);

  it('series not updated for metric_expiration disappear (and go stale in Prometheus)', async () => {
    // Nothing has been sent since the first test; after 6 s the exporter forgets the series.
    await eventually(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${exportPort}/metrics`)).text();
        return text.includes('orders_total') ? undefined : true;
      },
      'expiry in the exporter',
      20_000,
    );
    await eventually(
      async () => ((await prom.query('orders_total')).length === 0 ? true : undefined),
      'staleness in Prometheus',
      20_000,
    );
  }, 45_000);
});
