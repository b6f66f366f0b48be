// trace.proto: ExportTraceServiceRequest (same wire shape as TracesData) <-> TracesData.

import { defineLazyList, type Lease, rawList } from '../pdata/lazy.js';
import type {
  InstrumentationScope,
  KeyValue,
  Resource,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  Status,
  TracesData,
} from '../pdata/types.js';
import { type DecodeBudget, defaultBudget, UNLIMITED_BUDGET } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { atPath } from './errors.js';
import {
  anyKind,
  checkId,
  decodeResource,
  decodeScope,
  EMPTY_BYTES,
  pushKeyValue,
  rawSize,
  sizeKeyValues,
  sizeResourceField,
  sizeScopeField,
  varintSizeU,
  writeKeyValues,
  writeResourceField,
  writeScopeField,
} from './proto-common.js';
import { decodeTopLazy, lazyOrFull, SCOPE_SPANS, scopeListDecoder } from './proto-lazy.js';
import {
  encodedTopSize,
  encodeScopeList,
  encodeTop,
  encodeTopChunks,
  int32Size,
  lenFieldSize,
  Reader,
  reserve,
  sizes,
  strField,
  type TopCodec,
  type Writer,
  WT_I32,
  WT_I64,
  WT_LEN,
  WT_VARINT,
} from './proto-wire.js';
import {
  anyUnchanged,
  attributeSpan,
  attributesUnchanged,
  type FieldEncoder,
  loadAttributes,
  patchedSize,
  scalarOf,
  sizeAttributesWithSets,
  sizeTrackedAttributes,
  splicedSize,
  type WireCodec,
  WireList,
  writeAttributesWithSets,
  writePatched,
  writeSpliced,
  writeTrackedAttributes,
  writeUnchangedRun,
} from './wire-item.js';
import { WireSpan } from './wire-span.js';

// ---------------------------------------------------------------- decode

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeTraces(buf: Uint8Array, budget?: DecodeBudget): TracesData {
  const r = new Reader(buf, budget);
  const resourceSpans: ResourceSpans[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      if ((t & 7) !== WT_LEN) throw r.wrongType('resource_spans', t, WT_LEN);
      try {
        resourceSpans.push(decodeResourceSpans(r));
      } catch (e) {
        throw atPath(e, 'resource_spans', resourceSpans.length);
      }
    } else r.skip(t);
  }
  return { resourceSpans };
}

/**
 * Like decodeTraces, but spans stay wire bytes until read (proto-lazy.ts).
 * The input must not be reused. Invalid input throws the full decoder's error.
 * `trusted`: bytes this process encoded; only counted, not validated.
 * `budget`: what the request may cost once decoded, its lazy items included (decode-budget.ts).
 * `lease`: `buf` is a pooled buffer, reused once the lease is let go (src/pdata/lazy.ts); the
 * result then holds no view of it except the lazy lists, which copy it out when read.
 */
export function decodeTracesLazy(
  buf: Uint8Array,
  trusted = false,
  lease?: Lease,
  budget: DecodeBudget = trusted ? UNLIMITED_BUDGET : defaultBudget(),
): TracesData {
  return lazyOrFull(
    buf,
    (b) => ({
      resourceSpans: decodeTopLazy(
        b,
        SCOPE_SPANS,
        'scopeSpans',
        decodeScopeSpansWire,
        (resource, schemaUrl) => ({
          resource,
          scopeSpans: [] as ScopeSpans[],
          schemaUrl,
        }),
        trusted,
        lease,
        budget,
      ),
    }),
    decodeTraces,
    lease !== undefined,
    budget,
  );
}

function decodeResourceSpans(r: Reader): ResourceSpans {
  const pe = r.enter(COST.resourceLevel);
  const stop = r.want;
  let resource: Resource | undefined;
  const scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('resource', t, WT_LEN);
        try {
          resource = decodeResource(r);
        } catch (e) {
          throw atPath(e, 'resource');
        }
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('scope_spans', t, WT_LEN);
        try {
          scopeSpans.push(decodeScopeSpans(r));
        } catch (e) {
          throw atPath(e, 'scope_spans', scopeSpans.length);
        }
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('schema_url', t, WT_LEN);
        schemaUrl = r.string();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return {
    resource: resource ?? { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
    scopeSpans,
    schemaUrl,
  };
}

function decodeScopeSpans(r: Reader): ScopeSpans {
  const pe = r.enter(COST.scopeLevel);
  const stop = r.want;
  let scope: InstrumentationScope | undefined;
  const spans: Span[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('scope', t, WT_LEN);
        try {
          scope = decodeScope(r);
        } catch (e) {
          throw atPath(e, 'scope');
        }
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('spans', t, WT_LEN);
        try {
          spans.push(decodeSpan(r));
        } catch (e) {
          throw atPath(e, 'spans', spans.length);
        }
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('schema_url', t, WT_LEN);
        schemaUrl = r.string();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return {
    scope: scope ?? { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
    spans,
    schemaUrl,
  };
}

// ---------------------------------------------------------------- wire spans (wire-item.ts)

const decodeSpanScopeList = scopeListDecoder((seg: Uint8Array) => decodeScopeSpansWire(seg));

/**
 * A ResourceSpans whose scope list is kept as `raw` (ScopeSpans entries, tags included, as a
 * lazily decoded request keeps them; `items` spans in them) and read the same way: written back
 * as these bytes while nobody reads it. The bytes must be well-formed (this process wrote them,
 * e.g. a kept list's entries regrouped), and unpooled or in a pooled buffer given with its `lease`.
 */
export function resourceSpansFromWire(
  resource: Resource,
  schemaUrl: string,
  raw: Uint8Array[],
  items: number,
  lease?: Lease,
): ResourceSpans {
  const entry: ResourceSpans = { resource, scopeSpans: [], schemaUrl };
  defineLazyList(entry, 'scopeSpans', raw, items, decodeSpanScopeList, lease);
  return entry;
}

/**
 * Keeps `bytes` (ScopeSpans fields, tags included, well-formed, in their own memory; `items` spans)
 * as the scope list of `rs` from now on, read lazily like a request's (a pass that rewrote the
 * list without decoding it: src/codec/wire-span-pass.ts).
 */
export function keepScopeSpansBytes(rs: ResourceSpans, bytes: Uint8Array, items: number): void {
  defineLazyList(rs, 'scopeSpans', [bytes], items, decodeSpanScopeList);
}

/** The scope entries of a kept list segment, their spans left as wire spans. */
function decodeScopeSpansWire(seg: Uint8Array): ScopeSpans[] {
  const list = new WireList<WireSpan>(seg, SPAN_WIRE);
  const r = list.r;
  const out: ScopeSpans[] = [];
  while (r.pos < r.end) {
    r.tag();
    const pe = r.enter(COST.scopeLevel);
    const stop = r.want;
    let scope: InstrumentationScope | undefined;
    const spans: Span[] = [];
    let schemaUrl = '';
    while (r.pos < r.end) {
      const t = r.tag();
      switch (t >>> 3) {
        case 1:
          scope = decodeScope(r);
          break;
        case 2: {
          const end = r.lenEnd();
          spans.push(new WireSpan(list, r.pos, end, list.count++));
          r.pos = end;
          break;
        }
        case 3:
          schemaUrl = r.string();
          break;
        default:
          r.skip(t);
      }
    }
    r.leave(pe, stop);
    out.push({
      scope: scope ?? { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
      spans,
      schemaUrl,
    });
  }
  return out;
}

const REPEATED = (1 << 9) | (1 << 11) | (1 << 13);

const SPAN_WIRE: WireCodec<WireSpan> = {
  slots: 17,
  repeated: REPEATED,
  load(s: WireSpan, fn: number): void {
    const list = s.list;
    const end = s.end;
    const at = list.at(s.i, s.start, end, fn);
    switch (fn) {
      case 1:
        if (at !== 0) s._traceId = list.reader(at, end).bytes();
        return;
      case 2:
        if (at !== 0) s._spanId = list.reader(at, end).bytes();
        return;
      case 3:
        if (at !== 0) s._traceState = list.reader(at, end).string();
        return;
      case 4:
        if (at !== 0) s._parentSpanId = list.reader(at, end).bytes();
        return;
      case 5:
        if (at !== 0) s._name = list.reader(at, end).string();
        return;
      case 6:
        if (at !== 0) s._kind = list.reader(at, end).int32();
        return;
      case 7:
        if (at !== 0) s._startTimeUnixNano = list.reader(at, end).fixed64();
        return;
      case 8:
        if (at !== 0) s._endTimeUnixNano = list.reader(at, end).fixed64();
        return;
      case 9:
        loadAttributes(s, at, 9);
        return;
      case 10:
        if (at !== 0) s._droppedAttributesCount = list.reader(at, end).uint32();
        return;
      case 11: {
        const events: SpanEvent[] = [];
        if (at !== 0) {
          const r = list.reader(at, end);
          while (r.pos < end) {
            const t = r.tag();
            if (t >>> 3 === 11) events.push(decodeEvent(r));
            else r.skip(t);
          }
        }
        s._events = events;
        return;
      }
      case 12:
        if (at !== 0) s._droppedEventsCount = list.reader(at, end).uint32();
        return;
      case 13: {
        const links: SpanLink[] = [];
        if (at !== 0) {
          const r = list.reader(at, end);
          while (r.pos < end) {
            const t = r.tag();
            if (t >>> 3 === 13) links.push(decodeLink(r));
            else r.skip(t);
          }
        }
        s._links = links;
        return;
      }
      case 14:
        if (at !== 0) s._droppedLinksCount = list.reader(at, end).uint32();
        return;
      case 15: {
        const st = at !== 0 ? decodeStatus(list.reader(at, end)) : { message: '', code: 0 };
        s._status = st;
        s._statusMessage = st.message;
        s._statusCode = st.code;
        return;
      }
      case 16:
        if (at !== 0) s._flags = list.reader(at, end).fixed32();
        return;
    }
  },
};

function decodeSpan(r: Reader): Span {
  const pe = r.enter(COST.span);
  const stop = r.want;
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  let parentSpanId = EMPTY_BYTES;
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let status: Status | undefined;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_id', t, WT_LEN);
        traceId = r.bytes();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('span_id', t, WT_LEN);
        spanId = r.bytes();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_state', t, WT_LEN);
        traceState = r.string();
        break;
      case 4:
        if ((t & 7) !== WT_LEN) throw r.wrongType('parent_span_id', t, WT_LEN);
        parentSpanId = r.bytes();
        break;
      case 5:
        if ((t & 7) !== WT_LEN) throw r.wrongType('name', t, WT_LEN);
        name = r.string();
        break;
      case 6:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('kind', t, WT_VARINT);
        kind = r.int32();
        break;
      case 7:
        if ((t & 7) !== WT_I64) throw r.wrongType('start_time_unix_nano', t, WT_I64);
        startTimeUnixNano = r.fixed64();
        break;
      case 8:
        if ((t & 7) !== WT_I64) throw r.wrongType('end_time_unix_nano', t, WT_I64);
        endTimeUnixNano = r.fixed64();
        break;
      case 9:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 10:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      case 11:
        if ((t & 7) !== WT_LEN) throw r.wrongType('events', t, WT_LEN);
        try {
          events.push(decodeEvent(r));
        } catch (e) {
          throw atPath(e, 'events', events.length);
        }
        break;
      case 12:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_events_count', t, WT_VARINT);
        droppedEventsCount = r.uint32();
        break;
      case 13:
        if ((t & 7) !== WT_LEN) throw r.wrongType('links', t, WT_LEN);
        try {
          links.push(decodeLink(r));
        } catch (e) {
          throw atPath(e, 'links', links.length);
        }
        break;
      case 14:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_links_count', t, WT_VARINT);
        droppedLinksCount = r.uint32();
        break;
      case 15:
        if ((t & 7) !== WT_LEN) throw r.wrongType('status', t, WT_LEN);
        try {
          status = decodeStatus(r);
        } catch (e) {
          throw atPath(e, 'status');
        }
        break;
      case 16:
        if ((t & 7) !== WT_I32) throw r.wrongType('flags', t, WT_I32);
        flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  checkId(traceId, 16, 'span.trace_id');
  checkId(spanId, 8, 'span.span_id');
  checkId(parentSpanId, 8, 'span.parent_span_id');
  return {
    traceId,
    spanId,
    traceState,
    parentSpanId,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status: status ?? { message: '', code: 0 },
  };
}

function decodeEvent(r: Reader): SpanEvent {
  const pe = r.enter(COST.event);
  const stop = r.want;
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        timeUnixNano = r.fixed64();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('name', t, WT_LEN);
        name = r.string();
        break;
      case 3:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 4:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(r: Reader): SpanLink {
  const pe = r.enter(COST.link);
  const stop = r.want;
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let traceState = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_id', t, WT_LEN);
        traceId = r.bytes();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('span_id', t, WT_LEN);
        spanId = r.bytes();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_state', t, WT_LEN);
        traceState = r.string();
        break;
      case 4:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 5:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      case 6:
        if ((t & 7) !== WT_I32) throw r.wrongType('flags', t, WT_I32);
        flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  checkId(traceId, 16, 'link.trace_id');
  checkId(spanId, 8, 'link.span_id');
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function decodeStatus(r: Reader): Status {
  const pe = r.enter(COST.inParent);
  const stop = r.want;
  let message = '';
  let code = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('message', t, WT_LEN);
        message = r.string();
        break;
      case 3:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('code', t, WT_VARINT);
        code = r.int32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { message, code };
}

// ---------------------------------------------------------------- encode

const TRACES: TopCodec<ResourceSpans> = { size: sizeResourceSpans, write: writeResourceSpans };

/** The request's protobuf bytes (headroom, pooled: see encodeTop). */
/** The protobuf size of the request, without encoding it (cheap for spans/records still kept as wire bytes). */
export function encodedTracesSize(d: TracesData): number {
  return encodedTopSize(d.resourceSpans, TRACES);
}

export function encodeTraces(d: TracesData, headroom = 0, pooled = false): Uint8Array {
  return encodeTop(d.resourceSpans, TRACES, headroom, pooled);
}

/** The encoding as pieces whose concatenation is encodeTraces(d): large kept wire bytes are not copied. */
export function encodeTracesChunks(d: TracesData): Uint8Array[] {
  return encodeTopChunks(d.resourceSpans, TRACES);
}

const SCOPE_SPANS_CODEC: TopCodec<ScopeSpans> = { size: sizeScopeSpans, write: writeScopeSpans };

/**
 * Keeps every scope list of `d` that was read (decoded: spans a processor looked at or
 * changed) as its encoding instead, read lazily again if anyone reads it; returns
 * encodedTracesSize(d). For a queue that holds a request until an OTLP exporter sends it: the
 * encoding is the one the send would make (it then copies these bytes), and the span objects
 * die young instead of surviving in the queue, which costs the garbage collector more than
 * encoding earlier does. The data is the same whichever form it is read in.
 */
export function compactTraces(d: TracesData): number {
  const rss = d.resourceSpans;
  for (let i = 0; i < rss.length; i++) {
    const rs = rss[i];
    if (rawList(rs) !== undefined) continue;
    const sss = rs.scopeSpans;
    if (sss.length === 0) continue;
    let items = 0;
    for (let k = 0; k < sss.length; k++) items += sss[k].spans.length;
    const bytes = encodeScopeList(sss, SCOPE_SPANS_CODEC);
    defineLazyList(rs, 'scopeSpans', [bytes], items, decodeSpanScopeList);
  }
  return encodedTracesSize(d);
}

function sizeResourceSpans(rs: ResourceSpans): number {
  const slot = reserve();
  let n = sizeResourceField(rs.resource);
  // Read the raw bytes before touching scopeSpans: reading the list decodes it.
  const raw = rawList(rs);
  if (raw !== undefined) n += rawSize(raw);
  else {
    const sss = rs.scopeSpans;
    for (let i = 0; i < sss.length; i++) n += lenFieldSize(sizeScopeSpans(sss[i]));
  }
  if (rs.schemaUrl !== '') n += strField(rs.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeResourceSpans(w: Writer, rs: ResourceSpans): void {
  w.len();
  writeResourceField(w, rs.resource);
  const raw = rawList(rs);
  if (raw !== undefined) for (let i = 0; i < raw.length; i++) w.raw(raw[i]);
  else {
    const sss = rs.scopeSpans;
    for (let i = 0; i < sss.length; i++) {
      w.byte(0x12);
      writeScopeSpans(w, sss[i]);
    }
  }
  if (rs.schemaUrl !== '') {
    w.byte(0x1a);
    w.str(rs.schemaUrl);
  }
}

function sizeScopeSpans(ss: ScopeSpans): number {
  const slot = reserve();
  let n = sizeScopeField(ss.scope);
  const spans = ss.spans;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    n += lenFieldSize(span instanceof WireSpan ? sizeWireSpan(span) : sizeSpan(span));
  }
  if (ss.schemaUrl !== '') n += strField(ss.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeScopeSpans(w: Writer, ss: ScopeSpans): void {
  w.len();
  writeScopeField(w, ss.scope);
  const spans = ss.spans;
  for (let i = 0; i < spans.length; ) {
    const span = spans[i];
    if (span instanceof WireSpan && span.changes === 0) {
      i = writeUnchangedRun(w, spans, i, 0x12, isWireSpan);
      continue;
    }
    w.byte(0x12);
    if (span instanceof WireSpan) writeWireSpan(w, span);
    else writeSpan(w, span);
    i++;
  }
  if (ss.schemaUrl !== '') {
    w.byte(0x1a);
    w.str(ss.schemaUrl);
  }
}

// Status, Resource and Scope are always written, even when empty, as the
// collector's pdata does (gogoproto nullable=false): a span forwarded by
// Tsunagi then carries the same fields as one the collector forwards.
function statusEmpty(_s: Status): boolean {
  return false;
}

function sizeSpan(s: Span): number {
  const slot = reserve();
  let n = 0;
  if (s.traceId.length !== 0) n += lenFieldSize(s.traceId.length);
  if (s.spanId.length !== 0) n += lenFieldSize(s.spanId.length);
  if (s.traceState !== '') n += strField(s.traceState);
  if (s.parentSpanId.length !== 0) n += lenFieldSize(s.parentSpanId.length);
  if (s.name !== '') n += strField(s.name);
  if (s.kind !== 0) n += 1 + int32Size(s.kind);
  if (s.startTimeUnixNano !== 0n) n += 9;
  if (s.endTimeUnixNano !== 0n) n += 9;
  n += sizeKeyValues(s.attributes, 9);
  if (s.droppedAttributesCount !== 0) n += 1 + varintSizeU(s.droppedAttributesCount);
  const events = s.events;
  for (let i = 0; i < events.length; i++) n += lenFieldSize(sizeEvent(events[i]));
  if (s.droppedEventsCount !== 0) n += 1 + varintSizeU(s.droppedEventsCount);
  const links = s.links;
  for (let i = 0; i < links.length; i++) n += lenFieldSize(sizeLink(links[i]));
  if (s.droppedLinksCount !== 0) n += 1 + varintSizeU(s.droppedLinksCount);
  if (!statusEmpty(s.status)) {
    const st = reserve();
    let m = 0;
    if (s.status.message !== '') m += strField(s.status.message);
    if (s.status.code !== 0) m += 1 + int32Size(s.status.code);
    sizes.tab[st] = m;
    n += lenFieldSize(m);
  }
  if (s.flags !== 0) n += 6;
  sizes.tab[slot] = n;
  return n;
}

function writeSpan(w: Writer, s: Span): void {
  w.len();
  if (s.traceId.length !== 0) {
    w.byte(0x0a);
    w.bytes(s.traceId);
  }
  if (s.spanId.length !== 0) {
    w.byte(0x12);
    w.bytes(s.spanId);
  }
  if (s.traceState !== '') {
    w.byte(0x1a);
    w.str(s.traceState);
  }
  if (s.parentSpanId.length !== 0) {
    w.byte(0x22);
    w.bytes(s.parentSpanId);
  }
  if (s.name !== '') {
    w.byte(0x2a);
    w.str(s.name);
  }
  if (s.kind !== 0) {
    w.byte(0x30);
    w.int32(s.kind);
  }
  if (s.startTimeUnixNano !== 0n) {
    w.byte(0x39);
    w.fixed64(s.startTimeUnixNano);
  }
  if (s.endTimeUnixNano !== 0n) {
    w.byte(0x41);
    w.fixed64(s.endTimeUnixNano);
  }
  writeKeyValues(w, s.attributes, 0x4a);
  if (s.droppedAttributesCount !== 0) {
    w.byte(0x50);
    w.uint32(s.droppedAttributesCount);
  }
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    w.byte(0x5a);
    writeEvent(w, events[i]);
  }
  if (s.droppedEventsCount !== 0) {
    w.byte(0x60);
    w.uint32(s.droppedEventsCount);
  }
  const links = s.links;
  for (let i = 0; i < links.length; i++) {
    w.byte(0x6a);
    writeLink(w, links[i]);
  }
  if (s.droppedLinksCount !== 0) {
    w.byte(0x70);
    w.uint32(s.droppedLinksCount);
  }
  if (!statusEmpty(s.status)) {
    w.byte(0x7a);
    w.len();
    if (s.status.message !== '') {
      w.byte(0x12);
      w.str(s.status.message);
    }
    if (s.status.code !== 0) {
      w.byte(0x18);
      w.int32(s.status.code);
    }
  }
  if (s.flags !== 0) {
    w.byte(0x85);
    w.byte(0x01);
    w.fixed32(s.flags);
  }
}

function sizeEvent(e: SpanEvent): number {
  const slot = reserve();
  let n = 0;
  if (e.timeUnixNano !== 0n) n += 9;
  if (e.name !== '') n += strField(e.name);
  n += sizeKeyValues(e.attributes, 3);
  if (e.droppedAttributesCount !== 0) n += 1 + varintSizeU(e.droppedAttributesCount);
  sizes.tab[slot] = n;
  return n;
}

function writeEvent(w: Writer, e: SpanEvent): void {
  w.len();
  if (e.timeUnixNano !== 0n) {
    w.byte(0x09);
    w.fixed64(e.timeUnixNano);
  }
  if (e.name !== '') {
    w.byte(0x12);
    w.str(e.name);
  }
  writeKeyValues(w, e.attributes, 0x1a);
  if (e.droppedAttributesCount !== 0) {
    w.byte(0x20);
    w.uint32(e.droppedAttributesCount);
  }
}

function sizeLink(l: SpanLink): number {
  const slot = reserve();
  let n = 0;
  if (l.traceId.length !== 0) n += lenFieldSize(l.traceId.length);
  if (l.spanId.length !== 0) n += lenFieldSize(l.spanId.length);
  if (l.traceState !== '') n += strField(l.traceState);
  n += sizeKeyValues(l.attributes, 4);
  if (l.droppedAttributesCount !== 0) n += 1 + varintSizeU(l.droppedAttributesCount);
  if (l.flags !== 0) n += 5;
  sizes.tab[slot] = n;
  return n;
}

function writeLink(w: Writer, l: SpanLink): void {
  w.len();
  if (l.traceId.length !== 0) {
    w.byte(0x0a);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(0x12);
    w.bytes(l.spanId);
  }
  if (l.traceState !== '') {
    w.byte(0x1a);
    w.str(l.traceState);
  }
  writeKeyValues(w, l.attributes, 0x22);
  if (l.droppedAttributesCount !== 0) {
    w.byte(0x28);
    w.uint32(l.droppedAttributesCount);
  }
  if (l.flags !== 0) {
    w.byte(0x35);
    w.fixed32(l.flags);
  }
}

// ---------------------------------------------------------------- wire spans: encode

const B9 = 1 << 9;
const B15 = 1 << 15;
/** Events and links are encoded again once read (they are deep and rarely read). */
const DEEP = (1 << 11) | (1 << 13);

/** The fields of a wire span that must be encoded again (wire-item.ts). */
function spanChanges(s: WireSpan): number {
  let m = s.dirty | (s.loaded & DEEP);
  if (s._attrSets !== undefined) m |= B9;
  const read = s.loaded & ~m;
  if ((read & B9) !== 0 && !attributesUnchanged(s._attributes, s._attrOrigin)) m |= B9;
  if ((read & B15) !== 0 && (s._status.message !== s._statusMessage || s._status.code !== s._statusCode))
    m |= B15;
  return m;
}

function sizeWireSpan(s: WireSpan): number {
  const slot = reserve();
  if (s.sizedAt === s.version && (s.loaded & MUTABLE) === 0 && sizedSetsUnchanged(s)) {
    sizes.tab[slot] = s.sizedN;
    return s.sizedN;
  }
  const n0 = sizes.n;
  const changes = spanChanges(s);
  s.changes = changes;
  let n: number;
  if (changes === 0) n = s.end - s.start;
  else if (changes === B9 && spliceable(s))
    n = splicedSize(s, s.spliceFrom, s.spliceTo, SPAN_FIELDS.size(s, 9));
  else {
    s.spliceTo = 0;
    n = patchedSize(s, changes, SPAN_FIELDS);
  }
  sizes.tab[slot] = n;
  rememberSize(s, n, sizes.n === n0);
  return n;
}

/**
 * Fields whose values can change without an assignment (decoded lists and objects): a span
 * that read one is sized again each time (spanChanges compares them then).
 */
const MUTABLE = B9 | DEEP | B15;

/**
 * Keeps a sizing pass's result for the next pass over the same span while nothing it depends on
 * can have changed: no field that changes in place was read, no assignment since (`version`), the
 * set pairs still hold the same scalars, and the pass left nothing in the size table but the
 * span's own size (the write pass replays the table, so a replayed size must stand alone).
 */
function rememberSize(s: WireSpan, n: number, standsAlone: boolean): void {
  if (!standsAlone || (s.loaded & MUTABLE) !== 0 || sizes.once) {
    s.sizedAt = -1;
    return;
  }
  const sets = s._attrSets;
  if (sets !== undefined) {
    const rec = s.sizedSets ?? [];
    rec.length = 0;
    for (let i = 0; i < sets.length; i++) {
      const v = sets[i].value;
      const kind = anyKind(v);
      rec.push(v, kind, scalarOf(v, kind));
    }
    s.sizedSets = rec;
  }
  s.sizedN = n;
  s.sizedAt = s.version;
}

/** The pairs set by key hold what they held when the span was last sized (see rememberSize). */
function sizedSetsUnchanged(s: WireSpan): boolean {
  const sets = s._attrSets;
  if (sets === undefined) return true;
  const rec = s.sizedSets;
  if (rec === undefined || rec.length !== sets.length * 3) return false;
  for (let i = 0, j = 0; i < sets.length; i++, j += 3) {
    const v = sets[i].value;
    if (v !== rec[j] || !anyUnchanged(v, rec[j + 1] as number, rec[j + 2])) return false;
  }
  return true;
}

/** Only the attributes changed and their bytes are one run: records it (spliceFrom/To). */
function spliceable(s: WireSpan): boolean {
  const span = attributeSpan(
    s,
    s._attrOrigin === undefined ? s.list.attributesAt(s, 9) : s.list.at(s.i, s.start, s.end, 9),
    9,
  );
  if (span === undefined || !s.list.ordered(s.i)) return false;
  s.spliceFrom = span[0];
  s.spliceTo = span[1];
  return true;
}

const isWireSpan = (x: unknown): x is WireSpan => x instanceof WireSpan;

function writeWireSpan(w: Writer, s: WireSpan): void {
  w.len();
  if (s.changes === 0) w.rawRange(s.list.src, s.list.dv, s.start, s.end);
  else if (s.changes === B9 && s.spliceTo !== 0) writeSpliced(w, s, s.spliceFrom, s.spliceTo, SPAN_FIELDS, 9);
  else writePatched(w, s, s.changes, SPAN_FIELDS);
}

/** One field of a span, as sizeSpan/writeSpan encode it (0 bytes when it has its default). */
const SPAN_FIELDS: FieldEncoder<WireSpan> = {
  size(s: WireSpan, fn: number): number {
    switch (fn) {
      case 1:
        return s._traceId.length !== 0 ? lenFieldSize(s._traceId.length) : 0;
      case 2:
        return s._spanId.length !== 0 ? lenFieldSize(s._spanId.length) : 0;
      case 3:
        return s._traceState !== '' ? strField(s._traceState) : 0;
      case 4:
        return s._parentSpanId.length !== 0 ? lenFieldSize(s._parentSpanId.length) : 0;
      case 5:
        return s._name !== '' ? strField(s._name) : 0;
      case 6:
        return s._kind !== 0 ? 1 + int32Size(s._kind) : 0;
      case 7:
        return s._startTimeUnixNano !== 0n ? 9 : 0;
      case 8:
        return s._endTimeUnixNano !== 0n ? 9 : 0;
      case 9:
        return (s.loaded & B9) !== 0
          ? sizeTrackedAttributes(s._attributes, s._attrOrigin)
          : sizeAttributesWithSets(s, s.list.attributesAt(s, 9), 9, 0x4a);
      case 10:
        return s._droppedAttributesCount !== 0 ? 1 + varintSizeU(s._droppedAttributesCount) : 0;
      case 11: {
        let n = 0;
        const events = s._events;
        for (let i = 0; i < events.length; i++) n += lenFieldSize(sizeEvent(events[i]));
        return n;
      }
      case 12:
        return s._droppedEventsCount !== 0 ? 1 + varintSizeU(s._droppedEventsCount) : 0;
      case 13: {
        let n = 0;
        const links = s._links;
        for (let i = 0; i < links.length; i++) n += lenFieldSize(sizeLink(links[i]));
        return n;
      }
      case 14:
        return s._droppedLinksCount !== 0 ? 1 + varintSizeU(s._droppedLinksCount) : 0;
      case 15: {
        const st = reserve();
        let m = 0;
        if (s._status.message !== '') m += strField(s._status.message);
        if (s._status.code !== 0) m += 1 + int32Size(s._status.code);
        sizes.tab[st] = m;
        return lenFieldSize(m);
      }
      case 16:
        return s._flags !== 0 ? 6 : 0;
      default:
        return 0;
    }
  },
  write(w: Writer, s: WireSpan, fn: number): void {
    switch (fn) {
      case 1:
        if (s._traceId.length !== 0) {
          w.byte(0x0a);
          w.bytes(s._traceId);
        }
        return;
      case 2:
        if (s._spanId.length !== 0) {
          w.byte(0x12);
          w.bytes(s._spanId);
        }
        return;
      case 3:
        if (s._traceState !== '') {
          w.byte(0x1a);
          w.str(s._traceState);
        }
        return;
      case 4:
        if (s._parentSpanId.length !== 0) {
          w.byte(0x22);
          w.bytes(s._parentSpanId);
        }
        return;
      case 5:
        if (s._name !== '') {
          w.byte(0x2a);
          w.str(s._name);
        }
        return;
      case 6:
        if (s._kind !== 0) {
          w.byte(0x30);
          w.int32(s._kind);
        }
        return;
      case 7:
        if (s._startTimeUnixNano !== 0n) {
          w.byte(0x39);
          w.fixed64(s._startTimeUnixNano);
        }
        return;
      case 8:
        if (s._endTimeUnixNano !== 0n) {
          w.byte(0x41);
          w.fixed64(s._endTimeUnixNano);
        }
        return;
      case 9:
        if ((s.loaded & B9) !== 0) writeTrackedAttributes(w, s, s._attributes, s._attrOrigin, 0x4a);
        else writeAttributesWithSets(w, s, s.list.attributesAt(s, 9), 9, 0x4a);
        return;
      case 10:
        if (s._droppedAttributesCount !== 0) {
          w.byte(0x50);
          w.uint32(s._droppedAttributesCount);
        }
        return;
      case 11: {
        const events = s._events;
        for (let i = 0; i < events.length; i++) {
          w.byte(0x5a);
          writeEvent(w, events[i]);
        }
        return;
      }
      case 12:
        if (s._droppedEventsCount !== 0) {
          w.byte(0x60);
          w.uint32(s._droppedEventsCount);
        }
        return;
      case 13: {
        const links = s._links;
        for (let i = 0; i < links.length; i++) {
          w.byte(0x6a);
          writeLink(w, links[i]);
        }
        return;
      }
      case 14:
        if (s._droppedLinksCount !== 0) {
          w.byte(0x70);
          w.uint32(s._droppedLinksCount);
        }
        return;
      case 15:
        w.byte(0x7a);
        w.len();
        if (s._status.message !== '') {
          w.byte(0x12);
          w.str(s._status.message);
        }
        if (s._status.code !== 0) {
          w.byte(0x18);
          w.int32(s._status.code);
        }
        return;
      case 16:
        if (s._flags !== 0) {
          w.byte(0x85);
          w.byte(0x01);
          w.fixed32(s._flags);
        }
        return;
    }
  },
};
