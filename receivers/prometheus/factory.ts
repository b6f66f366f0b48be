import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type PrometheusReceiverConfig } from './config.js';
import { PrometheusReceiver } from './receiver.js';

export const factory: ReceiverFactory<PrometheusReceiverConfig> = {
  kind: 'receiver',
  type: 'prometheus',
  description: 'Scrapes Prometheus targets (text format and OpenMetrics) with Prometheus scrape_configs.',
  signals: ['metrics'],
  configSchema: configSchema as unknown as ReceiverFactory<PrometheusReceiverConfig>['configSchema'],
  create(settings, config, next) {
    const metrics = next.metrics;
    if (!metrics)
      throw new Error(`receiver ${settings.id}: the prometheus receiver only feeds metrics pipelines`);
    return new PrometheusReceiver(settings, config, metrics);
  },
};
