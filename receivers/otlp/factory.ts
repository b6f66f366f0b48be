import type { ReceiverFactory } from '../../src/component/component.js';
import { otlpWireCodec } from './codec.js';
import { configSchema, type OtlpReceiverConfig } from './config.js';
import { OtlpReceiver } from './receiver.js';

export const factory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  description: 'OTLP over gRPC (4317) and HTTP (4318, protobuf and JSON) for traces, metrics and logs',
  signals: ['traces', 'metrics', 'logs'],
  configSchema,
  create: (settings, config, next) => new OtlpReceiver(settings, config, next, otlpWireCodec),
};
