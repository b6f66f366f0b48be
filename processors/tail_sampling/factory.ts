import type { ProcessorFactory } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { configSchema, type TailSamplingConfig } from './config.js';
import { TailSamplingProcessor } from './processor.js';

export const factory: ProcessorFactory<TailSamplingConfig> = {
  kind: 'processor',
  type: 'tail_sampling',
  description: 'Holds spans per trace for decision_wait, then keeps or drops whole traces by policy',
  configSchema,
  signals: ['traces'],
  // forwards its own copies (rebuilt from held bytes), never the data it was given
  mutatesData: false,
  create: (settings, config, _signal, next) =>
    new TailSamplingProcessor(
      config,
      next as Consumer<'traces'>,
      settings.logger,
      settings.metrics,
      settings.id,
    ) as never,
};
