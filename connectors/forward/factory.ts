import type { ConnectorFactory } from '../../src/component/component.js';
import { configSchema, type ForwardConfig } from './config.js';

export const factory: ConnectorFactory<ForwardConfig> = {
  kind: 'connector',
  type: 'forward',
  description: 'Passes data from the pipelines it exports for to the pipelines it receives for (same signal)',
  configSchema,
  pairs: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  mutatesData: false,
  passThrough: true,
  // Nothing of its own: the answer is the downstream pipelines' (all of them accepted).
  create: (_settings, _config, _from, _to, next) => ({
    start: async () => {},
    shutdown: async () => {},
    consume: (data, ctx) => next.consume(data as never, ctx),
  }),
};
