// How a receiver answers when the pipeline refuses a request, shared by every
// receiver that speaks gRPC or HTTP (OTLP, Jaeger). The mapping is the OTLP
// spec's "Failures" section, which the collector's receivers follow:
//   permanent ConsumerError            → INVALID_ARGUMENT / 400
//   throttled with a retry delay       → RESOURCE_EXHAUSTED / 429 + RetryInfo
//   any other error (retryable)        → UNAVAILABLE / 503 (+ RetryInfo if a delay is known)
// RESOURCE_EXHAUSTED without RetryInfo is not retryable for OTLP gRPC senders,
// so throttling without a delay is answered UNAVAILABLE, like any retryable error.
import * as grpc from '@grpc/grpc-js';
import { DecodeLimitError } from '../codec/decode-budget.js';
import { encodeRpcStatus } from '../codec/otlp-proto.js';
import { ConsumerError } from '../component/errors.js';
import { retryInfoDetail } from './retry-info.js';

/** gRPC status codes receivers answer with (google.rpc.Code). */
export const Code = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
} as const;

export interface Refusal {
  /** gRPC status code. */
  code: number;
  /** The HTTP status for the same answer. */
  httpStatus: number;
  /** Delay to suggest to the sender (RetryInfo / Retry-After), when the pipeline gave one. */
  retryAfterMs?: number;
}

/** The answer to a consume() rejection (partial success is the caller's business). */
export function refusalOf(err: unknown): Refusal {
  if (err instanceof DecodeLimitError) return decodeLimitRefusal(err);
  if (err instanceof ConsumerError && !err.retryable) {
    return { code: Code.INVALID_ARGUMENT, httpStatus: 400 };
  }
  // Anything that is not a permanent ConsumerError is retryable (collector semantics).
  const retryAfterMs = err instanceof ConsumerError ? err.retryAfterMs : undefined;
  const throttled = err instanceof ConsumerError && err.throttled && retryAfterMs !== undefined;
  return throttled
    ? { code: Code.RESOURCE_EXHAUSTED, httpStatus: 429, retryAfterMs }
    : { code: Code.UNAVAILABLE, httpStatus: 503, retryAfterMs };
}

/**
 * A request that would cost more memory than its decode budget allows (src/codec/decode-budget.ts):
 * over the per-request cap it never fits (413, and RESOURCE_EXHAUSTED without RetryInfo, which
 * OTLP senders do not retry); over the memory free now it is throttled like the memory limiter's
 * refusals (429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo).
 */
function decodeLimitRefusal(err: DecodeLimitError): Refusal {
  return err.retryable
    ? { code: Code.RESOURCE_EXHAUSTED, httpStatus: 429, retryAfterMs: err.retryAfterMs }
    : { code: Code.RESOURCE_EXHAUSTED, httpStatus: 413 };
}

/**
 * The answer to a request that did not decode: a DecodeLimitError as above, anything else
 * (malformed input) INVALID_ARGUMENT / 400.
 */
export function refusalOfDecodeError(err: unknown): Refusal {
  if (err instanceof DecodeLimitError) return decodeLimitRefusal(err);
  return { code: Code.INVALID_ARGUMENT, httpStatus: 400 };
}

/** A protobuf google.rpc.Status, with a google.rpc.RetryInfo detail when retryAfterMs is given. */
export function rpcStatusProto(code: number, message: string, retryAfterMs?: number): Uint8Array {
  const st = encodeRpcStatus(code, message);
  // The codec leaves `details` empty; a detail is one more field 3, appended.
  return retryAfterMs === undefined ? st : Buffer.concat([st, retryInfoDetail(retryAfterMs)]);
}

/**
 * The error a grpc-js unary handler passes to its callback. With a retry delay
 * the full Status (with RetryInfo) rides in the grpc-status-details-bin trailer,
 * where gRPC senders look for it.
 */
export function grpcError(code: number, message: string, retryAfterMs?: number): Partial<grpc.StatusObject> {
  if (retryAfterMs === undefined) return { code, details: message };
  const metadata = new grpc.Metadata();
  const st = rpcStatusProto(code, message, retryAfterMs);
  metadata.set('grpc-status-details-bin', Buffer.from(st.buffer, st.byteOffset, st.byteLength));
  return { code, details: message, metadata };
}
