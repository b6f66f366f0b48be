// The persistent queue's default record payload: OTLP protobuf, the same
// bytes an OTLP exporter would send, so a stored queue survives upgrades.
// Decoding is lazy (codec/proto-lazy.ts), so the bytes must not be reused.

import { UNLIMITED_BUDGET } from '../codec/decode-budget.js';
import {
  compactLogs,
  compactTraces,
  decodeLogsLazy,
  decodeMetrics,
  decodeTracesLazy,
  encodedLogsSize,
  encodedMetricsSize,
  encodedTracesSize,
  encodeLogs,
  encodeLogsChunks,
  encodeMetrics,
  encodeTraces,
  encodeTracesChunks,
} from '../codec/otlp-proto.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { LogsData, MetricsData, TracesData } from '../pdata/types.js';
import type { BatchCodec } from './persistent-store.js';

export const otlpBatchCodec: BatchCodec = {
  encode<S extends Signal>(signal: S, data: SignalDataMap[S], headroom = 0, pooled = false): Uint8Array {
    if (signal === 'traces') return encodeTraces(data as TracesData, headroom, pooled);
    if (signal === 'metrics') return encodeMetrics(data as MetricsData, headroom, pooled);
    return encodeLogs(data as LogsData, headroom, pooled);
  },
  decode<S extends Signal>(signal: S, bytes: Uint8Array, own = false): SignalDataMap[S] {
    // Spans and log records stay wire bytes until read: the exporter after the
    // queue usually writes them back out unchanged (a copy, not an encode).
    // No decode budget: these are batches this process accepted and encoded (a budget
    // refusing one now would lose acknowledged data); requests were budgeted on arrival.
    if (signal === 'traces')
      return decodeTracesLazy(bytes, own, undefined, UNLIMITED_BUDGET) as SignalDataMap[S];
    if (signal === 'metrics') return decodeMetrics(bytes, UNLIMITED_BUDGET) as SignalDataMap[S];
    return decodeLogsLazy(bytes, own, undefined, UNLIMITED_BUDGET) as SignalDataMap[S];
  },
};

/**
 * The OTLP protobuf encoding as pieces whose concatenation is the request:
 * spans and log records kept as wire bytes (never read on the way) are passed
 * by reference, for a vectored write instead of a copy into one buffer.
 */
export function encodeChunks<S extends Signal>(signal: S, data: SignalDataMap[S]): Uint8Array[] {
  if (signal === 'traces') return encodeTracesChunks(data as TracesData);
  if (signal === 'logs') return encodeLogsChunks(data as LogsData);
  return [encodeMetrics(data as MetricsData)];
}

/** The OTLP protobuf size of a request without encoding it (the memory queue's byte measure). */
export function encodedSize<S extends Signal>(signal: S, data: SignalDataMap[S]): number {
  if (signal === 'traces') return encodedTracesSize(data as TracesData);
  if (signal === 'logs') return encodedLogsSize(data as LogsData);
  return encodedMetricsSize(data as MetricsData);
}

/**
 * encodedSize, for a request a memory queue holds until it is sent as OTLP protobuf: spans and
 * log records that were read on the way (decoded by a processor) are kept as their encoding from
 * now on (compactTraces), so the queue holds bytes rather than objects the garbage collector has
 * to keep moving; the send then copies them. Metrics are measured only.
 */
export function compactedSize<S extends Signal>(signal: S, data: SignalDataMap[S]): number {
  if (signal === 'traces') return compactTraces(data as TracesData);
  if (signal === 'logs') return compactLogs(data as LogsData);
  return encodedMetricsSize(data as MetricsData);
}
