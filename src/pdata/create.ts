// Constructors with every field at its proto3 default: code that builds pdata
// (receivers, translators) starts from these and sets what it knows.
import type {
  InstrumentationScope,
  LogRecord,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
} from './types.js';

export const EMPTY_BYTES = new Uint8Array(0);

export function newResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
}

export function newScope(name = '', version = ''): InstrumentationScope {
  return { name, version, attributes: [], droppedAttributesCount: 0 };
}

export function newSpan(): Span {
  return {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    parentSpanId: EMPTY_BYTES,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
}

export function newSpanEvent(): SpanEvent {
  return { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
}

export function newSpanLink(): SpanLink {
  return {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
}

export function newLogRecord(): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: {},
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    eventName: '',
  };
}

export function newResourceSpans(resource = newResource()): ResourceSpans {
  return { resource, scopeSpans: [], schemaUrl: '' };
}
export function newScopeSpans(scope = newScope()): ScopeSpans {
  return { scope, spans: [], schemaUrl: '' };
}
export function newResourceLogs(resource = newResource()): ResourceLogs {
  return { resource, scopeLogs: [], schemaUrl: '' };
}
export function newScopeLogs(scope = newScope()): ScopeLogs {
  return { scope, logRecords: [], schemaUrl: '' };
}
export function newResourceMetrics(resource = newResource()): ResourceMetrics {
  return { resource, scopeMetrics: [], schemaUrl: '' };
}
export function newScopeMetrics(scope = newScope()): ScopeMetrics {
  return { scope, metrics: [], schemaUrl: '' };
}
