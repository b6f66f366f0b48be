import type { ExporterFactory } from '../../src/component/component.js';
import { createRequestExporter, type ExporterHelperConfig } from '../../src/exporterhelper/index.js';
import { type PrometheusRemoteWriteConfig, prometheusRemoteWriteConfigSchema } from './config.js';
import { RemoteWriteSender } from './sender.js';

/**
 * remote_write_queue onto the exporter helper's queue: one consumer (samples of a
 * series must arrive in order; the collector also uses one), queue_size batches.
 * Retries happen per remote-write request inside the sender, as in the collector,
 * so the helper's own retry and whole-batch timeout are off.
 */
export function helperConfig(c: PrometheusRemoteWriteConfig): ExporterHelperConfig {
  return {
    timeout: 0,
    sending_queue: {
      enabled: c.remote_write_queue.enabled,
      num_consumers: 1,
      queue_size: Math.max(1, c.remote_write_queue.queue_size),
      sizer: 'requests',
      wait_for_result: false,
      block_on_overflow: false,
    },
    retry_on_failure: { ...c.retry_on_failure, enabled: false },
  };
}

export const factory: ExporterFactory<PrometheusRemoteWriteConfig> = {
  kind: 'exporter',
  type: 'prometheus_remote_write',
  deprecatedTypes: ['prometheusremotewrite'],
  description: 'Sends metrics with Prometheus remote write 1.0 (snappy protobuf)',
  signals: ['metrics'],
  configSchema: prometheusRemoteWriteConfigSchema,
  create(settings, config, signals) {
    // The queue holds the remote write requests each OTLP request becomes (bounded in
    // bytes by the exporter helper's 64 MiB), not the decoded pdata.
    const sender = new RemoteWriteSender(settings, config);
    return createRequestExporter(settings, helperConfig(config), signals, sender, sender);
  },
};
