// Errors that travel back up the consume promise. A receiver maps them to its
// protocol: retryable → gRPC UNAVAILABLE / HTTP 503 (+Retry-After), permanent →
// INVALID_ARGUMENT / 400. Any error that is not a ConsumerError counts as
// retryable, as in the collector (only errors marked permanent are not retried).

export class ConsumerError extends Error {
  readonly retryable: boolean;
  /** Server-suggested delay before retrying (Retry-After, gRPC RetryInfo). */
  readonly retryAfterMs?: number;
  /** How many items of the batch this error concerns, when known (partial failures). */
  readonly rejectedItems?: number;
  /** For throttling (memory limiter, 429): RESOURCE_EXHAUSTED / 429 rather than UNAVAILABLE / 503. */
  readonly throttled: boolean;
  /**
   * Partial failure: only this subset of the batch (same signal's pdata) needs
   * retrying; the rest was accepted or permanently rejected. Set by exporters'
   * send functions; the exporter helper retries just this.
   */
  readonly retryData?: unknown;

  constructor(
    message: string,
    opts: {
      retryable: boolean;
      retryAfterMs?: number;
      rejectedItems?: number;
      throttled?: boolean;
      retryData?: unknown;
      cause?: unknown;
    },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = opts.retryable ? 'RetryableError' : 'PermanentError';
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.rejectedItems = opts.rejectedItems;
    this.throttled = opts.throttled ?? false;
    this.retryData = opts.retryData;
  }
}

export function permanentError(message: string, opts: { rejectedItems?: number; cause?: unknown } = {}) {
  return new ConsumerError(message, { ...opts, retryable: false });
}

export function retryableError(
  message: string,
  opts: {
    retryAfterMs?: number;
    rejectedItems?: number;
    throttled?: boolean;
    retryData?: unknown;
    cause?: unknown;
  } = {},
) {
  return new ConsumerError(message, { ...opts, retryable: true });
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ConsumerError ? err.retryable : true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
