import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type HostMetricsConfig } from './config.js';
import { HostMetricsReceiver } from './receiver.js';

export const factory: ReceiverFactory<HostMetricsConfig> = {
  kind: 'receiver',
  type: 'host_metrics',
  deprecatedTypes: ['hostmetrics'],
  description:
    'Scrapes CPU, memory, load, disk, filesystem, network, paging and process metrics from Linux /proc.',
  signals: ['metrics'],
  configSchema: configSchema as unknown as ReceiverFactory<HostMetricsConfig>['configSchema'],
  create(settings, config, next) {
    const metrics = next.metrics;
    if (!metrics)
      throw new Error(`receiver ${settings.id}: the host_metrics receiver only feeds metrics pipelines`);
    return new HostMetricsReceiver(settings, config, metrics);
  },
};
