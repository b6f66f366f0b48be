// OTLP -> Jaeger: the inverse of to-otlp.ts, as the collector's exporters did
// it. One Jaeger batch per resource. Attribute values stay AnyValues here; the
// wire encoders map them onto Jaeger's tag types (maps/arrays become JSON strings).
import type { AnyValue, KeyValue, Resource, Span, SpanEvent, TracesData } from '../../pdata/types.js';
import { SpanKind, StatusCode } from '../../pdata/types.js';
import * as K from './keys.js';
import { type JBatch, type JLog, type JProcess, type JRef, type JSpan, RefType } from './model.js';

export function tracesToJaeger(td: TracesData): JBatch[] {
  const out: JBatch[] = [];
  for (const rs of td.resourceSpans) {
    const spans: JSpan[] = [];
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) spans.push(spanToJaeger(s, ss.scope.name, ss.scope.version));
    out.push({ process: resourceToProcess(rs.resource), spans });
  }
  return out;
}

export function resourceToProcess(r: Resource): JProcess {
  const attrs = r.attributes;
  if (attrs.length === 0) return { serviceName: K.NO_SERVICE_NAME, tags: [] };
  let serviceName = '';
  const tags: KeyValue[] = [];
  for (const kv of attrs) {
    if (kv.key === K.SERVICE_NAME) serviceName = str(kv.value);
    else tags.push(kv);
  }
  return { serviceName, tags };
}

const KIND_NAMES: Record<number, string> = {
  [SpanKind.CLIENT]: 'client',
  [SpanKind.SERVER]: 'server',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
  [SpanKind.INTERNAL]: 'internal',
};

function strTag(key: string, v: string): KeyValue {
  return { key, value: { stringValue: v } };
}

function spanToJaeger(s: Span, scopeName: string, scopeVersion: string): JSpan {
  const tags: KeyValue[] = [];
  if (scopeName !== '') {
    tags.push(strTag(K.SCOPE_NAME, scopeName));
    if (scopeVersion !== '') tags.push(strTag(K.SCOPE_VERSION, scopeVersion));
  }
  for (const kv of s.attributes) tags.push(kv);
  const kind = KIND_NAMES[s.kind];
  if (kind) tags.push(strTag(K.SPAN_KIND, kind));
  const code = s.status.code;
  if (code === StatusCode.OK) tags.push(strTag(K.STATUS_CODE, 'OK'));
  else if (code === StatusCode.ERROR) {
    tags.push(strTag(K.STATUS_CODE, 'ERROR'));
    tags.push({ key: K.ERROR, value: { boolValue: true } });
  }
  if (s.status.message !== '') tags.push(strTag(K.STATUS_DESCRIPTION, s.status.message));
  if (s.traceState !== '') tags.push(strTag(K.TRACE_STATE, s.traceState));

  const references: JRef[] = [];
  if (s.parentSpanId.length > 0)
    references.push({ refType: RefType.CHILD_OF, traceId: s.traceId, spanId: s.parentSpanId });
  for (const l of s.links) {
    const t = l.attributes.find((a) => a.key === K.REF_TYPE);
    const refType = t && str(t.value) === K.REF_CHILD_OF ? RefType.CHILD_OF : RefType.FOLLOWS_FROM;
    references.push({ refType, traceId: l.traceId, spanId: l.spanId });
  }

  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    operationName: s.name,
    references,
    flags: s.flags & 0xff,
    startTimeUnixNano: s.startTimeUnixNano,
    durationNano: s.endTimeUnixNano - s.startTimeUnixNano,
    tags,
    logs: s.events.map(eventToLog),
  };
}

function eventToLog(e: SpanEvent): JLog {
  const fields: KeyValue[] = [];
  if (e.name !== '' && !e.attributes.some((a) => a.key === K.EVENT_NAME))
    fields.push(strTag(K.EVENT_NAME, e.name));
  for (const kv of e.attributes) fields.push(kv);
  return { timeUnixNano: e.timeUnixNano, fields };
}

function str(v: AnyValue): string {
  return 'stringValue' in v ? (v.stringValue as string) : '';
}
