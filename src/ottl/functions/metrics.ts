// Metric-context editors of the transform processor (its README): change a
// metric's data type while keeping its data points.
import { register } from '../registry.js';

register(
  {
    kind: 'editor',
    name: 'convert_sum_to_gauge',
    params: [],
    contexts: ['metric'],
    build: () => (c) => {
      const m = c.metric;
      if (!m.sum) return;
      m.gauge = { dataPoints: m.sum.dataPoints };
      delete m.sum;
    },
  },
  {
    kind: 'editor',
    name: 'convert_gauge_to_sum',
    params: [
      { name: 'aggregation_temporality', kind: 'string' },
      { name: 'is_monotonic', kind: 'bool' },
    ],
    contexts: ['metric'],
    build([temporality, monotonic]) {
      const t = temporality === 'cumulative' ? 2 : temporality === 'delta' ? 1 : -1;
      if (t < 0) throw new Error(`unknown aggregation temporality: ${String(temporality)}`);
      return (c) => {
        const m = c.metric;
        if (!m.gauge) return;
        m.sum = {
          dataPoints: m.gauge.dataPoints,
          aggregationTemporality: t,
          isMonotonic: monotonic as boolean,
        };
        delete m.gauge;
      };
    },
  },
);
