import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type FluentForwardConfig } from './config.js';
import { FluentForwardReceiver } from './receiver.js';

export const factory: ReceiverFactory<FluentForwardConfig> = {
  kind: 'receiver',
  type: 'fluent_forward',
  deprecatedTypes: ['fluentforward'],
  description:
    'Receives logs over the Fluent forward protocol (Fluent Bit, fluentd, fluent-logger), acknowledging chunks once accepted.',
  signals: ['logs'],
  configSchema: configSchema as unknown as ReceiverFactory<FluentForwardConfig>['configSchema'],
  create(settings, config, next) {
    const logs = next.logs;
    if (!logs)
      throw new Error(`receiver ${settings.id}: the fluent_forward receiver only feeds logs pipelines`);
    return new FluentForwardReceiver(settings, config, logs);
  },
};
