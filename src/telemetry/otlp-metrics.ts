// The own metrics (the prom-client registry behind /metrics) as OTLP metrics,
// for the OTLP push readers (service.telemetry.metrics.readers[].periodic).
// Names are the collector's OTel names: a counter loses the `_total` suffix
// Prometheus adds (otelcol_receiver_accepted_spans), labels go back to their
// attribute names (otel_signal → otel.signal). Counters are monotonic sums,
// histograms explicit-bucket histograms, gauges gauges, summaries summaries.
// With delta temporality each export carries what changed since the last one.
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { toAnyValue } from '../pdata/attributes.js';
import { newResource, newScope } from '../pdata/create.js';
import {
  AggregationTemporality,
  type HistogramDataPoint,
  type KeyValue,
  type Metric,
  type MetricsData,
  type NumberDataPoint,
} from '../pdata/types.js';

/** Prometheus label names the collector's attributes were turned into. */
const LABEL_TO_ATTRIBUTE: Record<string, string> = { otel_signal: 'otel.signal' };

export interface ResourceSpec {
  attributes: Record<string, string>;
  schemaUrl?: string;
}

type Labels = Record<string, string | number>;

function attributes(labels: Labels, skip?: string): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k === skip) continue;
    out.push({ key: LABEL_TO_ATTRIBUTE[k] ?? k, value: toAnyValue(String(v)) });
  }
  return out;
}

function seriesKey(labels: Labels, skip?: string): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => k !== skip));
}

/**
 * Converts registry snapshots to OTLP. Keeps the previous snapshot of every
 * counter and histogram series for delta temporality.
 */
export class OtlpMetricsConverter {
  private readonly startNano: bigint;
  private lastExportNano: bigint;
  /** Previous cumulative values per metric and series (delta temporality). */
  private readonly previous = new Map<string, number[]>();

  constructor(
    private readonly temporality: 'cumulative' | 'delta',
    private readonly resource: ResourceSpec,
    private readonly scope: { name: string; version: string },
    startNano = BigInt(Date.now()) * 1_000_000n,
  ) {
    this.startNano = startNano;
    this.lastExportNano = startNano;
  }

  async collect(registry: Registry, nowNano = BigInt(Date.now()) * 1_000_000n): Promise<MetricsData> {
    const snapshot = await registry.getMetricsAsJSON();
    const metrics: Metric[] = [];
    const start = this.temporality === 'delta' ? this.lastExportNano : this.startNano;
    for (const m of snapshot) {
      const metric = this.convert(m, start, nowNano);
      if (metric) metrics.push(metric);
    }
    this.lastExportNano = nowNano;
    const resource = newResource();
    for (const [k, v] of Object.entries(this.resource.attributes))
      resource.attributes.push({ key: k, value: toAnyValue(v) });
    const scope = newScope(this.scope.name, this.scope.version);
    return {
      resourceMetrics: [
        {
          resource,
          schemaUrl: this.resource.schemaUrl ?? '',
          scopeMetrics: [{ scope, metrics, schemaUrl: '' }],
        },
      ],
    };
  }

  /** Cumulative value(s) → what this export carries (the change since the last one for delta). */
  private delta(key: string, values: number[]): number[] {
    if (this.temporality === 'cumulative') return values;
    const prev = this.previous.get(key);
    this.previous.set(key, values);
    // A series that went down was reset (prom-client reset() on collect): its value is all new.
    if (!prev || prev.length !== values.length || values.some((v, i) => v < prev[i])) return values;
    return values.map((v, i) => v - prev[i]);
  }

  private convert(
    m: MetricObjectWithValues<MetricValue<string>>,
    start: bigint,
    now: bigint,
  ): Metric | undefined {
    const base = { description: m.help, unit: '', metadata: [] as KeyValue[] };
    const values = m.values as { value: number; labels: Labels; metricName?: string }[];
    const point = (labels: Labels, value: number, skip?: string): NumberDataPoint => ({
      attributes: attributes(labels, skip),
      startTimeUnixNano: start,
      timeUnixNano: now,
      asDouble: value,
      exemplars: [],
      flags: 0,
    });
    switch (m.type as unknown as string) {
      case 'counter': {
        const name = m.name.endsWith('_total') ? m.name.slice(0, -'_total'.length) : m.name;
        const temporality =
          this.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
        const dataPoints = values.map((v) => {
          const [value] = this.delta(`${m.name}${seriesKey(v.labels)}`, [v.value]);
          return { ...point(v.labels, value), startTimeUnixNano: start };
        });
        return { ...base, name, sum: { dataPoints, aggregationTemporality: temporality, isMonotonic: true } };
      }
      case 'gauge':
        return {
          ...base,
          name: m.name,
          gauge: {
            dataPoints: values.map((v) => ({ ...point(v.labels, v.value), startTimeUnixNano: 0n })),
          },
        };
      case 'histogram':
        return { ...base, name: m.name, histogram: this.histogram(m.name, values, start, now) };
      case 'summary': {
        const series = new Map<
          string,
          { labels: Labels; q: [number, number][]; sum: number; count: number }
        >();
        for (const v of values) {
          const key = seriesKey(v.labels, 'quantile');
          let s = series.get(key);
          if (!s) {
            const { quantile: _q, ...labels } = v.labels;
            s = { labels, q: [], sum: 0, count: 0 };
            series.set(key, s);
          }
          if (v.metricName?.endsWith('_sum')) s.sum = v.value;
          else if (v.metricName?.endsWith('_count')) s.count = v.value;
          else s.q.push([Number(v.labels.quantile), v.value]);
        }
        return {
          ...base,
          name: m.name,
          summary: {
            dataPoints: [...series.values()].map((s) => ({
              attributes: attributes(s.labels),
              startTimeUnixNano: this.startNano,
              timeUnixNano: now,
              count: BigInt(Math.round(s.count)),
              sum: s.sum,
              quantileValues: s.q.map(([quantile, value]) => ({ quantile, value })),
              flags: 0,
            })),
          },
        };
      }
      default:
        return undefined;
    }
  }

  private histogram(
    name: string,
    values: { value: number; labels: Labels; metricName?: string }[],
    start: bigint,
    now: bigint,
  ) {
    // prom-client gives cumulative `le` buckets, then _sum and _count, per label set.
    const series = new Map<
      string,
      { labels: Labels; buckets: [number, number][]; sum: number; count: number }
    >();
    for (const v of values) {
      const key = seriesKey(v.labels, 'le');
      let s = series.get(key);
      if (!s) {
        const { le: _le, ...labels } = v.labels;
        s = { labels, buckets: [], sum: 0, count: 0 };
        series.set(key, s);
      }
      if (v.metricName?.endsWith('_bucket'))
        s.buckets.push([v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le), v.value]);
      else if (v.metricName?.endsWith('_sum')) s.sum = v.value;
      else if (v.metricName?.endsWith('_count')) s.count = v.value;
    }
    const dataPoints: HistogramDataPoint[] = [];
    for (const [key, s] of series) {
      s.buckets.sort((a, b) => a[0] - b[0]);
      const cumulative = s.buckets.map(([, c]) => c);
      const [count, sum, ...cum] = this.delta(`${name}${key}`, [s.count, s.sum, ...cumulative]);
      // OTLP bucket counts are per bucket, not cumulative.
      const bucketCounts = cum.map((c, i) => BigInt(Math.round(c - (i > 0 ? cum[i - 1] : 0))));
      dataPoints.push({
        attributes: attributes(s.labels),
        startTimeUnixNano: start,
        timeUnixNano: now,
        count: BigInt(Math.round(count)),
        sum,
        bucketCounts,
        explicitBounds: s.buckets.map(([le]) => le).filter((le) => le !== Number.POSITIVE_INFINITY),
        exemplars: [],
        flags: 0,
      });
    }
    const aggregationTemporality =
      this.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    return { dataPoints, aggregationTemporality };
  }
}
