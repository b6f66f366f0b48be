// The Exporter the pipeline calls: per signal a lane with a bounded queue
// (memory, or persistent on a storage extension) and `num_consumers` workers
// that push each batch through RetrySender. With the queue disabled, consume()
// sends inline and settles with the outcome.
import { giveBuffer } from '../codec/buffer-pool.js';
import type { BatchingRequest, FlushTrigger } from '../component/batching.js';
import type { ComponentSettings, Exporter, Host } from '../component/component.js';
import type { RequestContext } from '../component/consumer.js';
import {
  ConsumerError,
  errorMessage,
  isRetryable,
  permanentError,
  retryableError,
} from '../component/errors.js';
import type { ComponentStatus, QueueStatus } from '../component/status.js';
import { isStorageExtension } from '../component/storage.js';
import { countItems } from '../pdata/count.js';
import { type Held, holdData, releaseHeld } from '../pdata/hold.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import { markAnswer } from '../telemetry/answer-trace.js';
import type { ExporterMetrics } from '../telemetry/self-metrics.js';
import { mergeData, splitData } from './batch-data.js';
import { ByteBudget } from './byte-budget.js';
import { compactedSize, encodedSize, otlpBatchCodec } from './otlp-codec.js';
import { type BatchCodec, PersistentStore, type PreparedRecord } from './persistent-store.js';
import { BoundedQueue } from './queue.js';
import { RetrySender } from './retry.js';
import type {
  BatchConfig,
  ExporterHelperConfig,
  ExporterRequest,
  QueueConfig,
  RequestConverter,
  SendFunctions,
} from './types.js';

export interface QueuedExporterOptions {
  /** How long shutdown() keeps draining the memory queue before giving up (ms). */
  drainTimeoutMs?: number;
  /** Payload codec of the persistent queue (default: OTLP protobuf). */
  codec?: BatchCodec;
  /** The memory queue's byte bound (default DEFAULT_MEMORY_QUEUE_BYTES; with `sizer: bytes`, queue_size). */
  memoryQueueBytes?: number;
  /**
   * The exporter's own request form (createRequestExporter): the memory queue
   * holds converted requests, measured by their `bytes`, and send() gets them.
   */
  converter?: RequestConverter;
  /**
   * Memory queue: the memory one send of `bytes` (the OTLP size queued) and `items` takes
   * beyond those bytes while it runs — the items decoded, the request built — counted against
   * the queue's byte bound meanwhile. An exporter that decodes what it sends says so here, or
   * `num_consumers` batches being sent at once hold many times the queue's bytes.
   */
  sendMemory?: (signal: Signal, bytes: number, items: number) => number;
  /**
   * A batch with `flush_timeout` 0 also takes what is queued by the end of the current
   * event-loop turn (one setImmediate, no timer): requests that arrived together are sent
   * together even while workers are idle. The load-balancing exporter's backends use it.
   */
  mergeWithinTurn?: boolean;
  /**
   * The exporter sends OTLP protobuf (otlp_grpc, otlp_http): the memory queue keeps the spans and
   * log records processors decoded as their encoding while they wait (otlp-codec.ts compactedSize).
   * Not for an exporter that reads the items to build its own request: it would decode them again.
   */
  sendsOtlp?: boolean;
}

/** Resolves after the I/O callbacks of this event-loop turn ran (the check phase). */
const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;

/**
 * A memory queue holds at most this many bytes (OTLP protobuf size of what it
 * holds, summed over the exporter's signals) whatever its sizer counts, so an
 * overload or an outage costs bounded memory: past it, senders are throttled.
 * `sizer: bytes` replaces it with queue_size.
 */
export const DEFAULT_MEMORY_QUEUE_BYTES = 64 * 1024 * 1024;

/**
 * Persistent queue: stored batches also kept in memory as their stored bytes
 * (so sending them reads no disk), up to this many bytes per exporter; a
 * backlog beyond it lives on disk only.
 */
const KEEP_IN_MEMORY_BYTES = 16 * 1024 * 1024;

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

interface Entry<S extends Signal> {
  /** In sizer units. */
  size: number;
  items: number;
  /** Memory queue: the bytes counted against the exporter's ByteBudget. */
  bytes: number;
  /** Persistent queue: the bytes of `payload` counted as kept in memory. */
  kept: number;
  /**
   * In memory for batches taken in by this process; loaded from storage for recovered ones.
   * With a converter, a memory queue's entry holds the converted request here instead.
   */
  data?: SignalDataMap[S];
  /** `data` is the converter's request, not pdata. */
  converted?: boolean;
  /**
   * Persistent: the stored encoding of `data`, kept instead of it and decoded lazily when sent
   * (`data` is then views of it). A view of a codec/buffer-pool.ts buffer, given back once the
   * batch was sent and nothing reads it.
   */
  payload?: Uint8Array;
  ctx?: RequestContext;
  /** Memory queue: the pooled request bodies `data` still reads from (src/pdata/hold.ts). */
  held?: Held;
  /** Persistent record index. */
  index?: number;
  /** Persistent: payload bytes of its record on disk (the status page's stored bytes). */
  stored?: number;
  waiter?: Waiter;
}

/** How a lane merges queued requests: its own `sending_queue.batch`, or a batch processor's request. */
interface LaneBatch {
  cfg: BatchConfig;
  onFlush?: (items: number, trigger: FlushTrigger) => void;
}

interface Lane<S extends Signal> {
  signal: S;
  batch?: LaneBatch;
  queue: BoundedQueue<Entry<S>>;
  store?: PersistentStore<S>;
  workers: Promise<void>[];
  inFlight: Set<Entry<S>>;
  /** Settles when the worker filling a batch is done (batching only). */
  filling?: Promise<void>;
  /** A refusal ended the batch being filled (full()): it is sent now, as one that reached its size. */
  cutShort?: boolean;
  /** Persistent: payload bytes stored and not yet removed. */
  storedBytes: number;
}

/** Retry delay suggested to senders when the sending queue is full. */
export const QUEUE_FULL_RETRY_AFTER_MS = 1000;

export class QueuedExporter implements Exporter {
  private readonly metrics: ExporterMetrics;
  private readonly sender: RetrySender;
  private readonly lanes = new Map<Signal, Lane<Signal>>();
  private stopping = false;
  /** Batch shapes asked for by batch processors, per signal (acceptBatching). */
  private readonly adopted = new Map<Signal, LaneBatch>();
  private readonly memory: ByteBudget;
  /** Persistent: payload bytes kept in memory over all lanes (KEEP_IN_MEMORY_BYTES). */
  private kept = 0;
  /** Aborts retry waits: at the drain deadline (memory) or at once on shutdown (persistent). */
  private readonly stop = new AbortController();
  private lost = 0;
  /** Memory queue with sendMemory: batches being sent now, over all lanes. */
  private sending = 0;
  private readonly converter: RequestConverter | undefined;
  /** Items of what is sent: pdata counted, converted requests say. */
  private readonly count: <S extends Signal>(signal: S, data: SignalDataMap[S]) => number;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: ExporterHelperConfig,
    private readonly signals: readonly Signal[],
    private readonly fns: SendFunctions,
    private readonly options: QueuedExporterOptions = {},
  ) {
    this.metrics = settings.metrics.exporter(settings.id);
    this.converter = options.converter;
    this.count = this.converter
      ? (_signal, data) => (data as unknown as ExporterRequest).items
      : (signal, data) => countItems(signal, data);
    this.sender = new RetrySender({
      timeout: config.timeout,
      retry: config.retry_on_failure,
      fns,
      metrics: this.metrics,
      logger: settings.logger,
      count: this.count,
    });
    const q = config.sending_queue;
    this.memory = new ByteBudget(
      options.memoryQueueBytes ?? (q.sizer === 'bytes' ? q.queue_size : DEFAULT_MEMORY_QUEUE_BYTES),
    );
  }

  /**
   * A batch processor before this exporter passes its data through and asks for
   * batching here, where the data is already accepted (component/batching.ts).
   * Without a sending queue, answers wait for the backend: the processor must
   * batch itself. A `sending_queue.batch` of the exporter's own wins.
   */
  acceptBatching(signal: Signal, req: BatchingRequest): boolean {
    const q = this.config.sending_queue;
    if (!q.enabled) return false;
    if (q.batch || this.adopted.has(signal)) return true;
    this.adopted.set(signal, {
      cfg: {
        min_size: req.minSize,
        max_size: req.maxSize,
        flush_timeout: req.flushTimeoutMs,
        sizer: 'items',
      },
      onFlush: req.onFlush,
    });
    return true;
  }

  /** Batches queued or being sent, over all signals: 0 once everything taken in was sent or dropped. */
  backlog(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.length() + lane.inFlight.size;
    return n;
  }

  /** The sending queue's lanes for the status page (read when someone looks, never on the data path). */
  status(): ComponentStatus {
    const q = this.config.sending_queue;
    if (!q.enabled) return { details: { sending_queue: 'disabled' } };
    const queues: QueueStatus[] = [];
    for (const lane of this.lanes.values()) {
      const persistent = lane.store !== undefined;
      queues.push({
        signal: lane.signal,
        size: lane.queue.size(),
        capacity: lane.queue.capacity,
        sizer: q.sizer,
        batches: lane.queue.length() + lane.inFlight.size,
        inFlight: lane.inFlight.size,
        persistent,
        ...(persistent
          ? { storedBytes: lane.storedBytes }
          : { memoryBytes: this.memory.size(), memoryBytesLimit: this.memory.limit }),
      });
    }
    return { queues };
  }

  /**
   * Batches waiting out a retry backoff are tried again now. The load-balancing
   * exporter calls it when a backend left: its sends then re-route, so waiting
   * for a backend that is gone would only delay them.
   */
  retryNow(): void {
    this.sender.retryNow();
  }

  async start(host: Host): Promise<void> {
    await this.fns.start?.(host);
    const q = this.config.sending_queue;
    if (!q.enabled) return;
    let storage: ReturnType<typeof host.getExtension>;
    if (q.storage !== undefined) {
      storage = host.getExtension(q.storage);
      if (!isStorageExtension(storage))
        throw new Error(`sending_queue.storage: "${q.storage}" is not a configured storage extension`);
    }
    for (const signal of this.signals) {
      const lane: Lane<Signal> = {
        signal,
        batch: q.batch ? { cfg: q.batch } : this.adopted.get(signal),
        queue: new BoundedQueue(q.queue_size),
        workers: [],
        inFlight: new Set(),
        storedBytes: 0,
      };
      if (isStorageExtension(storage)) {
        const client = await storage.getClient('exporter', this.settings.id, signal);
        lane.store = new PersistentStore(client, signal, this.options.codec ?? otlpBatchCodec);
        const recovered = await lane.store.open();
        let items = 0;
        for (const r of recovered) {
          // Recovered batches go in even beyond capacity: they were accepted already.
          const size = q.sizer === 'items' ? r.items : q.sizer === 'bytes' ? r.bytes : 1;
          lane.queue.push({ size, items: r.items, bytes: 0, kept: 0, index: r.index, stored: r.bytes });
          lane.storedBytes += r.bytes;
          items += r.items;
        }
        if (recovered.length > 0)
          this.settings.logger.info(
            { signal, batches: recovered.length, items },
            'Resuming persistent sending queue from storage',
          );
      }
      this.lanes.set(signal, lane);
    }
    for (const lane of this.lanes.values())
      for (let i = 0; i < q.num_consumers; i++) lane.workers.push(this.work(lane));
    const lanes = [...this.lanes.values()];
    this.metrics.observeQueue(
      () => lanes.reduce((n, l) => n + l.queue.size(), 0),
      () => lanes.length * q.queue_size,
    );
  }

  async consume<S extends Signal>(signal: S, data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    if (this.stopping) throw retryableError(`exporter ${this.settings.id} is shutting down`);
    const q = this.config.sending_queue;
    if (!q.enabled) return this.sendInline(signal, data, ctx);
    const lane = this.lanes.get(signal) as Lane<S> | undefined;
    if (!lane) throw permanentError(`exporter ${this.settings.id} is not started for ${signal}`);
    const items = countItems(signal, data);
    if (items === 0) return;
    const max = lane.batch?.cfg.max_size ?? 0;
    const pieces = max > 0 && items > max ? splitData(signal, data, max) : [data];
    const counts = pieces.length === 1 ? [items] : pieces.map((p) => countItems(signal, p));
    const results = lane.store
      ? await this.enqueueStored(lane, lane.store, pieces, counts, items, ctx)
      : await this.enqueueInMemory(lane, pieces, counts, items, ctx);
    this.metrics.enqueued(signal, items);
    if (results.length > 0) await Promise.all(results);
  }

  /** Memory queue: room in sizer units and in bytes, then the pieces are queued (held, not copied). */
  private async enqueueInMemory<S extends Signal>(
    lane: Lane<S>,
    pieces: SignalDataMap[S][],
    counts: number[],
    items: number,
    ctx: RequestContext | undefined,
  ): Promise<Promise<void>[]> {
    const { signal, queue } = lane;
    const q = this.config.sending_queue;
    const converter = this.converter;
    let converted: ExporterRequest[] | undefined;
    if (converter) {
      // Refused before converting when it cannot fit anyway (converting costs CPU).
      const before = q.sizer === 'items' ? items : q.sizer === 'requests' ? pieces.length : 0;
      if (!q.block_on_overflow && !(queue.hasRoom(before) && this.memory.hasRoom(1)))
        return this.full(signal, items);
      converted = pieces.map((p, i) => converter.convert(signal, p, counts[i]));
    }
    // the OTLP protobuf size (cheap for spans and records still kept as their wire
    // bytes), or what the converted request takes
    const measure = this.options.sendsOtlp ? compactedSize : encodedSize;
    const bytes = converted ? converted.map((r) => r.bytes) : pieces.map((p) => measure(signal, p));
    const sizes = pieces.map((_, i) => sizerUnits(q, counts[i], bytes[i], i));
    const total = sum(sizes);
    const totalBytes = sum(bytes);
    if (total > queue.capacity || totalBytes > this.memory.limit)
      return this.tooLarge(signal, items, total > queue.capacity ? queue.capacity : this.memory.limit);
    while (!(queue.hasRoom(total) && this.memory.hasRoom(totalBytes))) {
      if (!q.block_on_overflow || this.stopping) return this.full(signal, items);
      if (queue.endFills() > 0) lane.cutShort = true; // room comes back once that batch is sent
      if (!queue.hasRoom(total)) await queue.waitForRoom(total);
      else await this.memory.waitForRoom(totalBytes, () => this.stopping);
    }
    const results: Promise<void>[] = [];
    for (let i = 0; i < pieces.length; i++) {
      // the data outlives this call (and the receiver's hold on its request body)
      const entry: Entry<S> = converted
        ? {
            size: sizes[i],
            items: counts[i],
            bytes: bytes[i],
            kept: 0,
            data: converted[i] as unknown as SignalDataMap[S],
            converted: true,
            ctx,
          }
        : {
            size: sizes[i],
            items: counts[i],
            bytes: bytes[i],
            kept: 0,
            data: pieces[i],
            ctx,
            held: holdData(pieces[i]),
          };
      if (q.wait_for_result) results.push(this.awaitResult(entry));
      this.memory.take(entry.bytes);
      queue.push(entry);
    }
    return results;
  }

  /**
   * Persistent queue: each piece is encoded into its record first (its size is
   * the bytes sizer's measure), then written, fsync'd, before consume() resolves.
   */
  private async enqueueStored<S extends Signal>(
    lane: Lane<S>,
    store: PersistentStore<S>,
    pieces: SignalDataMap[S][],
    counts: number[],
    items: number,
    ctx: RequestContext | undefined,
  ): Promise<Promise<void>[]> {
    const { signal, queue } = lane;
    const q = this.config.sending_queue;
    markAnswer(`${this.settings.id}:in`);
    const prepared = pieces.map((p, i) => store.prepare(p, ctx, counts[i]));
    markAnswer(`${this.settings.id}:encoded`);
    const discard = (from: number) => {
      for (let i = from; i < prepared.length; i++) store.discard(prepared[i]);
    };
    const sizes = prepared.map((p, i) => sizerUnits(q, counts[i], p.bytes, i));
    const total = sum(sizes);
    if (total > queue.capacity) {
      discard(0);
      return this.tooLarge(signal, items, queue.capacity);
    }
    if (!queue.hasRoom(total) && !(q.block_on_overflow && (await queue.waitForRoom(total)))) {
      discard(0);
      return this.full(signal, items);
    }
    queue.reserve(total);
    // written together: one group commit of the storage for all pieces
    const written = await Promise.allSettled(prepared.map((p: PreparedRecord) => store.write(p)));
    markAnswer(`${this.settings.id}:durable`);
    const results: Promise<void>[] = [];
    let failure: unknown;
    written.forEach((w, i) => {
      if (w.status === 'rejected') {
        failure ??= w.reason;
        queue.release(sizes[i]);
        return;
      }
      const entry: Entry<S> = {
        size: sizes[i],
        items: counts[i],
        bytes: 0,
        kept: 0,
        index: w.value.index,
        stored: prepared[i].bytes,
        ctx,
      };
      lane.storedBytes += prepared[i].bytes;
      // The stored bytes replace the pdata: compact in memory, and decoded lazily
      // when sent, so an OTLP exporter copies them instead of encoding again.
      // A backlog (backend slow or down) lives on disk only.
      const payload = w.value.payload;
      if (this.kept + payload.length <= KEEP_IN_MEMORY_BYTES) {
        entry.payload = payload;
        entry.kept = payload.length;
        this.kept += payload.length;
      } else giveBuffer(payload); // read back from storage when its turn comes
      if (q.wait_for_result) results.push(this.awaitResult(entry));
      queue.push(entry, true);
    });
    if (failure !== undefined) {
      this.metrics.enqueueFailed(signal, items, failure);
      throw retryableError(`persistent queue write failed: ${errorMessage(failure)}`, { cause: failure });
    }
    return results;
  }

  /** wait_for_result: the promise of the entry's send outcome. */
  private awaitResult<S extends Signal>(entry: Entry<S>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      entry.waiter = { resolve, reject };
    });
  }

  private tooLarge(signal: Signal, items: number, capacity: number): never {
    this.metrics.enqueueFailed(signal, items);
    const unit =
      capacity === this.memory.limit ? "the memory queue's byte bound" : 'sending_queue.queue_size';
    throw permanentError(`batch of ${items} items is larger than ${unit} (${capacity})`, {
      rejectedItems: items,
    });
  }

  private full(signal: Signal, items: number): never {
    this.metrics.enqueueFailed(signal, items);
    // A batch being filled holds bytes until it is sent: send it now rather than at its
    // flush_timeout, so the room it takes comes back as soon as the backend answers.
    const lane = this.lanes.get(signal);
    if (lane && lane.queue.endFills() > 0) lane.cutShort = true;
    // A retry delay so receivers send RetryInfo / Retry-After: RESOURCE_EXHAUSTED
    // without RetryInfo is not retryable for OTLP senders, who would drop the data.
    throw retryableError(
      this.stopping ? `exporter ${this.settings.id} is shutting down` : 'sending queue is full',
      { throttled: true, rejectedItems: items, retryAfterMs: QUEUE_FULL_RETRY_AFTER_MS },
    );
  }

  async shutdown(deadlineAt?: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const persistent = this.config.sending_queue.storage !== undefined;
    // Persistent: everything is on disk, so stop retrying now and keep it there.
    if (persistent) this.stop.abort();
    for (const lane of this.lanes.values()) lane.queue.close();
    this.memory.wake();
    const workers = [...this.lanes.values()].flatMap((l) => l.workers);
    // the drain ends at the service's deadline too, with time left to give up in order
    const GIVE_UP_MS = 1000;
    let drainMs = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    if (deadlineAt !== undefined)
      drainMs = Math.max(0, Math.min(drainMs, deadlineAt - Date.now() - GIVE_UP_MS));
    const drained = await settleWithin(Promise.all(workers), drainMs);
    if (!drained) {
      this.stop.abort();
      await settleWithin(
        Promise.all(workers),
        deadlineAt === undefined
          ? GIVE_UP_MS
          : Math.min(GIVE_UP_MS, Math.max(100, deadlineAt - Date.now() - 200)),
      );
      if (!persistent) {
        for (const lane of this.lanes.values()) {
          for (const e of lane.queue.drainRemaining()) this.loseEntry(lane, e);
          for (const e of lane.inFlight) this.loseEntry(lane, e);
        }
      }
    }
    if (this.lost > 0)
      this.settings.logger.error(
        { dropped_items: this.lost },
        'Sending queue not drained before the shutdown deadline. Dropping data.',
      );
    for (const lane of this.lanes.values()) await lane.store?.close().catch(() => {});
    await this.fns.shutdown?.();
  }

  private async work<S extends Signal>(lane: Lane<S>): Promise<void> {
    for (;;) {
      const entries = await this.next(lane);
      if (!entries) return;
      for (const e of entries) lane.inFlight.add(e);
      const cost = this.sendCost(lane, entries);
      await this.roomToSend(lane, cost);
      this.memory.take(cost);
      this.sending++;
      try {
        await this.process(lane, entries);
      } catch (err) {
        this.settings.logger.error({ error: errorMessage(err) }, 'Sending queue worker failed');
      } finally {
        for (const e of entries) {
          lane.inFlight.delete(e);
          lane.queue.done(e);
          this.memory.give(e.bytes);
          e.bytes = 0;
          // Never leave a wait_for_result caller hanging.
          e.waiter?.reject(retryableError(`exporter ${this.settings.id} could not send the batch`));
          e.waiter = undefined;
        }
        this.sending--;
        this.memory.give(cost);
      }
    }
  }

  /** What sending these memory-queue entries takes beyond their queued bytes (sendMemory). */
  private sendCost<S extends Signal>(lane: Lane<S>, entries: Entry<S>[]): number {
    const sendMemory = this.options.sendMemory;
    if (!sendMemory || lane.store) return 0;
    let bytes = 0;
    let items = 0;
    for (const e of entries)
      if (!e.converted) {
        bytes += e.bytes;
        items += e.items;
      }
    return bytes > 0 ? sendMemory(lane.signal, bytes, items) : 0;
  }

  /**
   * With sendMemory, a worker takes a batch only while the byte bound has room, and starts
   * sending it only once its send cost fits too (or nothing else is being sent, so the queue
   * always moves): when the exporter is slower than its receivers, memory stays bounded and
   * senders are throttled instead.
   */
  private async roomToSend<S extends Signal>(lane: Lane<S>, cost = 1): Promise<void> {
    if (!this.options.sendMemory || lane.store || cost === 0) return;
    while (this.sending > 0 && !this.memory.hasRoom(cost) && !this.stopping) await this.memory.nextChange();
  }

  /**
   * The next request to send: one entry, or with `batch` as many as reach
   * min_size (without passing max_size) within flush_timeout. One worker
   * fills a batch at a time; the others send theirs meanwhile.
   */
  private async next<S extends Signal>(lane: Lane<S>): Promise<Entry<S>[] | undefined> {
    const batch = lane.batch?.cfg;
    if (!batch) {
      await this.roomToSend(lane);
      const e = await lane.queue.take();
      return e && [e];
    }
    const prev = lane.filling;
    let release!: () => void;
    lane.filling = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      await this.roomToSend(lane);
      const first = await lane.queue.take();
      if (!first) return undefined;
      lane.queue.batched(first);
      lane.inFlight.add(first); // counted in backlog() while the batch fills
      lane.cutShort = false;
      const entries = [first];
      const measure = (e: Entry<S>) => (batch.sizer === 'items' ? e.items : 1);
      let total = measure(first);
      // Memory queue: a batch also closes at a quarter of the byte bound, so that it (and the
      // batches being sent) cannot fill the bound before reaching min_size (large log records).
      const maxBytes = lane.store ? Number.POSITIVE_INFINITY : this.memory.limit / 4;
      let bytes = first.bytes;
      const deadline = Date.now() + batch.flush_timeout;
      let waitTurn = this.options.mergeWithinTurn === true && batch.flush_timeout === 0;
      while (total < batch.min_size && bytes < maxBytes) {
        if (waitTurn && lane.queue.length() === 0) {
          waitTurn = false;
          await endOfTurn();
        }
        const e = await lane.queue.takeWithin(
          deadline - Date.now(),
          (c) =>
            (batch.max_size === 0 || total + measure(c) <= batch.max_size) && sameContext(first.ctx, c.ctx),
        );
        if (!e) break;
        lane.queue.batched(e);
        lane.inFlight.add(e);
        entries.push(e);
        total += measure(e);
        bytes += e.bytes;
      }
      const onFlush = lane.batch?.onFlush;
      if (onFlush) {
        let n = 0;
        for (const e of entries) n += e.items;
        const full = total >= batch.min_size || bytes >= maxBytes || lane.cutShort;
        onFlush(n, full ? 'size' : 'timeout');
      }
      lane.cutShort = false;
      return entries;
    } finally {
      release();
    }
  }

  private async process<S extends Signal>(lane: Lane<S>, all: Entry<S>[]): Promise<void> {
    const { signal, store } = lane;
    if (store && this.stop.signal.aborted) {
      // Shutting down: the batches stay on disk for the next start, and count as accepted.
      for (const e of all) e.waiter?.resolve();
      return;
    }
    const entries: Entry<S>[] = [];
    for (const e of all) if (await this.load(lane, e)) entries.push(e);
    if (entries.length === 0) return;
    const data = this.converter
      ? this.requestOf(signal, entries)
      : mergeData(
          signal,
          entries.map((e) => e.data!),
        );
    const ctx = entries[0].ctx;
    const index = entries.length === 1 ? entries[0].index : undefined;
    const onNarrow =
      store && index !== undefined && !this.converter
        ? (d: SignalDataMap[S]) => store.rewrite(index, d, ctx, countItems(signal, d))
        : undefined;
    const out = await this.sender.send(signal, data, ctx, this.stop.signal, onNarrow);
    if (out.kind === 'interrupted') {
      for (const e of entries) {
        if (!store) this.loseEntry(lane, e, entries.length === 1 ? out.data : undefined);
        else e.waiter?.resolve(); // durably queued: accepted
        e.waiter = undefined;
      }
      return;
    }
    if (out.kind === 'failed') this.logDrop(out.error, out.items);
    const finished: number[] = [];
    for (const e of entries) {
      if (out.kind === 'failed') e.waiter?.reject(out.error);
      else e.waiter?.resolve();
      e.waiter = undefined;
      e.data = undefined;
      // the send is over (answered or given up): no view of the payload is in use any more
      this.dropPayload(e);
      releaseHeld(e.held);
      e.held = undefined;
      if (e.index !== undefined) finished.push(e.index);
      lane.storedBytes -= e.stored ?? 0;
      e.stored = 0;
    }
    if (store) await store.remove(...finished);
  }

  /** The converter's request for a batch: memory entries hold one; stored (pdata) ones are converted now. */
  private requestOf<S extends Signal>(signal: S, entries: Entry<S>[]): SignalDataMap[S] {
    const converter = this.converter as RequestConverter;
    const requests = entries.map((e) =>
      e.converted
        ? (e.data as unknown as ExporterRequest)
        : converter.convert(signal, e.data as SignalDataMap[S], e.items),
    );
    const one = requests.length === 1 ? requests[0] : converter.merge(requests);
    return one as unknown as SignalDataMap[S];
  }

  private dropPayload<S extends Signal>(e: Entry<S>): void {
    if (e.payload !== undefined) giveBuffer(e.payload);
    e.payload = undefined;
    this.kept -= e.kept;
    e.kept = 0;
  }

  /** Makes sure a (recovered) entry's data is in memory; false if it is gone or unreadable. */
  private async load<S extends Signal>(lane: Lane<S>, e: Entry<S>): Promise<boolean> {
    const { store, signal } = lane;
    if (e.data !== undefined) return true;
    if (!store || e.index === undefined) return false;
    try {
      if (e.payload !== undefined) {
        e.data = store.decode(e.payload);
        return true;
      }
      const stored = await store.load(e.index);
      if (!stored) return false;
      e.data = stored.data;
      e.ctx = stored.ctx;
      e.payload = stored.payload;
      return true;
    } catch (err) {
      this.metrics.sendFailed(signal, e.items);
      this.logDrop(err, e.items);
      lane.storedBytes -= e.stored ?? 0;
      e.stored = 0;
      await store.remove(e.index);
      return false;
    }
  }

  private loseEntry<S extends Signal>(lane: Lane<S>, e: Entry<S>, rest?: SignalDataMap[S]): void {
    if (e.waiter === undefined && e.data === undefined) return; // already settled
    const n = rest ? this.count(lane.signal, rest) : e.items;
    this.metrics.sendFailed(lane.signal, n);
    this.lost += n;
    e.data = undefined;
    e.waiter?.reject(retryableError(`exporter ${this.settings.id} shut down before sending`));
    e.waiter = undefined;
  }

  private logDrop(error: unknown, items: number): void {
    this.settings.logger.error(
      { error: errorMessage(error), exporter: this.settings.id, dropped_items: items },
      'Exporting failed. Dropping data.',
    );
  }

  private async sendInline<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    ctx?: RequestContext,
  ): Promise<void> {
    const items = countItems(signal, data);
    this.metrics.enqueued(signal, items);
    const request = this.converter
      ? (this.converter.convert(signal, data, items) as unknown as SignalDataMap[S])
      : data;
    const out = await this.sender.send(signal, request, ctx);
    if (out.kind === 'sent') return;
    this.settings.logger.error(
      {
        error: errorMessage(out.error),
        exporter: this.settings.id,
        rejected_items: out.kind === 'failed' ? out.items : 0,
      },
      'Exporting failed. Rejecting data.',
    );
    throw out.error instanceof ConsumerError
      ? out.error
      : isRetryable(out.error)
        ? retryableError(errorMessage(out.error), { cause: out.error })
        : out.error;
  }
}

/**
 * A piece's size in the queue's sizer units. `requests` counts the request the sender made,
 * once, however many pieces max_size cut it into (the collector splits after its queue).
 */
function sizerUnits(q: QueueConfig, items: number, bytes: number, piece: number): number {
  return q.sizer === 'items' ? items : q.sizer === 'bytes' ? bytes : piece === 0 ? 1 : 0;
}

function sum(xs: number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}

function sameContext(a: RequestContext | undefined, b: RequestContext | undefined): boolean {
  if (a === b) return true;
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => {
    t = setTimeout(() => r(false), ms);
  });
  const ok = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(t);
  return ok;
}
