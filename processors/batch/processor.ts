// The batch processor: partitions by metadata_keys, hands data to a Batcher
// per partition, and answers each consume() with the downstream ack of the
// batch(es) that carried its data (loss-free, unlike the collector's, which
// acks on enqueue: core#12711).
import { Histogram } from 'prom-client';
import type { ComponentSettings, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { holdData, releaseHeld } from '../../src/pdata/hold.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { Batcher, type Trigger } from './batcher.js';
import type { BatchConfig } from './config.js';
import { opsFor } from './split.js';
import { Ticket } from './ticket.js';

const SIZE_BUCKETS = [
  10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000,
  30000, 50000, 100000,
];

function sendSizeHistogram(settings: ComponentSettings): Histogram<string> {
  const name = 'otelcol_processor_batch_batch_send_size';
  const reg = settings.metrics.registry;
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Histogram<string>;
  return new Histogram({
    name,
    help: 'Number of units in the batch',
    labelNames: ['processor'],
    buckets: SIZE_BUCKETS,
    registers: [reg],
  });
}

export class BatchProcessor<S extends Signal> implements Processor<S> {
  private readonly batchers = new Map<string, Batcher>();
  private readonly keys: string[];
  private stopped = false;
  private readonly onSent: (items: number, trigger: Trigger) => void;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: BatchConfig,
    signal: S,
    private readonly next: Consumer<S>,
  ) {
    this.keys = config.metadata_keys.map((k) => k.toLowerCase());
    const processor = settings.id;
    const hist = sendSizeHistogram(settings);
    const sizeTrigger = settings.metrics.counter(
      'otelcol_processor_batch_batch_size_trigger_send_total',
      'Number of times the batch was sent due to a size trigger',
      ['processor'],
    );
    const timeoutTrigger = settings.metrics.counter(
      'otelcol_processor_batch_timeout_trigger_send_total',
      'Number of times the batch was sent due to a timeout trigger',
      ['processor'],
    );
    this.onSent = (items, trigger) => {
      hist.observe({ processor }, items);
      if (trigger === 'size') sizeTrigger.inc({ processor });
      else if (trigger === 'timeout') timeoutTrigger.inc({ processor });
    };
    this.opts = {
      sendBatchSize: config.send_batch_size,
      maxSize: config.send_batch_max_size,
      timeoutMs: config.timeout,
      ops: opsFor(signal),
      send: (data, items, trigger, ctx) => {
        this.onSent(items, trigger);
        return this.next.consume(data as SignalDataMap[S], ctx);
      },
    };
  }

  private readonly opts: ConstructorParameters<typeof Batcher>[0];

  async start(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    // After shutdown nothing would flush a pending batch: refuse (retryable) rather than hold data.
    if (this.stopped) return Promise.reject(retryableError('batch processor is shut down'));
    const batcher = this.batcherFor(ctx);
    if (!batcher)
      return Promise.reject(
        permanentError(
          `too many batcher metadata-value combinations (metadata_cardinality_limit ${this.config.metadata_cardinality_limit})`,
        ),
      );
    const ticket = new Ticket();
    // The data may wait in a batch past this call's answer (a failed sibling batch rejects
    // the call early): keep its pooled bytes alive until every part was answered.
    const held = holdData(data);
    if (held) ticket.whenAllAnswered(() => releaseHeld(held));
    batcher.add(data, ticket);
    ticket.seal();
    return ticket.promise;
  }

  private batcherFor(ctx: RequestContext | undefined): Batcher | undefined {
    if (this.keys.length === 0) {
      let b = this.batchers.get('');
      if (!b) {
        b = new Batcher(this.opts, undefined);
        this.batchers.set('', b);
      }
      return b;
    }
    const md = ctx?.metadata;
    const values = this.keys.map((k) => md?.[k] ?? []);
    const id = JSON.stringify(values);
    let b = this.batchers.get(id);
    if (b) return b;
    if (this.batchers.size >= this.config.metadata_cardinality_limit) return undefined;
    // Downstream sees only the partitioning keys, as in the collector.
    const metadata: Record<string, string[]> = {};
    this.keys.forEach((k, i) => {
      if (values[i].length > 0) metadata[k] = values[i];
    });
    b = new Batcher(this.opts, { metadata });
    this.batchers.set(id, b);
    return b;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const results = await Promise.allSettled([...this.batchers.values()].map((b) => b.drain()));
    for (const r of results)
      if (r.status === 'rejected') this.settings.logger.error({ err: r.reason }, 'batch drain failed');
  }
}
