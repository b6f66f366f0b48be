// Metrics through the elasticsearch exporter against the ES stand-in: otel-mode
// documents grouped per resource/scope/timestamp/attributes in
// metrics-generic.otel-default with dynamic templates, and the ECS shape.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../../src/component/component.js';
import { captureLogger, counterValue, settingsWith } from '../../src/exporterhelper/testing/helpers.js';
import { newResourceMetrics, newScopeMetrics } from '../../src/pdata/create.js';
import type { KeyValue, Metric, MetricsData, NumberDataPoint } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { EsStandin } from '../../test/support/es-standin.js';
import { elasticsearchConfigSchema } from './config.js';
import { factory } from './factory.js';
import { xxhash64Hex } from './xxhash64.js';

const es = new EsStandin({ maxBodyBytes: 256 * 1024 });
const open: Exporter[] = [];
beforeAll(async () => {
  await es.start();
});
afterAll(async () => {
  for (const e of open) await e.shutdown();
  await es.close();
});
beforeEach(() => es.reset());

const T = BigInt(Date.now()) * 1_000_000n;
const START = T - 60_000_000_000n;
const attr = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });

function num(
  name: string,
  value: number | bigint,
  opts: Partial<Metric> & { monotonic?: boolean; attrs?: KeyValue[] } = {},
): Metric {
  const p: NumberDataPoint = {
    attributes: opts.attrs ?? [attr('host.cpu', '0')],
    startTimeUnixNano: START,
    timeUnixNano: T,
    ...(typeof value === 'bigint' ? { asInt: value } : { asDouble: value }),
    exemplars: [],
    flags: 0,
  };
  const base = { name, unit: opts.unit ?? '', description: '', metadata: [] };
  return opts.monotonic !== undefined
    ? { ...base, sum: { aggregationTemporality: 2, isMonotonic: opts.monotonic, dataPoints: [p] } }
    : { ...base, gauge: { dataPoints: [p] } };
}

function md(metrics: Metric[]): MetricsData {
  const rm = newResourceMetrics();
  rm.resource.attributes.push(attr('service.name', 'node-exporter'), attr('host.name', 'web-1'));
  const sm = newScopeMetrics();
  sm.scope.name = 'hostmetrics';
  sm.metrics.push(...metrics);
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

async function exporter(over: Record<string, unknown> = {}) {
  const metrics = new SelfMetrics();
  const cfg = elasticsearchConfigSchema.parse({
    endpoint: es.url,
    sending_queue: { enabled: false },
    retry_on_failure: { initial_interval: '5ms', max_interval: '20ms', max_elapsed_time: '2s' },
    ...over,
  });
  const exp = factory.create(settingsWith('elasticsearch', captureLogger().logger, metrics), cfg, [
    'metrics',
  ]);
  await exp.start(emptyHost);
  open.push(exp);
  const count = (what: 'sent' | 'send_failed') =>
    counterValue(metrics, `otelcol_exporter_${what}_metric_points_total`, { exporter: 'elasticsearch' });
  return { exp, count };
}

describe('elasticsearch exporter: metrics', () => {
  it('otel mode: one document per resource/scope/timestamp/attributes, metrics by name, dynamic templates', async () => {
    const { exp, count } = await exporter();
    const hist: Metric = {
      name: 'http.server.duration',
      unit: 'ms',
      description: '',
      metadata: [],
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            attributes: [attr('http.route', '/a')],
            startTimeUnixNano: START,
            timeUnixNano: T,
            count: 6n,
            sum: 100,
            bucketCounts: [1n, 0n, 3n, 2n],
            explicitBounds: [10, 20, 50],
            exemplars: [],
            flags: 0,
          },
        ],
      },
    };
    await exp.consume(
      'metrics',
      md([
        num('system.cpu.time', 12.5, { monotonic: true, unit: 's' }),
        num('system.cpu.utilization', 0.25, { unit: 's' }),
        num('system.cpu.time', 3.5, { monotonic: true, unit: 's', attrs: [attr('host.cpu', '1')] }),
        hist,
      ]),
    );
    expect(await count('sent')).toBe(4);
    expect(es.indices()).toEqual(['metrics-generic.otel-default']);
    const docs = es.search('metrics-generic.otel-default');
    expect(docs).toHaveLength(3);
    const cpu0 = docs.find((d) => (d.source.attributes as Record<string, string>)?.['host.cpu'] === '0');
    expect(cpu0?.source).toEqual({
      '@timestamp': Number(T / 1_000_000n),
      start_timestamp: Number(START / 1_000_000n),
      unit: 's',
      data_stream: { type: 'metrics', dataset: 'generic.otel', namespace: 'default' },
      attributes: { 'host.cpu': '0' },
      resource: { attributes: { 'service.name': 'node-exporter', 'host.name': 'web-1' } },
      scope: { name: 'hostmetrics' },
      metrics: { 'system.cpu.time': 12.5, 'system.cpu.utilization': 0.25 },
      _metric_names_hash: xxhash64Hex('system.cpu.timesystem.cpu.utilization'),
    });
    expect(cpu0?.dynamicTemplates).toEqual({
      'metrics.system.cpu.time': 'counter_double',
      'metrics.system.cpu.utilization': 'gauge_double',
    });
    const h = docs.find((d) => 'http.server.duration' in (d.source.metrics as object));
    expect(h?.source.metrics).toEqual({ 'http.server.duration': { counts: [1, 3, 2], values: [5, 35, 50] } });
    expect(h?.source._doc_count).toBe(6);
    expect(h?.dynamicTemplates).toEqual({ 'metrics.http.server.duration': 'histogram' });
  });

  it('the same metric twice in one document is a validation error for the second point', async () => {
    const { exp, count } = await exporter();
    await expect(exp.consume('metrics', md([num('load', 1n), num('load', 2n)]))).rejects.toThrow(
      /metric with name 'load' has already been serialized/,
    );
    expect(await count('sent')).toBe(1);
    expect(await count('send_failed')).toBe(1);
    expect(es.search('metrics-generic.otel-default')[0].source.metrics).toEqual({ load: 1 });
  });

  it('ecs mode: flat fields, resource attributes under ECS names, metrics-generic-default', async () => {
    const { exp } = await exporter({ mapping: { mode: 'ecs' } });
    await exp.consume('metrics', md([num('system.memory.usage', 1024n, { unit: 'By' })]));
    expect(es.indices()).toEqual(['metrics-generic-default']);
    const [doc] = es.search('metrics-generic-default');
    expect(doc.source).toMatchObject({
      'data_stream.type': 'metrics',
      'data_stream.dataset': 'generic',
      'data_stream.namespace': 'default',
      'service.name': 'node-exporter',
      'host.hostname': 'web-1',
      'host.cpu': '0',
      'system.memory.usage': 1024,
    });
    expect(doc.dynamicTemplates).toEqual({ 'system.memory.usage': 'gauge_long' });
  });

  it('XXH64 matches the reference vectors', () => {
    expect(xxhash64Hex('')).toBe('ef46db3751d8e999');
    expect(xxhash64Hex('abc')).toBe('44bc2cf5ad770999');
    expect(xxhash64Hex('Nobody inspects the spammish repetition')).toBe('fbcea83c8a378bf1');
  });
});
