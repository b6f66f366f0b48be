import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type OtlpHttpConfig, otlpHttpConfigSchema } from '../../src/otlpclient/http-config.js';
import { OtlpHttpSender } from '../../src/otlpclient/http-sender.js';

export const factory: ExporterFactory<OtlpHttpConfig> = {
  kind: 'exporter',
  type: 'otlp_http',
  deprecatedTypes: ['otlphttp'],
  description: 'Sends traces, metrics and logs over OTLP/HTTP (protobuf or JSON, gzip)',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: otlpHttpConfigSchema,
  create: (settings, config, signals) =>
    createQueuedExporter(settings, config, signals, new OtlpHttpSender(config, settings.logger), {
      sendsOtlp: config.encoding === 'proto',
    }),
};
