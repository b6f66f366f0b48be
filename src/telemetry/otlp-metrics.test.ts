import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AggregationTemporality } from '../pdata/types.js';
import { OtlpMetricsConverter } from './otlp-metrics.js';

function setup() {
  const registry = new Registry();
  const counter = new Counter({
    name: 'otelcol_processor_incoming_items_total',
    help: 'in',
    labelNames: ['processor', 'otel_signal'],
    registers: [registry],
  });
  const hist = new Histogram({ name: 'lat_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
  const gauge = new Gauge({ name: 'queue_size', help: 'q', registers: [registry] });
  return { registry, counter, hist, gauge };
}

const byName = (data: any, name: string) =>
  data.resourceMetrics[0].scopeMetrics[0].metrics.find((m: any) => m.name === name);

describe('own metrics as OTLP', () => {
  it('cumulative: counters lose _total and keep attribute names, histograms get per-bucket counts', async () => {
    const { registry, counter, hist, gauge } = setup();
    counter.inc({ processor: 'batch', otel_signal: 'traces' }, 5);
    hist.observe(0.05);
    hist.observe(0.5);
    hist.observe(5);
    gauge.set(3);
    const conv = new OtlpMetricsConverter(
      'cumulative',
      { attributes: { 'service.name': 't' } },
      { name: 's', version: '1' },
      1000n,
    );
    const data = await conv.collect(registry, 2000n);
    expect(data.resourceMetrics[0].resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 't' } },
    ]);
    const c = byName(data, 'otelcol_processor_incoming_items');
    expect(c.sum.isMonotonic).toBe(true);
    expect(c.sum.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(c.sum.dataPoints[0]).toMatchObject({
      asDouble: 5,
      startTimeUnixNano: 1000n,
      timeUnixNano: 2000n,
      attributes: [
        { key: 'processor', value: { stringValue: 'batch' } },
        { key: 'otel.signal', value: { stringValue: 'traces' } },
      ],
    });
    expect(byName(data, 'lat_seconds').histogram.dataPoints[0]).toMatchObject({
      count: 3n,
      sum: 5.55,
      explicitBounds: [0.1, 1],
      bucketCounts: [1n, 1n, 1n],
    });
    expect(byName(data, 'queue_size').gauge.dataPoints[0].asDouble).toBe(3);
  });

  it('delta: each export carries what changed since the previous one', async () => {
    const { registry, counter, hist } = setup();
    const conv = new OtlpMetricsConverter('delta', { attributes: {} }, { name: 's', version: '1' }, 0n);
    const labels = { processor: 'batch', otel_signal: 'logs' };
    counter.inc(labels, 10);
    hist.observe(0.5);
    await conv.collect(registry, 10n);
    counter.inc(labels, 4);
    hist.observe(0.05);
    hist.observe(0.07);
    const second = await conv.collect(registry, 20n);
    const c = byName(second, 'otelcol_processor_incoming_items');
    expect(c.sum.aggregationTemporality).toBe(AggregationTemporality.DELTA);
    expect(c.sum.dataPoints[0]).toMatchObject({ asDouble: 4, startTimeUnixNano: 10n, timeUnixNano: 20n });
    expect(byName(second, 'lat_seconds').histogram.dataPoints[0]).toMatchObject({
      count: 2n,
      bucketCounts: [2n, 0n, 0n],
    });
  });
});
