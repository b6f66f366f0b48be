// jaeger.thrift structs (Batch, Process, Span, Tag, Log, SpanRef) and the
// agent's `Agent.emitBatch` message, decoded straight into the shared model.
// Field IDs follow jaeger.thrift; unknown fields and fields of an unexpected
// type are skipped, as a Thrift peer would.
import { type DecodeBudget, DecodeLimitError, defaultBudget } from '../../codec/decode-budget.js';
import type { AnyValue, KeyValue } from '../../pdata/types.js';
import { JAEGER_COST } from './decode-cost.js';
import {
  JaegerDecodeError,
  type JBatch,
  type JLog,
  type JProcess,
  type JRef,
  type JSpan,
  newJSpan,
  TagType,
} from './model.js';
import { BinaryReader, CompactReader, type ThriftReader, TType } from './thrift-reader.js';

export type ThriftProtocol = 'compact' | 'binary';

const EMPTY_BYTES = new Uint8Array(0);

/** Spans the batch being decoded announced (for refused counts when decoding fails part-way). */
let claimedSpans = 0;

function fail(e: unknown): never {
  if (e instanceof DecodeLimitError) throw e;
  const err =
    e instanceof JaegerDecodeError
      ? e
      : new JaegerDecodeError(`malformed thrift: ${e instanceof Error ? e.message : String(e)}`);
  err.spanCount = claimedSpans;
  throw err;
}

/**
 * A bare jaeger.Batch in TBinaryProtocol (the body of `POST /api/traces`). `budget`: what the
 * decoded and translated batch may cost (src/codec/decode-budget.ts); a fresh default one if not given.
 */
export function decodeBatchBinary(buf: Buffer, budget: DecodeBudget = defaultBudget()): JBatch {
  claimedSpans = 0;
  try {
    const r = new BinaryReader(buf);
    r.budget = budget;
    return readBatch(r);
  } catch (e) {
    fail(e);
  }
}

/** An `Agent.emitBatch` message (one UDP datagram) in the compact or binary protocol; `budget` as above. */
export function decodeEmitBatch(
  buf: Buffer,
  protocol: ThriftProtocol,
  budget: DecodeBudget = defaultBudget(),
): JBatch {
  claimedSpans = 0;
  try {
    const r = protocol === 'compact' ? new CompactReader(buf) : new BinaryReader(buf);
    r.budget = budget;
    const name =
      protocol === 'compact' ? readCompactMessageName(r, buf) : readBinaryMessageName(r as BinaryReader, buf);
    if (name !== 'emitBatch') throw new JaegerDecodeError(`unsupported agent method "${name}"`);
    let batch: JBatch | undefined;
    r.structBegin();
    while (r.readFieldBegin()) {
      if (r.fieldId === 1 && r.fieldType === TType.STRUCT) batch = readBatch(r);
      else r.skip(r.fieldType);
    }
    r.structEnd();
    if (!batch) throw new JaegerDecodeError('emitBatch without a batch');
    return batch;
  } catch (e) {
    fail(e);
  }
}

function readCompactMessageName(r: ThriftReader, buf: Buffer): string {
  if (buf.length < 2 || buf[0] !== 0x82) throw new JaegerDecodeError('not a thrift compact message');
  const versionAndType = buf[1];
  if ((versionAndType & 0x1f) !== 1) throw new JaegerDecodeError('unsupported thrift compact version');
  r.pos = 2;
  r.readI32(); // seqid (zigzag-free varint in the spec, but only skipped here)
  return r.readString();
}

function readBinaryMessageName(r: BinaryReader, buf: Buffer): string {
  if (buf.length < 4) throw new JaegerDecodeError('truncated thrift message');
  const first = buf.readInt32BE(0);
  if (first < 0) {
    if ((first & 0xffff0000) !== (0x80010000 | 0))
      throw new JaegerDecodeError('unsupported thrift binary version');
    r.pos = 4;
    const name = r.readString();
    r.readI32(); // seqid
    return name;
  }
  // Old non-strict form: name, type byte, seqid.
  const name = r.readString();
  r.readByte();
  r.readI32();
  return name;
}

function readBatch(r: ThriftReader): JBatch {
  const batch: JBatch = { process: undefined, spans: [] };
  r.structBegin();
  while (r.readFieldBegin()) {
    const t = r.fieldType;
    if (r.fieldId === 1 && t === TType.STRUCT) batch.process = readProcess(r);
    else if (r.fieldId === 2 && t === TType.LIST) batch.spans = readSpans(r);
    else r.skip(t);
  }
  r.structEnd();
  return batch;
}

function readProcess(r: ThriftReader): JProcess {
  r.budget.charge(JAEGER_COST.process);
  const p: JProcess = { serviceName: '', tags: [] };
  r.structBegin();
  while (r.readFieldBegin()) {
    const t = r.fieldType;
    if (r.fieldId === 1 && t === TType.STRING) p.serviceName = r.readString();
    else if (r.fieldId === 2 && t === TType.LIST) p.tags = readTags(r);
    else r.skip(t);
  }
  r.structEnd();
  return p;
}

function readSpans(r: ThriftReader): JSpan[] {
  const n = r.readListBegin();
  if (r.elemType !== TType.STRUCT) throw new JaegerDecodeError('Batch.spans is not a list of structs');
  claimedSpans = n;
  r.budget.charge(n * JAEGER_COST.span, n);
  const spans = new Array<JSpan>(n);
  for (let i = 0; i < n; i++) spans[i] = readSpan(r);
  return spans;
}

function readSpan(r: ThriftReader): JSpan {
  const s = newJSpan();
  const traceId = new Uint8Array(16);
  const spanId = new Uint8Array(8);
  let traceNonZero = false;
  let spanNonZero = false;
  let startMicros = 0;
  let durationMicros = 0;
  r.structBegin();
  while (r.readFieldBegin()) {
    const t = r.fieldType;
    switch (r.fieldId) {
      case 1:
        if (t !== TType.I64) break;
        if (r.readI64Into(traceId, 8)) traceNonZero = true;
        continue;
      case 2:
        if (t !== TType.I64) break;
        if (r.readI64Into(traceId, 0)) traceNonZero = true;
        continue;
      case 3:
        if (t !== TType.I64) break;
        spanNonZero = r.readI64Into(spanId, 0);
        continue;
      case 4: {
        if (t !== TType.I64) break;
        const parent = new Uint8Array(8);
        if (r.readI64Into(parent, 0)) s.parentSpanId = parent;
        continue;
      }
      case 5:
        if (t !== TType.STRING) break;
        s.operationName = r.readString();
        continue;
      case 6:
        if (t !== TType.LIST) break;
        s.references = readRefs(r);
        continue;
      case 7:
        if (t !== TType.I32) break;
        s.flags = r.readI32() >>> 0;
        continue;
      case 8:
        if (t !== TType.I64) break;
        startMicros = r.readI64Number();
        continue;
      case 9:
        if (t !== TType.I64) break;
        durationMicros = r.readI64Number();
        continue;
      case 10:
        if (t !== TType.LIST) break;
        s.tags = readTags(r);
        continue;
      case 11:
        if (t !== TType.LIST) break;
        s.logs = readLogs(r);
        continue;
    }
    r.skip(t);
  }
  r.structEnd();
  if (!traceNonZero) throw new JaegerDecodeError('span with an invalid (zero) trace ID');
  if (!spanNonZero) throw new JaegerDecodeError('span with an invalid (zero) span ID');
  s.traceId = traceId;
  s.spanId = spanId;
  s.startTimeUnixNano = BigInt(startMicros) * 1000n;
  s.durationNano = BigInt(durationMicros) * 1000n;
  return s;
}

function readRefs(r: ThriftReader): JRef[] {
  const n = r.readListBegin();
  if (r.elemType !== TType.STRUCT) throw new JaegerDecodeError('Span.references is not a list of structs');
  r.budget.charge(n * JAEGER_COST.ref, n);
  const refs = new Array<JRef>(n);
  for (let i = 0; i < n; i++) {
    const ref: JRef = { refType: 0, traceId: new Uint8Array(16), spanId: new Uint8Array(8) };
    r.structBegin();
    while (r.readFieldBegin()) {
      const t = r.fieldType;
      const id = r.fieldId;
      if (id === 1 && t === TType.I32) ref.refType = r.readI32();
      else if (id === 2 && t === TType.I64) r.readI64Into(ref.traceId, 8);
      else if (id === 3 && t === TType.I64) r.readI64Into(ref.traceId, 0);
      else if (id === 4 && t === TType.I64) r.readI64Into(ref.spanId, 0);
      else r.skip(t);
    }
    r.structEnd();
    refs[i] = ref;
  }
  return refs;
}

function readLogs(r: ThriftReader): JLog[] {
  const n = r.readListBegin();
  if (r.elemType !== TType.STRUCT) throw new JaegerDecodeError('Span.logs is not a list of structs');
  r.budget.charge(n * JAEGER_COST.log, n);
  const logs = new Array<JLog>(n);
  for (let i = 0; i < n; i++) {
    let micros = 0;
    let fields: KeyValue[] = [];
    r.structBegin();
    while (r.readFieldBegin()) {
      const t = r.fieldType;
      if (r.fieldId === 1 && t === TType.I64) micros = r.readI64Number();
      else if (r.fieldId === 2 && t === TType.LIST) fields = readTags(r);
      else r.skip(t);
    }
    r.structEnd();
    logs[i] = { timeUnixNano: BigInt(micros) * 1000n, fields };
  }
  return logs;
}

function readTags(r: ThriftReader): KeyValue[] {
  const n = r.readListBegin();
  if (r.elemType !== TType.STRUCT) throw new JaegerDecodeError('tags is not a list of structs');
  r.budget.charge(n * JAEGER_COST.tag, n);
  const tags = new Array<KeyValue>(n);
  for (let i = 0; i < n; i++) tags[i] = readTag(r);
  return tags;
}

function readTag(r: ThriftReader): KeyValue {
  let key = '';
  let vType = 0;
  let vStr = '';
  let vDouble = 0;
  let vBool = false;
  let vLong = 0n;
  let vBinary: Uint8Array = EMPTY_BYTES;
  r.structBegin();
  while (r.readFieldBegin()) {
    const t = r.fieldType;
    switch (r.fieldId) {
      case 1:
        if (t !== TType.STRING) break;
        key = r.readString();
        continue;
      case 2:
        if (t !== TType.I32) break;
        vType = r.readI32();
        continue;
      case 3:
        if (t !== TType.STRING) break;
        vStr = r.readString();
        continue;
      case 4:
        if (t !== TType.DOUBLE) break;
        vDouble = r.readDouble();
        continue;
      case 5:
        if (t !== TType.BOOL) break;
        vBool = r.readBool();
        continue;
      case 6:
        if (t !== TType.I64) break;
        vLong = r.readI64BigInt();
        continue;
      case 7:
        if (t !== TType.STRING) break;
        vBinary = r.readBinary();
        continue;
    }
    r.skip(t);
  }
  r.structEnd();
  return { key, value: tagValue(vType, vStr, vDouble, vBool, vLong, vBinary) };
}

function tagValue(
  vType: number,
  vStr: string,
  vDouble: number,
  vBool: boolean,
  vLong: bigint,
  vBinary: Uint8Array,
): AnyValue {
  switch (vType) {
    case TagType.STRING:
      return { stringValue: vStr };
    case TagType.DOUBLE:
      return { doubleValue: vDouble };
    case TagType.BOOL:
      return { boolValue: vBool };
    case TagType.LONG:
      return { intValue: vLong };
    case TagType.BINARY:
      return { bytesValue: vBinary };
    default:
      // As the collector's translator does for a type it does not know.
      return { stringValue: `<Unknown Jaeger TagType "${vType}">` };
  }
}
