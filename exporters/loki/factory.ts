import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type LokiConfig, lokiConfigSchema } from './config.js';
import { LokiSender } from './sender.js';

/**
 * Memory a send takes per OTLP byte queued: the records decoded (about 5×), the streams,
 * lines and push request built (about 4×) and its snappy form, measured on
 * bench/lib/traffic.ts records. Counted against the queue's byte bound while a batch is
 * sent (src/exporterhelper/queued-exporter.ts, sendMemory).
 */
const SEND_MEMORY_PER_BYTE = 10;

export const factory: ExporterFactory<LokiConfig> = {
  kind: 'exporter',
  type: 'loki',
  description: 'Pushes logs to Grafana Loki (/loki/api/v1/push, protobuf+snappy or JSON)',
  signals: ['logs'],
  configSchema: lokiConfigSchema,
  create(settings, config, signals) {
    return createQueuedExporter(settings, config, signals, new LokiSender(settings, config), {
      sendMemory: (_signal, bytes) => bytes * SEND_MEMORY_PER_BYTE,
    });
  },
};
