// logs.proto: ExportLogsServiceRequest (same wire shape as LogsData) <-> LogsData.

import { defineLazyList, type Lease, rawList } from '../pdata/lazy.js';
import { plainAttributes } from '../pdata/plain-record.js';
import type {
  AnyValue,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  LogsData,
  Resource,
  ResourceLogs,
  ScopeLogs,
} from '../pdata/types.js';
import { type DecodeBudget, defaultBudget, UNLIMITED_BUDGET } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { atPath } from './errors.js';
import {
  checkId,
  decodeAnyValue,
  decodeLevel,
  decodeResource,
  decodeScope,
  decodeTop,
  EMPTY_BYTES,
  newResource,
  newScope,
  pushKeyValue,
  sizeAnySlot,
  sizeKeyValues,
  sizeLevel,
  sizeResourceField,
  sizeScopeField,
  varintSizeU,
  writeAnyValue,
  writeKeyValues,
  writeLevelTail,
  writeResourceField,
  writeScopeField,
} from './proto-common.js';
import { decodeTopLazy, lazyOrFull, SCOPE_LOGS, scopeListDecoder } from './proto-lazy.js';
import { sizePlainMap, writePlainMap } from './proto-plain.js';
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
  anyOrigin,
  anyUnchanged,
  attributeSpan,
  attributesUnchanged,
  type FieldEncoder,
  loadAttributes,
  patchedSize,
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
import { WireLogRecord } from './wire-log.js';

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeLogs(buf: Uint8Array, budget?: DecodeBudget): LogsData {
  return { resourceLogs: decodeTop(new Reader(buf, budget), 'resource_logs', decodeResourceLogs) };
}

/**
 * Like decodeLogs, but log records stay wire bytes until read (proto-lazy.ts).
 * The input must not be reused. Invalid input throws the full decoder's error.
 * `trusted`: bytes this process encoded; only counted, not validated.
 * `budget`: what the request may cost once decoded, its lazy items included (decode-budget.ts).
 * `lease`: `buf` is a pooled buffer, reused once the lease is let go (src/pdata/lazy.ts); the
 * result then holds no view of it except the lazy lists, which copy it out when read.
 */
export function decodeLogsLazy(
  buf: Uint8Array,
  trusted = false,
  lease?: Lease,
  budget: DecodeBudget = trusted ? UNLIMITED_BUDGET : defaultBudget(),
): LogsData {
  return lazyOrFull(
    buf,
    (b) => ({
      resourceLogs: decodeTopLazy(
        b,
        SCOPE_LOGS,
        'scopeLogs',
        logRecordsAsWireItems.enabled ? decodeScopeLogsWire : decodeScopeLogsWhole,
        (resource, schemaUrl) => ({
          resource,
          scopeLogs: [] as ScopeLogs[],
          schemaUrl,
        }),
        trusted,
        lease,
        budget,
      ),
    }),
    decodeLogs,
    lease !== undefined,
    budget,
  );
}

const decodeLogScopeList = scopeListDecoder((seg: Uint8Array) =>
  logRecordsAsWireItems.enabled ? decodeScopeLogsWire(seg) : decodeScopeLogsWhole(seg),
);

/**
 * A ResourceLogs whose scope list is kept as `raw` (ScopeLogs entries, tags included; `items`
 * records in them), read lazily as a decoded request's (see resourceSpansFromWire).
 * `traced`: every record has a valid trace ID (src/pdata/lazy.ts lazyItemsTraced).
 * `wireItems`: when read, the records are wire log records read field by field (as the
 * records file_log's byte path wrote: a processor such as tracelink reads a few fields of them).
 */
export function resourceLogsFromWire(
  resource: Resource,
  schemaUrl: string,
  raw: Uint8Array[],
  items: number,
  lease?: Lease,
  traced = false,
  wireItems = false,
): ResourceLogs {
  const entry: ResourceLogs = { resource, scopeLogs: [], schemaUrl };
  defineLazyList(
    entry,
    'scopeLogs',
    raw,
    items,
    wireItems ? decodeWireScopeList : decodeLogScopeList,
    lease,
    traced,
  );
  return entry;
}

const decodeWireScopeList = scopeListDecoder((seg: Uint8Array) => decodeScopeLogsWire(seg));

function decodeResourceLogs(r: Reader): ResourceLogs {
  const l = decodeLevel(r, COST.resourceLevel, 'resource', decodeResource, 'scope_logs', decodeScopeLogs);
  return { resource: l.head ?? newResource(), scopeLogs: l.items, schemaUrl: l.schemaUrl };
}

function decodeScopeLogs(r: Reader): ScopeLogs {
  const l = decodeLevel(r, COST.scopeLevel, 'scope', decodeScope, 'log_records', decodeLogRecord);
  return { scope: l.head ?? newScope(), logRecords: l.items, schemaUrl: l.schemaUrl };
}

/**
 * Log records of a lazily kept list are decoded whole, the list at once, when first read; they
 * are not kept as wire items read field by field (decodeScopeLogsWire). The exporters logs go to
 * read every field of every record (Loki, Elasticsearch), and per-field loading cost the
 * OTLP → batch → loki pipeline ~30 % more CPU per record (6 of 6 interleaved pairs, with higher
 * peak RSS). Spans, of which pass-through, routing and OTTL read a few fields, stay wire items.
 * The wire path is kept, tested (wire-item.test.ts turns it on), for when loading a whole record
 * at the first read of most of its fields makes it as cheap.
 */
export const logRecordsAsWireItems = { enabled: false };

/** The scope entries of a kept list segment (validated and charged when the request arrived), decoded whole. */
function decodeScopeLogsWhole(seg: Uint8Array): ScopeLogs[] {
  const r = new Reader(seg, UNLIMITED_BUDGET);
  const out: ScopeLogs[] = [];
  while (r.pos < r.end) {
    r.tag();
    out.push(decodeScopeLogs(r));
  }
  return out;
}

// ---------------------------------------------------------------- wire log records (wire-item.ts)

/** The scope entries of a kept list segment, their records left as wire log records. */
function decodeScopeLogsWire(seg: Uint8Array): ScopeLogs[] {
  const list = new WireList<WireLogRecord>(seg, LOG_WIRE);
  const r = list.r;
  const out: ScopeLogs[] = [];
  while (r.pos < r.end) {
    r.tag();
    const pe = r.enter(COST.scopeLevel);
    const stop = r.want;
    let scope: InstrumentationScope | undefined;
    const logRecords: LogRecord[] = [];
    let schemaUrl = '';
    while (r.pos < r.end) {
      const t = r.tag();
      switch (t >>> 3) {
        case 1:
          scope = decodeScope(r);
          break;
        case 2: {
          const end = r.lenEnd();
          logRecords.push(new WireLogRecord(list, r.pos, end, list.count++));
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
    out.push({ scope: scope ?? newScope(), logRecords, schemaUrl });
  }
  return out;
}

/**
 * Log records their producer encoded itself (file_log's byte path), as wire log records:
 * `seg` holds each as a ScopeLogs.log_records field (tag 0x12, length, message), and is
 * not reused while the records live. Written out by copying runs of them as they are.
 */
export function wireLogRecords(seg: Buffer): LogRecord[] {
  const list = new WireList<WireLogRecord>(seg, LOG_WIRE);
  const out: LogRecord[] = [];
  let p = 0;
  while (p < seg.length) {
    p++; // the 0x12 tag
    let len = 0;
    let shift = 1;
    for (;;) {
      const c = seg[p++];
      len += (c & 0x7f) * shift;
      if (c < 0x80) break;
      shift *= 128;
    }
    out.push(new WireLogRecord(list, p, p + len, list.count++));
    p += len;
  }
  return out;
}

const LOG_WIRE: WireCodec<WireLogRecord> = {
  slots: 13,
  repeated: 1 << 6,
  load(l: WireLogRecord, fn: number): void {
    const list = l.list;
    const end = l.end;
    const at = list.at(l.i, l.start, end, fn);
    switch (fn) {
      case 1:
        if (at !== 0) l._timeUnixNano = list.reader(at, end).fixed64();
        return;
      case 2:
        if (at !== 0) l._severityNumber = list.reader(at, end).int32();
        return;
      case 3:
        if (at !== 0) l._severityText = list.reader(at, end).string();
        return;
      case 5: {
        const body = at !== 0 ? decodeAnyValue(list.reader(at, end)) : {};
        const o = anyOrigin(body);
        l._body = body;
        l._bodyKind = o.kind;
        l._bodyScalar = o.scalar;
        return;
      }
      case 6:
        loadAttributes(l, at, 6);
        return;
      case 7:
        if (at !== 0) l._droppedAttributesCount = list.reader(at, end).uint32();
        return;
      case 8:
        if (at !== 0) l._flags = list.reader(at, end).fixed32();
        return;
      case 9:
        if (at !== 0) l._traceId = list.reader(at, end).bytes();
        return;
      case 10:
        if (at !== 0) l._spanId = list.reader(at, end).bytes();
        return;
      case 11:
        if (at !== 0) l._observedTimeUnixNano = list.reader(at, end).fixed64();
        return;
      case 12:
        if (at !== 0) l._eventName = list.reader(at, end).string();
        return;
    }
  },
};

function decodeLogRecord(r: Reader): LogRecord {
  const pe = r.enter(COST.logRecord);
  const stop = r.want;
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AnyValue | undefined;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = EMPTY_BYTES;
  let spanId = EMPTY_BYTES;
  let eventName = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_I64) throw r.wrongType('time_unix_nano', t, WT_I64);
        timeUnixNano = r.fixed64();
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('severity_number', t, WT_VARINT);
        severityNumber = r.int32();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('severity_text', t, WT_LEN);
        severityText = r.string();
        break;
      case 5:
        if ((t & 7) !== WT_LEN) throw r.wrongType('body', t, WT_LEN);
        try {
          body = decodeAnyValue(r);
        } catch (e) {
          throw atPath(e, 'body');
        }
        break;
      case 6:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 7:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      case 8:
        if ((t & 7) !== WT_I32) throw r.wrongType('flags', t, WT_I32);
        flags = r.fixed32();
        break;
      case 9:
        if ((t & 7) !== WT_LEN) throw r.wrongType('trace_id', t, WT_LEN);
        traceId = r.bytes();
        break;
      case 10:
        if ((t & 7) !== WT_LEN) throw r.wrongType('span_id', t, WT_LEN);
        spanId = r.bytes();
        break;
      case 11:
        if ((t & 7) !== WT_I64) throw r.wrongType('observed_time_unix_nano', t, WT_I64);
        observedTimeUnixNano = r.fixed64();
        break;
      case 12:
        if ((t & 7) !== WT_LEN) throw r.wrongType('event_name', t, WT_LEN);
        eventName = r.string();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  checkId(traceId, 16, 'log_record.trace_id');
  checkId(spanId, 8, 'log_record.span_id');
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body: body ?? {},
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}

// ---------------------------------------------------------------- encode

const LOGS: TopCodec<ResourceLogs> = { size: sizeResourceLogs, write: writeResourceLogs };

/** The request's protobuf bytes (headroom, pooled: see encodeTop). */
/** The protobuf size of the request, without encoding it (cheap for spans/records still kept as wire bytes). */
export function encodedLogsSize(d: LogsData): number {
  return encodedTopSize(d.resourceLogs, LOGS);
}

export function encodeLogs(d: LogsData, headroom = 0, pooled = false): Uint8Array {
  return encodeTop(d.resourceLogs, LOGS, headroom, pooled);
}

/** The encoding as pieces whose concatenation is encodeLogs(d): large kept wire bytes are not copied. */
export function encodeLogsChunks(d: LogsData): Uint8Array[] {
  return encodeTopChunks(d.resourceLogs, LOGS);
}

const SCOPE_LOGS_CODEC: TopCodec<ScopeLogs> = { size: sizeScopeLogs, write: writeScopeLogs };

/** compactTraces for logs: read scope lists kept as their encoding; returns encodedLogsSize(d). */
export function compactLogs(d: LogsData): number {
  const rls = d.resourceLogs;
  for (let i = 0; i < rls.length; i++) {
    const rl = rls[i];
    if (rawList(rl) !== undefined) continue;
    const sls = rl.scopeLogs;
    if (sls.length === 0) continue;
    let items = 0;
    for (let k = 0; k < sls.length; k++) items += sls[k].logRecords.length;
    const bytes = encodeScopeList(sls, SCOPE_LOGS_CODEC);
    defineLazyList(rl, 'scopeLogs', [bytes], items, decodeLogScopeList);
  }
  return encodedLogsSize(d);
}

function sizeResourceLogs(rl: ResourceLogs): number {
  const slot = reserve();
  // Read the raw bytes before touching scopeLogs: reading the list decodes it.
  const raw = rawList(rl);
  const n = sizeLevel(sizeResourceField(rl.resource), raw ?? rl.scopeLogs, sizeScopeLogs, rl.schemaUrl, raw);
  sizes.tab[slot] = n;
  return n;
}

function writeResourceLogs(w: Writer, rl: ResourceLogs): void {
  w.len();
  writeResourceField(w, rl.resource);
  const raw = rawList(rl);
  writeLevelTail(w, raw ?? rl.scopeLogs, writeScopeLogs, rl.schemaUrl, raw);
}

function sizeScopeLogs(sl: ScopeLogs): number {
  const slot = reserve();
  const n = sizeLevel(sizeScopeField(sl.scope), sl.logRecords, sizeAnyLogRecord, sl.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeScopeLogs(w: Writer, sl: ScopeLogs): void {
  w.len();
  writeScopeField(w, sl.scope);
  const records = sl.logRecords;
  for (let i = 0; i < records.length; ) {
    const l = records[i];
    if (l instanceof WireLogRecord && l.changes === 0) {
      i = writeUnchangedRun(w, records, i, 0x12, isWireLogRecord);
      continue;
    }
    w.byte(0x12);
    writeAnyLogRecord(w, l);
    i++;
  }
  if (sl.schemaUrl !== '') {
    w.byte(0x1a);
    w.str(sl.schemaUrl);
  }
}

function sizeLogRecord(l: LogRecord): number {
  const slot = reserve();
  let n = 0;
  if (l.timeUnixNano !== 0n) n += 9;
  if (l.severityNumber !== 0) n += 1 + int32Size(l.severityNumber);
  if (l.severityText !== '') n += strField(l.severityText);
  const body = sizeAnySlot(l.body);
  if (body !== 0) n += lenFieldSize(body);
  const plain = plainAttributes(l);
  n += plain !== undefined ? sizePlainMap(plain) : sizeKeyValues(l.attributes, 6);
  if (l.droppedAttributesCount !== 0) n += 1 + varintSizeU(l.droppedAttributesCount);
  if (l.flags !== 0) n += 5;
  if (l.traceId.length !== 0) n += lenFieldSize(l.traceId.length);
  if (l.spanId.length !== 0) n += lenFieldSize(l.spanId.length);
  if (l.observedTimeUnixNano !== 0n) n += 9;
  if (l.eventName !== '') n += strField(l.eventName);
  sizes.tab[slot] = n;
  return n;
}

function writeLogRecord(w: Writer, l: LogRecord): void {
  w.len();
  if (l.timeUnixNano !== 0n) {
    w.byte(0x09);
    w.fixed64(l.timeUnixNano);
  }
  if (l.severityNumber !== 0) {
    w.byte(0x10);
    w.int32(l.severityNumber);
  }
  if (l.severityText !== '') {
    w.byte(0x1a);
    w.str(l.severityText);
  }
  if (w.tab[w.si] === 0) w.si++;
  else {
    w.byte(0x2a);
    writeAnyValue(w, l.body, w.anyLen());
  }
  const plain = plainAttributes(l);
  if (plain !== undefined) writePlainMap(w, plain, 0x32);
  else writeKeyValues(w, l.attributes, 0x32);
  if (l.droppedAttributesCount !== 0) {
    w.byte(0x38);
    w.uint32(l.droppedAttributesCount);
  }
  if (l.flags !== 0) {
    w.byte(0x45);
    w.fixed32(l.flags);
  }
  if (l.traceId.length !== 0) {
    w.byte(0x4a);
    w.bytes(l.traceId);
  }
  if (l.spanId.length !== 0) {
    w.byte(0x52);
    w.bytes(l.spanId);
  }
  if (l.observedTimeUnixNano !== 0n) {
    w.byte(0x59);
    w.fixed64(l.observedTimeUnixNano);
  }
  if (l.eventName !== '') {
    w.byte(0x62);
    w.str(l.eventName);
  }
}

// ---------------------------------------------------------------- wire log records: encode

function sizeAnyLogRecord(l: LogRecord): number {
  return l instanceof WireLogRecord ? sizeWireLogRecord(l) : sizeLogRecord(l);
}

const isWireLogRecord = (x: unknown): x is WireLogRecord => x instanceof WireLogRecord;

function writeAnyLogRecord(w: Writer, l: LogRecord): void {
  if (l instanceof WireLogRecord) writeWireLogRecord(w, l);
  else writeLogRecord(w, l);
}

const B5 = 1 << 5;
const B6 = 1 << 6;

/** The fields of a wire log record that must be encoded again (wire-item.ts). */
function logChanges(l: WireLogRecord): number {
  let m = l.dirty;
  if (l._attrSets !== undefined) m |= B6;
  const read = l.loaded & ~m;
  if ((read & B6) !== 0 && !attributesUnchanged(l._attributes, l._attrOrigin)) m |= B6;
  if ((read & B5) !== 0 && !anyUnchanged(l._body, l._bodyKind, l._bodyScalar)) m |= B5;
  return m;
}

function sizeWireLogRecord(l: WireLogRecord): number {
  const slot = reserve();
  const changes = logChanges(l);
  l.changes = changes;
  let n: number;
  if (changes === 0) n = l.end - l.start;
  else if (changes === B6 && spliceable(l))
    n = splicedSize(l, l.spliceFrom, l.spliceTo, LOG_FIELDS.size(l, 6));
  else {
    l.spliceTo = 0;
    n = patchedSize(l, changes, LOG_FIELDS);
  }
  sizes.tab[slot] = n;
  return n;
}

/** Only the attributes changed and their bytes are one run: records it (spliceFrom/To). */
function spliceable(l: WireLogRecord): boolean {
  const span = attributeSpan(
    l,
    l._attrOrigin === undefined ? l.list.attributesAt(l, 6) : l.list.at(l.i, l.start, l.end, 6),
    6,
  );
  if (span === undefined || !l.list.ordered(l.i)) return false;
  l.spliceFrom = span[0];
  l.spliceTo = span[1];
  return true;
}

function writeWireLogRecord(w: Writer, l: WireLogRecord): void {
  w.len();
  if (l.changes === 0) w.rawRange(l.list.src, l.list.dv, l.start, l.end);
  else if (l.changes === B6 && l.spliceTo !== 0) writeSpliced(w, l, l.spliceFrom, l.spliceTo, LOG_FIELDS, 6);
  else writePatched(w, l, l.changes, LOG_FIELDS);
}

/** One field of a log record, as sizeLogRecord/writeLogRecord encode it (0 bytes when default). */
const LOG_FIELDS: FieldEncoder<WireLogRecord> = {
  size(l: WireLogRecord, fn: number): number {
    switch (fn) {
      case 1:
        return l._timeUnixNano !== 0n ? 9 : 0;
      case 2:
        return l._severityNumber !== 0 ? 1 + int32Size(l._severityNumber) : 0;
      case 3:
        return l._severityText !== '' ? strField(l._severityText) : 0;
      case 5: {
        const body = sizeAnySlot(l._body);
        return body !== 0 ? lenFieldSize(body) : 0;
      }
      case 6:
        return (l.loaded & B6) !== 0
          ? sizeTrackedAttributes(l._attributes, l._attrOrigin)
          : sizeAttributesWithSets(l, l.list.attributesAt(l, 6), 6, 0x32);
      case 7:
        return l._droppedAttributesCount !== 0 ? 1 + varintSizeU(l._droppedAttributesCount) : 0;
      case 8:
        return l._flags !== 0 ? 5 : 0;
      case 9:
        return l._traceId.length !== 0 ? lenFieldSize(l._traceId.length) : 0;
      case 10:
        return l._spanId.length !== 0 ? lenFieldSize(l._spanId.length) : 0;
      case 11:
        return l._observedTimeUnixNano !== 0n ? 9 : 0;
      case 12:
        return l._eventName !== '' ? strField(l._eventName) : 0;
      default:
        return 0;
    }
  },
  write(w: Writer, l: WireLogRecord, fn: number): void {
    switch (fn) {
      case 1:
        if (l._timeUnixNano !== 0n) {
          w.byte(0x09);
          w.fixed64(l._timeUnixNano);
        }
        return;
      case 2:
        if (l._severityNumber !== 0) {
          w.byte(0x10);
          w.int32(l._severityNumber);
        }
        return;
      case 3:
        if (l._severityText !== '') {
          w.byte(0x1a);
          w.str(l._severityText);
        }
        return;
      case 5:
        if (w.tab[w.si] === 0) w.si++;
        else {
          w.byte(0x2a);
          writeAnyValue(w, l._body, w.anyLen());
        }
        return;
      case 6:
        if ((l.loaded & B6) !== 0) writeTrackedAttributes(w, l, l._attributes, l._attrOrigin, 0x32);
        else writeAttributesWithSets(w, l, l.list.attributesAt(l, 6), 6, 0x32);
        return;
      case 7:
        if (l._droppedAttributesCount !== 0) {
          w.byte(0x38);
          w.uint32(l._droppedAttributesCount);
        }
        return;
      case 8:
        if (l._flags !== 0) {
          w.byte(0x45);
          w.fixed32(l._flags);
        }
        return;
      case 9:
        if (l._traceId.length !== 0) {
          w.byte(0x4a);
          w.bytes(l._traceId);
        }
        return;
      case 10:
        if (l._spanId.length !== 0) {
          w.byte(0x52);
          w.bytes(l._spanId);
        }
        return;
      case 11:
        if (l._observedTimeUnixNano !== 0n) {
          w.byte(0x59);
          w.fixed64(l._observedTimeUnixNano);
        }
        return;
      case 12:
        if (l._eventName !== '') {
          w.byte(0x62);
          w.str(l._eventName);
        }
        return;
    }
  },
};
