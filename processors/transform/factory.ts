import type { ProcessorFactory } from '../../src/component/component.js';
import { compileGroup, ErrorReporter, SIGNAL_CONTEXTS } from '../../src/ottl/index.js';
import { configSchema, groupsOf, type TransformConfig } from './config.js';
import { TransformProcessor } from './processor.js';

export const factory: ProcessorFactory<TransformConfig> = {
  kind: 'processor',
  type: 'transform',
  description: 'Modifies telemetry with OTTL statements (trace/metric/log_statements)',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create: (settings, config, signal, next) => {
    const groups = groupsOf(config, signal).map((g) => ({
      group: compileGroup(g.cfg, SIGNAL_CONTEXTS[signal]),
      sharedCache: g.sharedCache,
    }));
    return new TransformProcessor(signal, groups, new ErrorReporter(settings.logger), next);
  },
};
