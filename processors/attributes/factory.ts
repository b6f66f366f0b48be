import { compileActions } from '../../src/attraction/actions.js';
import type { ProcessorFactory } from '../../src/component/component.js';
import { compileIncludeExclude } from '../../src/filterconfig/match.js';
import { type AttributesConfig, configSchema } from './config.js';
import { AttributesProcessor } from './processor.js';

export const factory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  description: 'Inserts, updates, deletes, hashes, extracts and converts span, log and data point attributes',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create(_settings, config, signal, next) {
    const matcher = compileIncludeExclude(config.include, config.exclude, signal);
    return new AttributesProcessor(signal, compileActions(config.actions), matcher, next);
  },
};
