import type { ConnectorFactory } from '../../src/component/component.js';
import { type CountConfig, configSchema } from './config.js';
import { CountConnector } from './connector.js';

export const factory: ConnectorFactory<CountConfig> = {
  kind: 'connector',
  type: 'count',
  description: 'Counts spans, span events, metrics, data points and log records into sum metrics',
  configSchema,
  pairs: [
    ['traces', 'metrics'],
    ['metrics', 'metrics'],
    ['logs', 'metrics'],
  ],
  mutatesData: false,
  // Emits metrics of its own; answers once the request is counted.
  passThrough: false,
  create: (settings, config, from, _to, next) =>
    new CountConnector(settings, config, from, next as never) as never,
};
