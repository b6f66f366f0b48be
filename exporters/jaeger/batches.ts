// Sends a TracesData as one Jaeger batch per resource, in order. A retryable
// failure stops there and hands the helper just the resources not yet
// accepted (retryData); a permanent one drops that batch, continues, and is
// reported at the end with the number of spans lost.
import {
  ConsumerError,
  errorMessage,
  isRetryable,
  permanentError,
  retryableError,
} from '../../src/component/errors.js';
import { countSpans } from '../../src/pdata/count.js';
import type { TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { tracesToJaeger } from '../../src/translator/jaeger/from-otlp.js';
import type { JBatch } from '../../src/translator/jaeger/model.js';

export async function sendPerResource(
  td: TracesData,
  sendOne: (batch: JBatch) => Promise<void>,
  logger: Logger,
): Promise<void> {
  const batches = tracesToJaeger(td);
  let lostSpans = 0;
  let lastPermanent: unknown;
  for (let i = 0; i < batches.length; i++) {
    try {
      await sendOne(batches[i]);
    } catch (err) {
      if (isRetryable(err)) {
        if (lostSpans > 0)
          logger.error(
            { dropped_spans: lostSpans, error: errorMessage(lastPermanent) },
            'Jaeger rejected spans permanently',
          );
        const rest: TracesData = { resourceSpans: td.resourceSpans.slice(i) };
        const ce = err instanceof ConsumerError ? err : undefined;
        throw retryableError(errorMessage(err), {
          retryAfterMs: ce?.retryAfterMs,
          throttled: ce?.throttled,
          rejectedItems: countSpans(rest),
          retryData: i > 0 ? rest : undefined,
          cause: err,
        });
      }
      lostSpans += batches[i].spans.length;
      lastPermanent = err;
    }
  }
  if (lostSpans > 0)
    throw permanentError(errorMessage(lastPermanent), { rejectedItems: lostSpans, cause: lastPermanent });
}
