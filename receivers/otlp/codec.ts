// Binds the servers' WireCodec to the OTLP codec in src/codec (protobuf and JSON).
import { encodeExportResponse, encodeRpcStatus, otlpProto } from '../../src/codec/otlp-proto.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { retryInfoDetail, retryInfoJson } from './retry-info.js';
import type { WireCodec, WireEncoding } from './wire.js';

/** Until the JSON codec lands on main (branch `codec`), JSON requests are refused with 400. */
export const JSON_CODEC_READY = false;

export const otlpWireCodec: WireCodec = {
  decode<S extends Signal>(signal: S, enc: WireEncoding, body: Uint8Array): SignalDataMap[S] {
    if (enc === 'proto') return otlpProto[signal].decode(body) as SignalDataMap[S];
    throw new Error('OTLP/JSON is not available yet in this build');
  },
  response(signal, enc, rejected, message) {
    if (enc === 'proto') return encodeExportResponse(signal, rejected, message);
    throw new Error('OTLP/JSON is not available yet in this build');
  },
  status(enc, code, message, retryAfterMs) {
    if (enc === 'proto') {
      const st = encodeRpcStatus(code, message);
      if (retryAfterMs === undefined) return st;
      return Buffer.concat([st, retryInfoDetail(retryAfterMs)]);
    }
    const doc: Record<string, unknown> = { code, message };
    if (retryAfterMs !== undefined) doc.details = [retryInfoJson(retryAfterMs)];
    return Buffer.from(JSON.stringify(doc));
  },
};
