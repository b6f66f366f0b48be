// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the config carries ${env:X} references
// The prometheus receiver through the built binary, scraping the real
// Prometheus 2.42's own /metrics and a test target that exposes every metric
// type (OpenMetrics, negotiated from the Accept header), exporting over
// otlp_http to a sink that decodes with the upstream protos. The same target
// is scraped by the real Prometheus, so every series it stored is checked
// against the data point Tsunagi made of it. Then the target goes away: up=0
// and staleness markers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERY_TYPE, MetricsTarget } from './support/metrics-target.js';
import { type MetricRow, metricRows } from './support/otlp-metric-rows.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import {
  eventually,
  type PrometheusServer,
  prometheusAvailable,
  startPrometheus,
} from './support/prometheus-server.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const available = prometheusAvailable('prometheus receiver end to end');
const cleanups: (() => Promise<unknown>)[] = [];
let prom: PrometheusServer;
let target: MetricsTarget;
let sink: OtlpSink;
let tsunagi: TsunagiProcess;

const rows = () => metricRows(sink.requests.metrics);
const app = (r: MetricRow) => r.resource['service.name'] === 'app';

beforeAll(async () => {
  if (!available) return;
  target = await new MetricsTarget(EVERY_TYPE).listen();
  cleanups.push(() => target.close());
  prom = await startPrometheus({
    config: (port) => `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: app
    static_configs: [{ targets: ['${target.address}'] }]
  - job_name: prometheus
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`,
  });
  cleanups.push(() => prom.stop());
  sink = await new OtlpSink().start();
  cleanups.push(() => sink.stop());
  const metricsPort = await freePort();
  tsunagi = await startTsunagi(
    `
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: app
          scrape_interval: 1s
          static_configs: [{ targets: ['${target.address}'] }]
        - job_name: prometheus
          scrape_interval: 1s
          static_configs: [{ targets: ['\${env:PROM_TARGET}'], labels: { env: 'e2e' } }]
          relabel_configs:
            - { source_labels: [__address__], regex: '(.+):(\\d+)', target_label: scraped_port, replacement: '$$2' }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
service:
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [otlp_http] }
`,
    { PROM_TARGET: `127.0.0.1:${prom.port}` },
  );
  cleanups.push(() => tsunagi.stop());
  // three scrapes of each target
  await waitFor(
    () => rows().filter((r) => r.name === 'up' && r.point.asDouble === 1).length >= 6,
    'three scrapes of each target',
    20_000,
  );
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe.skipIf(!available)('prometheus receiver → otlp_http (the binary, real Prometheus 2.42)', () => {
  it('asks for OpenMetrics with the Accept header Prometheus 2.42 sends', async () => {
    const byUa = (ua: string) => target.requests.find((r) => String(r.headers['user-agent']).startsWith(ua));
    const promReq = await eventually(async () => byUa('Prometheus/'), 'a scrape by Prometheus');
    const ours = byUa('Tsunagi/');
    expect(ours?.headers.accept).toBe(promReq.headers.accept);
    expect(ours?.headers['accept-encoding']).toBe('gzip');
    expect(ours?.headers['x-prometheus-scrape-timeout-seconds']).toBe(
      promReq.headers['x-prometheus-scrape-timeout-seconds'],
    );
  });

  it('every type: counters, gauge, histogram, summary, unknown, info, stateset; resource from job/instance and target_info', () => {
    const r = rows().filter(app);
    const one = (name: string, attrs: Record<string, string> = {}) => {
      const found = r.filter(
        (x) => x.name === name && Object.entries(attrs).every(([k, v]) => x.attributes[k] === v),
      );
      expect(found.length, name).toBeGreaterThan(0);
      return found[found.length - 1];
    };
    expect(r[0].resource).toEqual({
      'service.name': 'app',
      'service.instance.id': target.address,
      'server.port': String(target.port),
      'url.scheme': 'http',
      deployment_environment: 'test',
      team: 'obs',
    });
    expect(r[0].scope.name).toBe(
      'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver',
    );

    const get = one('app_requests_total', { method: 'GET' });
    expect(get).toMatchObject({
      type: 'sum',
      isMonotonic: true,
      temporality: 2,
      description: 'Requests served.',
    });
    expect(get.attributes).toEqual({ method: 'GET', code: '200' });
    expect(get.point.asDouble).toBe(1027);
    expect(get.point.startTimeUnixNano).toBe('1700000000500000000'); // from _created
    const ex = get.point.exemplars[0];
    expect(Buffer.from(ex.traceId, 'base64').toString('hex')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(Buffer.from(ex.spanId, 'base64').toString('hex')).toBe('b7ad6b7169203331');
    expect(ex).toMatchObject({ asDouble: 1, timeUnixNano: '1700000000123000000' });
    expect(r.some((x) => x.name === 'app_requests_created')).toBe(false);

    const temp = one('app_temperature_celsius');
    expect(temp).toMatchObject({ type: 'gauge', unit: 'celsius', description: 'Room temperature.' });
    expect(temp.point).toMatchObject({ asDouble: 21.5, startTimeUnixNano: '0', flags: 0 });

    const lat = one('app_latency_seconds');
    expect(lat).toMatchObject({
      type: 'histogram',
      temporality: 2,
      unit: 'seconds',
      attributes: { path: '/a' },
    });
    expect(lat.point).toMatchObject({
      count: '7',
      sum: 2.25,
      explicitBounds: [0.1, 0.5],
      bucketCounts: ['2', '3', '2'],
      startTimeUnixNano: '1700000002000000000',
    });
    expect(Buffer.from(lat.point.exemplars[0].traceId, 'base64').toString('hex')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );

    const rpc = one('app_rpc_seconds');
    expect(rpc.type).toBe('summary');
    expect(rpc.point).toMatchObject({
      count: '400',
      sum: 40.5,
      quantileValues: [
        { quantile: 0.5, value: 0.05 },
        { quantile: 0.99, value: 0.75 },
      ],
    });
    expect(one('app_mystery')).toMatchObject({ type: 'gauge', point: { asDouble: 42 } });
    expect(one('app_build')).toMatchObject({
      type: 'sum',
      isMonotonic: false,
      attributes: { version: '1.4.2' },
    });
    const lastScrape = metricRows(sink.requests.metrics.filter((q) => metricRows([q]).some(app)).slice(-1));
    expect(
      lastScrape
        .filter((x) => x.name === 'app_feature')
        .map((x) => [x.type, x.isMonotonic, x.attributes.app_feature, x.point.asDouble]),
    ).toEqual([
      ['sum', false, 'a', 1],
      ['sum', false, 'b', 0],
    ]);
    expect(r.some((x) => x.name === 'target_info')).toBe(false);

    const up = one('up');
    expect(up).toMatchObject({ type: 'gauge', attributes: {}, point: { asDouble: 1 } });
    for (const n of [
      'scrape_duration_seconds',
      'scrape_samples_scraped',
      'scrape_samples_post_metric_relabeling',
      'scrape_series_added',
    ])
      expect(one(n).type).toBe('gauge');
  });

  it('scrape_samples_scraped and scrape_series_added as the real Prometheus counts them', async () => {
    const [promScraped] = await eventually(async () => {
      const v = await prom.query('scrape_samples_scraped{job="app"}');
      return v.length ? v : undefined;
    }, 'a scrape by Prometheus');
    const ours = rows().filter((x) => app(x) && x.name === 'scrape_samples_scraped');
    expect(ours.at(-1)?.point.asDouble).toBe(Number(promScraped.value[1]));
    // the first scrape adds every series, the next ones none: the same in both
    const promAdded = await eventually(async () => {
      const [m] = (await prom.query('scrape_series_added{job="app"}[1h]')) as unknown as {
        values: [number, string][];
      }[];
      return m?.values.length >= 2 ? m : undefined;
    }, 'two scrapes by Prometheus');
    const added = rows().filter((x) => app(x) && x.name === 'scrape_series_added');
    expect(added[0].point.asDouble).toBe(Number(promAdded.values[0][1]));
    expect(added.at(-1)?.point.asDouble).toBe(Number(promAdded.values.at(-1)?.[1]));
  });

  it('a counter without _created starts at the first scrape and keeps that start', () => {
    const pts = rows()
      .filter((x) => app(x) && x.name === 'app_restarts_total')
      .map((x) => x.point);
    expect(pts.length).toBeGreaterThanOrEqual(3);
    expect(pts[0].startTimeUnixNano).toBe(pts[0].timeUnixNano);
    for (const p of pts.slice(1)) {
      expect(p.startTimeUnixNano).toBe(pts[0].startTimeUnixNano);
      expect(BigInt(p.timeUnixNano)).toBeGreaterThan(BigInt(pts[0].timeUnixNano));
    }
  });

  it('every series the real Prometheus stored from the target is a data point with the same labels and value', async () => {
    const series = await eventually(async () => {
      const s = await prom.query('{job="app"}');
      return s.length >= 20 ? s : undefined;
    }, 'Prometheus to scrape the target');
    const r = rows().filter(app);
    const last = (name: string, attrs: Record<string, string>) =>
      r.filter((x) => x.name === name && JSON.stringify(x.attributes) === JSON.stringify(attrs)).at(-1);
    let checked = 0;
    for (const s of series) {
      const { __name__: name, job, instance, ...labels } = s.metric;
      expect(job).toBe('app');
      expect(instance).toBe(target.address);
      const value = Number(s.value[1]);
      if (name.startsWith('scrape_') || name === 'up' || name === 'target_info') continue;
      const sortedAttrs = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).sort());
      if (name.endsWith('_created')) {
        const base = name.slice(0, -'_created'.length);
        const p = r
          .filter(
            (x) =>
              (x.name === base || x.name === `${base}_total`) &&
              Object.entries(labels).every(([k, v]) => x.attributes[k] === v),
          )
          .at(-1);
        expect(BigInt(p?.point.startTimeUnixNano), name).toBe(BigInt(Math.round(value * 1000)) * 1_000_000n);
      } else if (name.endsWith('_bucket')) {
        const { le, ...rest } = labels;
        const p = last(name.slice(0, -7), sortedAttrs(rest))?.point;
        const i = p.explicitBounds.indexOf(Number(le));
        const cumulative = (i < 0 ? p.bucketCounts : p.bucketCounts.slice(0, i + 1)).reduce(
          (a: bigint, b: string) => a + BigInt(b),
          0n,
        );
        expect(Number(cumulative), `${name}{le=${le}}`).toBe(value);
      } else if (name.endsWith('_count') || name.endsWith('_sum')) {
        const base = name.replace(/_(count|sum)$/, '');
        const p = last(base, sortedAttrs(labels))?.point;
        expect(Number(name.endsWith('_count') ? p.count : p.sum), name).toBe(value);
      } else if (labels.quantile) {
        const { quantile, ...rest } = labels;
        const p = last(name, sortedAttrs(rest))?.point;
        expect(p.quantileValues.find((q: any) => q.quantile === Number(quantile)).value, name).toBe(value);
      } else {
        const base = name.endsWith('_info') ? name.slice(0, -5) : name;
        const p = last(base, sortedAttrs(labels))?.point ?? last(name, sortedAttrs(labels))?.point;
        expect(p?.asDouble, `${name} ${JSON.stringify(labels)}`).toBe(value);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("scrapes the real Prometheus's own /metrics: types and resource; ${env:...} and $$ in its scrape config", () => {
    const r = rows().filter((x) => x.resource['service.name'] === 'prometheus');
    expect(r[0].resource).toMatchObject({
      'service.instance.id': `127.0.0.1:${prom.port}`,
      'url.scheme': 'http',
    });
    const byName = (n: string) => r.find((x) => x.name === n);
    expect(byName('prometheus_http_requests_total')).toMatchObject({
      type: 'sum',
      isMonotonic: true,
      temporality: 2,
    });
    expect(byName('prometheus_http_request_duration_seconds')?.type).toBe('histogram');
    expect(byName('go_gc_duration_seconds')?.type).toBe('summary');
    // ${env:PROM_TARGET} expanded in the target, and `$$2` reached the relabel rule as `$2`
    expect(byName('prometheus_build_info')).toMatchObject({
      type: 'gauge',
      attributes: { env: 'e2e', scraped_port: String(prom.port) },
    });
    expect(byName('prometheus_build_info')?.attributes.version).toMatch(/^2\.42/);
    expect(byName('up')?.point.asDouble).toBe(1);
  });

  it('a target that goes away: up=0 and staleness markers (no recorded value) for its series', async () => {
    await target.close();
    await waitFor(
      () => rows().some((x) => app(x) && x.name === 'up' && x.point.asDouble === 0),
      'up=0 for the closed target',
      10_000,
    );
    const failed = sink.requests.metrics
      .map((req) => metricRows([req]).filter(app))
      .find((rs) => rs.some((x) => x.name === 'up' && x.point.asDouble === 0)) as MetricRow[];
    const stale = failed.filter((x) => x.point.flags === 1);
    for (const n of [
      'app_requests_total',
      'app_temperature_celsius',
      'app_latency_seconds',
      'app_rpc_seconds',
      'app_mystery',
    ])
      expect(
        stale.map((x) => x.name),
        n,
      ).toContain(n);
    const hist = stale.find((x) => x.name === 'app_latency_seconds');
    expect(hist?.point).toMatchObject({
      count: '0',
      bucketCounts: ['0', '0', '0'],
      explicitBounds: [0.1, 0.5],
    });
    expect(failed.find((x) => x.name === 'up')?.point.flags).toBe(0);
    const warning = tsunagi
      .stderr()
      .split('\n')
      .find((l) => l.includes('Failed to scrape Prometheus endpoint'));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 'warn',
      target: `http://${target.address}/metrics`,
    });
    expect(warning).toMatch(/ECONNREFUSED/);
    // the receiver goes on: the next scrape reports up=0 again, without new markers
    const before = sink.requests.metrics.length;
    await waitFor(() => sink.requests.metrics.length > before + 2, 'more scrapes', 10_000);
    const later = metricRows(sink.requests.metrics.slice(-1)).filter(app);
    if (later.length) expect(later.every((x) => x.point.flags === 0)).toBe(true);
  });
});
