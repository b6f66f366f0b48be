import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type ZipkinReceiverConfig } from './config.js';
import { ZipkinReceiver } from './receiver.js';

export const factory: ReceiverFactory<ZipkinReceiverConfig> = {
  kind: 'receiver',
  type: 'zipkin',
  description:
    'Receives Zipkin spans: v1 JSON and Thrift on /api/v1/spans, v2 JSON and protobuf on /api/v2/spans.',
  signals: ['traces'],
  configSchema: configSchema as unknown as ReceiverFactory<ZipkinReceiverConfig>['configSchema'],
  create(settings, config, next) {
    const traces = next.traces;
    if (!traces) throw new Error(`receiver ${settings.id}: the zipkin receiver only feeds traces pipelines`);
    return new ZipkinReceiver(settings, config, traces);
  },
};
