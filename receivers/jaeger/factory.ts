import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type JaegerReceiverConfig } from './config.js';
import { JaegerReceiver } from './receiver.js';

export const factory: ReceiverFactory<JaegerReceiverConfig> = {
  kind: 'receiver',
  type: 'jaeger',
  description: 'Receives Jaeger spans over Thrift UDP (compact, binary), Thrift HTTP and api_v2 gRPC.',
  signals: ['traces'],
  configSchema: configSchema as unknown as ReceiverFactory<JaegerReceiverConfig>['configSchema'],
  create(settings, config, next) {
    const traces = next.traces;
    if (!traces) throw new Error(`receiver ${settings.id}: the jaeger receiver only feeds traces pipelines`);
    return new JaegerReceiver(settings, config, traces);
  },
};
