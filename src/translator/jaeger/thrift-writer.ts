// jaeger.Batch in TBinaryProtocol: the body the exporter POSTs to a Jaeger
// collector's /api/traces. Times go out in microseconds (Thrift's unit).
import { anyValueToString } from '../../pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../pdata/types.js';
import { type JBatch, type JLog, type JProcess, type JRef, type JSpan, TagType } from './model.js';
import { TType } from './thrift-reader.js';

class BinaryWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  field(type: number, id: number): void {
    this.ensure(3);
    this.buf[this.pos] = type;
    this.buf.writeInt16BE(id, this.pos + 1);
    this.pos += 3;
  }
  stop(): void {
    this.ensure(1);
    this.buf[this.pos++] = TType.STOP;
  }
  list(elemType: number, n: number): void {
    this.ensure(5);
    this.buf[this.pos] = elemType;
    this.buf.writeInt32BE(n, this.pos + 1);
    this.pos += 5;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }
  /** 8 bytes of an ID (big-endian) as an i64; a missing ID is 0. */
  idBytes(id: Uint8Array, off: number): void {
    this.ensure(8);
    if (id.length >= off + 8) this.buf.set(id.subarray(off, off + 8), this.pos);
    else this.buf.fill(0, this.pos, this.pos + 8);
    this.pos += 8;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }
  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(4 + n);
    this.buf.writeInt32BE(n, this.pos);
    this.buf.write(s, this.pos + 4, n, 'utf8');
    this.pos += 4 + n;
  }
  binary(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.buf.writeInt32BE(b.length, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }
}

export function encodeBatchBinary(batch: JBatch): Buffer {
  const w = new BinaryWriter();
  w.field(TType.STRUCT, 1);
  writeProcess(w, batch.process ?? { serviceName: '', tags: [] });
  w.field(TType.LIST, 2);
  w.list(TType.STRUCT, batch.spans.length);
  for (const s of batch.spans) writeSpan(w, s);
  w.stop();
  return w.buf.subarray(0, w.pos);
}

function writeProcess(w: BinaryWriter, p: JProcess): void {
  w.field(TType.STRING, 1);
  w.string(p.serviceName);
  if (p.tags.length > 0) {
    w.field(TType.LIST, 2);
    writeTags(w, p.tags);
  }
  w.stop();
}

function writeSpan(w: BinaryWriter, s: JSpan): void {
  w.field(TType.I64, 1);
  w.idBytes(s.traceId, 8);
  w.field(TType.I64, 2);
  w.idBytes(s.traceId, 0);
  w.field(TType.I64, 3);
  w.idBytes(s.spanId, 0);
  w.field(TType.I64, 4);
  w.idBytes(s.parentSpanId, 0);
  w.field(TType.STRING, 5);
  w.string(s.operationName);
  if (s.references.length > 0) {
    w.field(TType.LIST, 6);
    w.list(TType.STRUCT, s.references.length);
    for (const r of s.references) writeRef(w, r);
  }
  w.field(TType.I32, 7);
  w.i32(s.flags);
  w.field(TType.I64, 8);
  w.i64(s.startTimeUnixNano / 1000n);
  w.field(TType.I64, 9);
  w.i64(s.durationNano / 1000n);
  if (s.tags.length > 0) {
    w.field(TType.LIST, 10);
    writeTags(w, s.tags);
  }
  if (s.logs.length > 0) {
    w.field(TType.LIST, 11);
    w.list(TType.STRUCT, s.logs.length);
    for (const l of s.logs) writeLog(w, l);
  }
  w.stop();
}

function writeRef(w: BinaryWriter, r: JRef): void {
  w.field(TType.I32, 1);
  w.i32(r.refType);
  w.field(TType.I64, 2);
  w.idBytes(r.traceId, 8);
  w.field(TType.I64, 3);
  w.idBytes(r.traceId, 0);
  w.field(TType.I64, 4);
  w.idBytes(r.spanId, 0);
  w.stop();
}

function writeLog(w: BinaryWriter, l: JLog): void {
  w.field(TType.I64, 1);
  w.i64(l.timeUnixNano / 1000n);
  w.field(TType.LIST, 2);
  writeTags(w, l.fields);
  w.stop();
}

function writeTags(w: BinaryWriter, tags: KeyValue[]): void {
  w.list(TType.STRUCT, tags.length);
  for (const t of tags) writeTag(w, t.key, t.value);
}

function writeTag(w: BinaryWriter, key: string, v: AnyValue): void {
  w.field(TType.STRING, 1);
  w.string(key);
  w.field(TType.I32, 2);
  if ('boolValue' in v) {
    w.i32(TagType.BOOL);
    w.field(TType.BOOL, 5);
    w.bool(v.boolValue as boolean);
  } else if ('intValue' in v) {
    w.i32(TagType.LONG);
    w.field(TType.I64, 6);
    w.i64(v.intValue as bigint);
  } else if ('doubleValue' in v) {
    w.i32(TagType.DOUBLE);
    w.field(TType.DOUBLE, 4);
    w.double(v.doubleValue as number);
  } else if ('bytesValue' in v) {
    w.i32(TagType.BINARY);
    w.field(TType.STRING, 7);
    w.binary(v.bytesValue as Uint8Array);
  } else {
    // Strings; maps and arrays as JSON, an empty value as "" (the collector's AsString).
    w.i32(TagType.STRING);
    w.field(TType.STRING, 3);
    w.string('stringValue' in v ? (v.stringValue as string) : anyValueToString(v));
  }
  w.stop();
}
