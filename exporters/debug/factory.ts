import type { ExporterFactory } from '../../src/component/component.js';
import { configSchema, type DebugConfig } from './config.js';
import { DebugExporter } from './exporter.js';

export const factory: ExporterFactory<DebugConfig> = {
  kind: 'exporter',
  type: 'debug',
  description: 'Writes the data it gets to the log (basic, normal or detailed) for debugging',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  create: (settings, config) => new DebugExporter(settings, config),
};
