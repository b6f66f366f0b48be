// A trace ID derived from a request ID, so every log line of one request
// shares a trace ID even when the application never had a tracer:
//   traceId = first 16 bytes of SHA-256("tsunagi-request-id:" + requestId)
// (UTF-8). Deterministic across processes and restarts, so agents on
// different nodes derive the same ID for the same request ID.
import { createHash } from 'node:crypto';
import { isValidTraceId } from '../../src/pdata/ids.js';

export const REQUEST_ID_PREFIX = 'tsunagi-request-id:';

export function traceIdFromRequestId(requestId: string): Uint8Array | undefined {
  const digest = createHash('sha256').update(REQUEST_ID_PREFIX).update(requestId).digest();
  const id = new Uint8Array(digest.buffer, digest.byteOffset, 16).slice();
  return isValidTraceId(id) ? id : undefined;
}
