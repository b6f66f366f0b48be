// Config schemas and the send-function contract of the exporter helper.
import { z } from 'zod';
import type { RequestContext } from '../component/consumer.js';
import { duration } from '../config/schema-types.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';

export const retryOnFailureSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    initial_interval: duration().default(5000),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(1).default(1.5),
    max_interval: duration().default(30_000),
    max_elapsed_time: duration().default(300_000),
  })
  .prefault({});

export const batchSchema = z
  .strictObject({
    flush_timeout: duration().default(200),
    min_size: z.number().int().min(0).default(8192),
    max_size: z.number().int().min(0).default(0),
    sizer: z.enum(['items', 'requests']).default('items'),
  })
  .refine((b) => b.max_size === 0 || b.max_size >= b.min_size, {
    message: 'sending_queue.batch.max_size must be 0 or at least min_size',
  })
  .refine((b) => b.max_size === 0 || b.sizer === 'items', {
    message: 'sending_queue.batch.max_size needs sizer: items (a request cannot be split by requests)',
  });

export type BatchConfig = z.output<typeof batchSchema>;

export const sendingQueueSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    num_consumers: z.number().int().positive().default(10),
    queue_size: z.number().int().positive().default(1000),
    /** requests, items (spans, data points, log records) or bytes (OTLP protobuf size). */
    sizer: z.enum(['requests', 'items', 'bytes']).default('requests'),
    wait_for_result: z.boolean().default(false),
    block_on_overflow: z.boolean().default(false),
    storage: z.string().optional(),
    /** Batching in the exporter (off unless given): merge queued requests up to min_size, split at max_size. */
    batch: batchSchema.optional(),
  })
  .refine((q) => !q.batch || q.enabled, { message: 'sending_queue.batch needs sending_queue.enabled: true' })
  .prefault({});

/** Spread into an exporter's z.strictObject({...}) to accept the helper's keys with the collector's defaults. */
export const exporterHelperConfigShape = {
  timeout: duration().default(5000),
  sending_queue: sendingQueueSchema,
  retry_on_failure: retryOnFailureSchema,
};

export type RetryConfig = z.output<typeof retryOnFailureSchema>;
export type QueueConfig = z.output<typeof sendingQueueSchema>;
export interface ExporterHelperConfig {
  timeout: number;
  sending_queue: QueueConfig;
  retry_on_failure: RetryConfig;
}

export interface SendFunctions {
  /**
   * Sends one batch to the backend. Resolve when the backend accepted it.
   * Throw a ConsumerError: permanentError (dropped, counted, logged) or
   * retryableError (retried with backoff; retryAfterMs honoured; `retryData`
   * narrows the retry to the failed items). `signal` aborts at the timeout.
   * Once the promise settled (or `abort` fired) no view of `data` may be kept
   * or used: the persistent queue gives its record buffers back for reuse.
   */
  send<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void>;
  /** Optional: connect, open files, ... */
  start?(): Promise<void>;
  /** Optional: close connections after the queue is drained. */
  shutdown?(): Promise<void>;
}

/**
 * An exporter's own form of a request (the collector's request-based exporters,
 * exporterhelper.NewMetricsRequest with a request converter): made from the pdata
 * in consume(), before the answer, it is what the memory queue holds — bounded
 * by `bytes`, the memory it really takes — and what send() receives. For an
 * exporter whose backend format is much smaller than decoded pdata (remote
 * write: snappy protobuf), the queue's byte bound then bounds memory.
 */
export interface ExporterRequest {
  /** Data points, spans or log records it carries (counted as sent / failed). */
  readonly items: number;
  /** The memory it holds: what the memory queue's byte bound counts. */
  readonly bytes: number;
}

export interface RequestConverter<R extends ExporterRequest = ExporterRequest> {
  /**
   * The request for `data` (`items` items). It must copy what it keeps: `data`
   * is not held once consume() returned. Throw a ConsumerError to refuse it.
   */
  convert<S extends Signal>(signal: S, data: SignalDataMap[S], items: number): R;
  /** Queued requests batched into one (sending_queue.batch, a batch processor), oldest first. */
  merge(requests: R[]): R;
}

/**
 * SendFunctions of an exporter with a RequestConverter: send() gets the
 * converter's request. A persistent queue still stores the pdata (OTLP) and
 * converts when it sends; retryData, if thrown, is a request too.
 */
export interface RequestSendFunctions<R extends ExporterRequest> extends Omit<SendFunctions, 'send'> {
  send<S extends Signal>(signal: S, request: R, abort: AbortSignal, ctx?: RequestContext): Promise<void>;
}
