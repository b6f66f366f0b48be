// The batch processor. Its senders never wait for its timer (DESIGN.md,
// "Accepting is fast"): it asks the exporters at the end of its pipeline to
// merge the data in their sending queues, with its send_batch_size,
// send_batch_max_size and timeout, and passes each request straight through,
// so the answer is the queue's (at once; durably for a persistent queue).
// Only when an exporter cannot batch (its sending queue is disabled, so its
// answers wait for the backend anyway) does it batch by itself, answering each
// request when the batch holding it was accepted downstream.
import { Histogram } from 'prom-client';
import type { BatchingRequest } from '../../src/component/batching.js';
import type { ComponentSettings, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { holdData, releaseHeld } from '../../src/pdata/hold.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { Batcher, type Trigger } from './batcher.js';
import type { BatchConfig } from './config.js';
import { Partitions } from './partition.js';
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

/** Where a request goes: straight to the next stage with its partition's context, or into a Batcher. */
type Part = { ctx: RequestContext | undefined } | Batcher;

export class BatchProcessor<S extends Signal> implements Processor<S> {
  private readonly parts: Partitions<Part>;
  private stopped = false;
  /** True when the exporters batch in their queues and this processor passes data through. */
  readonly passThrough: boolean;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: BatchConfig,
    signal: S,
    private readonly next: Consumer<S>,
  ) {
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
    const onSent = (items: number, trigger: Trigger) => {
      hist.observe({ processor }, items);
      if (trigger === 'size') sizeTrigger.inc({ processor });
      else if (trigger === 'timeout') timeoutTrigger.inc({ processor });
    };
    const req: BatchingRequest = {
      minSize: config.send_batch_size,
      maxSize: config.send_batch_max_size,
      flushTimeoutMs: config.timeout,
      onFlush: onSent,
    };
    this.passThrough = settings.downstream?.requestBatching(req) ?? false;
    const opts: ConstructorParameters<typeof Batcher>[0] = {
      sendBatchSize: config.send_batch_size,
      maxSize: config.send_batch_max_size,
      timeoutMs: config.timeout,
      ops: opsFor(signal),
      send: (data, items, trigger, ctx) => {
        onSent(items, trigger);
        return this.next.consume(data as SignalDataMap[S], ctx);
      },
    };
    this.parts = new Partitions<Part>(config.metadata_keys, config.metadata_cardinality_limit, (ctx) =>
      this.passThrough ? { ctx } : new Batcher(opts, ctx),
    );
    if (!this.passThrough)
      settings.logger.info(
        'An exporter of this pipeline has no sending queue to batch in: batching here, and each answer waits for its batch to be accepted',
      );
  }

  async start(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    // After shutdown nothing would flush a pending batch: refuse (retryable) rather than hold data.
    if (this.stopped) return Promise.reject(retryableError('batch processor is shut down'));
    const part = this.parts.for(ctx);
    if (!part)
      return Promise.reject(
        permanentError(
          `too many batcher metadata-value combinations (metadata_cardinality_limit ${this.config.metadata_cardinality_limit})`,
        ),
      );
    if (!(part instanceof Batcher)) return this.next.consume(data, part.ctx);
    const ticket = new Ticket();
    // The data may wait in a batch past this call's answer (a failed sibling batch rejects
    // the call early): keep its pooled bytes alive until every part was answered.
    const held = holdData(data);
    if (held) ticket.whenAllAnswered(() => releaseHeld(held));
    part.add(data, ticket);
    ticket.seal();
    return ticket.promise;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const batchers = this.parts.all().filter((p): p is Batcher => p instanceof Batcher);
    const results = await Promise.allSettled(batchers.map((b) => b.drain()));
    for (const r of results)
      if (r.status === 'rejected') this.settings.logger.error({ err: r.reason }, 'batch drain failed');
  }
}
