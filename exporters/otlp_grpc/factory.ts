import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type OtlpGrpcConfig, otlpGrpcConfigSchema } from '../../src/otlpclient/grpc-config.js';
import { OtlpGrpcSender } from '../../src/otlpclient/grpc-sender.js';

export const factory: ExporterFactory<OtlpGrpcConfig> = {
  kind: 'exporter',
  type: 'otlp_grpc',
  deprecatedTypes: ['otlp'],
  description: 'Sends traces, metrics and logs over OTLP/gRPC (gzip)',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpGrpcConfigSchema,
  create: (settings, config, signals) =>
    createQueuedExporter(settings, config, signals, new OtlpGrpcSender(config, settings.logger), {
      sendsOtlp: true,
    }),
};
