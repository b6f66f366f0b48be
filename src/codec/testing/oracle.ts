// Independent oracle for the codec tests: the upstream .proto files loaded by protobufjs reflection
// (with `long` for lossless 64-bit), and conversions between its objects and pdata.
import path from 'node:path';
import Long from 'long';
import protobuf from 'protobufjs';
import { CONFORMANCE_DIR } from '../../../test/support/conformance-dir.js';
import type { Signal } from '../../pdata/signal.js';
import { WireLogRecord } from '../wire-log.js';
import { WireSpan } from '../wire-span.js';

export const PROTO_ROOT = `${CONFORMANCE_DIR}proto`;

protobuf.util.Long = Long as any;
protobuf.configure();

let root: protobuf.Root | undefined;

function load(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => path.join(PROTO_ROOT, target);
  r.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    ],
    { keepCase: false },
  );
  r.resolveAll();
  root = r;
  return r;
}

const REQUEST: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
};
const RESPONSE: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
};

export function requestType(signal: Signal): protobuf.Type {
  return load().lookupType(REQUEST[signal]);
}
export function responseType(signal: Signal): protobuf.Type {
  return load().lookupType(RESPONSE[signal]);
}

/** Fields of the protos that pdata does not model (profiles string-table indexes). */
const NOT_IN_PDATA = new Set(['keyStrindex', 'stringValueStrindex']);

/**
 * Decodes bytes with protobufjs and returns pdata-shaped plain data: every non-oneof field filled
 * with its default, 64-bit values as decimal strings, bytes as base64.
 */
export function oracleDecode(signal: Signal, buf: Uint8Array): unknown {
  const t = requestType(signal);
  const obj = t.toObject(t.decode(buf), { longs: String, bytes: String, defaults: false, arrays: true });
  return fill(t, obj);
}

function fill(t: protobuf.Type, obj: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    if (NOT_IN_PDATA.has(f.name)) continue;
    f.resolve();
    const v = obj[f.name];
    const inOneof = f.partOf !== null && f.partOf !== undefined;
    if (f.repeated) {
      const arr: any[] = v ?? [];
      out[f.name] =
        f.resolvedType instanceof protobuf.Type
          ? arr.map((x) => fill(f.resolvedType as protobuf.Type, x))
          : arr;
    } else if (v === undefined || v === null) {
      if (inOneof) continue;
      if (f.resolvedType instanceof protobuf.Type) out[f.name] = fill(f.resolvedType, {});
      else out[f.name] = scalarDefault(f);
    } else if (f.resolvedType instanceof protobuf.Type) out[f.name] = fill(f.resolvedType, v);
    else out[f.name] = v;
  }
  return out;
}

function scalarDefault(f: protobuf.Field): unknown {
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  switch (f.type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return '0';
    default:
      return 0;
  }
}

/** pdata → the same plain shape as oracleDecode (bigint → string, bytes → base64, no undefined). */
/** Items decoded field by field (wire spans, log records) as plain objects; other objects as they are. */
function plain(v: object): object {
  return v instanceof WireSpan || v instanceof WireLogRecord ? v.toJSON() : v;
}

export function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(plain(v))) if (x !== undefined) out[k] = normalize(x);
    return out;
  }
  return v;
}

/** Encodes pdata with protobufjs (fromObject accepts decimal strings for 64-bit and Uint8Array bytes). */
export function oracleEncode(signal: Signal, data: unknown): Uint8Array {
  const t = requestType(signal);
  return t.encode(t.fromObject(toPbjsInput(data) as object)).finish();
}

function toPbjsInput(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toPbjsInput);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(plain(v))) if (x !== undefined) out[k] = toPbjsInput(x);
    return out;
  }
  return v;
}
