// Loki's answers → what to do (promtail's rule: only 429, 5xx and connection
// errors are worth retrying; 400 never is; 413 means split the request).
import { parseRetryAfter } from '../../src/exporterhelper/otlp-response.js';

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'split' }
  | { kind: 'retry'; retryAfterMs?: number; message: string }
  | { kind: 'permanent'; message: string };

export function classifyStatus(
  status: number,
  body: string,
  retryAfter: string | string[] | undefined,
): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const msg = body.trim().slice(0, 1024);
  if (status === 413) return { kind: 'split' };
  if (status === 429 || status >= 500)
    return { kind: 'retry', retryAfterMs: parseRetryAfter(retryAfter), message: `HTTP ${status}: ${msg}` };
  return { kind: 'permanent', message: `HTTP ${status}: ${msg}` };
}
