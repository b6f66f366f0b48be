// Entries → OTLP logs, grouped by resource. Resources shared by identity
// (the container operator's per-file cache) are keyed without serializing.

import { toAnyValue } from '../pdata/attributes.js';
import { newResource, newResourceLogs, newScope, newScopeLogs } from '../pdata/create.js';
import { PlainLogRecord, toKeyValues } from '../pdata/plain-record.js';
import type { LogRecord, LogsData, ScopeLogs } from '../pdata/types.js';
import type { Entry } from './entry.js';

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

/** Builds one LogsData; `extraResource` (the receiver's `resource:` key) is added where not set. */
export function entriesToLogs(entries: Entry[], extraResource: Record<string, unknown>): LogsData {
  const groups = new Map<string, Map<string, ScopeLogs>>();
  const data: LogsData = { resourceLogs: [] };
  for (const e of entries) {
    const rk = resourceKey(e);
    let scopes = groups.get(rk);
    if (!scopes) {
      scopes = new Map();
      groups.set(rk, scopes);
      const rl = newResourceLogs(newResource());
      rl.resource.attributes = toKeyValues({ ...extraResource, ...e.resource });
      data.resourceLogs.push(rl);
      (scopes as Map<string, ScopeLogs> & { rl?: typeof rl }).rl = rl;
    }
    let sl = scopes.get(e.scopeName);
    if (!sl) {
      sl = newScopeLogs(newScope(e.scopeName));
      scopes.set(e.scopeName, sl);
      (scopes as Map<string, ScopeLogs> & { rl: ReturnType<typeof newResourceLogs> }).rl.scopeLogs.push(sl);
    }
    const built = e.records;
    if (built === undefined) sl.logRecords.push(entryToRecord(e));
    else for (let i = 0; i < built.length; i++) sl.logRecords.push(built[i]);
  }
  return data;
}
