// Entries → OTLP logs, grouped by resource. Resources shared by identity
// (the container operator's per-file cache) are keyed without serializing.

import { resourceLogsFromWire, wireLogRecords } from '../codec/proto-logs.js';
import { toAnyValue } from '../pdata/attributes.js';
import { newResource, newResourceLogs, newScope, newScopeLogs } from '../pdata/create.js';
import { PlainLogRecord, toKeyValues } from '../pdata/plain-record.js';
import type { LogRecord, LogsData, Resource, ResourceLogs, ScopeLogs } from '../pdata/types.js';
import type { EncodedRecords, Entry } from './entry.js';

const keyCache = new WeakMap<object, string>();

function resourceKey(e: Entry): string {
  const r = e.resource;
  if (e.resourceShared) {
    let k = keyCache.get(r);
    if (k === undefined) {
      k = JSON.stringify(r);
      keyCache.set(r, k);
    }
    return k;
  }
  return JSON.stringify(r);
}

/** The record keeps the entry's attribute map as it is (pdata/plain-record.ts). */
export function entryToRecord(e: Entry): LogRecord {
  const r = new PlainLogRecord(e.attributes);
  r.timeUnixNano = e.timestamp;
  r.observedTimeUnixNano = e.observedTimestamp;
  r.severityNumber = e.severity;
  r.severityText = e.severityText;
  r.body = toAnyValue(e.body);
  r.traceId = e.traceId;
  r.spanId = e.spanId;
  r.flags = e.traceFlags;
  return r;
}

/**
 * Builds one LogsData; `extraResource` (the receiver's `resource:` key) is added where not set.
 * A resource whose entries are all encoded records (Entry.encoded) gets their bytes as its
 * lazily read scope list, without a record object; one that mixes them with other entries
 * gets them as wire log records over a copy of their bytes, in line order.
 */
export function entriesToLogs(entries: Entry[], extraResource: Record<string, unknown>): LogsData {
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    const rk = resourceKey(e);
    const g = groups.get(rk);
    if (g === undefined) groups.set(rk, [e]);
    else g.push(e);
  }
  const data: LogsData = { resourceLogs: [] };
  for (const g of groups.values()) {
    const resource = newResource();
    resource.attributes = toKeyValues({ ...extraResource, ...g[0].resource });
    data.resourceLogs.push(encodedOnly(g) ? encodedResourceLogs(resource, g) : resourceLogs(resource, g));
  }
  return data;
}

function encodedOnly(g: Entry[]): boolean {
  for (const e of g) if (e.encoded?.scopeLogs === undefined || e.scopeName !== '') return false;
  return true;
}

/**
 * The entries' encoded records as the resource's one ScopeLogs, kept as bytes: a single run
 * as it lies in its pooled buffer (held through its lease), several joined into a copy.
 */
function encodedResourceLogs(resource: Resource, g: Entry[]): ResourceLogs {
  if (g.length === 1) {
    const w = g[0].encoded as EncodedRecords;
    return resourceLogsFromWire(resource, '', [w.scopeLogs as Uint8Array], w.items, w.lease, w.traced, true);
  }
  let bytes = 2; // the empty scope field
  let items = 0;
  let traced = true;
  for (const e of g) {
    const w = e.encoded as EncodedRecords;
    bytes += runRecords(w).length;
    items += w.items;
    if (!w.traced) traced = false;
  }
  const head = [0x12];
  for (let n = bytes; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      head.push(n);
      break;
    }
    head.push((n % 128) | 0x80);
  }
  head.push(0x0a, 0x00);
  const out = Buffer.allocUnsafe(head.length - 2 + bytes);
  out.set(head, 0);
  let at = head.length;
  for (const e of g) {
    const r = runRecords(e.encoded as EncodedRecords);
    out.set(r, at);
    at += r.length;
  }
  return resourceLogsFromWire(resource, '', [out], items, undefined, traced, true);
}

/** The log_records fields of a run's ScopeLogs field (past its tag, length and empty scope). */
function runRecords(w: EncodedRecords): Uint8Array {
  const s = w.scopeLogs as Uint8Array;
  let p = 1;
  while (s[p] >= 0x80) p++;
  return s.subarray(p + 3);
}

function resourceLogs(resource: Resource, g: Entry[]): ResourceLogs {
  const rl = newResourceLogs(resource);
  const scopes = new Map<string, ScopeLogs>();
  for (const e of g) {
    let sl = scopes.get(e.scopeName);
    if (!sl) {
      sl = newScopeLogs(newScope(e.scopeName));
      scopes.set(e.scopeName, sl);
      rl.scopeLogs.push(sl);
    }
    const built = e.encoded !== undefined ? wireLogRecords(Buffer.from(runRecords(e.encoded))) : e.records;
    if (built === undefined) sl.logRecords.push(entryToRecord(e));
    else for (let i = 0; i < built.length; i++) sl.logRecords.push(built[i]);
  }
  return rl;
}
