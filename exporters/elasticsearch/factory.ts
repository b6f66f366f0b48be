import type { ExporterFactory } from '../../src/component/component.js';
import { createQueuedExporter } from '../../src/exporterhelper/index.js';
import { type ElasticsearchConfig, elasticsearchConfigSchema } from './config.js';
import { ElasticsearchSender } from './sender.js';

/**
 * Memory a send takes per OTLP byte queued: the items decoded (about 5×) and the _bulk
 * bodies built (about 7×, JSON is larger than protobuf and the bodies grow by doubling),
 * measured on bench/lib/traffic.ts records. Counted against the queue's byte bound while a
 * batch is sent (src/exporterhelper/queued-exporter.ts, sendMemory).
 */
const SEND_MEMORY_PER_BYTE = 12;

export const factory: ExporterFactory<ElasticsearchConfig> = {
  kind: 'exporter',
  type: 'elasticsearch',
  description:
    'Writes logs, traces and metrics to Elasticsearch with _bulk (data streams; otel, ecs, raw, bodymap mappings)',
  signals: ['logs', 'traces', 'metrics'],
  configSchema: elasticsearchConfigSchema,
  create(settings, config, signals) {
    return createQueuedExporter(settings, config, signals, new ElasticsearchSender(settings, config), {
      sendMemory: (_signal, bytes) => bytes * SEND_MEMORY_PER_BYTE,
    });
  },
};
