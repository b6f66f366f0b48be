// The exporter helper (the collector's exporterhelper): timeout, sending_queue
// (memory or persistent on a storage extension) and retry_on_failure wrapped
// once around every exporter, so an exporter only turns pdata into a request
// and reads the answer.
import type { ComponentSettings, Exporter } from '../component/component.js';
import type { Signal } from '../pdata/signal.js';
import { QueuedExporter, type QueuedExporterOptions } from './queued-exporter.js';
import type {
  ExporterHelperConfig,
  ExporterRequest,
  RequestConverter,
  RequestSendFunctions,
  SendFunctions,
} from './types.js';

export { ExponentialBackoff } from './backoff.js';
export type { BatchCodec } from './persistent-store.js';
export { DEFAULT_DRAIN_TIMEOUT_MS, QueuedExporter, type QueuedExporterOptions } from './queued-exporter.js';
export * from './types.js';

/**
 * createQueuedExporter for an exporter that turns pdata into its own request
 * when it is queued (RequestConverter): the queue holds and bounds those.
 */
export function createRequestExporter<R extends ExporterRequest>(
  settings: ComponentSettings,
  config: ExporterHelperConfig,
  signals: readonly Signal[],
  converter: RequestConverter<R>,
  fns: RequestSendFunctions<R>,
  options?: QueuedExporterOptions,
): Exporter {
  return new QueuedExporter(settings, config, signals, fns as unknown as SendFunctions, {
    ...options,
    converter: converter as unknown as RequestConverter,
  });
}

/** Wraps send functions in queue + retry + timeout + self-telemetry; returns the Exporter the pipeline calls. */
export function createQueuedExporter(
  settings: ComponentSettings,
  config: ExporterHelperConfig,
  signals: readonly Signal[],
  fns: SendFunctions,
  options?: QueuedExporterOptions,
): Exporter {
  return new QueuedExporter(settings, config, signals, fns, options);
}
