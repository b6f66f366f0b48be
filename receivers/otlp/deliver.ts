// One request's path into the pipeline, shared by gRPC and HTTP: skip empty
// requests, call consume(), count the outcome, and turn a rejection into the
// protocol-neutral answer the OTLP spec asks for (gRPC code + HTTP status).
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { ConsumerError, errorMessage } from '../../src/component/errors.js';
import { countItems } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { refusalOf } from '../../src/receiverhelper/refusal.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';

export type Outcome =
  | {
      ok: true;
      /** Items permanently rejected while the rest was accepted (→ partial_success). */
      rejected: number;
      message: string;
    }
  | {
      ok: false;
      code: number;
      httpStatus: number;
      message: string;
      retryAfterMs?: number;
    };

const OK: Outcome = { ok: true, rejected: 0, message: '' };

export async function deliver<S extends Signal>(
  signal: S,
  data: SignalDataMap[S],
  consumer: Consumer<S>,
  ctx: RequestContext | undefined,
  metrics: ReceiverMetrics,
): Promise<Outcome> {
  const n = countItems(signal, data);
  // The collector answers an empty request without calling the pipeline.
  if (n === 0) return OK;
  try {
    await consumer.consume(data, ctx);
    metrics.accepted(signal, n);
    return OK;
  } catch (err) {
    return refusal(signal, n, err, metrics);
  }
}

function refusal(signal: Signal, n: number, err: unknown, metrics: ReceiverMetrics): Outcome {
  const message = errorMessage(err);
  if (err instanceof ConsumerError && !err.retryable) {
    const r = err.rejectedItems;
    // Part of the batch was accepted: the spec's partial success (200/OK, do not retry).
    if (r !== undefined && r > 0 && r < n) {
      metrics.accepted(signal, n - r);
      metrics.refused(signal, r, err);
      return { ok: true, rejected: r, message };
    }
  }
  metrics.refused(signal, n, err);
  return { ok: false, message, ...refusalOf(err) };
}
