// Self-telemetry with the collector's metric names (receiverhelper,
// exporterhelper, processorhelper documentation.md). Counters carry the
// Prometheus `_total` suffix, as the collector's /metrics shows them.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ITEM_NAME, type Signal } from '../pdata/signal.js';

export interface ReceiverMetrics {
  accepted(signal: Signal, n: number): void;
  refused(signal: Signal, n: number): void;
  failed(signal: Signal, n: number): void;
}

export interface ExporterMetrics {
  sent(signal: Signal, n: number): void;
  sendFailed(signal: Signal, n: number): void;
  enqueueFailed(signal: Signal, n: number): void;
  /** Registers callbacks read at scrape time for the queue gauges. */
  observeQueue(size: () => number, capacity: () => number): void;
}

export interface ProcessorMetrics {
  incoming(signal: Signal, n: number): void;
  outgoing(signal: Signal, n: number): void;
}

export class SelfMetrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter<string>>();
  private readonly queueObservers = new Map<string, { size: () => number; capacity: () => number }>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'otelcol_' });
    const observers = this.queueObservers;
    new Gauge({
      name: 'otelcol_exporter_queue_size',
      help: 'Current size of the retry queue (in batches).',
      labelNames: ['exporter'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [exporter, o] of observers) this.set({ exporter }, o.size());
      },
    });
    new Gauge({
      name: 'otelcol_exporter_queue_capacity',
      help: 'Fixed capacity of the retry queue (in batches).',
      labelNames: ['exporter'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [exporter, o] of observers) this.set({ exporter }, o.capacity());
      },
    });
  }

  /** A counter by name, created on first use (names must end in _total). */
  counter(name: string, help: string, labelNames: string[]): Counter<string> {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter({ name, help, labelNames, registers: [this.registry] });
      this.counters.set(name, c);
    }
    return c;
  }

  receiver(receiver: string, transport: string): ReceiverMetrics {
    const inc = (what: string, help: string) => (signal: Signal, n: number) => {
      if (n > 0)
        this.counter(`otelcol_receiver_${what}_${ITEM_NAME[signal]}_total`, help, [
          'receiver',
          'transport',
        ]).inc({ receiver, transport }, n);
    };
    return {
      accepted: inc('accepted', 'Number of items successfully pushed into the pipeline.'),
      refused: inc('refused', 'Number of items that could not be pushed into the pipeline.'),
      failed: inc('failed', 'Number of items that failed to be processed (bad input).'),
    };
  }

  exporter(exporter: string): ExporterMetrics {
    const inc = (what: string, help: string) => (signal: Signal, n: number) => {
      if (n > 0)
        this.counter(`otelcol_exporter_${what}_${ITEM_NAME[signal]}_total`, help, ['exporter']).inc(
          { exporter },
          n,
        );
    };
    return {
      sent: inc('sent', 'Number of items successfully sent to destination.'),
      sendFailed: inc('send_failed', 'Number of items in failed attempts to send to destination.'),
      enqueueFailed: inc('enqueue_failed', 'Number of items failed to be added to the sending queue.'),
      observeQueue: (size, capacity) => {
        this.queueObservers.set(exporter, { size, capacity });
      },
    };
  }

  /**
   * The collector's processorhelper counters (otelcol_processor_incoming_items /
   * outgoing_items, attributes `processor` and `otel.signal`). The service
   * counts them around every processor of a pipeline (graph.ts).
   */
  processor(processor: string): ProcessorMetrics {
    const inc = (what: string, help: string) => {
      const counter = this.counter(`otelcol_processor_${what}_items_total`, help, [
        'processor',
        'otel_signal',
      ]);
      // Label lookups bound once per signal: this runs on every consume.
      const bound: Partial<Record<Signal, { inc(n: number): void }>> = {};
      return (signal: Signal, n: number) => {
        if (n <= 0) return;
        let c = bound[signal];
        if (!c) {
          c = counter.labels({ processor, otel_signal: signal });
          bound[signal] = c;
        }
        c.inc(n);
      };
    };
    return {
      incoming: inc('incoming', 'Number of items passed to the processor.'),
      outgoing: inc('outgoing', 'Number of items emitted from the processor.'),
    };
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
