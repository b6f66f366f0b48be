import type { ProcessorFactory } from '../../src/component/component.js';
import { configSchema, type TracelinkConfig } from './config.js';
import { TracelinkProcessor } from './processor.js';

export const factory: ProcessorFactory<TracelinkConfig> = {
  kind: 'processor',
  type: 'tracelink',
  description: "Sets log records' trace/span IDs from trace context found in their attributes or body",
  configSchema,
  signals: ['logs'],
  mutatesData: true,
  create(settings, config, _signal, next) {
    const counter = settings.metrics.counter(
      'otelcol_processor_tracelink_log_records_total',
      'Log records by trace-link outcome: linked (context found), derived (from a request ID), none, present (already had a trace ID).',
      ['processor', 'outcome'],
    );
    const processor = settings.id;
    return new TracelinkProcessor(config, next, (outcome, n) => counter.inc({ processor, outcome }, n));
  },
};
