// OTLP protobuf codec: Export*ServiceRequest bytes <-> pdata. (To be implemented.)
import type { LogsData, MetricsData, TracesData } from '../pdata/types.js';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

export function decodeTraces(_buf: Uint8Array): TracesData {
  throw new Error('not implemented');
}
export function encodeTraces(_d: TracesData): Uint8Array {
  throw new Error('not implemented');
}
export function decodeMetrics(_buf: Uint8Array): MetricsData {
  throw new Error('not implemented');
}
export function encodeMetrics(_d: MetricsData): Uint8Array {
  throw new Error('not implemented');
}
export function decodeLogs(_buf: Uint8Array): LogsData {
  throw new Error('not implemented');
}
export function encodeLogs(_d: LogsData): Uint8Array {
  throw new Error('not implemented');
}
