// Binds the servers' WireCodec to the OTLP codec in src/codec (protobuf and JSON).
import type { DecodeBudget } from '../../src/codec/decode-budget.js';
import { encodeExportResponseJson, encodeRpcStatusJson, otlpJson } from '../../src/codec/otlp-json.js';
import {
  decodeLogsLazy,
  decodeMetrics,
  decodeTracesLazy,
  encodeExportResponse,
} from '../../src/codec/otlp-proto.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { rpcStatusProto } from '../../src/receiverhelper/refusal.js';
import { retryInfoJson } from '../../src/receiverhelper/retry-info.js';
import type { WireCodec, WireEncoding } from './wire.js';

// Spans and log records stay wire bytes until a processor reads them, so a
// pass-through hop forwards them without decoding or encoding (src/pdata/lazy.ts).
// Their body can then be a pooled buffer, given back when the last holder of
// the data let go of it; metrics are decoded at once (into views of the body).
const protoDecoders: {
  [S in Signal]: (body: Uint8Array, lease: Lease | undefined, budget: DecodeBudget) => SignalDataMap[S];
} = {
  traces: (body, lease, budget) => decodeTracesLazy(body, false, lease, budget),
  metrics: (body, _lease, budget) => decodeMetrics(body, budget),
  logs: (body, lease, budget) => decodeLogsLazy(body, false, lease, budget),
};

export const otlpWireCodec: WireCodec = {
  decode<S extends Signal>(
    signal: S,
    enc: WireEncoding,
    body: Uint8Array,
    lease: Lease | undefined,
    budget: DecodeBudget,
  ): SignalDataMap[S] {
    return (
      enc === 'proto' ? protoDecoders[signal](body, lease, budget) : otlpJson[signal].decode(body, budget)
    ) as SignalDataMap[S];
  },
  leases: (signal, enc) => enc === 'proto' && signal !== 'metrics',
  response(signal, enc, rejected, message) {
    return enc === 'proto'
      ? encodeExportResponse(signal, rejected, message)
      : Buffer.from(encodeExportResponseJson(signal, rejected, message));
  },
  status(enc, code, message, retryAfterMs) {
    if (enc === 'proto') return rpcStatusProto(code, message, retryAfterMs);
    if (retryAfterMs === undefined) return Buffer.from(encodeRpcStatusJson(code, message));
    return Buffer.from(JSON.stringify({ code, message, details: [retryInfoJson(retryAfterMs)] }));
  },
};
