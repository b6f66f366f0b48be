import type { ProcessorFactory } from '../../src/component/component.js';
import { configSchema, type ProbabilisticSamplerConfig } from './config.js';
import { ProbabilisticSamplerProcessor } from './processor.js';

export const factory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  deprecatedTypes: ['probabilisticsampler'],
  description: 'Keeps a percentage of spans or log records, consistently by trace ID (or a record attribute)',
  configSchema,
  signals: ['traces', 'logs'],
  // drops items and records the sampling threshold on the kept ones
  mutatesData: true,
  create: (settings, config, signal, next) =>
    new ProbabilisticSamplerProcessor(config, signal, next, settings.logger, settings.metrics, settings.id),
};
