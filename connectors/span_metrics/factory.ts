import type { ConnectorFactory } from '../../src/component/component.js';
import { configSchema, type SpanMetricsConfig } from './config.js';
import { SpanMetricsConnector } from './connector.js';

export const factory: ConnectorFactory<SpanMetricsConfig> = {
  kind: 'connector',
  type: 'span_metrics',
  deprecatedTypes: ['spanmetrics'],
  description:
    'Aggregates spans into call counts and duration histograms (R.E.D. metrics) per service, span name, kind, status and dimensions',
  configSchema,
  pairs: [['traces', 'metrics']],
  mutatesData: false,
  // Emits metrics of its own every metrics_flush_interval; answers once the spans are aggregated.
  passThrough: false,
  create: (settings, config, _from, _to, next) =>
    new SpanMetricsConnector(settings, config, next as never) as never,
};
