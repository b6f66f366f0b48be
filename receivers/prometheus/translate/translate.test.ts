// The scrape appender and OTLP assembly together, driven with expositions
// and scrape times by hand: types, values, start times, staleness, labels.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Metric, MetricsData } from '../../../src/pdata/types.js';
import { parseExposition } from '../exposition/parser.js';
import { relabelSchema } from '../relabel/config.js';
import { type SeriesOptions, TargetSeries } from './target-series.js';
import { TEST_BUILD, TEST_SERIES_OPTIONS, TEST_TARGET } from './test-target.js';
import { type BuildOptions, buildMetrics, SCOPE_NAME } from './to-otlp.js';

const TARGET = TEST_TARGET;
const DISCOVERED = new Map([
  ['__address__', '10.0.0.7:9100'],
  ['__scheme__', 'http'],
  ['__metrics_path__', '/metrics'],
  ['job', 'app'],
]);

function harness(opts: Partial<SeriesOptions> = {}, build: Partial<BuildOptions> = {}, target = TARGET) {
  const series = new TargetSeries(
    { labels: target, discovered: DISCOVERED },
    { ...TEST_SERIES_OPTIONS, ...opts },
  );
  const b: BuildOptions = { ...TEST_BUILD, ...build };
  return {
    series,
    scrape(body: string, atMs: number, format: 'text' | 'openmetrics' = 'text'): MetricsData {
      const r = series.append(parseExposition(body, format), atMs);
      if (!r.ok) throw new Error(r.error);
      series.report(atMs, { up: true, durationSeconds: 0.01 }, r.stats);
      return buildMetrics(r.touched, series, DISCOVERED, b);
    },
    fail(atMs: number): MetricsData {
      const t = series.fail(atMs);
      series.report(atMs, { up: false, durationSeconds: 0.01 }, undefined);
      return buildMetrics(t, series, DISCOVERED, b);
    },
    gone(atMs: number): MetricsData {
      return buildMetrics(series.endOfRun(atMs), series, DISCOVERED, b);
    },
  };
}

const metrics = (md: MetricsData): Metric[] =>
  md.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
const metric = (md: MetricsData, name: string) => {
  const m = metrics(md).find((x) => x.name === name);
  if (!m) throw new Error(`no metric ${name} in ${metrics(md).map((x) => x.name)}`);
  return m;
};
const attrs = (kvs: { key: string; value: { stringValue?: string } }[]) =>
  Object.fromEntries(kvs.map((kv) => [kv.key, kv.value.stringValue]));
const NS = 1_000_000n;

describe('types and values (the collector prometheus receiver mapping)', () => {
  const T0 = 1_700_000_000_000;
  const body = [
    '# TYPE req_total counter',
    '# HELP req_total Requests.',
    'req_total{code="200"} 10',
    '# TYPE temp gauge',
    'temp{room="a"} 21.5',
    '# TYPE lat histogram',
    'lat_bucket{le="0.1"} 3',
    'lat_bucket{le="1"} 5',
    'lat_bucket{le="+Inf"} 6',
    'lat_sum 2.5',
    'lat_count 6',
    '# TYPE rpc summary',
    'rpc{quantile="0.5"} 0.2',
    'rpc{quantile="0.99"} 0.9',
    'rpc_sum 12',
    'rpc_count 40',
    'untyped_thing 7',
  ].join('\n');

  it('counter → monotonic cumulative sum, gauge, histogram buckets, summary quantiles, untyped → gauge', () => {
    const h = harness();
    const md = h.scrape(body, T0);
    expect(md.resourceMetrics).toHaveLength(1);
    const rm = md.resourceMetrics[0];
    expect(attrs(rm.resource.attributes as never)).toEqual({
      'service.name': 'app',
      'server.address': '10.0.0.7',
      'service.instance.id': '10.0.0.7:9100',
      'server.port': '9100',
      'url.scheme': 'http',
    });
    expect(rm.scopeMetrics[0].scope).toMatchObject({ name: SCOPE_NAME, version: 'test' });
    const req = metric(md, 'req_total');
    expect(req.description).toBe('Requests.');
    expect(req.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(req.sum?.dataPoints[0]).toMatchObject({
      asDouble: 10,
      startTimeUnixNano: BigInt(T0) * NS,
      timeUnixNano: BigInt(T0) * NS,
      flags: 0,
    });
    expect(attrs(req.sum?.dataPoints[0].attributes as never)).toEqual({ code: '200' });
    expect(metric(md, 'temp').gauge?.dataPoints[0]).toMatchObject({ asDouble: 21.5, startTimeUnixNano: 0n });
    const lat = metric(md, 'lat').histogram;
    expect(lat?.aggregationTemporality).toBe(2);
    expect(lat?.dataPoints[0]).toMatchObject({
      count: 6n,
      sum: 2.5,
      explicitBounds: [0.1, 1],
      bucketCounts: [3n, 2n, 1n],
    });
    expect(lat?.dataPoints[0].attributes).toEqual([]);
    expect(metric(md, 'rpc').summary?.dataPoints[0]).toMatchObject({
      count: 40n,
      sum: 12,
      quantileValues: [
        { quantile: 0.5, value: 0.2 },
        { quantile: 0.99, value: 0.9 },
      ],
    });
    expect(metric(md, 'untyped_thing').gauge?.dataPoints[0].asDouble).toBe(7);
    expect(metric(md, 'up').gauge?.dataPoints[0].asDouble).toBe(1);
    expect(metric(md, 'scrape_samples_scraped').gauge?.dataPoints[0].asDouble).toBe(12);
    expect(metric(md, 'scrape_series_added').gauge?.dataPoints[0].asDouble).toBe(12);
  });

  it('start times: the first scrape, kept until a reset; _created wins', () => {
    const h = harness();
    h.scrape(body, T0);
    const md2 = h.scrape(body.replace('req_total{code="200"} 10', 'req_total{code="200"} 15'), T0 + 10_000);
    expect(metric(md2, 'req_total').sum?.dataPoints[0]).toMatchObject({
      asDouble: 15,
      startTimeUnixNano: BigInt(T0) * NS,
      timeUnixNano: BigInt(T0 + 10_000) * NS,
    });
    expect(metric(md2, 'lat').histogram?.dataPoints[0].startTimeUnixNano).toBe(BigInt(T0) * NS);
    expect(metric(md2, 'scrape_series_added').gauge?.dataPoints[0].asDouble).toBe(0);
    // a counter that went down was reset: it starts again at this scrape
    const md3 = h.scrape(body.replace('req_total{code="200"} 10', 'req_total{code="200"} 2'), T0 + 20_000);
    expect(metric(md3, 'req_total').sum?.dataPoints[0].startTimeUnixNano).toBe(BigInt(T0 + 20_000) * NS);

    const om = harness().scrape(
      '# TYPE jobs counter\njobs_total 4\njobs_created 1600000000.25\n# TYPE d histogram\nd_bucket{le="+Inf"} 1\nd_count 1\nd_sum 1\nd_created 1600000001\n# EOF\n',
      T0,
      'openmetrics',
    );
    expect(metric(om, 'jobs_total').sum?.dataPoints[0].startTimeUnixNano).toBe(1_600_000_000_250_000_000n);
    expect(metrics(om).map((m) => m.name)).not.toContain('jobs_created');
    expect(metric(om, 'd').histogram?.dataPoints[0].startTimeUnixNano).toBe(1_600_000_001_000_000_000n);
  });

  it('OpenMetrics info and stateset are non-monotonic sums; exemplars carry trace and span IDs', () => {
    const md = harness().scrape(
      [
        '# TYPE build info',
        'build_info{version="1.2"} 1',
        '# TYPE state stateset',
        'state{state="a"} 1',
        'state{state="b"} 0',
        '# TYPE hits counter',
        'hits_total 5 # {trace_id="0af7651916cd43dd8448eb211c80319c",span_id="b7ad6b7169203331",user="x"} 1 1700000000.5',
        '# EOF',
      ].join('\n'),
      T0,
      'openmetrics',
    );
    expect(metric(md, 'build').sum).toMatchObject({ isMonotonic: false, aggregationTemporality: 2 });
    expect(metric(md, 'state').sum?.dataPoints).toHaveLength(2);
    const ex = metric(md, 'hits_total').sum?.dataPoints[0].exemplars[0];
    expect(Buffer.from(ex?.traceId ?? []).toString('hex')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(Buffer.from(ex?.spanId ?? []).toString('hex')).toBe('b7ad6b7169203331');
    expect(ex).toMatchObject({ asDouble: 1, timeUnixNano: 1_700_000_000_500_000_000n });
    expect(attrs(ex?.filteredAttributes as never)).toEqual({ user: 'x' });
  });

  it('target_info becomes resource attributes; otel_scope_* labels the scope', () => {
    const md = harness().scrape(
      [
        '# TYPE target info',
        'target_info{deployment_environment="prod",k8s_pod_name="p1"} 1',
        'g{otel_scope_name="lib",otel_scope_version="2",otel_scope_team="x",a="1"} 3',
        '# EOF',
      ].join('\n'),
      T0,
      'openmetrics',
    );
    const rm = md.resourceMetrics[0];
    expect(attrs(rm.resource.attributes as never)).toMatchObject({
      deployment_environment: 'prod',
      k8s_pod_name: 'p1',
    });
    const lib = rm.scopeMetrics.find((s) => s.scope.name === 'lib');
    expect(lib?.scope.version).toBe('2');
    expect(attrs(lib?.scope.attributes as never)).toEqual({ team: 'x' });
    expect(attrs(lib?.metrics[0].gauge?.dataPoints[0].attributes as never)).toEqual({ a: '1' });
  });

  it('trim_metric_suffixes drops _total and the unit', () => {
    const md = harness({}, { trimSuffixes: true }).scrape(
      '# TYPE singing_duration_seconds counter\n# UNIT singing_duration_seconds seconds\nsinging_duration_seconds_total 1\n# EOF\n',
      T0,
      'openmetrics',
    );
    expect(metric(md, 'singing_duration').unit).toBe('seconds');
  });
});

describe('staleness', () => {
  const T0 = 1_700_000_000_000;
  it('a series that disappears gets one no-recorded-value point at the next scrape', () => {
    const h = harness();
    h.scrape(
      '# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 1\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      T0,
    );
    const md = h.scrape('# TYPE a counter\na_total{x="1"} 2\n', T0 + 1000);
    const pts = metric(md, 'a_total').sum?.dataPoints ?? [];
    expect(pts.map((p) => [attrs(p.attributes as never).x, p.flags, p.asDouble])).toEqual([
      ['1', 0, 2],
      ['2', 1, undefined],
    ]);
    expect(pts[1].startTimeUnixNano).toBe(BigInt(T0) * NS);
    const hp = metric(md, 'h').histogram?.dataPoints[0];
    expect(hp).toMatchObject({ flags: 1, count: 0n, bucketCounts: [0n] });
    expect(hp?.sum).toBeUndefined();
    const md3 = h.scrape('# TYPE a counter\na_total{x="1"} 3\n', T0 + 2000);
    expect(metric(md3, 'a_total').sum?.dataPoints).toHaveLength(1);
  });

  it('a failed scrape: up=0 and every series of the last scrape stale; samples with their own timestamp are not', () => {
    const h = harness();
    h.scrape('g 1\nexplicit 5 1699999999000\n', T0);
    const md = h.fail(T0 + 1000);
    expect(metric(md, 'up').gauge?.dataPoints[0]).toMatchObject({ asDouble: 0, flags: 0 });
    expect(metric(md, 'g').gauge?.dataPoints[0]).toMatchObject({
      flags: 1,
      timeUnixNano: BigInt(T0 + 1000) * NS,
    });
    expect(metrics(md).map((m) => m.name)).not.toContain('explicit');
    // nothing more goes stale on a second failure
    expect(metrics(h.fail(T0 + 2000)).map((m) => m.name)).toEqual([
      'up',
      'scrape_duration_seconds',
      'scrape_samples_scraped',
      'scrape_samples_post_metric_relabeling',
      'scrape_series_added',
    ]);
  });

  it('a series forgotten by gc starts again when it returns (the adjuster deleted its start time)', () => {
    // The collector's metrics adjuster keeps a series' start time in its
    // timeseries map only while the series is seen; gc deletes the rest, and a
    // series that comes back after that is new: its first point is its start.
    const body =
      '# TYPE c counter\nc_total{x="1"} 5\n# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3\n';
    const h = harness({ gcMs: 60_000 });
    h.scrape(body, T0);
    h.scrape(body.replace(' 5', ' 6'), T0 + 10_000);
    // the target is down for longer than the gc interval: its series go stale and are forgotten
    for (let t = T0 + 20_000; t <= T0 + 200_000; t += 10_000) h.fail(t);
    const back = T0 + 210_000;
    const md = h.scrape(body.replace(' 5', ' 7'), back);
    expect(metric(md, 'c_total').sum?.dataPoints[0]).toMatchObject({
      asDouble: 7,
      startTimeUnixNano: BigInt(back) * NS,
    });
    expect(metric(md, 'h').histogram?.dataPoints[0].startTimeUnixNano).toBe(BigInt(back) * NS);
    // within the gc interval a returning series keeps its start
    const h2 = harness({ gcMs: 60_000 });
    h2.scrape(body, T0);
    h2.fail(T0 + 10_000);
    const md2 = h2.scrape(body.replace(' 5', ' 7'), T0 + 20_000);
    expect(metric(md2, 'c_total').sum?.dataPoints[0].startTimeUnixNano).toBe(BigInt(T0) * NS);
  });

  it('a target that goes away: everything stale, up included', () => {
    const h = harness();
    h.scrape('g 1\n', T0);
    const md = h.gone(T0 + 1000);
    expect(metric(md, 'g').gauge?.dataPoints[0].flags).toBe(1);
    expect(metric(md, 'up').gauge?.dataPoints[0].flags).toBe(1);
  });
});

describe('labels', () => {
  const T0 = 1_700_000_000_000;
  const relabel = (r: unknown[]) => z.array(relabelSchema).parse(r);

  it('target labels win; exposed ones become exported_*, exported_exported_* when taken', () => {
    const target = new Map([...TARGET, ['env', 'prod']]);
    const md = harness({}, {}, target).scrape('m{job="other",env="dev",exported_env="x"} 1\n', T0);
    expect(attrs(metric(md, 'm').gauge?.dataPoints[0].attributes as never)).toEqual({
      env: 'prod',
      exported_job: 'other',
      exported_env: 'x',
      exported_exported_env: 'dev',
    });
    expect(attrs(md.resourceMetrics[0].resource.attributes as never)['service.name']).toBe('app');
  });

  it('honor_labels keeps exposed values, job/instance included (their own resource)', () => {
    const md = harness({ honorLabels: true }).scrape('m{job="pushed",instance="x:1"} 1\nn 2\n', T0);
    const byJob = Object.fromEntries(
      md.resourceMetrics.map((rm) => [
        attrs(rm.resource.attributes as never)['service.name'],
        rm.scopeMetrics[0].metrics.map((m) => m.name),
      ]),
    );
    expect(byJob.pushed).toEqual(['m']);
    expect(byJob.app).toContain('n');
  });

  it('metric_relabel_configs drop and rewrite; scrape_samples_post_metric_relabeling counts what is left', () => {
    const md = harness({
      metricRelabel: relabel([
        { source_labels: ['__name__'], regex: 'drop_.*', action: 'drop' },
        { source_labels: ['path'], regex: '/api/(.*)', target_label: 'api', replacement: '$1' },
      ]),
    }).scrape('drop_me 1\nkeep{path="/api/users"} 2\n', T0);
    expect(metrics(md).map((m) => m.name)).not.toContain('drop_me');
    expect(attrs(metric(md, 'keep').gauge?.dataPoints[0].attributes as never)).toEqual({
      path: '/api/users',
      api: 'users',
    });
    expect(metric(md, 'scrape_samples_post_metric_relabeling').gauge?.dataPoints[0].asDouble).toBe(1);
  });

  it('sample_limit and label limits fail the whole scrape', () => {
    const h = harness({ sampleLimit: 1 });
    const r = h.series.append(parseExposition('a 1\nb 2\n', 'text'), T0);
    expect(r).toMatchObject({ ok: false, error: 'sample limit exceeded (limit 1)' });
    const l = harness({ labelLimit: 2 }).series.append(parseExposition('a{x="1",y="2"} 1\n', 'text'), T0);
    expect(l.ok).toBe(false);
    expect(!l.ok && l.error).toMatch(/^label_limit exceeded \(metric: a, number of labels: 5, limit: 2\)$/);
    const d = harness().series.append(parseExposition('a{x="1",x="2"} 1\n', 'text'), T0);
    expect(!d.ok && d.error).toBe('invalid sample: non-unique label names: "x"');
  });

  it('external labels are set on every sample, over an exposed value (the collector sets them last)', () => {
    const md = harness({ externalLabels: [['cluster', 'c1']] }).scrape('m{cluster="x"} 1\n', T0);
    expect(attrs(metric(md, 'm').gauge?.dataPoints[0].attributes as never)).toEqual({ cluster: 'c1' });
  });
});
