import type { ExporterFactory } from '../../src/component/component.js';
import { configSchema, type NopExporterConfig } from './config.js';

/** Accepts everything and drops it at once (collector nopexporter): no queue, no send counters. */
export const factory: ExporterFactory<NopExporterConfig> = {
  kind: 'exporter',
  type: 'nop',
  description: 'Accepts all data and discards it',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: false,
  create: () => ({ start: async () => {}, shutdown: async () => {}, consume: async () => {} }),
};
