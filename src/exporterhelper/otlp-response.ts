// Reading OTLP export answers without a full codec: the partial_success of
// Export*ServiceResponse, google.rpc.Status (HTTP error bodies, gRPC
// grpc-status-details-bin) and the RetryInfo delay inside its details.
import protobuf from 'protobufjs';

export interface PartialSuccess {
  rejected: bigint;
  errorMessage: string;
}

/** Export{Trace,Metrics,Logs}ServiceResponse: field 1 partial_success {1 rejected_*, 2 error_message}. */
export function decodePartialSuccess(buf: Uint8Array): PartialSuccess | undefined {
  if (buf.length === 0) return undefined;
  const r = protobuf.Reader.create(buf);
  let out: PartialSuccess | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const end = r.uint32() + r.pos;
      out = { rejected: 0n, errorMessage: '' };
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 1 && (t & 7) === 0) out.rejected = BigInt(r.int64().toString());
        else if (t >>> 3 === 2 && (t & 7) === 2) out.errorMessage = r.string();
        else r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return out;
}

/** The same from an OTLP/JSON response body. */
export function partialSuccessFromJson(body: string): PartialSuccess | undefined {
  if (!body.trim()) return undefined;
  const j = JSON.parse(body) as { partialSuccess?: Record<string, unknown> };
  const ps = j.partialSuccess;
  if (!ps) return undefined;
  const rejected = ps.rejectedSpans ?? ps.rejectedDataPoints ?? ps.rejectedLogRecords ?? 0;
  return { rejected: BigInt(String(rejected)), errorMessage: String(ps.errorMessage ?? '') };
}

export interface RpcStatus {
  code: number;
  message: string;
  /** RetryInfo.retry_delay from the details, in ms. */
  retryDelayMs?: number;
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** google.rpc.Status {1 code, 2 message, 3 repeated Any details}. Undefined if not decodable. */
export function decodeRpcStatus(buf: Uint8Array): RpcStatus | undefined {
  try {
    const r = protobuf.Reader.create(buf);
    const st: RpcStatus = { code: 0, message: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      const f = tag >>> 3;
      if (f === 1 && (tag & 7) === 0) st.code = r.int32();
      else if (f === 2 && (tag & 7) === 2) st.message = r.string();
      else if (f === 3 && (tag & 7) === 2) {
        const any = decodeAny(r.bytes());
        if (any.typeUrl === RETRY_INFO) st.retryDelayMs = decodeRetryInfo(any.value);
      } else r.skipType(tag & 7);
    }
    return st;
  } catch {
    return undefined;
  }
}

function decodeAny(buf: Uint8Array): { typeUrl: string; value: Uint8Array } {
  const r = protobuf.Reader.create(buf);
  let typeUrl = '';
  let value: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) typeUrl = r.string();
    else if (tag >>> 3 === 2 && (tag & 7) === 2) value = r.bytes();
    else r.skipType(tag & 7);
  }
  return { typeUrl, value };
}

/** RetryInfo {1 retry_delay: Duration {1 seconds, 2 nanos}} → ms. */
function decodeRetryInfo(buf: Uint8Array): number | undefined {
  const r = protobuf.Reader.create(buf);
  let ms: number | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const end = r.uint32() + r.pos;
      let seconds = 0;
      let nanos = 0;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 1) seconds = Number(r.int64().toString());
        else if (t >>> 3 === 2) nanos = r.int32();
        else r.skipType(t & 7);
      }
      ms = seconds * 1000 + nanos / 1e6;
    } else r.skipType(tag & 7);
  }
  return ms;
}

/** Retry-After: delay-seconds or an HTTP-date; ms from now, undefined if absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const date = Date.parse(t);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
