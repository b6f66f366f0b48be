import type { ExporterFactory } from '../../src/component/component.js';
import { type PrometheusConfig, prometheusConfigSchema } from './config.js';
import { PrometheusExporter } from './exporter.js';

export const factory: ExporterFactory<PrometheusConfig> = {
  kind: 'exporter',
  type: 'prometheus',
  description: 'Serves metrics at /metrics for Prometheus to scrape (text format or OpenMetrics)',
  signals: ['metrics'],
  configSchema: prometheusConfigSchema,
  create(settings, config) {
    return new PrometheusExporter(settings, config);
  },
};
