import { compileActions } from '../../src/attraction/actions.js';
import type { ProcessorFactory } from '../../src/component/component.js';
import { configSchema, type ResourceConfig } from './config.js';
import { ResourceProcessor } from './processor.js';

export const factory: ProcessorFactory<ResourceConfig> = {
  kind: 'processor',
  type: 'resource',
  description: 'Inserts, updates, deletes, hashes, extracts and converts resource attributes',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create: (_settings, config, _signal, next) =>
    new ResourceProcessor(compileActions(config.attributes), next),
};
