import type { ProcessorFactory } from '../../src/component/component.js';
import { type BatchConfig, configSchema } from './config.js';
import { BatchProcessor } from './processor.js';

export const factory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  description:
    'Groups data into batches by size and time; acks each request once its batch is accepted downstream',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  // Merges by reference and re-slices; never writes into the data it gets.
  mutatesData: false,
  create: (settings, config, signal, next) => new BatchProcessor(settings, config, signal, next),
};
