import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type ElasticsearchConfig, elasticsearchConfigSchema } from './config.js';
import { ElasticsearchSender } from './sender.js';

export const factory: ExporterFactory<ElasticsearchConfig> = {
  kind: 'exporter',
  type: 'elasticsearch',
  description:
    'Writes logs, traces and metrics to Elasticsearch with _bulk (data streams; otel, ecs, raw, bodymap mappings)',
  signals: ['logs', 'traces', 'metrics'],
  configSchema: elasticsearchConfigSchema,
  create(settings, config, signals) {
    return createQueuedExporter(settings, config, signals, new ElasticsearchSender(settings, config));
  },
};
