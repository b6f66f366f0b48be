// Self-telemetry with the collector's metric names (receiverhelper,
// exporterhelper, processorhelper documentation.md). Counters carry the
// Prometheus `_total` suffix, as the collector's /metrics shows them.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ITEM_NAME, type Signal } from '../pdata/signal.js';
import { ComponentTallies } from './component-tallies.js';

export interface ReceiverMetrics {
  accepted(signal: Signal, n: number): void;
  /** `error`, when given, is kept as the receiver's last error (the status page shows it). */
  refused(signal: Signal, n: number, error?: unknown): void;
  failed(signal: Signal, n: number, error?: unknown): void;
}

export interface ExporterMetrics {
  sent(signal: Signal, n: number): void;
  sendFailed(signal: Signal, n: number, error?: unknown): void;
  enqueueFailed(signal: Signal, n: number, error?: unknown): void;
  /** Items taken into the sending queue (no otelcol metric; the status page's "in"). */
  enqueued(signal: Signal, n: number): void;
  /** A send attempt failed (it may be retried): kept as the exporter's last error. */
  attemptFailed(error: unknown): void;
  /** Registers callbacks read at scrape time for the queue gauges. */
  observeQueue(size: () => number, capacity: () => number): void;
}

export interface ProcessorMetrics {
  incoming(signal: Signal, n: number): void;
  outgoing(signal: Signal, n: number): void;
}

/** A connector's counts for the status page (graph.ts counts around every instance). */
export interface ConnectorMetrics {
  /** Items it got from the pipelines that export to it. */
  consumed(n: number): void;
  /** Items it handed on (of its output signal), once however many pipelines they fan out to. */
  produced(n: number): void;
  /** Items whose consume() was rejected, with the reason. */
  refused(n: number, error: unknown): void;
}

/** How often the event-loop delay histogram samples the loop (prom-client's default: 10 ms). */
const EVENT_LOOP_SAMPLE_MS = 100;

export class SelfMetrics {
  readonly registry = new Registry();
  /** Plain per-component counts and last errors for the status page. */
  readonly tallies = new ComponentTallies();
  private readonly counters = new Map<string, Counter<string>>();
  private readonly queueObservers = new Map<string, { size: () => number; capacity: () => number }>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    // prom-client's event-loop delay histogram (nodejs_eventloop_lag_{min,max,mean,p50,…}) samples
    // the loop with a timer: at its default 10 ms that timer woke an idle process 100 times a
    // second (most of an idle relay's CPU). Sampled every 100 ms it still records every stall of
    // 100 ms or more (the ones an operator looks for), and a shorter one with a chance in
    // proportion to its length (the scrape-time nodejs_eventloop_lag_seconds is unchanged).
    if (opts.processMetrics)
      collectDefaultMetrics({
        register: this.registry,
        prefix: 'otelcol_',
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      });
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
    const t = this.tallies.of('receiver', receiver);
    const inc = (what: string, help: string) => (signal: Signal, n: number) => {
      if (n > 0)
        this.counter(`otelcol_receiver_${what}_${ITEM_NAME[signal]}_total`, help, [
          'receiver',
          'transport',
        ]).inc({ receiver, transport }, n);
    };
    const accepted = inc('accepted', 'Number of items successfully pushed into the pipeline.');
    const refused = inc('refused', 'Number of items that could not be pushed into the pipeline.');
    const failed = inc('failed', 'Number of items that failed to be processed (bad input).');
    return {
      accepted: (signal, n) => {
        t.in += n;
        t.out += n;
        accepted(signal, n);
      },
      refused: (signal, n, error) => {
        t.in += n;
        t.refused += n;
        if (error !== undefined) t.error(error);
        refused(signal, n);
      },
      failed: (signal, n, error) => {
        t.in += n;
        t.failed += n;
        if (error !== undefined) t.error(error);
        failed(signal, n);
      },
    };
  }

  exporter(exporter: string): ExporterMetrics {
    const t = this.tallies.of('exporter', exporter);
    const inc = (what: string, help: string) => (signal: Signal, n: number) => {
      if (n > 0)
        this.counter(`otelcol_exporter_${what}_${ITEM_NAME[signal]}_total`, help, ['exporter']).inc(
          { exporter },
          n,
        );
    };
    const sent = inc('sent', 'Number of items successfully sent to destination.');
    const sendFailed = inc('send_failed', 'Number of items in failed attempts to send to destination.');
    const enqueueFailed = inc('enqueue_failed', 'Number of items failed to be added to the sending queue.');
    return {
      sent: (signal, n) => {
        t.out += n;
        sent(signal, n);
      },
      sendFailed: (signal, n, error) => {
        t.failed += n;
        // the failed attempt was counted already (attemptFailed); this keeps the final word
        if (error !== undefined) t.error(error, false);
        sendFailed(signal, n);
      },
      enqueueFailed: (signal, n, error) => {
        t.refused += n;
        if (error !== undefined) t.error(error);
        enqueueFailed(signal, n);
      },
      enqueued: (_signal, n) => {
        t.in += n;
      },
      attemptFailed: (error) => t.error(error),
      observeQueue: (size, capacity) => {
        this.queueObservers.set(exporter, { size, capacity });
      },
    };
  }

  /**
   * The collector's processorhelper counters (otelcol_processor_incoming_items /
   * outgoing_items, attributes `processor` and `otel.signal`). The service
   * counts them around every processor of a pipeline (graph.ts). `pipeline`
   * names the instance for the status page's per-pipeline counts (the otelcol
   * counters, like the collector's, are per processor ID and signal).
   */
  processor(processor: string, pipeline?: string): ProcessorMetrics {
    const t = this.tallies.of('processor', processor, pipeline);
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
    const incoming = inc('incoming', 'Number of items passed to the processor.');
    const outgoing = inc('outgoing', 'Number of items emitted from the processor.');
    return {
      incoming: (signal, n) => {
        t.in += n;
        incoming(signal, n);
      },
      outgoing: (signal, n) => {
        t.out += n;
        outgoing(signal, n);
      },
    };
  }

  /**
   * Plain tallies only, no otelcol_* counter: the collector's own connector
   * counts are its receiver's and exporter's, which a connector has none of.
   */
  connector(connector: string): ConnectorMetrics {
    const t = this.tallies.of('connector', connector);
    return {
      consumed: (n) => {
        t.in += n;
      },
      produced: (n) => {
        t.out += n;
      },
      refused: (n, error) => {
        t.refused += n;
        t.error(error);
      },
    };
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
