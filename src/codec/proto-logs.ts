// logs.proto: ExportLogsServiceRequest (same wire shape as LogsData) <-> LogsData.

import { type Lease, rawList } from '../pdata/lazy.js';
import { plainAttributes } from '../pdata/plain-record.js';
import type { AnyValue, KeyValue, LogRecord, LogsData, ResourceLogs, ScopeLogs } from '../pdata/types.js';
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
import { decodeTopLazy, lazyOrFull, SCOPE_LOGS } from './proto-lazy.js';
import { sizePlainMap, writePlainMap } from './proto-plain.js';
import {
  encodedTopSize,
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
        decodeScopeLogs,
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

function decodeResourceLogs(r: Reader): ResourceLogs {
  const l = decodeLevel(r, COST.resourceLevel, 'resource', decodeResource, 'scope_logs', decodeScopeLogs);
  return { resource: l.head ?? newResource(), scopeLogs: l.items, schemaUrl: l.schemaUrl };
}

function decodeScopeLogs(r: Reader): ScopeLogs {
  const l = decodeLevel(r, COST.scopeLevel, 'scope', decodeScope, 'log_records', decodeLogRecord);
  return { scope: l.head ?? newScope(), logRecords: l.items, schemaUrl: l.schemaUrl };
}

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
  const n = sizeLevel(sizeScopeField(sl.scope), sl.logRecords, sizeLogRecord, sl.schemaUrl);
  sizes.tab[slot] = n;
  return n;
}

function writeScopeLogs(w: Writer, sl: ScopeLogs): void {
  w.len();
  writeScopeField(w, sl.scope);
  writeLevelTail(w, sl.logRecords, writeLogRecord, sl.schemaUrl);
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
