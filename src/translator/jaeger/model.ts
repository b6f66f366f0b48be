// The Jaeger data model shared by the Thrift and api_v2 protobuf codecs and
// the OTLP translators. Tags are kept as pdata KeyValues: Jaeger's five tag
// types (string, bool, long, double, binary) map one to one onto AnyValue,
// so decoders build the attribute the OTLP side will keep, with no second copy.
import type { KeyValue } from '../../pdata/types.js';

/** Jaeger tag value types, numbered as in jaeger.thrift's TagType. */
export const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const;

export const RefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const;

export interface JRef {
  refType: number;
  /** 16 bytes, big-endian high then low (as api_v2 encodes TraceID). */
  traceId: Uint8Array;
  /** 8 bytes, big-endian. */
  spanId: Uint8Array;
}

export interface JLog {
  timeUnixNano: bigint;
  fields: KeyValue[];
}

export interface JProcess {
  serviceName: string;
  tags: KeyValue[];
}

export interface JSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  /** Thrift's explicit parentSpanId (8 bytes); empty when 0 or absent (api_v2 has only references). */
  parentSpanId: Uint8Array;
  operationName: string;
  references: JRef[];
  flags: number;
  startTimeUnixNano: bigint;
  durationNano: bigint;
  tags: KeyValue[];
  logs: JLog[];
  /** api_v2 only: a span may carry its own process, overriding the batch's. */
  process?: JProcess;
}

export interface JBatch {
  process: JProcess | undefined;
  spans: JSpan[];
}

export function newJSpan(): JSpan {
  return {
    traceId: EMPTY,
    spanId: EMPTY,
    parentSpanId: EMPTY,
    operationName: '',
    references: [],
    flags: 0,
    startTimeUnixNano: 0n,
    durationNano: 0n,
    tags: [],
    logs: [],
  };
}

const EMPTY = new Uint8Array(0);

/** Malformed Jaeger input (bad Thrift/protobuf, invalid IDs): the sender's fault, never retried. */
export class JaegerDecodeError extends Error {
  override name = 'JaegerDecodeError';
  /** Spans the message claimed to hold, when the decoder got that far (for refused counts). */
  spanCount = 0;
}
