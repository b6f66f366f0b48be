// A decode budget: what one request may cost once decoded, checked WHILE decoding.
//
// The decoded form of telemetry can be far larger than its wire form: an empty
// OTLP KeyValue is 2 bytes on the wire and ~106 bytes of V8 heap, an empty span
// 2 and ~300. A 20 MiB body of such items (20 KB gzipped) decodes to gigabytes,
// so a size limit on the body alone does not protect the heap. Every decoder of
// untrusted input charges its budget for each value it builds (an estimate of
// the heap bytes it takes, see decode-cost.ts) and stops as soon as the budget
// is spent, long before the heap is.
//
// A budget has two ceilings on bytes: the per-request cap (a request over it
// never fits: a permanent refusal, 413 / RESOURCE_EXHAUSTED without RetryInfo)
// and the memory that is free right now (src/receiverhelper/decode-admission.ts;
// over it the request may fit later: retryable, 429 / RESOURCE_EXHAUSTED with
// RetryInfo). Items (decoded values) and nesting depth are capped per request.

export interface DecodeLimits {
  /** Estimated heap bytes the decoded request may take. */
  maxBytes: number;
  /** Decoded values (messages, long strings, byte views, list elements). */
  maxItems: number;
  /** Nesting of recursive values (AnyValue arrays and maps, Thrift structs). */
  maxDepth: number;
}

/** The per-request limits when the process has no better figure (see decode-admission.ts). */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxItems: 5_000_000,
  maxDepth: 100,
};

/** Why a decode was stopped, with the answer the sender gets. */
export class DecodeLimitError extends Error {
  /** Retryable: the request might fit once memory is free again (throttled, with a delay). */
  readonly retryable: boolean;
  /** The delay to suggest (Retry-After / RetryInfo) when retryable. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'DecodeLimitError';
    this.retryable = retryAfterMs !== undefined;
    this.retryAfterMs = retryAfterMs;
  }
}

const MiB = 1024 * 1024;
const mib = (n: number) => `${Math.round((n / MiB) * 10) / 10} MiB`;

export class DecodeBudget {
  /** Estimated heap bytes charged so far. */
  bytes = 0;
  /** Values charged so far. */
  items = 0;
  readonly maxDepth: number;
  /** The bytes and values allowed (public so hot decoders can charge inline; see charge()). */
  readonly bytesLimit: number;
  readonly itemsLimit: number;

  /**
   * `limits`: the per-request caps. `free`: the bytes the process can spare right now (below the
   * cap: exceeding it is then retryable, with `retryAfterMs`).
   */
  constructor(
    readonly limits: DecodeLimits,
    private readonly free = Number.POSITIVE_INFINITY,
    private readonly retryAfterMs = 1000,
  ) {
    this.bytesLimit = Math.min(limits.maxBytes, free);
    this.itemsLimit = limits.maxItems;
    this.maxDepth = limits.maxDepth;
  }

  /** Charges one value (or `items` of them) of `bytes` estimated heap bytes; throws once over. */
  charge(bytes: number, items = 1): void {
    this.bytes += bytes;
    this.items += items;
    if (this.bytes > this.bytesLimit || this.items > this.itemsLimit) throw this.exceeded();
  }

  /** Forgets what was charged (a decode that starts over, e.g. the full decoder after the lazy one). */
  reset(): void {
    this.bytes = 0;
    this.items = 0;
  }

  /** The error for a charge past a limit (charge() throws it; inline chargers too). */
  exceeded(): DecodeLimitError {
    if (this.items > this.itemsLimit)
      return new DecodeLimitError(
        `request too large once decoded: more than ${this.itemsLimit} values (decode budget)`,
      );
    if (this.bytes > this.limits.maxBytes || this.free >= this.limits.maxBytes)
      return new DecodeLimitError(
        `request too large once decoded: more than ${mib(this.limits.maxBytes)} of memory (decode budget)`,
      );
    return new DecodeLimitError(
      `not enough free memory to decode this request now (${mib(Math.max(0, this.free))} free); retry later`,
      this.retryAfterMs,
    );
  }
}

/** A budget that never runs out: for bytes this process wrote itself (queues, lazy lists already charged). */
export const UNLIMITED_BUDGET: DecodeBudget = new DecodeBudget({
  maxBytes: Number.POSITIVE_INFINITY,
  maxItems: Number.POSITIVE_INFINITY,
  maxDepth: DEFAULT_DECODE_LIMITS.maxDepth,
});

/** A fresh budget with the default limits (for callers that did not ask the admission for one). */
export function defaultBudget(): DecodeBudget {
  return new DecodeBudget(DEFAULT_DECODE_LIMITS);
}
