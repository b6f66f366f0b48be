// Zipkin v1 spans (JSON and TBinaryProtocol Thrift list<zipkincore.Span>) →
// OTLP, following the collector (pkg/translator/zipkin/zipkinv1 json.go,
// thrift.go, status_code.go):
// - core annotations cs/cr → CLIENT, sr/ss → SERVER, ms → PRODUCER, mr →
//   CONSUMER (the first one decides); they set start/end (earliest/latest) and
//   are not events; the endpoint of the first core annotation with a service
//   name is the span's resource (service.name, ipv4, ipv6, port as string)
// - other annotations → events; binary annotations → attributes (`lc` → `component`),
//   typed for Thrift (BOOL, BYTES as base64, DOUBLE, I16/I32 (unsigned, as the
//   collector reads them), I64, STRING), strings for JSON (parse_string_tags types them)
// - status from census.status_code, otel.status_code, `error`, http.status_code
// - span timestamp/duration override the annotations'; a JSON span with no
//   time at all gets now and otel.zipkin.absentField.startTime = true

import { type DecodeBudget, DecodeLimitError, defaultBudget } from '../../src/codec/decode-budget.js';
import { chargeJsonTree } from '../../src/codec/json-decode.js';
import {
  newResource,
  newResourceSpans,
  newScope,
  newScopeSpans,
  newSpan,
  newSpanEvent,
} from '../../src/pdata/create.js';
import type { ResourceSpans, Span, TracesData } from '../../src/pdata/types.js';
import { type AnyValue, SpanKind, StatusCode } from '../../src/pdata/types.js';
import { BinaryReader, TType } from '../../src/translator/jaeger/thrift-reader.js';
import { ZIPKIN_COST } from './decode-cost.js';
import { ipString, ZipkinDecodeError } from './model.js';
import { START_TIME_ABSENT } from './resource-keys.js';
import { typedTag } from './v2-to-otlp.js';

const UNKNOWN_SERVICE = 'unknown-service';
const CORE: Record<string, number> = {
  cs: SpanKind.CLIENT,
  cr: SpanKind.CLIENT,
  ms: SpanKind.PRODUCER,
  mr: SpanKind.CONSUMER,
  ss: SpanKind.SERVER,
  sr: SpanKind.SERVER,
};

interface V1Endpoint {
  serviceName: string;
  ipv4: string;
  ipv6: string;
  port: number;
}
interface V1Annotation {
  timestamp: bigint;
  value: string;
  endpoint?: V1Endpoint;
}
interface V1Binary {
  key: string;
  value: AnyValue;
  /** The raw value as text (for `lc`). */
  text: string;
  endpoint?: V1Endpoint;
}
interface V1Span {
  traceId: Uint8Array;
  id: Uint8Array;
  parentId: Uint8Array;
  name: string;
  timestamp: bigint | undefined;
  duration: bigint;
  annotations: V1Annotation[];
  binaryAnnotations: V1Binary[];
}

// ---------------- JSON ----------------

const hex = (v: unknown, lens: number[], what: string): Uint8Array => {
  if (typeof v !== 'string' || !lens.includes(v.length) || !/^[0-9a-fA-F]+$/.test(v)) {
    throw new ZipkinDecodeError(`${what}: hex with wrong length (expected ${lens.join(' or ')})`);
  }
  const b = Buffer.from(v, 'hex');
  if (b.every((x) => x === 0)) throw new ZipkinDecodeError(`${what}: ID is zero`);
  const out = new Uint8Array(lens.length > 1 ? 16 : 8);
  out.set(b, out.length - b.length);
  return out;
};

function jsonEndpoint(v: unknown): V1Endpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw new ZipkinDecodeError('zipkinv1: endpoint must be an object');
  const e = v as Record<string, unknown>;
  const str = (x: unknown, f: string) => {
    if (x === undefined || x === null) return '';
    if (typeof x !== 'string') throw new ZipkinDecodeError(`zipkinv1: endpoint ${f} must be a string`);
    return x;
  };
  if (e.port !== undefined && e.port !== null && !Number.isInteger(e.port)) {
    throw new ZipkinDecodeError('zipkinv1: endpoint port must be an integer');
  }
  return {
    serviceName: str(e.serviceName, 'serviceName'),
    ipv4: str(e.ipv4, 'ipv4'),
    ipv6: str(e.ipv6, 'ipv6'),
    port: (e.port as number | undefined) ?? 0,
  };
}

const int = (v: unknown, what: string): bigint => {
  if (v === undefined || v === null) return 0n;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new ZipkinDecodeError(`zipkinv1: ${what} must be an integer`);
  return BigInt(v);
};

/** `budget`: what the decoded spans may cost (src/codec/decode-budget.ts), JSON.parse's tree included. */
export function v1JsonToTraces(
  body: Buffer,
  parseStringTags: boolean,
  budget: DecodeBudget = defaultBudget(),
): TracesData {
  chargeJsonTree(body, budget);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ZipkinDecodeError(`zipkinv1: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new ZipkinDecodeError('zipkinv1: expected a JSON array of spans');
  const spans: V1Span[] = [];
  for (const raw of doc) {
    if (raw === null) continue;
    if (typeof raw !== 'object') throw new ZipkinDecodeError('zipkinv1: a span must be an object');
    const s = raw as Record<string, unknown>;
    const traceId = hex(s.traceId, [16, 32], 'zipkinV1 span traceId');
    const id = hex(s.id, [16], 'zipkinV1 span id');
    const parentId =
      s.parentId === undefined || s.parentId === null || s.parentId === ''
        ? new Uint8Array(8)
        : hex(s.parentId, [16], 'zipkinV1 span parentId');
    const annotations: V1Annotation[] = [];
    for (const a of (s.annotations as Record<string, unknown>[] | undefined) ?? []) {
      if (a === null) continue;
      if (a.value !== undefined && typeof a.value !== 'string')
        throw new ZipkinDecodeError('zipkinv1: annotation value must be a string');
      annotations.push({
        timestamp: int(a.timestamp, 'annotation timestamp'),
        value: (a.value as string) ?? '',
        endpoint: jsonEndpoint(a.endpoint),
      });
    }
    const binaryAnnotations: V1Binary[] = [];
    for (const b of (s.binaryAnnotations as Record<string, unknown>[] | undefined) ?? []) {
      if (b === null) continue;
      // address annotations (sa, ca, ma) carry `true` in the v1 JSON model (zipkin-js sends it);
      // the collector's decoder only takes strings and refuses the whole request, here it is a bool
      if (typeof b.value === 'boolean') {
        binaryAnnotations.push({
          key: String(b.key ?? ''),
          value: { boolValue: b.value },
          text: '',
          endpoint: jsonEndpoint(b.endpoint),
        });
        continue;
      }
      if (b.value !== undefined && typeof b.value !== 'string') {
        throw new ZipkinDecodeError(`zipkinv1: binary annotation "${String(b.key)}" value must be a string`);
      }
      const text = (b.value as string | undefined) ?? '';
      binaryAnnotations.push({
        key: String(b.key ?? ''),
        value: parseStringTags ? typedTag(text) : { stringValue: text },
        text,
        endpoint: jsonEndpoint(b.endpoint),
      });
    }
    budget.charge(
      ZIPKIN_COST.span +
        annotations.length * ZIPKIN_COST.annotation +
        binaryAnnotations.length * ZIPKIN_COST.tag,
      1 + annotations.length + binaryAnnotations.length,
    );
    const ts = int(s.timestamp, 'timestamp');
    if (s.name !== undefined && s.name !== null && typeof s.name !== 'string')
      throw new ZipkinDecodeError('zipkinv1: name must be a string');
    spans.push({
      traceId,
      id,
      parentId,
      name: (s.name as string | undefined) ?? '',
      timestamp: ts !== 0n ? ts : undefined,
      duration: int(s.duration, 'duration'),
      annotations,
      binaryAnnotations,
    });
  }
  return toTraces(spans, true);
}

// ---------------- Thrift ----------------

const ANNOTATION_TYPE = { BOOL: 0, BYTES: 1, I16: 2, I32: 3, I64: 4, DOUBLE: 5, STRING: 6 };

/** `budget`: what the decoded spans may cost (src/codec/decode-budget.ts), charged while decoding. */
export function v1ThriftToTraces(body: Buffer, budget: DecodeBudget = defaultBudget()): TracesData {
  const r = new BinaryReader(body);
  r.budget = budget;
  const spans: V1Span[] = [];
  try {
    const n = r.readListBegin();
    if (r.elemType !== TType.STRUCT)
      throw new ZipkinDecodeError('zipkinv1 thrift: expected a list of Span structs');
    budget.charge(n * ZIPKIN_COST.span, n);
    for (let i = 0; i < n; i++) spans.push(thriftSpan(r));
  } catch (err) {
    if (err instanceof ZipkinDecodeError || err instanceof DecodeLimitError) throw err;
    throw new ZipkinDecodeError(`zipkinv1 thrift: ${(err as Error).message}`);
  }
  return toTraces(spans, false);
}

function i64Bytes(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return new Uint8Array(b);
}

function thriftSpan(r: BinaryReader): V1Span {
  let traceId = 0n;
  let high = 0n;
  let id = 0n;
  let parent: bigint | undefined;
  let name = '';
  let timestamp: bigint | undefined;
  let duration = 0n;
  const annotations: V1Annotation[] = [];
  const binaryAnnotations: V1Binary[] = [];
  r.structBegin();
  while (r.readFieldBegin()) {
    const { fieldId: f, fieldType: t } = r;
    if (f === 1 && t === TType.I64) traceId = r.readI64BigInt();
    else if (f === 3 && t === TType.STRING) name = r.readString();
    else if (f === 4 && t === TType.I64) id = r.readI64BigInt();
    else if (f === 5 && t === TType.I64) parent = r.readI64BigInt();
    else if (f === 6 && t === TType.LIST) {
      const n = r.readListBegin();
      r.budget.charge(n * ZIPKIN_COST.annotation, n);
      for (let i = 0; i < n; i++) annotations.push(thriftAnnotation(r));
    } else if (f === 8 && t === TType.LIST) {
      const n = r.readListBegin();
      r.budget.charge(n * ZIPKIN_COST.tag, n);
      for (let i = 0; i < n; i++) binaryAnnotations.push(thriftBinary(r));
    } else if (f === 10 && t === TType.I64) timestamp = r.readI64BigInt();
    else if (f === 11 && t === TType.I64) duration = r.readI64BigInt();
    else if (f === 12 && t === TType.I64) high = r.readI64BigInt();
    else r.skip(t);
  }
  r.structEnd();
  const traceBytes = new Uint8Array(16);
  traceBytes.set(i64Bytes(high), 0);
  traceBytes.set(i64Bytes(traceId), 8);
  return {
    traceId: traceBytes,
    id: i64Bytes(id),
    parentId: parent === undefined ? new Uint8Array(8) : i64Bytes(parent),
    name,
    timestamp,
    duration,
    annotations,
    binaryAnnotations,
  };
}

function thriftEndpoint(r: BinaryReader): V1Endpoint {
  const e: V1Endpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  r.structBegin();
  while (r.readFieldBegin()) {
    const { fieldId: f, fieldType: t } = r;
    if (f === 1 && t === TType.I32) {
      const v = r.readI32() >>> 0;
      if (v !== 0) e.ipv4 = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    } else if (f === 2 && t === TType.I16) e.port = readI16(r);
    else if (f === 3 && t === TType.STRING) e.serviceName = r.readString();
    else if (f === 4 && t === TType.STRING) {
      const b = r.readBinary();
      if (b.length > 0) e.ipv6 = ipString(b);
    } else r.skip(t);
  }
  r.structEnd();
  return e;
}

/** BinaryReader has no i16 reader of its own: two bytes, big-endian, signed. */
function readI16(r: BinaryReader): number {
  const hi = r.readByte();
  const lo = r.readByte();
  return (((hi << 8) | (lo & 0xff)) << 16) >> 16;
}

function thriftAnnotation(r: BinaryReader): V1Annotation {
  const a: V1Annotation = { timestamp: 0n, value: '' };
  r.structBegin();
  while (r.readFieldBegin()) {
    const { fieldId: f, fieldType: t } = r;
    if (f === 1 && t === TType.I64) a.timestamp = r.readI64BigInt();
    else if (f === 2 && t === TType.STRING) a.value = r.readString();
    else if (f === 3 && t === TType.STRUCT) a.endpoint = thriftEndpoint(r);
    else r.skip(t);
  }
  r.structEnd();
  return a;
}

function thriftBinary(r: BinaryReader): V1Binary {
  let key = '';
  let raw: Uint8Array = new Uint8Array(0);
  let type = -1;
  let endpoint: V1Endpoint | undefined;
  r.structBegin();
  while (r.readFieldBegin()) {
    const { fieldId: f, fieldType: t } = r;
    if (f === 1 && t === TType.STRING) key = r.readString();
    else if (f === 2 && t === TType.STRING) raw = r.readBinary();
    else if (f === 3 && t === TType.I32) type = r.readI32();
    else if (f === 4 && t === TType.STRUCT) endpoint = thriftEndpoint(r);
    else r.skip(t);
  }
  r.structEnd();
  const b = Buffer.from(raw);
  const tooShort = (n: number) => b.length < n;
  const error = (m: string): AnyValue => ({ stringValue: `<${m}>` });
  let value: AnyValue;
  switch (type) {
    case ANNOTATION_TYPE.BOOL:
      value = { boolValue: b.length === 1 && b[0] === 1 };
      break;
    case ANNOTATION_TYPE.BYTES:
      value = { stringValue: b.toString('base64') };
      break;
    case ANNOTATION_TYPE.DOUBLE:
      value = tooShort(8)
        ? error('not enough bytes representing the number')
        : { doubleValue: b.readDoubleBE(0) };
      break;
    case ANNOTATION_TYPE.I16:
      value = tooShort(2)
        ? error('not enough bytes representing the number')
        : { intValue: BigInt(b.readUInt16BE(0)) };
      break;
    case ANNOTATION_TYPE.I32:
      value = tooShort(4)
        ? error('not enough bytes representing the number')
        : { intValue: BigInt(b.readUInt32BE(0)) };
      break;
    case ANNOTATION_TYPE.I64:
      value = tooShort(8)
        ? error('not enough bytes representing the number')
        : { intValue: b.readBigInt64BE(0) };
      break;
    case ANNOTATION_TYPE.STRING:
      value = { stringValue: b.toString('utf8') };
      break;
    default:
      value = error(`unknown zipkin v1 binary annotation type (${type})`);
  }
  return { key, value, text: b.toString('utf8'), endpoint };
}

// ---------------- translation ----------------

function toTraces(spans: V1Span[], json: boolean): TracesData {
  const byEndpoint = new Map<string, ResourceSpans>();
  const out: ResourceSpans[] = [];
  for (const z of spans) {
    const { span, endpoint } = annotationsToSpan(z.annotations);
    const fallback = binaryToAttributes(span, z.binaryAnnotations);
    if (endpoint.serviceName === UNKNOWN_SERVICE && fallback !== '') endpoint.serviceName = fallback;
    if (z.timestamp !== undefined) {
      span.startTimeUnixNano = micros(z.timestamp);
      span.endTimeUnixNano = micros(z.timestamp + z.duration);
    }
    span.name = z.name;
    span.traceId = z.traceId;
    span.spanId = z.id;
    span.parentSpanId = z.parentId.every((x) => x === 0) ? new Uint8Array(0) : z.parentId;
    if (json && span.startTimeUnixNano === 0n) {
      const now = BigInt(Date.now()) * 1_000_000n;
      span.startTimeUnixNano = now;
      span.endTimeUnixNano = now;
      span.attributes.push({ key: START_TIME_ABSENT, value: { boolValue: true } });
    }
    const key = `${endpoint.serviceName}-${endpoint.ipv4}-${endpoint.ipv6}-${endpoint.port}`;
    let rs = byEndpoint.get(key);
    if (!rs) {
      rs = newResourceSpans(newResource());
      const attrs = rs.resource.attributes;
      attrs.push({ key: 'service.name', value: { stringValue: endpoint.serviceName } });
      if (endpoint.ipv4) attrs.push({ key: 'ipv4', value: { stringValue: endpoint.ipv4 } });
      if (endpoint.ipv6) attrs.push({ key: 'ipv6', value: { stringValue: endpoint.ipv6 } });
      if (endpoint.port !== 0) attrs.push({ key: 'port', value: { stringValue: String(endpoint.port) } });
      rs.scopeSpans.push(newScopeSpans(newScope()));
      byEndpoint.set(key, rs);
      out.push(rs);
    }
    rs.scopeSpans[0].spans.push(span);
  }
  return { resourceSpans: out };
}

const micros = (us: bigint) => (us <= 0n ? 0n : us * 1000n);

function annotationsToSpan(annotations: V1Annotation[]): { span: Span; endpoint: V1Endpoint } {
  const span = newSpan();
  let endpoint: V1Endpoint | undefined;
  let kindSet = false;
  let early: bigint | undefined;
  let late: bigint | undefined;
  for (const a of annotations) {
    if (a.value === '') continue;
    const service = a.endpoint?.serviceName || UNKNOWN_SERVICE;
    const core = CORE[a.value];
    if (endpoint === undefined && service !== UNKNOWN_SERVICE && core !== undefined)
      endpoint = { ...a.endpoint! };
    if (!kindSet && core !== undefined) {
      span.kind = core;
      kindSet = true;
    }
    const ts = micros(a.timestamp);
    if (early === undefined || a.timestamp < early) {
      early = a.timestamp;
      span.startTimeUnixNano = ts;
    }
    if (late === undefined || a.timestamp > late) {
      late = a.timestamp;
      span.endTimeUnixNano = ts;
    }
    if (core !== undefined) continue;
    const ev = newSpanEvent();
    ev.timeUnixNano = ts;
    ev.name = a.value;
    span.events.push(ev);
  }
  return { span, endpoint: endpoint ?? { serviceName: UNKNOWN_SERVICE, ipv4: '', ipv6: '', port: 0 } };
}

/** Binary annotations → attributes and status; returns the fallback service name. */
function binaryToAttributes(span: Span, binaries: V1Binary[]): string {
  if (binaries.length === 0) return '';
  let fallback = '';
  let localComponent = '';
  const status = new StatusMapper();
  for (const b of binaries) {
    if (b.endpoint && b.endpoint.serviceName !== '') fallback = b.endpoint.serviceName;
    let key = b.key;
    if (key === 'lc') {
      key = 'component';
      localComponent = b.text;
    }
    if (status.take(key, b.value)) continue;
    const kv = span.attributes.find((a) => a.key === key);
    if (kv) kv.value = b.value;
    else span.attributes.push({ key, value: b.value });
  }
  status.apply(span);
  return fallback || localComponent;
}

interface Found {
  code?: number;
  message: string;
}

/** status_code.go: census.status_code, then otel.status_code, then the error tag, then http.status_code. */
class StatusMapper {
  private census: Found = { message: '' };
  private status: Found = { message: '' };
  private http: Found = { message: '' };
  private error: Found = { message: '' };

  /** Records a status-related attribute; true if it is dropped from the attributes. */
  take(key: string, v: AnyValue): boolean {
    switch (key) {
      case 'census.status_code': {
        const c = statusInt(v);
        if (c !== undefined) this.census.code = c === 0 ? StatusCode.OK : StatusCode.ERROR;
        return true;
      }
      case 'census.status_description':
      case 'opencensus.status_description':
        this.census.message = text(v);
        return true;
      case 'otel.status_code': {
        const c = statusInt(v);
        if (c !== undefined) this.status.code = c;
        return true;
      }
      case 'otel.status_description':
        this.status.message = text(v);
        return true;
      case 'http.status_code':
      case 'http.response.status_code': {
        const c = statusInt(v);
        if (c !== undefined) this.http.code = c >= 100 && c < 400 ? StatusCode.UNSET : StatusCode.ERROR;
        return false;
      }
      case 'http.status_message':
        this.http.message = text(v);
        return false;
      case 'error':
        this.error.code = StatusCode.ERROR;
        return true;
    }
    return false;
  }

  apply(span: Span): void {
    let s: Found | undefined;
    if (this.census.code !== undefined) s = this.census;
    else if (this.status.code !== undefined) s = this.status;
    else if (this.error.code !== undefined) {
      s = { code: this.error.code, message: this.census.message || this.status.message };
    } else if (this.http.code !== undefined) s = this.http;
    if (s?.code !== undefined) {
      span.status.code = s.code;
      span.status.message = s.message;
    }
  }
}

function text(v: AnyValue): string {
  return 'stringValue' in v ? v.stringValue : '';
}

/** An int or a numeric string within int32, else undefined (attribToStatusCode). */
function statusInt(v: AnyValue): number | undefined {
  let n: bigint;
  if ('intValue' in v) n = v.intValue;
  else if ('stringValue' in v && /^[+-]?\d+$/.test(v.stringValue)) n = BigInt(v.stringValue);
  else return undefined;
  return n >= -(2n ** 31n) && n < 2n ** 31n ? Number(n) : undefined;
}
