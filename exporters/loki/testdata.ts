// Test data builders shared by the Loki tests.
import { toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newScope,
  newScopeLogs,
} from '../../src/pdata/create.js';
import type { LogRecord, LogsData, ResourceLogs } from '../../src/pdata/types.js';

export function kvs(o: Record<string, unknown>) {
  return Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
}

export function record(
  body: string,
  over: Partial<LogRecord> & { attrs?: Record<string, unknown> } = {},
): LogRecord {
  const r = newLogRecord();
  r.body = { stringValue: body };
  r.timeUnixNano = BigInt(Date.now()) * 1_000_000n;
  const { attrs, ...rest } = over;
  Object.assign(r, rest);
  if (attrs) r.attributes = kvs(attrs);
  return r;
}

export function resourceLogs(
  resource: Record<string, unknown>,
  records: LogRecord[],
  scopeName = 'test-scope',
): ResourceLogs {
  const res = newResource();
  res.attributes = kvs(resource);
  const rl = newResourceLogs(res);
  const sl = newScopeLogs(newScope(scopeName, '1.0.0'));
  sl.logRecords = records;
  rl.scopeLogs.push(sl);
  return rl;
}

export function logs(...rls: ResourceLogs[]): LogsData {
  return { resourceLogs: rls };
}

export const TRACE_ID = Uint8Array.from(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'));
export const SPAN_ID = Uint8Array.from(Buffer.from('eee19b7ec3c1b174', 'hex'));
