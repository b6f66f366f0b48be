// Jaeger -> OTLP, with the meaning the collector's pkg/translator/jaeger gives
// (rules listed in receivers/jaeger/README.md). Works on decoded batches it
// owns: tag arrays are reused as attribute arrays, with the tags that carry
// span fields (kind, status, scope, trace state) taken out.
import { findAttr } from '../../pdata/attributes.js';
import { newResource, newResourceSpans, newScope, newScopeSpans, newSpan } from '../../pdata/create.js';
import type {
  AnyValue,
  KeyValue,
  Resource,
  ResourceSpans,
  Span,
  SpanEvent,
  SpanLink,
  TracesData,
} from '../../pdata/types.js';
import { SpanKind, StatusCode } from '../../pdata/types.js';
import * as K from './keys.js';
import { type JBatch, type JProcess, type JRef, type JSpan, RefType } from './model.js';

export function jaegerToTraces(batches: JBatch[]): TracesData {
  const resourceSpans: ResourceSpans[] = [];
  for (const b of batches) appendBatch(b, resourceSpans);
  return { resourceSpans };
}

function appendBatch(batch: JBatch, out: ResourceSpans[]): void {
  // Spans may carry their own process (api_v2); each distinct one is its own resource.
  let main: ResourceSpans | undefined;
  let others: Map<JProcess, ResourceSpans> | undefined;
  const scopesOf = new Map<ResourceSpans, Map<string, Span[]>>();
  for (const js of batch.spans) {
    let rs: ResourceSpans;
    if (js.process && js.process !== batch.process) {
      others ??= new Map();
      let r = others.get(js.process);
      if (!r) {
        r = newResourceSpans(processToResource(js.process));
        others.set(js.process, r);
        out.push(r);
      }
      rs = r;
    } else {
      if (!main) {
        main = newResourceSpans(processToResource(batch.process));
        out.push(main);
      }
      rs = main;
    }
    const span = newSpan();
    const scope = translateSpan(js, span);
    let scopes = scopesOf.get(rs);
    if (!scopes) {
      scopes = new Map();
      scopesOf.set(rs, scopes);
    }
    const key = `${scope.name}\u0000${scope.version}`;
    let spans = scopes.get(key);
    if (!spans) {
      const ss = newScopeSpans(newScope(scope.name, scope.version));
      rs.scopeSpans.push(ss);
      spans = ss.spans;
      scopes.set(key, spans);
    }
    spans.push(span);
  }
}

export function processToResource(p: JProcess | undefined): Resource {
  const res = newResource();
  if (!p || p.serviceName === K.NO_SERVICE_NAME) return res;
  const attrs = res.attributes;
  if (p.serviceName !== '') attrs.push({ key: K.SERVICE_NAME, value: { stringValue: p.serviceName } });
  for (const t of p.tags) attrs.push(t);
  putSemantics(attrs);
  renameTag(attrs, K.JAEGER_HOSTNAME, K.HOST_NAME, '');
  renameTag(attrs, K.JAEGER_VERSION, K.EXPORTER_VERSION, 'Jaeger-');
  return res;
}

/** `hostname` -> `host.name`, `jaeger.version` -> `opencensus.exporterversion` (unless already set). */
function renameTag(attrs: KeyValue[], from: string, to: string, prefix: string): void {
  const i = attrs.findIndex((kv) => kv.key === from);
  if (i < 0 || findAttr(attrs, to)) return;
  const v = attrs[i].value;
  attrs.splice(i, 1);
  attrs.push({ key: to, value: { stringValue: prefix + asStr(v) } });
}

function asStr(v: AnyValue): string {
  return 'stringValue' in v ? (v.stringValue as string) : '';
}

const KINDS: Record<string, number> = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

/**
 * Tags made attributes the way the collector's translator makes them: one pcommon.Map Put per
 * tag, so a key that repeats keeps the place of its first occurrence and the value of its last
 * (OTLP attribute keys are unique). In place; the usual tag list, with no repeated key, is only
 * scanned.
 */
export function putSemantics(tags: KeyValue[]): void {
  const n = tags.length;
  if (n < 2) return;
  if (n <= 16) {
    let dup = false;
    for (let i = 1; i < n && !dup; i++)
      for (let j = 0; j < i; j++) if (tags[j].key === tags[i].key) dup = true;
    if (!dup) return;
  }
  const firstAt = new Map<string, number>();
  let w = 0;
  for (let r = 0; r < n; r++) {
    const kv = tags[r];
    const at = firstAt.get(kv.key);
    if (at === undefined) {
      firstAt.set(kv.key, w);
      tags[w++] = kv;
    } else tags[at] = kv;
  }
  tags.length = w;
}

/** Fills `span` from `js`; returns its instrumentation scope. */
function translateSpan(js: JSpan, span: Span): { name: string; version: string } {
  span.traceId = js.traceId;
  span.spanId = js.spanId;
  span.name = js.operationName;
  span.flags = js.flags & 0xff;
  span.startTimeUnixNano = js.startTimeUnixNano;
  span.endTimeUnixNano = js.startTimeUnixNano + js.durationNano;

  // One pass to find the tags that carry span fields (each key once: putSemantics keeps the
  // last occurrence's value, as the collector reads special tags from its attribute map).
  const tags = js.tags;
  putSemantics(tags);
  let iKind = -1;
  let iError = -1;
  let iCode = -1;
  let iDesc = -1;
  let iState = -1;
  let iScope = -1;
  let iScopeV = -1;
  let iLib = -1;
  let iLibV = -1;
  let iHttp = -1;
  let iHttpMsg = -1;
  for (let i = 0; i < tags.length; i++) {
    const k = tags[i].key;
    // Cheap filter: every special key starts with one of these letters.
    const c = k.charCodeAt(0);
    if (c !== 115 && c !== 101 && c !== 111 && c !== 119 && c !== 104) continue; // s e o w h
    switch (k) {
      case K.SPAN_KIND:
        if (iKind < 0) iKind = i;
        break;
      case K.ERROR:
        if (iError < 0) iError = i;
        break;
      case K.STATUS_CODE:
        if (iCode < 0) iCode = i;
        break;
      case K.STATUS_DESCRIPTION:
        if (iDesc < 0) iDesc = i;
        break;
      case K.TRACE_STATE:
        if (iState < 0) iState = i;
        break;
      case K.SCOPE_NAME:
        if (iScope < 0) iScope = i;
        break;
      case K.SCOPE_VERSION:
        if (iScopeV < 0) iScopeV = i;
        break;
      case K.LIBRARY_NAME:
        if (iLib < 0) iLib = i;
        break;
      case K.LIBRARY_VERSION:
        if (iLibV < 0) iLibV = i;
        break;
      case K.HTTP_STATUS_CODE:
        if (iHttp < 0) iHttp = i;
        break;
      case K.HTTP_STATUS_MESSAGE:
        if (iHttpMsg < 0) iHttpMsg = i;
        break;
    }
  }

  let removed = 0;
  const remove = (i: number) => {
    if (i < 0) return;
    (tags[i] as { key: string | null }).key = null;
    removed++;
  };

  // Scope: otel.scope.* first, then the older otel.library.*.
  let scopeName = '';
  let scopeVersion = '';
  if (iScope >= 0) {
    scopeName = asStr(tags[iScope].value);
    remove(iScope);
    if (iScopeV >= 0) {
      scopeVersion = asStr(tags[iScopeV].value);
      remove(iScopeV);
    }
  } else if (iLib >= 0) {
    scopeName = asStr(tags[iLib].value);
    remove(iLib);
    if (iLibV >= 0) {
      scopeVersion = asStr(tags[iLibV].value);
      remove(iLibV);
    }
  }

  if (iKind >= 0) {
    span.kind = KINDS[asStr(tags[iKind].value)] ?? SpanKind.UNSPECIFIED;
    remove(iKind);
  }

  // Status (the collector's setInternalSpanStatus): `error=true` is the ultimate truth, with
  // otel.status_description or else http.status_message (kept as an attribute) as its message;
  // then otel.status_code; then the HTTP status code with http.status_message.
  let hasStatus = false;
  let code: number = StatusCode.UNSET;
  let message = '';
  if (iError >= 0) {
    const v = tags[iError].value;
    if ('boolValue' in v && v.boolValue) {
      code = StatusCode.ERROR;
      hasStatus = true;
      remove(iError);
      if (iDesc >= 0) {
        message = asStr(tags[iDesc].value);
        remove(iDesc);
      } else if (iHttpMsg >= 0) message = asStr(tags[iHttpMsg].value);
    }
  }
  if (iCode >= 0) {
    if (!hasStatus) {
      hasStatus = true;
      const s = asStr(tags[iCode].value).toUpperCase();
      code = s === 'OK' ? StatusCode.OK : s === 'ERROR' ? StatusCode.ERROR : StatusCode.UNSET;
      if (iDesc >= 0) {
        message = asStr(tags[iDesc].value);
        remove(iDesc);
      }
    }
    remove(iCode);
  } else if (!hasStatus && iHttp >= 0) {
    const c = httpStatusToCode(tags[iHttp].value, span.kind);
    if (c !== StatusCode.UNSET) {
      hasStatus = true;
      code = c;
      if (iHttpMsg >= 0) message = asStr(tags[iHttpMsg].value);
    }
  }
  if (hasStatus) span.status = { code, message };

  if (iState >= 0) {
    span.traceState = asStr(tags[iState].value);
    remove(iState);
  }

  if (removed > 0) {
    let w = 0;
    for (let r = 0; r < tags.length; r++) if (tags[r].key !== null) tags[w++] = tags[r];
    tags.length = w;
  }
  span.attributes = tags;

  const logs = js.logs;
  if (logs.length > 0) {
    const events: SpanEvent[] = new Array(logs.length);
    for (let i = 0; i < logs.length; i++) {
      const l = logs[i];
      const fields = l.fields;
      putSemantics(fields); // two `event` fields: the last names the event, as in the collector
      let name = '';
      const j = fields.findIndex((f) => f.key === K.EVENT_NAME);
      if (j >= 0) {
        name = asStr(fields[j].value);
        fields.splice(j, 1);
      }
      events[i] = { timeUnixNano: l.timeUnixNano, name, attributes: fields, droppedAttributesCount: 0 };
    }
    span.events = events;
  }

  // Parent (Jaeger's Span.ParentSpanID(), the collector's jThriftSpanParentID): thrift's explicit
  // parentSpanId, else the first CHILD_OF reference in the same trace, else the first FOLLOWS_FROM.
  let parent = js.parentSpanId;
  const refs = js.references;
  if (parent.length === 0) {
    let followsFrom: Uint8Array | undefined;
    for (const r of refs) {
      if (!sameId(r.traceId, js.traceId)) continue;
      if (r.refType === RefType.CHILD_OF) {
        parent = r.spanId;
        break;
      }
      if (followsFrom === undefined && r.refType === RefType.FOLLOWS_FROM) followsFrom = r.spanId;
    }
    if (parent.length === 0 && followsFrom !== undefined) parent = followsFrom;
  }
  span.parentSpanId = parent;
  if (refs.length > 0) span.links = refsToLinks(refs, parent);
  return { name: scopeName, version: scopeVersion };
}

function refsToLinks(refs: JRef[], parent: Uint8Array): SpanLink[] {
  const links: SpanLink[] = [];
  for (const r of refs) {
    if (r.refType === RefType.CHILD_OF && parent.length > 0 && sameId(r.spanId, parent)) continue;
    links.push({
      traceId: r.traceId,
      spanId: r.spanId,
      traceState: '',
      attributes: [
        {
          key: K.REF_TYPE,
          value: { stringValue: r.refType === RefType.CHILD_OF ? K.REF_CHILD_OF : K.REF_FOLLOWS_FROM },
        },
      ],
      droppedAttributesCount: 0,
      flags: 0,
    });
  }
  return links;
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The collector's fallback: an HTTP status marks an error (4xx only on client spans). */
function httpStatusToCode(v: AnyValue, kind: number): number {
  let n: number;
  if ('intValue' in v) n = Number(v.intValue);
  else if ('stringValue' in v && /^-?\d+$/.test(v.stringValue as string)) n = Number(v.stringValue);
  else return StatusCode.UNSET;
  if (n >= 400 && n < 500 && kind === SpanKind.SERVER) return StatusCode.UNSET;
  return n >= 100 && n < 399 ? StatusCode.UNSET : StatusCode.ERROR;
}
