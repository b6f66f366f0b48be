// The persistent queue's default record payload: OTLP protobuf, the same
// bytes an OTLP exporter would send, so a stored queue survives upgrades.
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
} from '../codec/otlp-proto.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { LogsData, MetricsData, TracesData } from '../pdata/types.js';
import type { BatchCodec } from './persistent-store.js';

export const otlpBatchCodec: BatchCodec = {
  encode<S extends Signal>(signal: S, data: SignalDataMap[S]): Uint8Array {
    if (signal === 'traces') return encodeTraces(data as TracesData);
    if (signal === 'metrics') return encodeMetrics(data as MetricsData);
    return encodeLogs(data as LogsData);
  },
  decode<S extends Signal>(signal: S, bytes: Uint8Array): SignalDataMap[S] {
    if (signal === 'traces') return decodeTraces(bytes) as SignalDataMap[S];
    if (signal === 'metrics') return decodeMetrics(bytes) as SignalDataMap[S];
    return decodeLogs(bytes) as SignalDataMap[S];
  },
};
