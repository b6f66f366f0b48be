import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newResourceMetrics, newScopeMetrics } from '../../src/pdata/create.js';
import type { Exemplar, KeyValue, Metric, MetricsData } from '../../src/pdata/types.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { Accumulator } from './accumulator.js';
import { prometheusConfigSchema } from './config.js';
import type { PrometheusExporter } from './exporter.js';
import { factory } from './factory.js';

const conformance = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/prometheusexporter.yaml`, 'utf8'),
) as Record<string, unknown>;

const S = 1_000_000_000n;
const res: KeyValue[] = [
  { key: 'service.name', value: { stringValue: 'api' } },
  { key: 'service.instance.id', value: { stringValue: 'i-1' } },
  { key: 'cloud.region', value: { stringValue: 'eu' } },
];

function md(metrics: Metric[], resource = res): MetricsData {
  const rm = newResourceMetrics();
  rm.resource.attributes.push(...resource);
  const sm = newScopeMetrics();
  sm.scope.name = 'lib';
  sm.scope.version = '1';
  sm.metrics.push(...metrics);
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

function sum(
  value: number,
  opts: { start: bigint; time: bigint; delta?: boolean; exemplars?: Exemplar[]; flags?: number },
): Metric {
  return {
    name: 'requests',
    unit: '',
    description: 'Requests',
    metadata: [],
    sum: {
      aggregationTemporality: opts.delta ? 1 : 2,
      isMonotonic: true,
      dataPoints: [
        {
          attributes: [{ key: 'code', value: { intValue: 200n } }],
          startTimeUnixNano: opts.start,
          timeUnixNano: opts.time,
          asInt: BigInt(value),
          exemplars: opts.exemplars ?? [],
          flags: opts.flags ?? 0,
        },
      ],
    },
  };
}

const exporters: PrometheusExporter[] = [];
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
});

async function serve(extra: Record<string, unknown> = {}): Promise<PrometheusExporter> {
  const cfg = prometheusConfigSchema.parse({ endpoint: '127.0.0.1:0', ...extra });
  const exp = factory.create(testSettings('prometheus', 'exporter'), cfg, ['metrics']) as PrometheusExporter;
  await exp.start(emptyHost);
  exporters.push(exp);
  return exp;
}

async function scrape(exp: PrometheusExporter, accept?: string): Promise<{ type: string; body: string }> {
  const r = await fetch(`http://127.0.0.1:${exp.port}/metrics`, { headers: accept ? { accept } : {} });
  return { type: r.headers.get('content-type') ?? '', body: await r.text() };
}

describe('prometheus exporter config', () => {
  it('accepts the collector fixture and has its defaults', () => {
    const full = prometheusConfigSchema.parse(conformance['prometheus/2']);
    expect(full).toMatchObject({
      endpoint: '1.2.3.4:1234',
      namespace: 'test-space',
      const_labels: { label1: 'value1', 'another label': 'spaced value' },
      send_timestamps: true,
      metric_expiration: 60 * 60_000,
      add_metric_suffixes: false,
    });
    expect(full.tls?.cert_file).toBe('certs/server.crt');
    const d = prometheusConfigSchema.parse({ endpoint: 'localhost:8889' });
    expect(d).toMatchObject({
      send_timestamps: false,
      metric_expiration: 300_000,
      enable_open_metrics: false,
      without_scope_info: false,
      add_metric_suffixes: true,
      resource_to_telemetry_conversion: { enabled: false },
    });
    // The bare `prometheus:` entry has no endpoint (required).
    // the bare fixture entry: no endpoint, as the collector accepts it (a port the OS picks)
    expect(prometheusConfigSchema.parse(conformance.prometheus ?? {}).endpoint).toBeUndefined();
    expect(prometheusConfigSchema.safeParse({ endpoint: 'x:1', send_timestamp: true }).success).toBe(false);
    expect(
      prometheusConfigSchema.safeParse({ endpoint: 'x:1', translation_strategy: 'NoTranslation' }).error
        ?.issues[0].message,
    ).toMatch(/not supported/);
  });
});

describe('prometheus exporter', () => {
  it('writes the text format: HELP/TYPE, sorted labels with scope labels, job/instance, const labels, target_info', async () => {
    const exp = await serve({ const_labels: { 'env name': 'prod' } });
    await exp.consume('metrics', md([sum(7, { start: 1n * S, time: 2n * S })]));
    const { type, body } = await scrape(exp);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toBe(
      [
        '# HELP target_info Target metadata',
        '# TYPE target_info gauge',
        'target_info{cloud_region="eu",instance="i-1",job="api"} 1',
        '# HELP requests_total Requests',
        '# TYPE requests_total counter',
        'requests_total{code="200",env_name="prod",instance="i-1",job="api",otel_scope_name="lib",otel_scope_schema_url="",otel_scope_version="1"} 7',
        '',
      ].join('\n'),
    );
  });

  it('OpenMetrics when enabled and asked for: _total/_created, exemplar with the trace ID, # EOF', async () => {
    const exp = await serve({ enable_open_metrics: true, without_scope_info: true, send_timestamps: true });
    const ex: Exemplar = {
      filteredAttributes: [],
      timeUnixNano: 1_500_000_000n,
      asDouble: 1,
      traceId: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
      spanId: Uint8Array.from({ length: 8 }, (_, i) => i + 1),
    };
    await exp.consume('metrics', md([sum(3, { start: 1n * S, time: 2n * S, exemplars: [ex] })], []));
    const om = await scrape(exp, 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(om.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toBe(
      [
        '# HELP requests Requests',
        '# TYPE requests counter',
        'requests_total{code="200"} 3 2 # {trace_id="0102030405060708090a0b0c0d0e0f10",span_id="0102030405060708"} 1 1.5',
        'requests_created{code="200"} 1 2',
        '# EOF',
        '',
      ].join('\n'),
    );
    // A scraper that does not ask for OpenMetrics gets the text format (exemplars dropped), timestamps in ms.
    const text = await scrape(exp);
    expect(text.body).toContain('requests_total{code="200"} 3 2000\n');
  });

  it('404 for other paths', async () => {
    const exp = await serve();
    expect((await fetch(`http://127.0.0.1:${exp.port}/`)).status).toBe(404);
  });

  it('serves over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prom-tls-'));
    const crt = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        ...'-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost'.split(
          ' ',
        ),
        '-keyout',
        key,
        '-out',
        crt,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const exp = await serve({ tls: { cert_file: crt, key_file: key } });
    await exp.consume('metrics', md([sum(1, { start: 1n * S, time: 2n * S })]));
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest(`https://127.0.0.1:${exp.port}/metrics`, { ca: readFileSync(crt) }, (r) => {
        let b = '';
        r.on('data', (c) => {
          b += c;
        });
        r.on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toContain('requests_total{');
  });
});

describe('accumulator', () => {
  const rules = {
    resourceToTelemetry: { enabled: false, exclude_service_attributes: false },
    scopeLabels: false,
    emptyScopeLabels: true,
    extraLabels: [],
  };

  it('adds up aligned delta sums into a cumulative counter; a later start is a reset; an earlier one is dropped', () => {
    const acc = new Accumulator({ namespace: '', addMetricSuffixes: true, rules, expirationMs: 60_000 });
    acc.accumulate(md([sum(5, { start: 1n * S, time: 2n * S, delta: true })]));
    acc.accumulate(md([sum(3, { start: 2n * S, time: 3n * S, delta: true })]));
    expect(acc.collect()[0]).toMatchObject({ value: 8, startNs: 1n * S, timeNs: 3n * S });
    acc.accumulate(md([sum(4, { start: 10n * S, time: 11n * S, delta: true })]));
    expect(acc.collect()[0]).toMatchObject({ value: 4, startNs: 10n * S });
    acc.accumulate(md([sum(9, { start: 1n * S, time: 5n * S, delta: true })]));
    expect(acc.collect()[0]).toMatchObject({ value: 4 });
  });

  it('keeps the newest cumulative point, forgets a stale series, expires after metric_expiration', () => {
    let now = 1000;
    const acc = new Accumulator({
      namespace: '',
      addMetricSuffixes: true,
      rules,
      expirationMs: 5000,
      now: () => now,
    });
    acc.accumulate(md([sum(10, { start: 1n * S, time: 5n * S })]));
    acc.accumulate(md([sum(7, { start: 1n * S, time: 4n * S })]));
    expect(acc.collect()[0].value).toBe(10);
    acc.accumulate(md([sum(0, { start: 1n * S, time: 6n * S, flags: 1 })]));
    expect(acc.collect()).toEqual([]);
    acc.accumulate(md([sum(1, { start: 1n * S, time: 7n * S })]));
    now += 5001;
    expect(acc.collect()).toEqual([]);
    expect(acc.size).toBe(0);
  });

  it('adds aligned delta histograms bucket by bucket', () => {
    const acc = new Accumulator({ namespace: '', addMetricSuffixes: true, rules, expirationMs: 60_000 });
    const h = (start: bigint, time: bigint, counts: bigint[]): Metric => ({
      name: 'lat',
      unit: 's',
      description: '',
      metadata: [],
      histogram: {
        aggregationTemporality: 1,
        dataPoints: [
          {
            attributes: [],
            startTimeUnixNano: start,
            timeUnixNano: time,
            count: counts.reduce((a, b) => a + b, 0n),
            sum: 1,
            bucketCounts: counts,
            explicitBounds: [1],
            exemplars: [],
            flags: 0,
          },
        ],
      },
    });
    acc.accumulate(md([h(1n, 2n, [1n, 2n])]));
    acc.accumulate(md([h(2n, 3n, [4n, 0n])]));
    expect(acc.collect()[0]).toMatchObject({
      family: 'lat_seconds',
      histogram: { count: 7n, sum: 2, counts: [5n, 2n] },
    });
  });
});
