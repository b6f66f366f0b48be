// Fan-out (receiver → pipelines, pipeline → exporters). Every branch gets the
// data at once, so a slow or failing branch never delays or starves another.
// Ownership follows the collector: read-only branches share the original;
// mutating branches get a private copy, except that when no branch is
// read-only the last mutating one takes the original (we own it).
// The promise resolves when every branch accepted; otherwise it rejects with
// one ConsumerError naming the failing branches: retryable if any failure is.
import type { Consumer, RequestContext } from '../component/consumer.js';
import { ConsumerError, errorMessage, isRetryable } from '../component/errors.js';
import { cloneData } from '../pdata/clone.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';

export interface Branch<S extends Signal> {
  /** Names the branch in errors: a pipeline ID or an exporter ID. */
  id: string;
  consumer: Consumer<S>;
  /** True if this branch modifies the data it gets. */
  mutates: boolean;
}

export function fanOut<S extends Signal>(signal: S, branches: readonly Branch<S>[]): Consumer<S> {
  if (branches.length === 0) throw new Error('fan-out needs at least one branch');
  if (branches.length === 1) {
    const { id, consumer } = branches[0];
    return {
      consume: (data, ctx) => consumer.consume(data, ctx).catch((e) => Promise.reject(wrap([[id, e]]))),
    };
  }
  const readOnly = branches.filter((b) => !b.mutates);
  const mutating = branches.filter((b) => b.mutates);
  // When every branch mutates, the last one takes the original.
  const originalTaker = readOnly.length === 0 ? mutating[mutating.length - 1] : undefined;
  const ordered = [...readOnly, ...mutating];

  return {
    async consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
      const pending: Promise<void>[] = new Array(ordered.length);
      // Clone before handing out the original, so no branch mutates what is being copied.
      const inputs = ordered.map((b) => (b.mutates && b !== originalTaker ? cloneData(signal, data) : data));
      for (let i = 0; i < ordered.length; i++) {
        try {
          pending[i] = ordered[i].consumer.consume(inputs[i], ctx);
        } catch (e) {
          pending[i] = Promise.reject(e);
        }
      }
      const results = await Promise.allSettled(pending);
      let failures: [string, unknown][] | undefined;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r.status === 'rejected') {
          failures ??= [];
          failures.push([ordered[i].id, r.reason]);
        }
      }
      if (failures) throw wrap(failures);
    },
  };
}

/** One error for the failed branches: retryable if any is, longest Retry-After, throttled if a retryable one is. */
function wrap(failures: [string, unknown][]): ConsumerError {
  const retryable = failures.some(([, e]) => isRetryable(e));
  let retryAfterMs: number | undefined;
  let throttled = false;
  for (const [, e] of failures)
    if (e instanceof ConsumerError && e.retryable) {
      if (e.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, e.retryAfterMs);
      throttled ||= e.throttled;
    }
  const message = failures.map(([id, e]) => `${id}: ${errorMessage(e)}`).join('; ');
  const only = failures.length === 1 && failures[0][1] instanceof ConsumerError ? failures[0][1] : undefined;
  return new ConsumerError(message, {
    retryable,
    rejectedItems: only?.rejectedItems,
    retryAfterMs,
    throttled,
    cause: failures.length === 1 ? failures[0][1] : failures.map(([, e]) => e),
  });
}
