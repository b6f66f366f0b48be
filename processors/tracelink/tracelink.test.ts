import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { str, toAnyValue } from '../../src/pdata/attributes.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import { hexOf, idFromHex } from '../../src/pdata/ids.js';
import type { AnyValue, LogRecord, LogsData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { traceIdFromRequestId } from './derive.js';
import { factory } from './factory.js';
import { DERIVED_ATTR, TracelinkProcessor } from './processor.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

function rec(body: AnyValue, attrs: Record<string, unknown> = {}): LogRecord {
  const r = newLogRecord();
  r.body = body;
  r.attributes = Object.entries(attrs).map(([key, v]) => ({ key, value: toAnyValue(v) }));
  return r;
}

function linker(cfg: Record<string, unknown> = {}) {
  return new TracelinkProcessor(configSchema.parse(cfg), new CollectingConsumer<'logs'>());
}

const ids = (r: LogRecord) => [hexOf(r.traceId), hexOf(r.spanId), r.flags];

describe('tracelink: attributes', () => {
  it('links from trace_id / span_id / trace_flags attributes', () => {
    const r = rec(str('hello'), { trace_id: T, span_id: S, trace_flags: '01', other: 1 });
    expect(linker().link(r)).toBe('linked');
    expect(ids(r)).toEqual([T, S, 1]);
    expect(r.attributes.map((a) => a.key)).toEqual(['trace_id', 'span_id', 'trace_flags', 'other']);
  });

  it('removes the matched attributes when asked, and accepts bytes and uppercase hex', () => {
    const r = rec(str('x'), { other: 1, traceId: T.toUpperCase() });
    r.attributes.push({ key: 'spanId', value: { bytesValue: idFromHex(S, 8)! } });
    expect(linker({ remove_matched_attributes: true }).link(r)).toBe('linked');
    expect(ids(r)).toEqual([T, S, 0]);
    expect(r.attributes.map((a) => a.key)).toEqual(['other']);
  });

  it('links from a W3C traceparent attribute (version 00 only)', () => {
    const r = rec(str('x'), { traceparent: `00-${T}-${S}-01` });
    expect(linker().link(r)).toBe('linked');
    expect(ids(r)).toEqual([T, S, 1]);
    for (const bad of [
      `01-${T}-${S}-01`,
      `00-${T.toUpperCase()}-${S}-01`,
      `00-${'0'.repeat(32)}-${S}-01`,
      `00-${T}-${S}`,
    ])
      expect(linker().link(rec(str('x'), { traceparent: bad }))).toBe('none');
  });

  it('rejects invalid IDs and never overwrites a valid existing trace ID', () => {
    expect(linker().link(rec(str('x'), { trace_id: '0'.repeat(32) }))).toBe('none');
    expect(linker().link(rec(str('x'), { trace_id: T.slice(1) }))).toBe('none');
    expect(linker().link(rec(str('x'), { trace_id: `${T.slice(1)}g` }))).toBe('none');
    const existing = rec(str('x'), { trace_id: T });
    existing.traceId = idFromHex('0af7651916cd43dd8448eb211c80319c', 16)!;
    expect(linker().link(existing)).toBe('present');
    expect(hexOf(existing.traceId)).toBe('0af7651916cd43dd8448eb211c80319c');
    const zero = rec(str('x'), { trace_id: T });
    zero.traceId = new Uint8Array(16);
    expect(linker().link(zero)).toBe('linked');
  });

  it('keeps the record flags above the low 8 bits', () => {
    const r = rec(str('x'), { traceparent: `00-${T}-${S}-01` });
    r.flags = 0x100;
    linker().link(r);
    expect(r.flags).toBe(0x101);
  });
});

describe('tracelink: bodies', () => {
  it('links from a map body (JSON logs parsed into a kvlist)', () => {
    const r = rec(toAnyValue({ msg: 'hi', traceId: T, spanId: S }));
    expect(linker().link(r)).toBe('linked');
    expect(ids(r)).toEqual([T, S, 0]);
  });

  it.each([
    ['logfmt', `level=info msg="GET /" trace_id=${T} span_id=${S} trace_flags=01`, [T, S, 1]],
    ['JSON text', `{"level":"info","traceId":"${T}","spanId":"${S}"}`, [T, S, 0]],
    ['ECS', `{"message":"x","trace.id": "${T}", "span.id": "${S}"}`, [T, S, 0]],
    ['lowercase keys', `traceid: ${T} spanid: ${S}`, [T, S, 0]],
    ['.NET', `{"TraceId":"${T}","SpanId":"${S}"}`, [T, S, 0]],
    ['Python logging', `INFO [app] [trace_id=0 otelTraceID=${T} otelSpanID=${S}] hello`, [T, S, 0]],
    ['single quotes', `ctx={'trace_id': '${T}'}`, [T, '', 0]],
    ['traceparent', `request done traceparent=00-${T}-${S}-01 status=200`, [T, S, 1]],
    ['quoted traceparent', `{"traceparent":"00-${T}-${S}-00"}`, [T, S, 0]],
  ])('links from a text body (%s)', (_name, text, want) => {
    const r = rec(str(text));
    expect(linker().link(r)).toBe('linked');
    expect(ids(r)).toEqual(want);
  });

  it.each([
    ['no candidate', 'GET /index.html 200 12ms'],
    ['longer hex', `trace_id=${T}ab`],
    ['part of another key', `dd.trace_id=${T}`],
    ['other key', `xtrace_id=${T}`],
  ])('does not link a text body (%s)', (_name, text) => {
    expect(linker().link(rec(str(text)))).toBe('none');
  });

  it('prefers attributes over the body, and skips text when parse_body_text is false', () => {
    const other = '0af7651916cd43dd8448eb211c80319c';
    const r = rec(str(`trace_id=${other}`), { trace_id: T });
    linker().link(r);
    expect(hexOf(r.traceId)).toBe(T);
    expect(linker({ parse_body_text: false }).link(rec(str(`trace_id=${T}`)))).toBe('none');
  });
});

describe('tracelink: request IDs', () => {
  const cfg = { request_id_keys: ['reqID', 'x-request-id', 'request_id'] };
  const expected = createHash('sha256').update('tsunagi-request-id:abc-123').digest('hex').slice(0, 32);

  it('derives a deterministic trace ID (no span ID) and marks the record', () => {
    expect(hexOf(traceIdFromRequestId('abc-123')!)).toBe(expected);
    const r = rec(str('x'), { reqID: 'abc-123' });
    expect(linker(cfg).link(r)).toBe('derived');
    expect(ids(r)).toEqual([expected, '', 0]);
    expect(r.attributes.find((a) => a.key === DERIVED_ATTR)?.value).toEqual({ stringValue: 'request_id' });
  });

  it('finds request IDs in map and text bodies, but real trace context wins', () => {
    const m = rec(toAnyValue({ 'x-request-id': 'abc-123' }));
    expect(linker(cfg).link(m)).toBe('derived');
    expect(hexOf(m.traceId)).toBe(expected);
    const t = rec(str('handled reqID=abc-123 in 3ms'));
    expect(linker(cfg).link(t)).toBe('derived');
    expect(hexOf(t.traceId)).toBe(expected);
    const both = rec(str(`request_id=abc-123 trace_id=${T}`));
    expect(linker(cfg).link(both)).toBe('linked');
    expect(hexOf(both.traceId)).toBe(T);
    expect(linker().link(rec(str('reqID=abc-123')))).toBe('none');
  });
});

describe('tracelink: processor', () => {
  it('links every record of a batch, passes it on, and counts outcomes', async () => {
    const metrics = new SelfMetrics();
    const next = new CollectingConsumer<'logs'>();
    const p = factory.create(
      testSettings('tracelink', 'processor', metrics),
      configSchema.parse({}),
      'logs',
      next,
    );
    const rl = newResourceLogs();
    const sl = newScopeLogs();
    sl.logRecords.push(rec(str(`trace_id=${T}`)), rec(str('plain')), rec(str('plain 2')));
    rl.scopeLogs.push(sl);
    const data: LogsData = { resourceLogs: [rl] };
    await p.consume(data);
    expect(next.received[0].resourceLogs[0].scopeLogs[0].logRecords.map((r) => hexOf(r.traceId))).toEqual([
      T,
      '',
      '',
    ]);
    const text = await metrics.render();
    expect(text).toContain(
      'otelcol_processor_tracelink_log_records_total{processor="tracelink",outcome="linked"} 1',
    );
    expect(text).toContain(
      'otelcol_processor_tracelink_log_records_total{processor="tracelink",outcome="none"} 2',
    );
    expect(factory.signals).toEqual(['logs']);
    expect(factory.mutatesData).toBe(true);
  });
});
