// An independent Thrift peer for Jaeger tests: encodes jaeger.thrift structs
// (given in the JSON shape of Jaeger's own fixtures) with Apache Thrift's npm
// package, field by field through its protocol API, and decodes Batches back.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const thrift: any = require('thrift');
const T = thrift.Thrift.Type;
const Int64 = thrift.Int64;

export interface JsonTag {
  key: string;
  vType: 'STRING' | 'DOUBLE' | 'BOOL' | 'LONG' | 'BINARY';
  vStr?: string;
  vDouble?: number;
  vBool?: boolean;
  vLong?: number | string | bigint;
  vBinary?: string; // base64
}
export interface JsonRef {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceIdLow: number | string | bigint;
  traceIdHigh?: number | string | bigint;
  spanId: number | string | bigint;
}
export interface JsonSpan {
  traceIdLow: number | string | bigint;
  traceIdHigh?: number | string | bigint;
  spanId: number | string | bigint;
  parentSpanId?: number | string | bigint;
  operationName: string;
  references?: JsonRef[];
  flags?: number;
  startTime: number | string | bigint;
  duration: number | string | bigint;
  tags?: JsonTag[];
  logs?: { timestamp: number | string | bigint; fields: JsonTag[] }[];
}
export interface JsonBatch {
  process: { serviceName: string; tags?: JsonTag[] };
  spans: JsonSpan[];
}

/** Parses Jaeger's fixture JSON keeping 64-bit integers exact (as strings). */
export function parseJsonBatch(text: string): JsonBatch {
  return JSON.parse(text.replace(/:\s*(-?\d{16,})/g, ': "$1"'));
}

function i64(v: number | string | bigint | undefined) {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v ?? 0)));
  return new Int64(b);
}

const TAG_TYPES = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 };

type P = any;

function field(p: P, type: number, id: number, write: () => void) {
  p.writeFieldBegin('', type, id);
  write();
  p.writeFieldEnd();
}

function struct(p: P, body: () => void) {
  p.writeStructBegin('');
  body();
  p.writeFieldStop();
  p.writeStructEnd();
}

function list<E>(p: P, elemType: number, items: E[], write: (e: E) => void) {
  p.writeListBegin(elemType, items.length);
  for (const e of items) write(e);
  p.writeListEnd();
}

function writeTag(p: P, t: JsonTag) {
  struct(p, () => {
    field(p, T.STRING, 1, () => p.writeString(t.key));
    field(p, T.I32, 2, () => p.writeI32(TAG_TYPES[t.vType]));
    if (t.vStr !== undefined) field(p, T.STRING, 3, () => p.writeString(t.vStr));
    if (t.vDouble !== undefined) field(p, T.DOUBLE, 4, () => p.writeDouble(t.vDouble));
    if (t.vBool !== undefined) field(p, T.BOOL, 5, () => p.writeBool(t.vBool));
    if (t.vLong !== undefined) field(p, T.I64, 6, () => p.writeI64(i64(t.vLong)));
    if (t.vBinary !== undefined)
      field(p, T.STRING, 7, () => p.writeBinary(Buffer.from(t.vBinary as string, 'base64')));
  });
}

function writeBatch(p: P, b: JsonBatch) {
  struct(p, () => {
    field(p, T.STRUCT, 1, () =>
      struct(p, () => {
        field(p, T.STRING, 1, () => p.writeString(b.process.serviceName));
        if (b.process.tags)
          field(p, T.LIST, 2, () => list(p, T.STRUCT, b.process.tags ?? [], (t) => writeTag(p, t)));
      }),
    );
    field(p, T.LIST, 2, () =>
      list(p, T.STRUCT, b.spans, (s) =>
        struct(p, () => {
          field(p, T.I64, 1, () => p.writeI64(i64(s.traceIdLow)));
          field(p, T.I64, 2, () => p.writeI64(i64(s.traceIdHigh)));
          field(p, T.I64, 3, () => p.writeI64(i64(s.spanId)));
          field(p, T.I64, 4, () => p.writeI64(i64(s.parentSpanId)));
          field(p, T.STRING, 5, () => p.writeString(s.operationName));
          if (s.references)
            field(p, T.LIST, 6, () =>
              list(p, T.STRUCT, s.references ?? [], (r) =>
                struct(p, () => {
                  field(p, T.I32, 1, () => p.writeI32(r.refType === 'CHILD_OF' ? 0 : 1));
                  field(p, T.I64, 2, () => p.writeI64(i64(r.traceIdLow)));
                  field(p, T.I64, 3, () => p.writeI64(i64(r.traceIdHigh)));
                  field(p, T.I64, 4, () => p.writeI64(i64(r.spanId)));
                }),
              ),
            );
          field(p, T.I32, 7, () => p.writeI32(s.flags ?? 0));
          field(p, T.I64, 8, () => p.writeI64(i64(s.startTime)));
          field(p, T.I64, 9, () => p.writeI64(i64(s.duration)));
          if (s.tags) field(p, T.LIST, 10, () => list(p, T.STRUCT, s.tags ?? [], (t) => writeTag(p, t)));
          if (s.logs)
            field(p, T.LIST, 11, () =>
              list(p, T.STRUCT, s.logs ?? [], (l) =>
                struct(p, () => {
                  field(p, T.I64, 1, () => p.writeI64(i64(l.timestamp)));
                  field(p, T.LIST, 2, () => list(p, T.STRUCT, l.fields, (t) => writeTag(p, t)));
                }),
              ),
            );
        }),
      ),
    );
  });
}

function encode(protocol: 'compact' | 'binary', body: (p: P) => void): Buffer {
  const out: Buffer[] = [];
  const transport = new thrift.TBufferedTransport(undefined, (buf: Buffer) => out.push(buf));
  const p =
    protocol === 'compact' ? new thrift.TCompactProtocol(transport) : new thrift.TBinaryProtocol(transport);
  body(p);
  transport.flush();
  return Buffer.concat(out);
}

/** `Agent.emitBatch(batch)` as a oneway message: one agent UDP datagram. */
export function encodeEmitBatch(b: JsonBatch, protocol: 'compact' | 'binary'): Buffer {
  return encode(protocol, (p) => {
    p.writeMessageBegin('emitBatch', thrift.Thrift.MessageType.ONEWAY, 1);
    struct(p, () => field(p, T.STRUCT, 1, () => writeBatch(p, b)));
    p.writeMessageEnd();
  });
}

/** A bare jaeger.Batch (the body of POST /api/traces). */
export function encodeBatch(b: JsonBatch, protocol: 'compact' | 'binary' = 'binary'): Buffer {
  return encode(protocol, (p) => writeBatch(p, b));
}
