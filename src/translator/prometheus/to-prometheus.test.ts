// The examples of the specification (compatibility/prometheus_and_openmetrics.md)
// and of the collector translator's README tables.
import { describe, expect, it } from 'vitest';
import { newResourceMetrics, newScopeMetrics } from '../../pdata/create.js';
import type { ExponentialHistogramDataPoint, KeyValue, Metric, MetricsData } from '../../pdata/types.js';
import { buildMetricName, normalizeLabel, prometheusUnit } from './normalize-name.js';
import { attributeLabels } from './to-prometheus-labels.js';
import { bucketsToSpans, STALE_NAN, toNativeHistogram } from './to-prometheus-native-histogram.js';
import { otlpToSeries, type SeriesSettings, toPlainDecimal } from './to-prometheus-series.js';

describe('metric names', () => {
  const n = (name: string, unit: string, kind: 'counter' | 'gauge' | 'other' = 'other', ns = '') =>
    buildMetricName(name, unit, kind, ns, true);

  it('follows the translator README table', () => {
    expect(n('(lambda).function.executions(#)', '')).toBe('lambda_function_executions');
    expect(n('system.filesystem.usage', 'By', 'gauge')).toBe('system_filesystem_usage_bytes');
    expect(n('system.network.dropped', '{packets}', 'gauge')).toBe('system_network_dropped');
    expect(n('system.network.dropped', 'packets', 'gauge')).toBe('system_network_dropped_packets');
    expect(n('system.memory.utilization', '1', 'gauge')).toBe('system_memory_utilization_ratio');
    expect(n('storage.filesystem.utilization', '%', 'gauge')).toBe('storage_filesystem_utilization_percent');
    expect(n('astro.light.speed', 'm/s', 'gauge')).toBe('astro_light_speed_meters_per_second');
    expect(n('system.processes.created', '', 'counter')).toBe('system_processes_created_total');
  });

  it('appends _total once and last, leaves units already in the name, _ratio only for gauges', () => {
    expect(n('http.requests.total', '', 'counter')).toBe('http_requests_total');
    expect(n('request.duration.seconds', 's', 'other')).toBe('request_duration_seconds');
    expect(n('cpu.time', 's', 'counter')).toBe('cpu_time_seconds_total');
    expect(n('hits', '1', 'counter')).toBe('hits_total');
    expect(n('ratio.of.x', '1', 'gauge')).toBe('of_x_ratio');
    expect(n('bytes.in', 'By/s', 'gauge')).toBe('bytes_in_per_second');
    expect(n('speed', 'km/h', 'gauge')).toBe('speed_km_per_hour');
  });

  it('collapses runs of invalid characters and guards a leading digit; namespace is prefixed', () => {
    expect(n('foo__bar..baz', '')).toBe('foo_bar_baz');
    expect(n('2xx.responses', '', 'counter')).toBe('_2xx_responses_total');
    expect(n('up', '', 'gauge', 'my-app')).toBe('my_app_up');
    expect(buildMetricName('http.server.duration', 's', 'other', '', false)).toBe('http_server_duration');
    expect(buildMetricName('cpu.time', 's', 'counter', '', false)).toBe('cpu_time');
  });

  it('units as metadata', () => {
    expect(prometheusUnit('By/s')).toBe('bytes_per_second');
    expect(prometheusUnit('1')).toBe('');
    expect(prometheusUnit('{packet}')).toBe('');
    expect(prometheusUnit('ms')).toBe('milliseconds');
  });
});

describe('labels', () => {
  it('sanitizes as the translator README says', () => {
    expect(normalizeLabel('name')).toBe('name');
    expect(normalizeLabel('host.name')).toBe('host_name');
    expect(normalizeLabel('name (of the host)')).toBe('name__of_the_host_');
    expect(normalizeLabel('2 cents')).toBe('key_2_cents');
    expect(normalizeLabel('__name')).toBe('__name');
    expect(normalizeLabel('_name')).toBe('key_name');
  });

  it('joins colliding keys with ";" in the order of the original keys', () => {
    const attrs: KeyValue[] = [
      { key: 'foo_bar', value: { stringValue: 'b' } },
      { key: 'foo.bar', value: { stringValue: 'a' } },
      { key: 'n', value: { intValue: 7n } },
      { key: 'ok', value: { boolValue: true } },
    ];
    expect(Object.fromEntries(attributeLabels(attrs))).toEqual({ foo_bar: 'a;b', n: '7', ok: 'true' });
  });
});

describe('native histograms', () => {
  it('turns dense OTLP buckets into spans and deltas (Prometheus index = OTLP index + 1)', () => {
    expect(bucketsToSpans({ offset: 1, bucketCounts: [2n, 0n, 3n] }, 0)).toEqual({
      spans: [{ offset: 2, length: 3 }],
      deltas: [2n, -2n, 3n],
    });
    // A gap of more than two empty buckets starts a new span.
    expect(bucketsToSpans({ offset: 0, bucketCounts: [1n, 0n, 0n, 0n, 4n] }, 0)).toEqual({
      spans: [
        { offset: 1, length: 1 },
        { offset: 3, length: 1 },
      ],
      deltas: [1n, 3n],
    });
  });

  it('downscales above scale 8, drops below -4, marks stale points', () => {
    const p: ExponentialHistogramDataPoint = {
      attributes: [],
      startTimeUnixNano: 0n,
      timeUnixNano: 0n,
      count: 4n,
      sum: 10,
      scale: 10,
      zeroCount: 0n,
      positive: { offset: 0, bucketCounts: [1n, 1n, 1n, 1n] },
      negative: { offset: 0, bucketCounts: [] },
      flags: 0,
      exemplars: [],
      zeroThreshold: 0,
    };
    const h = toNativeHistogram(p, 5, false);
    expect(h).toMatchObject({ schema: 8, count: 4n, zeroThreshold: 1e-128, positiveDeltas: [4n] });
    expect(toNativeHistogram({ ...p, scale: -5 }, 5, false)).toMatch(/below -4/);
    const stale = toNativeHistogram(p, 5, true);
    expect(typeof stale !== 'string' && Object.is(stale.countFloat, STALE_NAN)).toBe(true);
  });
});

describe('series', () => {
  const settings: SeriesSettings = {
    namespace: '',
    addMetricSuffixes: true,
    targetInfo: true,
    resourceToTelemetry: { enabled: false, exclude_service_attributes: false },
    scopeLabels: true,
    emptyScopeLabels: false,
    extraLabels: [['cluster', 'c1']],
  };

  function md(metric: Metric, resource: KeyValue[] = []): MetricsData {
    const rm = newResourceMetrics();
    rm.resource.attributes.push(...resource);
    const sm = newScopeMetrics();
    sm.scope.name = 'lib';
    sm.metrics.push(metric);
    rm.scopeMetrics.push(sm);
    return { resourceMetrics: [rm] };
  }

  it('histogram → cumulative _bucket{le} with +Inf, _sum, _count; exemplar in the bucket holding it', () => {
    const r = otlpToSeries(
      md({
        name: 'lat',
        unit: 'ms',
        description: '',
        metadata: [],
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              attributes: [],
              startTimeUnixNano: 1n,
              timeUnixNano: 2_000_000n,
              count: 6n,
              sum: 12,
              bucketCounts: [1n, 2n, 3n],
              explicitBounds: [1, 5],
              exemplars: [
                {
                  filteredAttributes: [],
                  timeUnixNano: 1_000_000n,
                  asDouble: 3,
                  traceId: new Uint8Array(16).fill(1),
                  spanId: new Uint8Array(8).fill(2),
                },
              ],
              flags: 0,
            },
          ],
        },
      }),
      settings,
    );
    const by = new Map(r.series.map((s) => [s.labels.map(([k, v]) => `${k}=${v}`).join(','), s]));
    const le = (x: string) =>
      by.get(`__name__=lat_milliseconds_bucket,cluster=c1,le=${x},otel_scope_name=lib`);
    expect(le('1')?.samples[0].value).toBe(1);
    expect(le('5')?.samples[0].value).toBe(3);
    expect(le('+Inf')?.samples[0].value).toBe(6);
    expect(le('5')?.exemplars[0].labels).toEqual([
      ['trace_id', '01'.repeat(16)],
      ['span_id', '02'.repeat(8)],
    ]);
    expect(le('1')?.exemplars).toEqual([]);
    expect(by.get('__name__=lat_milliseconds_sum,cluster=c1,otel_scope_name=lib')?.samples[0]).toEqual({
      value: 12,
      timestampMs: 2,
    });
  });

  it('stale flag → the stale NaN; delta sums are dropped and reported; target_info only with other attributes', () => {
    const gauge: Metric = {
      name: 'g',
      unit: '',
      description: '',
      metadata: [],
      gauge: {
        dataPoints: [
          {
            attributes: [],
            startTimeUnixNano: 0n,
            timeUnixNano: 5_000_000n,
            asDouble: 1,
            exemplars: [],
            flags: 1,
          },
        ],
      },
    };
    const r = otlpToSeries(md(gauge, [{ key: 'service.name', value: { stringValue: 's' } }]), settings);
    expect(r.series).toHaveLength(1);
    expect(Object.is(r.series[0].samples[0].value, STALE_NAN)).toBe(true);
    const delta: Metric = {
      ...gauge,
      gauge: undefined,
      sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: gauge.gauge?.dataPoints ?? [] },
    };
    const d = otlpToSeries(md(delta, [{ key: 'host.name', value: { stringValue: 'h' } }]), settings);
    expect(d.dropped).toBe(1);
    expect(d.reasons[0]).toMatch(/delta temporality/);
    // No points written, so no target_info either.
    expect(d.series).toEqual([]);
  });

  it("bounds and quantiles are written like Go’s FormatFloat(f, 'f', -1)", () => {
    expect(toPlainDecimal(1e-7)).toBe('0.0000001');
    expect(toPlainDecimal(2.5e21)).toBe('2500000000000000000000');
    expect(toPlainDecimal(0.25)).toBe('0.25');
  });
});
