import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeLogsLazy, encodeLogs } from '../../src/codec/proto-logs.js';
import { str, toAnyValue } from '../../src/pdata/attributes.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import { hexOf, idFromHex } from '../../src/pdata/ids.js';
import { rawList } from '../../src/pdata/lazy.js';
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

describe('tracelink: records still kept as bytes', () => {
  // a request as an OTLP receiver (or file_log's byte path) hands it over: lazy scope lists
  function request(records: LogRecord[][]): Uint8Array {
    const d: LogsData = {
      resourceLogs: records.map((rs) => {
        const rl = newResourceLogs();
        const sl = newScopeLogs();
        sl.logRecords = rs;
        sl.schemaUrl = 'https://example.com/s';
        rl.scopeLogs.push(sl, newScopeLogs());
        return rl;
      }),
    };
    return encodeLogs(d);
  }
  const withIds = (trace: string, span = S) => {
    const r = rec(str('m'), { trace_id: T, k: 'v' });
    r.traceId = idFromHex(trace, 16) ?? new Uint8Array(0);
    r.spanId = idFromHex(span, 8) ?? new Uint8Array(0);
    r.severityText = 'INFO';
    r.timeUnixNano = 1n;
    return r;
  };

  async function both(records: () => LogRecord[][]) {
    const out = { lazy: [] as string[], eager: [] as string[], kept: [] as boolean[] };
    for (const mode of ['lazy', 'eager'] as const) {
      const metrics = new SelfMetrics();
      const sink = new CollectingConsumer<'logs'>();
      const p = factory.create(
        testSettings('tracelink', 'processor', metrics),
        configSchema.parse({}),
        'logs',
        sink,
      );
      const bytes = request(records());
      const data = mode === 'lazy' ? decodeLogsLazy(bytes, true) : decodeLogs(bytes);
      await p.consume(data);
      if (mode === 'lazy') out.kept = data.resourceLogs.map((rl) => rawList(rl) !== undefined);
      out[mode] = [hexOf(encodeLogs(sink.received[0])), await metrics.render()];
    }
    expect(out.lazy).toEqual(out.eager);
    return out.kept;
  }

  it('leaves a list unread only when every record has a valid trace ID; links the others as decoded', async () => {
    const ok = () => withIds(T);
    expect(await both(() => [[ok(), ok()], [ok()]])).toEqual([true, true]);
    expect(await both(() => [[ok(), withIds('')], [ok()]])).toEqual([false, true]); // no trace ID: linked from its attribute
    expect(await both(() => [[withIds('0'.repeat(32))], []])).toEqual([false, true]); // all-zero ID is invalid
    expect(await both(() => [[ok(), rec(str(`trace_id=${T}`))]])).toEqual([false]);
    expect(await both(() => [[]])).toEqual([true]);
    const long = withIds(T);
    long.body = str('日本 😀 '.repeat(30_000));
    expect(await both(() => [[long, ok()]])).toEqual([true]);
  });

  it('unexpected bytes (a repeated trace_id field, a wrong length) go the decoded way', async () => {
    const { allHaveTraceIds } = await import('./wire-scan.js');
    const one = request([[withIds(T)]]);
    const lazy = decodeLogsLazy(one, true);
    const raw = rawList(lazy.resourceLogs[0]) as Uint8Array[];
    expect(allHaveTraceIds(raw)).toBe(true);
    // the record's trace_id field once more, appended inside the record: lengths grow by 18
    const rec0 = Buffer.from(raw[0]);
    const at = rec0.indexOf(Buffer.from([0x4a, 16]));
    const extra = Buffer.concat([rec0.subarray(at, at + 18)]);
    expect(allHaveTraceIds([Buffer.concat([rec0, extra])])).toBe(false); // not a valid scope_logs list
    const short = Buffer.from(rec0);
    short[at + 1] = 15;
    expect(allHaveTraceIds([short])).toBe(false);
    expect(allHaveTraceIds([rec0.subarray(0, rec0.length - 1)])).toBe(false);
  });
});
