import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { configSchema, type JaegerExporterConfig } from './config.js';
import { GrpcSender } from './grpc-sender.js';
import { ThriftHttpSender } from './http-sender.js';

export const factory: ExporterFactory<JaegerExporterConfig> = {
  kind: 'exporter',
  type: 'jaeger',
  description: 'Sends traces to a Jaeger collector (api_v2 gRPC or Thrift over HTTP)',
  signals: ['traces'],
  configSchema: configSchema as unknown as ExporterFactory<JaegerExporterConfig>['configSchema'],
  create(settings, config, signals) {
    const fns =
      config.protocol === 'grpc'
        ? new GrpcSender(config, settings.logger)
        : new ThriftHttpSender(config, settings.logger);
    return createQueuedExporter(settings, config, signals, fns);
  },
};
