// Reading Elasticsearch's answers. The request status decides first (413
// split, 429/5xx retry the request, other 4xx fail it); on 200 the per-item
// results are read in order: 2xx and 409 (create of a document that already
// exists) are delivered, statuses in retry.retry_on_status are retried alone,
// anything else (mapper_parsing_exception, …) is permanent.
import { parseRetryAfter } from '../../src/exporterhelper/otlp-response.js';

export type RequestOutcome =
  | { kind: 'items' }
  | { kind: 'split' }
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; message: string };

export function classifyRequest(
  status: number,
  body: string,
  retryAfter: string | string[] | undefined,
  retryOn: ReadonlySet<number>,
): RequestOutcome {
  if (status >= 200 && status < 300) return { kind: 'items' };
  if (status === 413) return { kind: 'split' };
  const message = `HTTP ${status}: ${body.trim().slice(0, 1024)}`;
  if (status === 429 || status >= 500 || retryOn.has(status))
    return { kind: 'retry', message, retryAfterMs: parseRetryAfter(retryAfter) };
  return { kind: 'permanent', message };
}

export const ITEM_OK = 0;
export const ITEM_RETRY = 1;
export const ITEM_PERMANENT = 2;

export interface ItemResult {
  outcome: number;
  status: number;
  /** `type: reason` for failed items. */
  reason?: string;
}

interface BulkItemBody {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/** A _bulk answer that is not what Elasticsearch sends (the sender retries the request). */
export class BulkAnswerError extends Error {
  override name = 'BulkAnswerError';
}

/**
 * Per-item results of a 2xx _bulk answer; undefined when every item succeeded
 * (the common case is recognised without parsing the whole body).
 */
export function classifyItems(
  body: string,
  count: number,
  retryOn: ReadonlySet<number>,
): ItemResult[] | undefined {
  const head = body.slice(0, 256);
  if (/"errors"\s*:\s*false/.test(head)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new BulkAnswerError(`not JSON: ${(e as Error).message}`);
  }
  // found by fuzzing: `null`, a number or an array here made this a TypeError
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BulkAnswerError('not a JSON object');
  const answer = parsed as { errors?: unknown; items?: unknown };
  if (answer.errors === false) return undefined;
  const items = (Array.isArray(answer.items) ? answer.items : []) as unknown[];
  const out: ItemResult[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const wrapper = items[i];
    const first = wrapper !== null && typeof wrapper === 'object' ? Object.values(wrapper)[0] : undefined;
    const it = first !== null && typeof first === 'object' ? (first as BulkItemBody) : undefined;
    if (!it || typeof it.status !== 'number') {
      out[i] = { outcome: ITEM_RETRY, status: 0, reason: 'no result for this item in the bulk response' };
      continue;
    }
    const st = it.status;
    if ((st >= 200 && st < 300) || st === 409) out[i] = { outcome: ITEM_OK, status: st };
    else {
      const e = it.error;
      let reason = e ? `${e.type ?? 'error'}: ${e.reason ?? ''}` : `status ${st}`;
      if (e?.caused_by?.reason) reason += ` (caused by ${e.caused_by.type}: ${e.caused_by.reason})`;
      out[i] = { outcome: retryOn.has(st) ? ITEM_RETRY : ITEM_PERMANENT, status: st, reason };
    }
  }
  return out;
}
