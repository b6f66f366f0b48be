// A Ticket is one consume() call waiting for every batch that holds part of
// its data. It resolves when all those batches were accepted downstream and
// rejects as soon as one of them fails (with that batch's error); other parts
// may still be pending then, which whenAllAnswered() waits for.
import { ConsumerError } from '../../src/component/errors.js';

export class Ticket {
  /** Batches holding part of this call's data that have not been answered yet. */
  private pending = 0;
  private sealed = false;
  private settled = false;
  readonly promise: Promise<void>;
  private resolveFn!: () => void;
  private onAllAnswered: (() => void) | undefined;
  private rejectFn!: (err: unknown) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  /** Called each time part of the data joins a batch. */
  join(): void {
    this.pending++;
  }

  /** Calls `fn` once every batch holding part of the data was answered (after seal()). */
  whenAllAnswered(fn: () => void): void {
    this.onAllAnswered = fn;
  }

  /** All of the call's data has been placed in batches; from now on it may resolve. */
  seal(): void {
    this.sealed = true;
    this.maybeResolve();
  }

  accepted(): void {
    this.pending--;
    this.maybeResolve();
  }

  failed(err: unknown): void {
    this.pending--;
    if (!this.settled) {
      this.settled = true;
      this.rejectFn(forContributor(err));
    }
    this.maybeDone();
  }

  private maybeDone(): void {
    if (!this.sealed || this.pending !== 0 || this.onAllAnswered === undefined) return;
    const fn = this.onAllAnswered;
    this.onAllAnswered = undefined;
    fn();
  }

  private maybeResolve(): void {
    if (this.sealed && this.pending === 0 && !this.settled) {
      this.settled = true;
      this.resolveFn();
    }
    this.maybeDone();
  }
}

/**
 * A partial-failure error names items of the merged batch (retryData), which
 * mean nothing to one contributor: keep retryable/throttled/Retry-After, drop
 * the item subset so the sender retries its whole request.
 */
function forContributor(err: unknown): unknown {
  if (!(err instanceof ConsumerError) || (err.retryData === undefined && err.rejectedItems === undefined))
    return err;
  return new ConsumerError(err.message, {
    retryable: err.retryable,
    throttled: err.throttled,
    retryAfterMs: err.retryAfterMs,
    cause: err,
  });
}
