// Test data builders shared by the Elasticsearch tests.
import { toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeSpans,
  newSpan,
  newSpanEvent,
} from '../../src/pdata/create.js';
import type { LogRecord, LogsData, Span, TracesData } from '../../src/pdata/types.js';

export const TRACE_HEX = '5b8efff798038103d269b633813fc60c';
export const SPAN_HEX = 'eee19b7ec3c1b174';
export const TRACE_ID = Uint8Array.from(Buffer.from(TRACE_HEX, 'hex'));
export const SPAN_ID = Uint8Array.from(Buffer.from(SPAN_HEX, 'hex'));
export const T0 = 1_700_000_000_123_456_789n;

export function kvs(o: Record<string, unknown>) {
  return Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
}

export const RESOURCE = {
  'service.name': 'checkout',
  'host.name': 'node-1',
  'k8s.namespace.name': 'shop',
  'k8s.pod.name': 'checkout-7d9f',
};

export function logRecord(body: unknown, attrs: Record<string, unknown> = {}, i = 0): LogRecord {
  const r = newLogRecord();
  r.timeUnixNano = T0 + BigInt(i);
  r.body = toAnyValue(body);
  r.severityNumber = 9;
  r.severityText = 'INFO';
  r.traceId = TRACE_ID;
  r.spanId = SPAN_ID;
  r.attributes = kvs(attrs);
  return r;
}

export function logsOf(records: LogRecord[], resource: Record<string, unknown> = RESOURCE): LogsData {
  const res = newResource();
  res.attributes = kvs(resource);
  const rl = newResourceLogs(res);
  const sl = newScopeLogs(newScope('io.test', '1.2.3'));
  sl.logRecords = records;
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

export function manyLogs(n: number, attrs: (i: number) => Record<string, unknown> = () => ({})): LogsData {
  return logsOf(Array.from({ length: n }, (_, i) => logRecord(`message ${i}`, attrs(i), i)));
}

export function span(name: string, withEvent = true): Span {
  const s = newSpan();
  s.traceId = TRACE_ID;
  s.spanId = SPAN_ID;
  s.parentSpanId = Uint8Array.from(Buffer.from('0102030405060708', 'hex'));
  s.name = name;
  s.kind = 2;
  s.startTimeUnixNano = T0;
  s.endTimeUnixNano = T0 + 1_500_000n;
  s.status = { code: 2, message: 'boom' };
  s.attributes = kvs({ 'http.route': '/pay' });
  if (withEvent) {
    const ev = newSpanEvent();
    ev.name = 'exception';
    ev.timeUnixNano = T0 + 1000n;
    ev.attributes = kvs({ 'exception.message': 'card declined' });
    s.events.push(ev);
  }
  return s;
}

export function tracesOf(spans: Span[]): TracesData {
  const res = newResource();
  res.attributes = kvs(RESOURCE);
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('io.test', '1.2.3'));
  ss.spans = spans;
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}
