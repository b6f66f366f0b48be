import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type NopReceiverConfig } from './config.js';

/** Receives nothing: a placeholder for a pipeline that must have a receiver (collector nopreceiver). */
export const factory: ReceiverFactory<NopReceiverConfig> = {
  kind: 'receiver',
  type: 'nop',
  description: 'Receives nothing (a placeholder receiver for pipelines fed by connectors or tests)',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  create: () => ({ start: async () => {}, shutdown: async () => {} }),
};
