// Documents per mapping mode (pure): log records, spans and span events →
// JSON source text. Resource and scope parts are rendered once per
// resource/scope and spliced into every document below them.
import type { InstrumentationScope, LogRecord, Resource, Span, SpanEvent } from '../../src/pdata/types.js';
import { ecsResourceField } from './ecs.js';
import { hex, isoNanos, jsonObject, jsonPairs, jsonValue, quote, textOf } from './json.js';

export type MappingMode = 'otel' | 'ecs' | 'raw' | 'bodymap' | 'none';

export interface DataStream {
  type: string;
  dataset: string;
  namespace: string;
}

/** Routing attributes are consumed by routing, not stored as attributes. */
export function isRoutingAttr(key: string): boolean {
  return (
    (key.charCodeAt(0) === 100 && key.startsWith('data_stream.')) ||
    (key.charCodeAt(0) === 101 && key.startsWith('elasticsearch.'))
  );
}

const KIND = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS = ['Unset', 'Ok', 'Error'];

export function dsOtel(ds: DataStream | undefined): string {
  return ds
    ? `,"data_stream":{"type":${quote(ds.type)},"dataset":${quote(ds.dataset)},"namespace":${quote(ds.namespace)}}`
    : '';
}

function dsFlat(ds: DataStream | undefined): string {
  return ds
    ? `,"data_stream.type":${quote(ds.type)},"data_stream.dataset":${quote(ds.dataset)},"data_stream.namespace":${quote(ds.namespace)}`
    : '';
}

/** The resource fragment (leading comma) for a mode. */
export function resourceFragment(mode: MappingMode, r: Resource, schemaUrl: string): string {
  if (mode === 'otel') {
    let s = `,"resource":{"attributes":${jsonObject(r.attributes, isRoutingAttr)}`;
    if (r.droppedAttributesCount) s += `,"dropped_attributes_count":${r.droppedAttributesCount}`;
    if (schemaUrl) s += `,"schema_url":${quote(schemaUrl)}`;
    return `${s}}`;
  }
  if (mode === 'ecs') {
    let s = '';
    for (const kv of r.attributes) {
      if (isRoutingAttr(kv.key)) continue;
      s += `,${quote(ecsResourceField(kv.key))}:${jsonValue(kv.value)}`;
      if (kv.key === 'host.name') s += `,"host.name":${jsonValue(kv.value)}`;
    }
    return s;
  }
  return jsonPairs(r.attributes, mode === 'none' ? 'Resource.' : '', isRoutingAttr);
}

export function scopeFragment(mode: MappingMode, sc: InstrumentationScope, schemaUrl: string): string {
  if (mode === 'otel') {
    let s = '';
    if (sc.name) s += `,"name":${quote(sc.name)}`;
    if (sc.version) s += `,"version":${quote(sc.version)}`;
    if (sc.attributes.length) s += `,"attributes":${jsonObject(sc.attributes, isRoutingAttr)}`;
    if (schemaUrl) s += `,"schema_url":${quote(schemaUrl)}`;
    return s ? `,"scope":{${s.slice(1)}}` : '';
  }
  if (mode === 'ecs') return jsonPairs(sc.attributes, '', isRoutingAttr);
  let s = '';
  if (sc.name) s += `,"Scope.name":${quote(sc.name)}`;
  if (sc.version) s += `,"Scope.version":${quote(sc.version)}`;
  return s + jsonPairs(sc.attributes, 'Scope.', isRoutingAttr);
}

/**
 * A log record's document, or an error string when the mode cannot represent
 * it. `open`: the text stops before the resource and scope parts and the
 * closing brace, which the caller appends once-encoded (they are the same for
 * every record of a scope).
 */
export function logDocument(
  mode: MappingMode,
  rec: LogRecord,
  ds: DataStream | undefined,
): { source: string; open: boolean } | { error: string } {
  // No time at all: now, rather than 1970 (which would land in an ancient backing index).
  const ts = rec.timeUnixNano || rec.observedTimeUnixNano || BigInt(Date.now()) * 1_000_000n;
  const traceId = rec.traceId.length ? hex(rec.traceId) : '';
  const spanId = rec.spanId.length ? hex(rec.spanId) : '';
  switch (mode) {
    case 'bodymap':
      if (!('kvlistValue' in rec.body)) return { error: 'bodymap mapping mode requires a map body' };
      return { source: jsonValue(rec.body), open: false };
    case 'otel': {
      let s = `{"@timestamp":"${isoNanos(ts)}"`;
      if (rec.observedTimeUnixNano) s += `,"observed_timestamp":"${isoNanos(rec.observedTimeUnixNano)}"`;
      s += dsOtel(ds);
      if ('kvlistValue' in rec.body) s += `,"body":{"structured":${jsonValue(rec.body)}}`;
      else if (!isEmpty(rec.body)) s += `,"body":{"text":${quote(textOf(rec.body))}}`;
      if (rec.severityText) s += `,"severity_text":${quote(rec.severityText)}`;
      if (rec.severityNumber) s += `,"severity_number":${rec.severityNumber}`;
      if (rec.eventName) s += `,"event_name":${quote(rec.eventName)}`;
      if (traceId) s += `,"trace_id":"${traceId}"`;
      if (spanId) s += `,"span_id":"${spanId}"`;
      if (rec.flags) s += `,"trace_flags":${rec.flags & 0xff}`;
      if (rec.attributes.length) s += `,"attributes":${jsonObject(rec.attributes, isRoutingAttr)}`;
      if (rec.droppedAttributesCount) s += `,"dropped_attributes_count":${rec.droppedAttributesCount}`;
      return { source: s, open: true };
    }
    case 'ecs': {
      let s = `{"@timestamp":"${isoNanos(ts)}"`;
      if (!isEmpty(rec.body)) s += `,"message":${quote(textOf(rec.body))}`;
      if (rec.severityText) s += `,"log.level":${quote(rec.severityText)}`;
      if (rec.severityNumber) s += `,"event.severity":${rec.severityNumber}`;
      if (rec.eventName) s += `,"event.action":${quote(rec.eventName)}`;
      if (traceId) s += `,"trace.id":"${traceId}"`;
      if (spanId) s += `,"span.id":"${spanId}"`;
      s += dsFlat(ds);
      return { source: s + jsonPairs(rec.attributes, '', isRoutingAttr), open: true };
    }
    default: {
      let s = `{"@timestamp":"${isoNanos(ts)}"`;
      if (!isEmpty(rec.body)) s += `,"Body":${jsonValue(rec.body)}`;
      if (rec.severityText) s += `,"SeverityText":${quote(rec.severityText)}`;
      if (rec.severityNumber) s += `,"SeverityNumber":${rec.severityNumber}`;
      if (rec.flags) s += `,"TraceFlags":${rec.flags}`;
      if (traceId) s += `,"TraceId":"${traceId}"`;
      if (spanId) s += `,"SpanId":"${spanId}"`;
      s += dsFlat(ds);
      const attrs = jsonPairs(rec.attributes, mode === 'none' ? 'Attributes.' : '', isRoutingAttr);
      return { source: s + attrs, open: true };
    }
  }
}

export function spanDocument(
  mode: MappingMode,
  span: Span,
  res: string,
  scope: string,
  ds: DataStream | undefined,
): { source: string } | { error: string } {
  const traceId = hex(span.traceId);
  const spanId = hex(span.spanId);
  const parent = span.parentSpanId.length ? hex(span.parentSpanId) : '';
  const duration =
    span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  switch (mode) {
    case 'bodymap':
      return { error: 'bodymap mapping mode supports logs only' };
    case 'otel': {
      let s = `{"@timestamp":"${isoNanos(span.startTimeUnixNano)}"${dsOtel(ds)}`;
      s += `,"trace_id":"${traceId}","span_id":"${spanId}"`;
      if (parent) s += `,"parent_span_id":"${parent}"`;
      if (span.traceState) s += `,"trace_state":${quote(span.traceState)}`;
      s += `,"name":${quote(span.name)},"kind":"${KIND[span.kind] ?? 'Unspecified'}","duration":${duration}`;
      s += `,"status":{"code":"${STATUS[span.status.code] ?? 'Unset'}"`;
      if (span.status.message) s += `,"message":${quote(span.status.message)}`;
      s += '}';
      if (span.attributes.length) s += `,"attributes":${jsonObject(span.attributes, isRoutingAttr)}`;
      if (span.links.length) {
        s += ',"links":[';
        span.links.forEach((l, i) => {
          s += `${i ? ',' : ''}{"trace_id":"${hex(l.traceId)}","span_id":"${hex(l.spanId)}"`;
          if (l.traceState) s += `,"trace_state":${quote(l.traceState)}`;
          if (l.attributes.length) s += `,"attributes":${jsonObject(l.attributes)}`;
          s += '}';
        });
        s += ']';
      }
      if (span.droppedAttributesCount) s += `,"dropped_attributes_count":${span.droppedAttributesCount}`;
      if (span.droppedEventsCount) s += `,"dropped_events_count":${span.droppedEventsCount}`;
      if (span.droppedLinksCount) s += `,"dropped_links_count":${span.droppedLinksCount}`;
      return { source: `${s}${res}${scope}}` };
    }
    case 'ecs': {
      let s = `{"@timestamp":"${isoNanos(span.startTimeUnixNano)}","trace.id":"${traceId}","span.id":"${spanId}"`;
      if (parent) s += `,"parent.id":"${parent}"`;
      s += `,"span.name":${quote(span.name)},"span.kind":"${(KIND[span.kind] ?? 'Unspecified').toLowerCase()}"`;
      s += `,"event.duration":${duration},"event.outcome":"${span.status.code === 2 ? 'failure' : span.status.code === 1 ? 'success' : 'unknown'}"`;
      if (span.status.message) s += `,"span.status.message":${quote(span.status.message)}`;
      s += dsFlat(ds);
      return { source: `${s}${res}${scope}${jsonPairs(span.attributes, '', isRoutingAttr)}}` };
    }
    default: {
      let s = `{"@timestamp":"${isoNanos(span.startTimeUnixNano)}","EndTimestamp":"${isoNanos(span.endTimeUnixNano)}"`;
      s += `,"TraceId":"${traceId}","SpanId":"${spanId}"`;
      if (parent) s += `,"ParentSpanId":"${parent}"`;
      s += `,"Name":${quote(span.name)},"Kind":"${KIND[span.kind] ?? 'Unspecified'}","Duration":${duration}`;
      s += `,"TraceStatus":${span.status.code}`;
      if (span.status.message) s += `,"TraceStatusDescription":${quote(span.status.message)}`;
      s += dsFlat(ds);
      const attrs = jsonPairs(span.attributes, mode === 'none' ? 'Attributes.' : '', isRoutingAttr);
      return { source: `${s}${res}${scope}${attrs}}` };
    }
  }
}

/** A span event as a log document carrying its span's trace.id / span.id. */
export function spanEventDocument(
  mode: MappingMode,
  ev: SpanEvent,
  span: Span,
  res: string,
  scope: string,
  ds: DataStream | undefined,
): string {
  const traceId = hex(span.traceId);
  const spanId = hex(span.spanId);
  if (mode === 'otel') {
    let s = `{"@timestamp":"${isoNanos(ev.timeUnixNano)}"${dsOtel(ds)},"event_name":${quote(ev.name)}`;
    s += `,"trace_id":"${traceId}","span_id":"${spanId}"`;
    s += `,"attributes":${jsonObject([{ key: 'event.name', value: { stringValue: ev.name } }, ...ev.attributes], isRoutingAttr)}`;
    return `${s}${res}${scope}}`;
  }
  if (mode === 'ecs') {
    const s = `{"@timestamp":"${isoNanos(ev.timeUnixNano)}","event.action":${quote(ev.name)},"trace.id":"${traceId}","span.id":"${spanId}"${dsFlat(ds)}`;
    return `${s}${res}${scope}${jsonPairs(ev.attributes, '', isRoutingAttr)}}`;
  }
  const s = `{"@timestamp":"${isoNanos(ev.timeUnixNano)}","EventName":${quote(ev.name)},"TraceId":"${traceId}","SpanId":"${spanId}"${dsFlat(ds)}`;
  return `${s}${res}${scope}${jsonPairs(ev.attributes, mode === 'none' ? 'Attributes.' : '', isRoutingAttr)}}`;
}

function isEmpty(v: object): boolean {
  for (const _k in v) return false;
  return true;
}
