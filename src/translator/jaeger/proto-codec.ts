// jaeger.api_v2 protobuf (model.proto / collector.proto): PostSpansRequest
// <-> the shared model. IDs travel as 16/8 raw bytes (Jaeger's TraceID/SpanID
// custom types), times as google.protobuf Timestamp/Duration (nanosecond precision).
import { type DecodeBudget, DecodeLimitError, defaultBudget } from '../../codec/decode-budget.js';
import { anyValueToString } from '../../pdata/attributes.js';
import { isZeroId } from '../../pdata/ids.js';
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
} from './model.js';
import { ProtoReader, ProtoWriter } from './proto-wire.js';

/** api_v2 ValueType (differs from Thrift's TagType numbering). */
const ValueType = { STRING: 0, BOOL: 1, INT64: 2, FLOAT64: 3, BINARY: 4 } as const;
const EMPTY = new Uint8Array(0);

let claimedSpans = 0;

/**
 * A PostSpansRequest. `budget`: what the decoded and translated batch may cost
 * (src/codec/decode-budget.ts); a fresh default one if not given.
 */
export function decodePostSpansRequest(buf: Buffer, budget: DecodeBudget = defaultBudget()): JBatch {
  claimedSpans = 0;
  try {
    const r = new ProtoReader(buf, 0, buf.length, budget);
    let batch: JBatch = { process: undefined, spans: [] };
    while (!r.done) {
      const tag = r.uint32Exact();
      if (tag === ((1 << 3) | 2)) {
        const end = r.delimited();
        batch = readBatch(r, end);
      } else r.skip(tag & 7);
    }
    return batch;
  } catch (e) {
    if (e instanceof DecodeLimitError) throw e;
    const err =
      e instanceof JaegerDecodeError
        ? e
        : new JaegerDecodeError(`malformed protobuf: ${(e as Error).message}`);
    err.spanCount = claimedSpans;
    throw err;
  }
}

function sub<T>(r: ProtoReader, read: (r: ProtoReader, end: number) => T): T {
  const end = r.delimited();
  const outer = r.end;
  r.end = end;
  const v = read(r, end);
  r.end = outer;
  r.pos = end;
  return v;
}

function readBatch(r: ProtoReader, end: number): JBatch {
  const outer = r.end;
  r.end = end;
  const batch: JBatch = { process: undefined, spans: [] };
  while (!r.done) {
    const tag = r.uint32Exact();
    if (tag === ((1 << 3) | 2)) {
      claimedSpans++;
      r.budget.charge(JAEGER_COST.span);
      batch.spans.push(sub(r, readSpan));
    } else if (tag === ((2 << 3) | 2)) batch.process = sub(r, readProcess);
    else r.skip(tag & 7);
  }
  r.end = outer;
  return batch;
}

function readProcess(r: ProtoReader): JProcess {
  r.budget.charge(JAEGER_COST.process);
  const p: JProcess = { serviceName: '', tags: [] };
  while (!r.done) {
    const tag = r.uint32Exact();
    if (tag === ((1 << 3) | 2)) p.serviceName = r.string();
    else if (tag === ((2 << 3) | 2)) {
      r.budget.charge(JAEGER_COST.tag);
      p.tags.push(sub(r, readKeyValue));
    } else r.skip(tag & 7);
  }
  return p;
}

function readTime(r: ProtoReader): bigint {
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const tag = r.uint32Exact();
    if (tag === ((1 << 3) | 0)) seconds = r.int64Number();
    else if (tag === ((2 << 3) | 0)) nanos = r.uint32() | 0;
    else r.skip(tag & 7);
  }
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function readSpan(r: ProtoReader): JSpan {
  const s = newJSpan();
  while (!r.done) {
    const tag = r.uint32Exact();
    switch (tag >>> 3) {
      case 1:
        if ((tag & 7) !== 2) break;
        s.traceId = r.bytes();
        continue;
      case 2:
        if ((tag & 7) !== 2) break;
        s.spanId = r.bytes();
        continue;
      case 3:
        if ((tag & 7) !== 2) break;
        s.operationName = r.string();
        continue;
      case 4:
        if ((tag & 7) !== 2) break;
        r.budget.charge(JAEGER_COST.ref);
        s.references.push(sub(r, readRef));
        continue;
      case 5:
        if ((tag & 7) !== 0) break;
        s.flags = r.uint32();
        continue;
      case 6:
        if ((tag & 7) !== 2) break;
        s.startTimeUnixNano = sub(r, readTime);
        continue;
      case 7:
        if ((tag & 7) !== 2) break;
        s.durationNano = sub(r, readTime);
        continue;
      case 8:
        if ((tag & 7) !== 2) break;
        r.budget.charge(JAEGER_COST.tag);
        s.tags.push(sub(r, readKeyValue));
        continue;
      case 9:
        if ((tag & 7) !== 2) break;
        r.budget.charge(JAEGER_COST.log);
        s.logs.push(sub(r, readLog));
        continue;
      case 10:
        if ((tag & 7) !== 2) break;
        s.process = sub(r, readProcess);
        continue;
    }
    r.skip(tag & 7);
  }
  if (s.traceId.length !== 16 || isZeroId(s.traceId))
    throw new JaegerDecodeError('span with an invalid trace ID (want 16 non-zero bytes)');
  if (s.spanId.length !== 8 || isZeroId(s.spanId))
    throw new JaegerDecodeError('span with an invalid span ID (want 8 non-zero bytes)');
  return s;
}

function readRef(r: ProtoReader): JRef {
  const ref: JRef = { refType: 0, traceId: EMPTY, spanId: EMPTY };
  while (!r.done) {
    const tag = r.uint32Exact();
    if (tag === ((1 << 3) | 2)) ref.traceId = r.bytes();
    else if (tag === ((2 << 3) | 2)) ref.spanId = r.bytes();
    else if (tag === ((3 << 3) | 0)) ref.refType = r.uint32();
    else r.skip(tag & 7);
  }
  if (ref.traceId.length !== 16 || ref.spanId.length !== 8)
    throw new JaegerDecodeError('span reference with an invalid trace or span ID');
  return ref;
}

function readLog(r: ProtoReader): JLog {
  const l: JLog = { timeUnixNano: 0n, fields: [] };
  while (!r.done) {
    const tag = r.uint32Exact();
    if (tag === ((1 << 3) | 2)) l.timeUnixNano = sub(r, readTime);
    else if (tag === ((2 << 3) | 2)) {
      r.budget.charge(JAEGER_COST.tag);
      l.fields.push(sub(r, readKeyValue));
    } else r.skip(tag & 7);
  }
  return l;
}

function readKeyValue(r: ProtoReader): KeyValue {
  let key = '';
  let vType = 0;
  let vStr = '';
  let vBool = false;
  let vInt = 0n;
  let vDouble = 0;
  let vBinary: Uint8Array = EMPTY;
  while (!r.done) {
    const tag = r.uint32Exact();
    switch (tag) {
      case (1 << 3) | 2:
        key = r.string();
        break;
      case (2 << 3) | 0:
        vType = r.uint32();
        break;
      case (3 << 3) | 2:
        vStr = r.string();
        break;
      case (4 << 3) | 0:
        r.varint64();
        vBool = (r.lo | r.hi) !== 0;
        break;
      case (5 << 3) | 0:
        vInt = r.int64BigInt();
        break;
      case (6 << 3) | 1:
        vDouble = r.double();
        break;
      case (7 << 3) | 2:
        vBinary = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  let value: AnyValue;
  switch (vType) {
    case ValueType.STRING:
      value = { stringValue: vStr };
      break;
    case ValueType.BOOL:
      value = { boolValue: vBool };
      break;
    case ValueType.INT64:
      value = { intValue: vInt };
      break;
    case ValueType.FLOAT64:
      value = { doubleValue: vDouble };
      break;
    case ValueType.BINARY:
      value = { bytesValue: vBinary };
      break;
    default:
      value = { stringValue: `<Unknown Jaeger TagType "${vType}">` };
  }
  return { key, value };
}

// ---- encoding ----

export function encodePostSpansRequest(batch: JBatch): Buffer {
  const w = new ProtoWriter();
  w.tag(1, 2);
  w.fork();
  for (const s of batch.spans) {
    w.tag(1, 2);
    w.fork();
    writeSpan(w, s);
    w.ldelim();
  }
  if (batch.process) {
    w.tag(2, 2);
    w.fork();
    writeProcess(w, batch.process);
    w.ldelim();
  }
  w.ldelim();
  return w.finish();
}

function writeProcess(w: ProtoWriter, p: JProcess): void {
  if (p.serviceName !== '') {
    w.tag(1, 2);
    w.string(p.serviceName);
  }
  for (const t of p.tags) writeKv(w, 2, t);
}

function writeSpan(w: ProtoWriter, s: JSpan): void {
  w.tag(1, 2);
  w.bytes(s.traceId);
  w.tag(2, 2);
  w.bytes(s.spanId);
  if (s.operationName !== '') {
    w.tag(3, 2);
    w.string(s.operationName);
  }
  for (const ref of s.references) {
    w.tag(4, 2);
    w.fork();
    w.tag(1, 2);
    w.bytes(ref.traceId);
    w.tag(2, 2);
    w.bytes(ref.spanId);
    if (ref.refType !== 0) {
      w.tag(3, 0);
      w.uint32(ref.refType);
    }
    w.ldelim();
  }
  if (s.flags !== 0) {
    w.tag(5, 0);
    w.uint32(s.flags);
  }
  writeTime(w, 6, s.startTimeUnixNano);
  writeTime(w, 7, s.durationNano);
  for (const t of s.tags) writeKv(w, 8, t);
  for (const l of s.logs) {
    w.tag(9, 2);
    w.fork();
    writeTime(w, 1, l.timeUnixNano);
    for (const f of l.fields) writeKv(w, 2, f);
    w.ldelim();
  }
}

/** A Timestamp or Duration from nanoseconds (nanos keep the sign of seconds, as protobuf requires). */
function writeTime(w: ProtoWriter, field: number, ns: bigint): void {
  const seconds = ns / 1_000_000_000n;
  const nanos = Number(ns - seconds * 1_000_000_000n);
  w.tag(field, 2);
  w.fork();
  if (seconds !== 0n) {
    w.tag(1, 0);
    w.int64(seconds);
  }
  if (nanos !== 0) {
    w.tag(2, 0);
    w.int64(BigInt(nanos));
  }
  w.ldelim();
}

function writeKv(w: ProtoWriter, field: number, kv: KeyValue): void {
  w.tag(field, 2);
  w.fork();
  w.tag(1, 2);
  w.string(kv.key);
  const v = kv.value;
  if ('boolValue' in v) {
    w.tag(2, 0);
    w.uint32(ValueType.BOOL);
    if (v.boolValue) {
      w.tag(4, 0);
      w.uint32(1);
    }
  } else if ('intValue' in v) {
    w.tag(2, 0);
    w.uint32(ValueType.INT64);
    if (v.intValue !== 0n) {
      w.tag(5, 0);
      w.int64(v.intValue as bigint);
    }
  } else if ('doubleValue' in v) {
    w.tag(2, 0);
    w.uint32(ValueType.FLOAT64);
    if (v.doubleValue !== 0 || Object.is(v.doubleValue, -0)) {
      w.tag(6, 1);
      w.double(v.doubleValue as number);
    }
  } else if ('bytesValue' in v) {
    w.tag(2, 0);
    w.uint32(ValueType.BINARY);
    if ((v.bytesValue as Uint8Array).length > 0) {
      w.tag(7, 2);
      w.bytes(v.bytesValue as Uint8Array);
    }
  } else {
    const s = 'stringValue' in v ? (v.stringValue as string) : anyValueToString(v);
    if (s !== '') {
      w.tag(3, 2);
      w.string(s);
    }
  }
  w.ldelim();
}
