// The upstream OTLP protos (../shared/conformance/proto) loaded with protobufjs:
// an independent decoder/encoder that nobody here wrote, for checking our wire output.
import protobuf from 'protobufjs';
import { CONFORMANCE_DIR } from './conformance-dir.js';

const PROTO_ROOT = `${CONFORMANCE_DIR}proto/`;

let root: protobuf.Root | undefined;

export function upstreamRoot(): protobuf.Root {
  if (root) return root;
  root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : PROTO_ROOT + target);
  root.loadSync(
    ['trace', 'metrics', 'logs'].map((s) => `opentelemetry/proto/collector/${s}/v1/${s}_service.proto`),
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

const REQUEST: Record<string, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
};

export function requestType(signal: 'traces' | 'metrics' | 'logs'): protobuf.Type {
  return upstreamRoot().lookupType(REQUEST[signal]);
}

/** Decodes an export request with the upstream protos into a plain object (64-bit as strings, bytes base64). */
export function decodeUpstream(signal: 'traces' | 'metrics' | 'logs', buf: Uint8Array): any {
  const t = requestType(signal);
  // defaults: true — proto3 makes an explicitly encoded default and an absent field the same value.
  return t.toObject(t.decode(buf), { longs: String, bytes: String, enums: Number, defaults: true });
}
