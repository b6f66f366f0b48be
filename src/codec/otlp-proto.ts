// OTLP protobuf codec: Export*ServiceRequest bytes <-> pdata, export responses and google.rpc.Status.
//
// Decoding keeps trace/span IDs and bytesValue as zero-copy views into the input: the caller must
// not reuse or mutate the input buffer afterwards (Node request bodies and gRPC messages are fresh
// buffers, so receivers can hand them over as is).
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { DecodeBudget } from './decode-budget.js';
import { int32Size, lenFieldSize, Reader, utf8Length, Writer, WT_LEN, WT_VARINT } from './proto-wire.js';

export { DecodeError } from './errors.js';
export {
  compactLogs,
  decodeLogs,
  decodeLogsLazy,
  encodedLogsSize,
  encodeLogs,
  encodeLogsChunks,
  resourceLogsFromWire,
} from './proto-logs.js';
export { decodeMetrics, encodedMetricsSize, encodeMetrics } from './proto-metrics.js';
export {
  compactTraces,
  decodeTraces,
  decodeTracesLazy,
  encodedTracesSize,
  encodeTraces,
  encodeTracesChunks,
  resourceSpansFromWire,
} from './proto-traces.js';

import { decodeLogs, encodeLogs } from './proto-logs.js';
import { decodeMetrics, encodeMetrics } from './proto-metrics.js';
import { decodeTraces, encodeTraces } from './proto-traces.js';

export interface SignalCodec<S extends Signal> {
  /** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
  decode(buf: Uint8Array, budget?: DecodeBudget): SignalDataMap[S];
  encode(d: SignalDataMap[S]): Uint8Array;
}

/** The codecs per signal, so receivers and exporters stay generic. */
export const otlpProto: { [S in Signal]: SignalCodec<S> } = {
  traces: { decode: decodeTraces, encode: encodeTraces },
  metrics: { decode: decodeMetrics, encode: encodeMetrics },
  logs: { decode: decodeLogs, encode: encodeLogs },
};

export interface ExportResult {
  /** rejected_spans / rejected_data_points / rejected_log_records. */
  rejected: bigint;
  errorMessage: string;
}

/**
 * Export{Trace,Metrics,Logs}ServiceResponse. All three have the same wire shape:
 * partial_success = 1 { int64 rejected_* = 1; string error_message = 2 }. Nothing rejected and no
 * message gives the empty message (no partial_success), as the spec asks.
 */
export function encodeExportResponse(
  _signal: Signal,
  rejected: bigint | number,
  errorMessage: string,
): Uint8Array {
  const rej = BigInt(rejected);
  if (rej === 0n && errorMessage === '') return new Uint8Array(0);
  const msgLen = utf8Length(errorMessage);
  let inner = 0;
  if (rej !== 0n) inner += 1 + int64VarintSize(rej);
  if (msgLen !== 0) inner += lenFieldSize(msgLen);
  const w = new Writer(lenFieldSize(inner));
  w.byte(0x0a);
  w.uint32(inner);
  if (rej !== 0n) {
    w.byte(0x08);
    w.int64(rej);
  }
  if (msgLen !== 0) {
    w.byte(0x12);
    w.string(errorMessage, msgLen);
  }
  return w.finish();
}

function int64VarintSize(v: bigint): number {
  if (v < 0n) return 10;
  let s = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    s++;
  }
  return s;
}

export function decodeExportResponse(_signal: Signal, buf: Uint8Array): ExportResult {
  const r = new Reader(buf);
  let rejected = 0n;
  let errorMessage = '';
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 !== 1) {
      r.skip(t);
      continue;
    }
    if ((t & 7) !== WT_LEN) throw r.wrongType('partial_success', t, WT_LEN);
    const pe = r.enter(0);
    const stop = r.want;
    while (r.pos < r.end) {
      const u = r.tag();
      switch (u >>> 3) {
        case 1:
          if ((u & 7) !== WT_VARINT) throw r.wrongType('rejected', u, WT_VARINT);
          rejected = r.int64();
          break;
        case 2:
          if ((u & 7) !== WT_LEN) throw r.wrongType('error_message', u, WT_LEN);
          errorMessage = r.string();
          break;
        default:
          r.skip(u);
      }
    }
    r.leave(pe, stop);
  }
  return { rejected, errorMessage };
}

export interface RpcStatus {
  code: number;
  message: string;
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3 (left empty) }. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const msgLen = utf8Length(message);
  let n = 0;
  if (code !== 0) n += 1 + int32Size(code);
  if (msgLen !== 0) n += lenFieldSize(msgLen);
  const w = new Writer(n);
  if (code !== 0) {
    w.byte(0x08);
    w.int32(code);
  }
  if (msgLen !== 0) {
    w.byte(0x12);
    w.string(message, msgLen);
  }
  return w.finish();
}

export function decodeRpcStatus(buf: Uint8Array): RpcStatus {
  const r = new Reader(buf);
  let code = 0;
  let message = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('code', t, WT_VARINT);
        code = r.int32();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('message', t, WT_LEN);
        message = r.string();
        break;
      default:
        r.skip(t);
    }
  }
  return { code, message };
}
