import type { ConnectorFactory } from '../../src/component/component.js';
import { configSchema, type RoutingConfig } from './config.js';
import { RoutingConnector } from './connector.js';

export const factory: ConnectorFactory<RoutingConfig> = {
  kind: 'connector',
  type: 'routing',
  description:
    'Routes each resource, span, metric, data point or log record to the pipelines of the first route (OTTL condition) it matches',
  configSchema,
  pairs: [
    ['traces', 'traces'],
    ['metrics', 'metrics'],
    ['logs', 'logs'],
  ],
  // Regroups what it gets into new requests; never writes into the items.
  mutatesData: false,
  passThrough: true,
  pipelineReferences: (c) => [
    { path: ['default_pipelines'], pipelines: c.default_pipelines },
    ...c.table.map((r, i) => ({ path: ['table', i, 'pipelines'], pipelines: r.pipelines })),
  ],
  create: (settings, config, from, _to, next) =>
    new RoutingConnector(settings, config, from, next as never) as never,
};
