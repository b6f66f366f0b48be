// One sender's malformed request must not take other senders' items with it.
// A batch merges requests by concatenating their resource lists; when the next
// hop refuses the whole batch as malformed (OTLP: 400 / INVALID_ARGUMENT), an
// OTLP exporter sends the halves of the resource list on their own, and again,
// down to single resource entries, so that only the entries the next hop
// refuses are dropped (and counted), and the rest is delivered or retried.
// Tsunagi validates what it accepts as strictly as the collector decodes it
// (src/codec/wire-types.test.ts), so this is the net under what slips through:
// fields a newer next hop knows, values it checks and we do not.
import { ConsumerError, isRetryable, permanentError, retryableError } from '../component/errors.js';
import { countItems } from '../pdata/count.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { LogsData, MetricsData, TracesData } from '../pdata/types.js';

/** The next hop refused the batch as malformed (permanent, but maybe only for part of it). */
export class MalformedBatchError extends ConsumerError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** Sends a batch builds at most this many requests to isolate malformed entries. */
export const MAX_ISOLATION_SENDS = 64;

function entries<S extends Signal>(signal: S, d: SignalDataMap[S]): unknown[] {
  if (signal === 'traces') return (d as TracesData).resourceSpans;
  if (signal === 'logs') return (d as LogsData).resourceLogs;
  return (d as MetricsData).resourceMetrics;
}

function withEntries<S extends Signal>(signal: S, list: unknown[]): SignalDataMap[S] {
  if (signal === 'traces') return { resourceSpans: list } as SignalDataMap[S];
  if (signal === 'logs') return { resourceLogs: list } as SignalDataMap[S];
  return { resourceMetrics: list } as SignalDataMap[S];
}

interface Outcome {
  rejected: number;
  /** Entries to send again (retryable failures). */
  retry: unknown[];
  retryAfterMs?: number;
  throttled: boolean;
  message?: string;
}

/**
 * Sends `data` with `sendOnce`; on a MalformedBatchError for more than one resource entry,
 * isolates the refused entries (see above). Throws like a sender: nothing if all was delivered,
 * a permanent error with `rejectedItems` for what the next hop refused, a retryable one with
 * `retryData` for what must go again.
 */
export async function sendIsolatingMalformed<S extends Signal>(
  signal: S,
  data: SignalDataMap[S],
  sendOnce: (d: SignalDataMap[S]) => Promise<void>,
): Promise<void> {
  try {
    await sendOnce(data);
    return;
  } catch (e) {
    if (!(e instanceof MalformedBatchError) || entries(signal, data).length < 2) throw e;
  }
  let budget = MAX_ISOLATION_SENDS;
  const out: Outcome = { rejected: 0, retry: [], throttled: false };
  const visit = async (list: unknown[]): Promise<void> => {
    const part = withEntries(signal, list);
    if (budget <= 0) {
      // out of attempts: the rest is refused as the whole batch was
      out.rejected += countItems(signal, part);
      return;
    }
    budget--;
    try {
      await sendOnce(part);
      return;
    } catch (e) {
      if (e instanceof MalformedBatchError && list.length > 1) {
        const half = Math.ceil(list.length / 2);
        await visit(list.slice(0, half));
        await visit(list.slice(half));
        return;
      }
      out.message ??= e instanceof Error ? e.message : String(e);
      if (!isRetryable(e)) {
        const ce = e as ConsumerError;
        out.rejected += Math.min(countItems(signal, part), ce.rejectedItems ?? Number.POSITIVE_INFINITY);
        return;
      }
      const ce = e instanceof ConsumerError ? e : undefined;
      out.retry.push(
        ...(ce?.retryData !== undefined ? entries(signal, ce.retryData as SignalDataMap[S]) : list),
      );
      if (ce?.throttled) out.throttled = true;
      if (ce?.retryAfterMs !== undefined) out.retryAfterMs = Math.max(out.retryAfterMs ?? 0, ce.retryAfterMs);
    }
  };
  const all = entries(signal, data);
  const half = Math.ceil(all.length / 2);
  await visit(all.slice(0, half));
  await visit(all.slice(half));
  const why = `the next hop refused part of the batch as malformed: ${out.message ?? ''}`;
  if (out.retry.length > 0)
    throw retryableError(why, {
      retryData: withEntries(signal, out.retry),
      rejectedItems: out.rejected,
      retryAfterMs: out.retryAfterMs,
      throttled: out.throttled,
    });
  if (out.rejected > 0) throw permanentError(why, { rejectedItems: out.rejected });
}
