import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type LokiConfig, lokiConfigSchema } from './config.js';
import { LokiSender } from './sender.js';

export const factory: ExporterFactory<LokiConfig> = {
  kind: 'exporter',
  type: 'loki',
  description: 'Pushes logs to Grafana Loki (/loki/api/v1/push, protobuf+snappy or JSON)',
  signals: ['logs'],
  configSchema: lokiConfigSchema,
  create(settings, config, signals) {
    return createQueuedExporter(settings, config, signals, new LokiSender(settings, config));
  },
};
