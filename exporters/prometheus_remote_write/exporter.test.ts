import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newResourceMetrics, newScopeMetrics } from '../../src/pdata/create.js';
import type { Metric, MetricsData, NumberDataPoint } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { RemoteWriteStandin } from '../../test/support/remote-write-standin.js';
import { prometheusRemoteWriteConfigSchema } from './config.js';
import { factory, helperConfig } from './factory.js';

const conformance = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/prometheusremotewriteexporter.yaml`, 'utf8'),
) as Record<string, unknown>;

function gauge(name: string, n: number, value = 1, tsMs = 1_700_000_000_000): Metric {
  const dataPoints: NumberDataPoint[] = [];
  for (let i = 0; i < n; i++)
    dataPoints.push({
      attributes: [{ key: 'i', value: { intValue: BigInt(i) } }],
      startTimeUnixNano: 0n,
      timeUnixNano: BigInt(tsMs) * 1_000_000n,
      asDouble: value,
      exemplars: [],
      flags: 0,
    });
  return { name, description: '', unit: '', metadata: [], gauge: { dataPoints } };
}

function data(...metrics: Metric[]): MetricsData {
  const rm = newResourceMetrics();
  rm.resource.attributes.push({ key: 'service.name', value: { stringValue: 'svc' } });
  const sm = newScopeMetrics();
  sm.metrics.push(...metrics);
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

describe('prometheus_remote_write config', () => {
  it('accepts the collector fixture’s valid entries and rejects its invalid ones with the collector’s reasons', () => {
    const expectErr: Record<string, RegExp> = {
      'prometheus_remote_write/negative_queue_size': /queue size can't be negative/,
      'prometheus_remote_write/negative_num_consumers': /consumer number can't be negative/,
      'prometheus_remote_write/less_than_1_max_batch_request_parallelism': /can't be set to below 1/,
      'prometheus_remote_write/non_snappy_compression_type': /compression type must be snappy/,
      'prometheus_remote_write/unknown_protobuf_message':
        /endpoint is required|unknown remote write protobuf/,
      'prometheus_remote_write/translation_strategy': /remote write v2 is not supported/,
      'prometheus_remote_write/invalid_translation_strategy':
        /expected one of "UnderscoreEscapingWithSuffixes"/,
      'prometheus_remote_write/v1_no_utf8': /requires Prometheus Remote Write 2.0/,
      'prometheus_remote_write/v1_no_translation': /requires Prometheus Remote Write 2.0/,
      // The bare `prometheus_remote_write:` entry has no endpoint; the collector only fails it at start.
      prometheus_remote_write: /endpoint is required/,
    };
    for (const [id, cfg] of Object.entries(conformance)) {
      const r = prometheusRemoteWriteConfigSchema.safeParse(cfg ?? {});
      if (expectErr[id]) {
        expect(r.success, id).toBe(false);
        expect(r.error?.issues.map((i) => i.message).join('; '), id).toMatch(expectErr[id]);
      } else expect(r.success, `${id}: ${r.error?.message}`).toBe(true);
    }
    const full = prometheusRemoteWriteConfigSchema.parse(conformance['prometheus_remote_write/2']);
    expect(full.namespace).toBe('test-space');
    expect(full.retry_on_failure.initial_interval).toBe(10_000);
    expect(full.retry_on_failure.max_elapsed_time).toBe(600_000);
    expect(full.remote_write_queue).toMatchObject({ queue_size: 2000, num_consumers: 10 });
    expect(full.external_labels).toEqual({ key1: 'value1', key2: 'value2' });
    expect(full.add_metric_suffixes).toBe(false);
    expect(full.endpoint).toBe('http://localhost:8888/');
    const disabled = prometheusRemoteWriteConfigSchema.parse(
      conformance['prometheus_remote_write/disabled_queue'],
    );
    expect(helperConfig(disabled).sending_queue.enabled).toBe(false);
  });

  it('has the collector’s defaults and maps remote_write_queue onto one ordered queue consumer', () => {
    const c = prometheusRemoteWriteConfigSchema.parse({ endpoint: 'http://p:9090/api/v1/write' });
    expect(c).toMatchObject({
      timeout: 5000,
      max_batch_size_bytes: 3_000_000,
      add_metric_suffixes: true,
      send_metadata: false,
      target_info: { enabled: true },
      remote_write_queue: { enabled: true, queue_size: 10_000, num_consumers: 5 },
      resource_to_telemetry_conversion: { enabled: false, exclude_service_attributes: false },
    });
    expect(c.retry_on_failure).toMatchObject({ enabled: true, initial_interval: 50, max_interval: 30_000 });
    const h = helperConfig(c);
    expect(h.sending_queue).toMatchObject({
      enabled: true,
      num_consumers: 1,
      queue_size: 10_000,
      sizer: 'requests',
    });
    expect(h.retry_on_failure.enabled).toBe(false);
  });

  it('rejects what it does not implement, clearly', () => {
    const wal = prometheusRemoteWriteConfigSchema.safeParse({
      endpoint: 'http://p/',
      wal: { directory: '/x' },
    });
    expect(wal.error?.issues[0].message).toMatch(/wal.*not supported/);
    const typo = prometheusRemoteWriteConfigSchema.safeParse({ endpoint: 'http://p/', namespce: 'x' });
    expect(typo.success).toBe(false);
    const scheme = prometheusRemoteWriteConfigSchema.safeParse({ endpoint: 'ftp://p/' });
    expect(scheme.error?.issues[0].message).toMatch(/invalid endpoint/);
  });
});

describe('prometheus_remote_write exporter against a stand-in', () => {
  let standin: RemoteWriteStandin;
  let url: string;
  beforeEach(async () => {
    standin = new RemoteWriteStandin();
    url = await standin.start();
  });
  afterEach(async () => {
    await standin.stop();
  });

  async function exporter(extra: Record<string, unknown> = {}, metrics = new SelfMetrics()) {
    const cfg = prometheusRemoteWriteConfigSchema.parse({
      endpoint: url,
      remote_write_queue: { enabled: false },
      retry_on_failure: { initial_interval: '5ms', max_interval: '20ms', max_elapsed_time: '2s' },
      headers: { 'X-Scope-OrgID': 'tenant-a', 'Content-Type': 'text/plain' },
      ...extra,
    });
    const exp = factory.create(testSettings('prometheus_remote_write', 'exporter', metrics), cfg, [
      'metrics',
    ]);
    await exp.start(emptyHost);
    return exp;
  }

  async function counter(metrics: SelfMetrics, name: string): Promise<number> {
    const text = await metrics.registry.metrics();
    const m = new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : 0;
  }

  it('sends remote write 1.0: snappy protobuf, its headers (user headers cannot override them), sorted labels', async () => {
    const exp = await exporter();
    await exp.consume('metrics', data(gauge('temp', 2, 21.5)));
    await exp.shutdown();
    expect(standin.writes).toHaveLength(1);
    const w = standin.writes[0];
    expect(w.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'x-scope-orgid': 'tenant-a',
    });
    for (const ts of w.timeseries) {
      const names = ts.labels.map((l) => l.name);
      expect(names).toEqual([...names].sort());
    }
    expect(standin.all()).toEqual(
      new Map([
        ['temp{i=0,job=svc}', [21.5]],
        ['temp{i=1,job=svc}', [21.5]],
      ]),
    );
  });

  it('splits at max_batch_size_bytes; every series arrives once', async () => {
    const exp = await exporter({ max_batch_size_bytes: 2000 });
    await exp.consume('metrics', data(gauge('load', 300)));
    await exp.shutdown();
    expect(standin.writes.length).toBeGreaterThan(5);
    // Requests are measured before compression; the stand-in sees the snappy size, which is smaller.
    for (const w of standin.writes) expect(w.bytes).toBeLessThanOrEqual(2000);
    expect(standin.all().size).toBe(300);
  });

  it('retries 5xx and 429 (honouring Retry-After) until accepted', async () => {
    const metrics = new SelfMetrics();
    const exp = await exporter({}, metrics);
    standin.script = [{ status: 503 }, { status: 429, retryAfter: '0' }, { status: 500 }];
    await exp.consume('metrics', data(gauge('up', 3)));
    await exp.shutdown();
    expect(standin.writes).toHaveLength(4);
    expect(await counter(metrics, 'otelcol_exporter_sent_metric_points_total')).toBe(3);
    expect(await counter(metrics, 'otelcol_exporter_send_failed_metric_points_total')).toBe(0);
  });

  it('a 400 (out of order, duplicate sample) is final: one request, counted in send_failed', async () => {
    const metrics = new SelfMetrics();
    const exp = await exporter({}, metrics);
    standin.script = [{ status: 400, body: 'out of order sample' }];
    await expect(exp.consume('metrics', data(gauge('up', 3)))).rejects.toThrow(/400: out of order sample/);
    await exp.shutdown();
    expect(standin.writes).toHaveLength(1);
    expect(await counter(metrics, 'otelcol_exporter_send_failed_metric_points_total')).toBe(3);
  });

  it('with the queue on, consume() resolves before the backend answered', async () => {
    const exp = await exporter({ remote_write_queue: { enabled: true, queue_size: 10 } });
    standin.script = [{ status: 503 }, { status: 503 }];
    await exp.consume('metrics', data(gauge('up', 1)));
    await exp.shutdown(); // drains: the retries end in an accepted write
    expect(standin.writes).toHaveLength(3);
  });

  it('sends metadata when send_metadata is on', async () => {
    const exp = await exporter({ send_metadata: true });
    const m = gauge('disk.used', 1);
    m.unit = 'By';
    m.description = 'Bytes used';
    await exp.consume('metrics', data(m));
    await exp.shutdown();
    const meta = standin.writes.flatMap((w) => w.metadata);
    expect(meta).toEqual([
      { type: 2, metricFamilyName: 'disk_used_bytes', help: 'Bytes used', unit: 'bytes' },
    ]);
  });
});
