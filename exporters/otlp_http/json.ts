// OTLP/JSON encoding of pdata. pdata already uses the OTLP JSON field names,
// so only the values need the protobuf JSON mapping: trace/span IDs as hex,
// other bytes as base64, 64-bit integers as strings, NaN/±Infinity as strings.
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';

const HEX_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);

function replacer(key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return HEX_KEYS.has(key) ? Buffer.from(value).toString('hex') : Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

export function encodeJson<S extends Signal>(_signal: S, data: SignalDataMap[S]): Uint8Array {
  return Buffer.from(JSON.stringify(data, replacer));
}
