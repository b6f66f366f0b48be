// One batch through timeout + retry_on_failure: the collector's retry sender
// (throttle delays from Retry-After / RetryInfo, permanent errors never
// retried, partial failures narrowed to the items that still need sending).
import type { RequestContext } from '../component/consumer.js';
import { ConsumerError, errorMessage, isRetryable, retryableError } from '../component/errors.js';
import { countItems } from '../pdata/count.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { ExporterMetrics } from '../telemetry/self-metrics.js';
import { ExponentialBackoff, sleep } from './backoff.js';
import type { RetryConfig, SendFunctions } from './types.js';

export type SendOutcome<S extends Signal> =
  | { kind: 'sent' }
  /** Permanent error or retries exhausted: counted in send_failed; the caller logs/propagates. */
  | { kind: 'failed'; error: unknown; items: number }
  /** `stop` fired while waiting to retry (shutdown): `data` still needs sending. */
  | { kind: 'interrupted'; data: SignalDataMap[S]; error: unknown };

export interface RetrySenderOptions {
  timeout: number;
  retry: RetryConfig;
  fns: SendFunctions;
  metrics: ExporterMetrics;
  logger: Logger;
}

export class RetrySender {
  /** Ends the retry waits now in progress early (retryNow). */
  private readonly waiting = new Set<AbortController>();

  constructor(private readonly o: RetrySenderOptions) {}

  /** Every batch now waiting to be retried is tried again at once (later waits are unaffected). */
  retryNow(): void {
    for (const w of this.waiting) w.abort();
    this.waiting.clear();
  }

  /**
   * Sends until success, a permanent error, exhausted retries or `stop`.
   * `onNarrow` is told when a partial failure shrinks the batch (the
   * persistent queue rewrites its stored copy).
   */
  async send<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    ctx: RequestContext | undefined,
    stop?: AbortSignal,
    onNarrow?: (d: SignalDataMap[S]) => Promise<void> | void,
  ): Promise<SendOutcome<S>> {
    const { retry, metrics, logger } = this.o;
    let backoff: ExponentialBackoff | undefined;
    let items = countItems(signal, data);
    for (;;) {
      let err: unknown;
      try {
        await this.attempt(signal, data, ctx);
        metrics.sent(signal, items);
        return { kind: 'sent' };
      } catch (e) {
        err = e;
        metrics.attemptFailed(e);
      }
      const ce = err instanceof ConsumerError ? err : undefined;
      // A permanent error may concern only part of the batch (rejectedItems):
      // the rest was delivered and counts as sent.
      const rejected = Math.min(items, ce?.rejectedItems ?? items);
      if (!isRetryable(err)) {
        metrics.sent(signal, items - rejected);
        return this.fail(signal, err, rejected);
      }
      if (!retry.enabled) return this.fail(signal, err, items);
      // Partial failure: only retryData goes again; of the rest, rejectedItems
      // were refused for good and the others accepted.
      if (ce?.retryData !== undefined) {
        const narrowed = ce.retryData as SignalDataMap[S];
        const left = countItems(signal, narrowed);
        const refused = Math.min(ce.rejectedItems ?? 0, Math.max(0, items - left));
        if (refused > 0) metrics.sendFailed(signal, refused, err);
        metrics.sent(signal, Math.max(0, items - left - refused));
        data = narrowed;
        items = left;
        if (onNarrow) await onNarrow(narrowed);
        if (items === 0) return { kind: 'sent' };
      }
      backoff ??= new ExponentialBackoff(retry);
      let delay = backoff.next();
      if (delay === undefined) return this.fail(signal, exhausted(err), items);
      if (ce?.retryAfterMs !== undefined && ce.retryAfterMs > delay) {
        // Throttled by the server: wait at least what it asked for.
        if (!backoff.allows(ce.retryAfterMs)) return this.fail(signal, exhausted(err), items);
        delay = ce.retryAfterMs;
      }
      if (stop?.aborted) return { kind: 'interrupted', data, error: err };
      logger.info(
        { error: errorMessage(err), interval: `${Math.round(delay)}ms` },
        'Exporting failed. Will retry the request after interval.',
      );
      const wake = new AbortController();
      this.waiting.add(wake);
      const slept = await sleep(delay, stop ? AbortSignal.any([stop, wake.signal]) : wake.signal);
      this.waiting.delete(wake);
      if (!slept && stop?.aborted) return { kind: 'interrupted', data, error: err };
    }
  }

  private fail<S extends Signal>(signal: S, error: unknown, items: number): SendOutcome<S> {
    this.o.metrics.sendFailed(signal, items, error);
    return { kind: 'failed', error, items };
  }

  /** One call of send() bounded by `timeout` (0 = none), even if send ignores the abort signal. */
  private attempt<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    ctx: RequestContext | undefined,
  ): Promise<void> {
    const { timeout, fns } = this.o;
    const ac = new AbortController();
    if (!(timeout > 0)) return fns.send(signal, data, ac.signal, ctx);
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        const e = retryableError(`request timed out after ${timeout}ms`);
        ac.abort(e);
        reject(e);
      }, timeout);
      fns.send(signal, data, ac.signal, ctx).then(
        () => {
          clearTimeout(t);
          resolve();
        },
        (e) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }
}

function exhausted(err: unknown): ConsumerError {
  const ce = err instanceof ConsumerError ? err : undefined;
  return retryableError(`no more retries left: ${errorMessage(err)}`, {
    cause: err,
    throttled: ce?.throttled,
    retryAfterMs: ce?.retryAfterMs,
  });
}
