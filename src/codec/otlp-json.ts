// OTLP/JSON codec (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): request bodies
// <-> pdata, export responses and google.rpc.Status. Decoding is lenient where the protobuf JSON
// mapping is (snake_case keys, enum names, 64-bit numbers, null as default) and strict about shapes.
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { DecodeBudget } from './decode-budget.js';
import { jsonError } from './errors.js';
import {
  decodeExact,
  decodeLogsJson,
  decodeMetricsJson,
  decodeTracesJson,
  parseRoot,
} from './json-decode.js';
import { encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './json-encode.js';
import { type Obj, readInt32, readInt64, readString, typeName } from './json-values.js';
import type { ExportResult, RpcStatus } from './otlp-proto.js';

export { DecodeError } from './errors.js';
export { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './json-decode.js';
export { encodeLogsJson, encodeMetricsJson, encodeTracesJson } from './json-encode.js';

export interface JsonSignalCodec<S extends Signal> {
  /** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
  decode(text: string | Uint8Array, budget?: DecodeBudget): SignalDataMap[S];
  encode(d: SignalDataMap[S]): string;
}

/** The JSON codecs per signal, so receivers and exporters stay generic. */
export const otlpJson: { [S in Signal]: JsonSignalCodec<S> } = {
  traces: { decode: decodeTracesJson, encode: encodeTracesJson },
  metrics: { decode: decodeMetricsJson, encode: encodeMetricsJson },
  logs: { decode: decodeLogsJson, encode: encodeLogsJson },
};

const REJECTED: Record<Signal, [camel: string, snake: string]> = {
  traces: ['rejectedSpans', 'rejected_spans'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  logs: ['rejectedLogRecords', 'rejected_log_records'],
};

/** Export*ServiceResponse as JSON: `{}` when nothing was rejected, else `{"partialSuccess":{...}}`. */
export function encodeExportResponseJson(
  signal: Signal,
  rejected: bigint | number,
  errorMessage: string,
): string {
  const rej = BigInt(rejected);
  if (rej === 0n && errorMessage === '') return '{}';
  const f: string[] = [];
  if (rej !== 0n) f.push(`"${REJECTED[signal][0]}":"${rej}"`);
  if (errorMessage !== '') f.push(`"errorMessage":${JSON.stringify(errorMessage)}`);
  return `{"partialSuccess":{${f.join(',')}}}`;
}

export function decodeExportResponseJson(signal: Signal, text: string | Uint8Array): ExportResult {
  return decodeExact(text, (root) => exportResult(signal, root));
}

function exportResult(signal: Signal, root: Obj): ExportResult {
  const ps = root.partialSuccess !== undefined ? root.partialSuccess : root.partial_success;
  if (ps === undefined || ps === null) return { rejected: 0n, errorMessage: '' };
  if (typeof ps !== 'object' || Array.isArray(ps)) {
    throw jsonError(`partialSuccess: expected an object, got ${typeName(ps)}`);
  }
  const o = ps as Obj;
  const [camel, snake] = REJECTED[signal];
  const r = o[camel] !== undefined ? o[camel] : o[snake];
  const m = o.errorMessage !== undefined ? o.errorMessage : o.error_message;
  return {
    rejected: r === undefined ? 0n : readInt64(r, `partialSuccess.${camel}`),
    errorMessage: m === undefined ? '' : readString(m, 'partialSuccess.errorMessage'),
  };
}

/** google.rpc.Status as JSON: `{"code":3,"message":"..."}` (details left out). */
export function encodeRpcStatusJson(code: number, message: string): string {
  return `{"code":${code},"message":${JSON.stringify(message)}}`;
}

export function decodeRpcStatusJson(text: string | Uint8Array): RpcStatus {
  const o = parseRoot(text);
  return {
    code: o.code === undefined ? 0 : readInt32(o.code, 'code'),
    message: o.message === undefined ? '' : readString(o.message, 'message'),
  };
}
