// Zipkin v2 spans → OTLP, following the collector's translator
// (pkg/translator/zipkin/zipkinv2 to_translator.go) with its semantic
// convention feature gates at their current defaults (EmitV1NetworkConventions
// and DontEmitV0NetworkConventions are beta, i.e. on):
// - spans grouped by local service name (→ resource service.name, or the key
//   named by the `otlp.service.name.source` tag), then by scope (otel.scope.name
//   / otel.library.name tags); resource-convention tags of a group's first span
//   move to the resource
// - local endpoint IP → network.local.address, port → net.host.port; remote
//   service → service.peer.name, IP → network.peer.address, port → net.peer.port
// - kind from the span kind, else `span.kind: internal`; status from
//   otel.status_code/otel.status_description, and any `error` tag → ERROR
//   (the tag is removed when it is "true")
// - annotations → events (`name|{json attributes}|dropped` expanded), tags
//   `otlp.link.N` → links, `w3c.tracestate` → trace state
// - a missing timestamp → start 0, end = duration, attribute
//   otel.zipkin.absentField.startTime = true
import {
  newResource,
  newResourceSpans,
  newScope,
  newScopeSpans,
  newSpan,
  newSpanEvent,
  newSpanLink,
} from '../../src/pdata/create.js';
import type {
  AnyValue,
  KeyValue,
  Resource,
  ResourceSpans,
  ScopeSpans,
  Span,
  TracesData,
} from '../../src/pdata/types.js';
import { SpanKind, StatusCode } from '../../src/pdata/types.js';
import { ZipkinDecodeError, type ZSpan } from './model.js';
import {
  RESOURCE_KEYS,
  SCOPE_NAME_KEYS,
  SCOPE_VERSION_KEYS,
  SERVICE_NAME_SOURCE,
  START_TIME_ABSENT,
} from './resource-keys.js';

const NO_SERVICE = 'OtlpResourceNoServiceName';
const NON_SPAN = new Set([...RESOURCE_KEYS, SERVICE_NAME_SOURCE, ...SCOPE_NAME_KEYS, ...SCOPE_VERSION_KEYS]);
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
  Unset: 0,
  Ok: 1,
  Error: 2,
};
const KIND: Record<string, number> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

function set(attrs: KeyValue[], key: string, value: AnyValue): void {
  const kv = attrs.find((a) => a.key === key);
  if (kv) kv.value = value;
  else attrs.push({ key, value });
}

const serviceOf = (s: ZSpan) => s.localEndpoint?.serviceName || NO_SERVICE;
const scopeOf = (s: ZSpan) => {
  for (const k of SCOPE_NAME_KEYS) {
    const v = s.tags.get(k);
    if (v !== undefined) return v;
  }
  return '';
};

export function v2ToTraces(input: ZSpan[], parseStringTags: boolean): TracesData {
  const spans = input.map((s, i) => ({ s, i }));
  spans.sort((a, b) => {
    const sa = serviceOf(a.s);
    const sb = serviceOf(b.s);
    if (sa !== sb) return sa < sb ? -1 : 1;
    const la = scopeOf(a.s);
    const lb = scopeOf(b.s);
    if (la !== lb) return la < lb ? -1 : 1;
    return a.i - b.i;
  });
  const out: ResourceSpans[] = [];
  let prevService: string | undefined;
  let prevScope = '';
  let scopeNew = true;
  let rs: ResourceSpans | undefined;
  let ss: ScopeSpans | undefined;
  for (const { s } of spans) {
    const tags = new Map(s.tags);
    const service = serviceOf(s);
    if (service !== prevService) {
      prevService = service;
      rs = newResourceSpans(newResource());
      populateResource(tags, service, rs.resource);
      out.push(rs);
      prevScope = '';
      scopeNew = true;
    }
    const scope = scopeOf(s);
    if (scope !== prevScope || scopeNew) {
      prevScope = scope;
      scopeNew = false;
      ss = newScopeSpans(newScope());
      if (scope !== '') {
        for (const k of SCOPE_NAME_KEYS) if (tags.has(k)) ss.scope.name = tags.get(k)!;
        for (const k of SCOPE_VERSION_KEYS) if (tags.has(k)) ss.scope.version = tags.get(k)!;
        for (const k of [...SCOPE_NAME_KEYS, ...SCOPE_VERSION_KEYS]) tags.delete(k);
      }
      rs!.scopeSpans.push(ss);
    }
    ss!.spans.push(toSpan(s, tags, parseStringTags));
  }
  return { resourceSpans: out };
}

function populateResource(tags: Map<string, string>, service: string, resource: Resource): void {
  if (service === NO_SERVICE) return;
  const attrs = resource.attributes;
  if (tags.size === 0) {
    attrs.push({ key: 'service.name', value: { stringValue: service } });
    return;
  }
  const source = tags.get(SERVICE_NAME_SOURCE);
  set(attrs, source || 'service.name', { stringValue: service });
  tags.delete(SERVICE_NAME_SOURCE);
  for (const key of RESOURCE_KEYS) {
    const v = tags.get(key);
    if (v !== undefined) {
      set(attrs, key, { stringValue: v });
      tags.delete(key);
    }
  }
}

function toSpan(z: ZSpan, tags: Map<string, string>, parseStringTags: boolean): Span {
  const span = newSpan();
  span.traceId = z.traceId;
  span.spanId = z.id;
  const ts = tags.get('w3c.tracestate');
  if (ts !== undefined) {
    span.traceState = ts;
    tags.delete('w3c.tracestate');
  }
  if (z.parentId && !sameBytes(z.parentId, z.id)) span.parentSpanId = z.parentId;
  span.name = z.name;
  span.kind = KIND[z.kind] ?? SpanKind.UNSPECIFIED;
  if (span.kind === SpanKind.UNSPECIFIED) {
    const k = tags.get('span.kind');
    if (k !== undefined) {
      tags.delete('span.kind');
      if (k === 'internal') span.kind = SpanKind.INTERNAL;
    }
  }
  const code = tags.get('otel.status_code');
  if (code !== undefined) {
    span.status.code = STATUS_CODES[code] ?? 0;
    tags.delete('otel.status_code');
    const msg = tags.get('otel.status_description');
    if (msg !== undefined) {
      span.status.message = msg;
      tags.delete('otel.status_description');
    }
  }
  const err = tags.get('error');
  if (err !== undefined) {
    span.status.code = StatusCode.ERROR;
    if (err === 'true') tags.delete('error');
  }
  links(tags, span);
  for (const [key, val] of tags) {
    if (NON_SPAN.has(key)) continue;
    span.attributes.push({ key, value: parseStringTags ? typedTag(val) : { stringValue: val } });
  }
  const attrs = span.attributes;
  const le = z.localEndpoint;
  if (le) {
    if (le.ipv4) set(attrs, 'network.local.address', { stringValue: le.ipv4 });
    if (le.ipv6) set(attrs, 'network.local.address', { stringValue: le.ipv6 });
    if (le.port > 0) set(attrs, 'net.host.port', { intValue: BigInt(le.port) });
  }
  const re = z.remoteEndpoint;
  if (re) {
    if (re.serviceName) set(attrs, 'service.peer.name', { stringValue: re.serviceName });
    if (re.ipv4) set(attrs, 'network.peer.address', { stringValue: re.ipv4 });
    if (re.ipv6) set(attrs, 'network.peer.address', { stringValue: re.ipv6 });
    if (re.port > 0) set(attrs, 'net.peer.port', { intValue: BigInt(re.port) });
  }
  if (z.timestamp === 0n) {
    span.startTimeUnixNano = 0n;
    span.endTimeUnixNano = z.duration * 1000n;
    set(attrs, START_TIME_ABSENT, { boolValue: true });
  } else {
    span.startTimeUnixNano = z.timestamp * 1000n;
    span.endTimeUnixNano = (z.timestamp + z.duration) * 1000n;
  }
  for (const a of z.annotations) {
    const ev = newSpanEvent();
    ev.timeUnixNano = a.timestamp * 1000n;
    const parts = a.value.split('|');
    ev.name = parts[0];
    if (parts.length >= 3) {
      ev.attributes = jsonAttributes(parts.slice(1, -1).join('|'));
      ev.droppedAttributesCount = droppedCount(parts[parts.length - 1]);
    }
    span.events.push(ev);
  }
  return span;
}

function links(tags: Map<string, string>, span: Span): void {
  for (let i = 0; i < 128; i++) {
    const key = `otlp.link.${i}`;
    const val = tags.get(key);
    if (val === undefined) return;
    tags.delete(key);
    const parts = val.split('|');
    if (parts.length < 5) continue;
    const link = newSpanLink();
    link.traceId = linkId(parts[0], 16);
    link.spanId = linkId(parts[1], 8);
    link.traceState = parts[2];
    link.attributes = jsonAttributes(parts.slice(3, -1).join('|'));
    link.droppedAttributesCount = droppedCount(parts[parts.length - 1]);
    span.links.push(link);
  }
}

function linkId(text: string, bytes: number): Uint8Array {
  const s = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  if (s === '') return new Uint8Array(bytes);
  if (s.length !== 2 * bytes) throw new ZipkinDecodeError('invalid length for ID');
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new ZipkinDecodeError(`cannot unmarshal ID from string '${s}'`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function jsonAttributes(text: string): KeyValue[] {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new ZipkinDecodeError(`annotation attributes: ${(err as Error).message}`);
  }
  const out: KeyValue[] = [];
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [key, v] of Object.entries(obj)) {
    if (typeof v === 'string') out.push({ key, value: { stringValue: v } });
    else if (typeof v === 'number') {
      out.push({ key, value: Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v } });
    } else if (typeof v === 'boolean') out.push({ key, value: { boolValue: v } });
  }
  return out;
}

function droppedCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff)
    throw new ZipkinDecodeError(`invalid dropped count "${text}"`);
  return Number(text);
}

const INT_RE = /^-?\d+$/;
const DOUBLE_RE = /^-?\d+\.\d+$/;
const MAX_I64 = (1n << 63n) - 1n;
const MIN_I64 = -(1n << 63n);

/** parse_string_tags: "123" → int, "1.5" → double, "true"/"false" → bool, anything else stays a string. */
export function typedTag(val: string): AnyValue {
  if (INT_RE.test(val)) {
    let n = BigInt(val);
    // strconv.ParseInt saturates on overflow (and the collector ignores the error)
    if (n > MAX_I64) n = MAX_I64;
    if (n < MIN_I64) n = MIN_I64;
    return { intValue: n };
  }
  if (DOUBLE_RE.test(val)) return { doubleValue: Number(val) };
  if (val === 'true' || val === 'false') return { boolValue: val === 'true' };
  return { stringValue: val };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
