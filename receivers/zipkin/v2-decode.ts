// Zipkin v2 spans from JSON (zipkin-api.yaml ListOfSpans) and from protobuf
// (zipkin.proto ListOfSpans), with the checks zipkin-go's decoders make
// (model/span.go UnmarshalJSON, proto/zipkin_proto3 ParseSpans): a trace ID
// and a span ID are required and non-zero, tags are strings, addresses parse.
import { type DecodeBudget, DecodeLimitError, defaultBudget } from '../../src/codec/decode-budget.js';
import { chargeJsonTree } from '../../src/codec/json-decode.js';
import { Reader, WT_I64, WT_LEN, WT_VARINT } from '../../src/codec/proto-wire.js';
import { ZIPKIN_COST } from './decode-cost.js';
import { ipString, parseIp, type ZEndpoint, ZipkinDecodeError, type ZSpan } from './model.js';

const KINDS = new Set(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']);
const HEX = /^[0-9a-fA-F]+$/;

/** A hex ID of up to `bytes` bytes (zipkin-go parses shorter ones as numbers), right-aligned. */
function hexId(v: unknown, bytes: number, what: string): Uint8Array {
  if (typeof v !== 'string' || v.length === 0 || v.length > 2 * bytes || !HEX.test(v)) {
    throw new ZipkinDecodeError(
      `${what}: expected up to ${2 * bytes} hex characters, got ${JSON.stringify(v)}`,
    );
  }
  const id = new Uint8Array(bytes);
  const padded = v.padStart(2 * bytes, '0');
  for (let i = 0; i < bytes; i++) id[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return id;
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

function micros(v: unknown, what: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new ZipkinDecodeError(`${what}: expected an integer`);
  return v > 0 ? BigInt(v) : 0n;
}

function jsonEndpoint(v: unknown, what: string): ZEndpoint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ZipkinDecodeError(`${what}: expected an object`);
  const e = v as Record<string, unknown>;
  const ip = (x: unknown, field: string) => {
    if (x === undefined || x === null || x === '') return '';
    const b = typeof x === 'string' ? parseIp(x) : undefined;
    if (!b) throw new ZipkinDecodeError(`${what}.${field}: invalid IP address ${JSON.stringify(x)}`);
    return ipString(b);
  };
  if (e.serviceName !== undefined && typeof e.serviceName !== 'string') {
    throw new ZipkinDecodeError(`${what}.serviceName: expected a string`);
  }
  if (e.port !== undefined && (typeof e.port !== 'number' || !Number.isInteger(e.port))) {
    throw new ZipkinDecodeError(`${what}.port: expected an integer`);
  }
  return {
    serviceName: (e.serviceName as string | undefined) ?? '',
    ipv4: ip(e.ipv4, 'ipv4'),
    ipv6: ip(e.ipv6, 'ipv6'),
    port: (e.port as number | undefined) ?? 0,
  };
}

/** `budget`: what the decoded spans may cost (src/codec/decode-budget.ts), JSON.parse's tree included. */
export function decodeV2Json(body: Buffer, budget: DecodeBudget = defaultBudget()): ZSpan[] {
  chargeJsonTree(body, budget);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ZipkinDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new ZipkinDecodeError('expected a JSON array of spans');
  const spans: ZSpan[] = [];
  doc.forEach((s, i) => {
    if (s === null) return;
    if (typeof s !== 'object' || Array.isArray(s))
      throw new ZipkinDecodeError(`span ${i}: expected an object`);
    const span = jsonSpan(s as Record<string, unknown>, `span ${i}`);
    budget.charge(
      ZIPKIN_COST.span + span.tags.size * ZIPKIN_COST.tag + span.annotations.length * ZIPKIN_COST.annotation,
      1 + span.tags.size + span.annotations.length,
    );
    spans.push(span);
  });
  return spans;
}

function jsonSpan(s: Record<string, unknown>, at: string): ZSpan {
  const traceId = hexId(s.traceId, 16, `${at} traceId`);
  if (isZero(traceId)) throw new ZipkinDecodeError(`${at}: valid traceId required`);
  const id = hexId(s.id, 8, `${at} id`);
  if (isZero(id)) throw new ZipkinDecodeError(`${at}: valid span id required`);
  const parentId =
    s.parentId === undefined || s.parentId === null || s.parentId === ''
      ? undefined
      : hexId(s.parentId, 8, `${at} parentId`);
  if (s.name !== undefined && typeof s.name !== 'string')
    throw new ZipkinDecodeError(`${at} name: expected a string`);
  const kind = s.kind === undefined || s.kind === null ? '' : String(s.kind).toUpperCase();
  const tags = new Map<string, string>();
  if (s.tags !== undefined && s.tags !== null) {
    if (typeof s.tags !== 'object' || Array.isArray(s.tags))
      throw new ZipkinDecodeError(`${at} tags: expected an object`);
    for (const [k, v] of Object.entries(s.tags)) {
      if (typeof v !== 'string') throw new ZipkinDecodeError(`${at} tags.${k}: expected a string value`);
      tags.set(k, v);
    }
  }
  const annotations: ZSpan['annotations'] = [];
  if (s.annotations !== undefined && s.annotations !== null) {
    if (!Array.isArray(s.annotations)) throw new ZipkinDecodeError(`${at} annotations: expected an array`);
    for (const a of s.annotations as Record<string, unknown>[]) {
      const ts = micros(a?.timestamp, `${at} annotation timestamp`);
      if (ts === 0n) throw new ZipkinDecodeError(`${at}: valid annotation timestamp required`);
      if (typeof a.value !== 'string')
        throw new ZipkinDecodeError(`${at} annotation value: expected a string`);
      annotations.push({ timestamp: ts, value: a.value });
    }
  }
  return {
    traceId,
    id,
    parentId,
    name: (s.name as string | undefined) ?? '',
    kind: KINDS.has(kind) ? (kind as ZSpan['kind']) : '',
    timestamp: micros(s.timestamp, `${at} timestamp`),
    duration: micros(s.duration, `${at} duration`),
    localEndpoint: jsonEndpoint(s.localEndpoint, `${at} localEndpoint`),
    remoteEndpoint: jsonEndpoint(s.remoteEndpoint, `${at} remoteEndpoint`),
    annotations,
    tags,
  };
}

const PROTO_KINDS: ZSpan['kind'][] = ['', 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

/** zipkin.proto ListOfSpans. */
/** `budget`: what the decoded spans may cost (src/codec/decode-budget.ts), charged while decoding. */
export function decodeV2Proto(body: Buffer, budget: DecodeBudget = defaultBudget()): ZSpan[] {
  const r = new Reader(body, budget);
  r.copyBytes = true;
  const spans: ZSpan[] = [];
  try {
    while (r.pos < r.end) {
      const t = r.tag();
      if (t >>> 3 === 1 && (t & 7) === WT_LEN) {
        const parent = r.enter(ZIPKIN_COST.span);
        const stop = r.want;
        spans.push(protoSpan(r, spans.length));
        r.leave(parent, stop);
      } else r.skip(t);
    }
  } catch (err) {
    if (err instanceof ZipkinDecodeError || err instanceof DecodeLimitError) throw err;
    throw new ZipkinDecodeError(`invalid protobuf: ${(err as Error).message}`);
  }
  return spans;
}

function protoSpan(r: Reader, i: number): ZSpan {
  const s: ZSpan = {
    traceId: new Uint8Array(16),
    id: new Uint8Array(8),
    parentId: undefined,
    name: '',
    kind: '',
    timestamp: 0n,
    duration: 0n,
    localEndpoint: undefined,
    remoteEndpoint: undefined,
    annotations: [],
    tags: new Map(),
  };
  let traceId: Uint8Array | undefined;
  let id: Uint8Array | undefined;
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1 && w === WT_LEN) traceId = r.bytes();
    else if (f === 2 && w === WT_LEN) {
      const p = r.bytes();
      if (p.length !== 0 && p.length !== 8)
        throw new ZipkinDecodeError(`span ${i}: parent_id must be 8 bytes`);
      s.parentId = p.length === 8 ? p : undefined;
    } else if (f === 3 && w === WT_LEN) id = r.bytes();
    else if (f === 4 && w === WT_VARINT) s.kind = PROTO_KINDS[r.int32()] ?? '';
    else if (f === 5 && w === WT_LEN) s.name = r.string();
    else if (f === 6 && w === WT_I64) s.timestamp = r.fixed64();
    else if (f === 7 && w === WT_VARINT) s.duration = r.uint64();
    else if ((f === 8 || f === 9) && w === WT_LEN) {
      const parent = r.enter(ZIPKIN_COST.endpoint);
      const stop = r.want;
      const e = protoEndpoint(r);
      r.leave(parent, stop);
      if (f === 8) s.localEndpoint = e;
      else s.remoteEndpoint = e;
    } else if (f === 10 && w === WT_LEN) {
      const parent = r.enter(ZIPKIN_COST.annotation);
      const stop = r.want;
      let ts = 0n;
      let value = '';
      while (r.pos < r.end) {
        const at = r.tag();
        if (at >>> 3 === 1 && (at & 7) === WT_I64) ts = r.fixed64();
        else if (at >>> 3 === 2 && (at & 7) === WT_LEN) value = r.string();
        else r.skip(at);
      }
      r.leave(parent, stop);
      s.annotations.push({ timestamp: ts, value });
    } else if (f === 11 && w === WT_LEN) {
      const parent = r.enter(ZIPKIN_COST.tag);
      const stop = r.want;
      let k = '';
      let v = '';
      while (r.pos < r.end) {
        const at = r.tag();
        if (at >>> 3 === 1 && (at & 7) === WT_LEN) k = r.string();
        else if (at >>> 3 === 2 && (at & 7) === WT_LEN) v = r.string();
        else r.skip(at);
      }
      r.leave(parent, stop);
      s.tags.set(k, v);
    } else r.skip(t);
  }
  if (!traceId || (traceId.length !== 8 && traceId.length !== 16)) {
    throw new ZipkinDecodeError(`span ${i}: trace_id must be 8 or 16 bytes`);
  }
  s.traceId.set(traceId, 16 - traceId.length);
  if (isZero(s.traceId)) throw new ZipkinDecodeError(`span ${i}: valid trace_id required`);
  if (id?.length !== 8 || isZero(id)) throw new ZipkinDecodeError(`span ${i}: valid 8-byte id required`);
  s.id = id;
  return s;
}

function protoEndpoint(r: Reader): ZEndpoint {
  const e: ZEndpoint = { serviceName: '', ipv4: '', ipv6: '', port: 0 };
  while (r.pos < r.end) {
    const t = r.tag();
    const f = t >>> 3;
    if (f === 1 && (t & 7) === WT_LEN) e.serviceName = r.string();
    else if (f === 2 && (t & 7) === WT_LEN) {
      const b = r.bytes();
      if (b.length !== 0 && b.length !== 4) throw new ZipkinDecodeError('endpoint ipv4 must be 4 bytes');
      e.ipv4 = b.length ? ipString(b) : '';
    } else if (f === 3 && (t & 7) === WT_LEN) {
      const b = r.bytes();
      if (b.length !== 0 && b.length !== 16) throw new ZipkinDecodeError('endpoint ipv6 must be 16 bytes');
      e.ipv6 = b.length ? ipString(b) : '';
    } else if (f === 4 && (t & 7) === WT_VARINT) e.port = r.int32();
    else r.skip(t);
  }
  return e;
}
