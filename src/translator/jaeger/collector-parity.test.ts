// Where Jaeger -> OTLP translation must give what the collector's translator
// (contrib pkg/translator/jaeger: jaegerthrift_to_traces.go, jaegerproto_to_traces.go)
// gives, for input a real jaeger-client sends (issue: hostile and buggy
// clients, 10). Batches are written by Apache Thrift's npm package.
import { describe, expect, it } from 'vitest';
import { encodeBatch, type JsonSpan, type JsonTag } from '../../../test/support/jaeger-peer.js';
import { hexOf } from '../../pdata/ids.js';
import { StatusCode } from '../../pdata/types.js';
import { decodeBatchBinary } from './thrift-decode.js';
import { jaegerToTraces } from './to-otlp.js';

const str = (key: string, vStr: string): JsonTag => ({ key, vType: 'STRING', vStr });
const long = (key: string, vLong: number): JsonTag => ({ key, vType: 'LONG', vLong });
const bool = (key: string, vBool: boolean): JsonTag => ({ key, vType: 'BOOL', vBool });

function translate(span: Partial<JsonSpan>, processTags: JsonTag[] = []) {
  const full: JsonSpan = {
    traceIdLow: 1,
    spanId: 2,
    operationName: 'op',
    startTime: 1,
    duration: 1,
    ...span,
  };
  const td = jaegerToTraces([
    decodeBatchBinary(encodeBatch({ process: { serviceName: 'svc', tags: processTags }, spans: [full] })),
  ]);
  return { resource: td.resourceSpans[0].resource, span: td.resourceSpans[0].scopeSpans[0].spans[0] };
}

describe('Jaeger translation as the collector does it', () => {
  it('a repeated tag key is one attribute: the last value, at the first place (pcommon.Map.Put)', () => {
    const { span, resource } = translate(
      {
        tags: [
          str('a', '1'),
          str('b', 'x'),
          str('a', '2'),
          str('span.kind', 'client'),
          str('span.kind', 'server'),
        ],
      },
      [str('service.name', 'other'), str('ip', '1'), str('ip', '2')],
    );
    expect(span.attributes).toEqual([
      { key: 'a', value: { stringValue: '2' } },
      { key: 'b', value: { stringValue: 'x' } },
    ]);
    expect(span.kind).toBe(2); // the last span.kind: server
    expect(resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'other' } },
      { key: 'ip', value: { stringValue: '2' } },
    ]);
  });

  it('two `event` fields in a log: the event is named after the last, and neither stays', () => {
    const { span } = translate({
      logs: [{ timestamp: 5, fields: [str('event', 'first'), str('k', 'v'), str('event', 'second')] }],
    });
    expect(span.events).toHaveLength(1);
    expect(span.events[0].name).toBe('second');
    expect(span.events[0].attributes).toEqual([{ key: 'k', value: { stringValue: 'v' } }]);
  });

  it('error=true takes http.status_message as the status message (and keeps it as an attribute)', () => {
    const { span } = translate({ tags: [bool('error', true), str('http.status_message', 'Bad Gateway')] });
    expect(span.status).toEqual({ code: StatusCode.ERROR, message: 'Bad Gateway' });
    expect(span.attributes).toEqual([{ key: 'http.status_message', value: { stringValue: 'Bad Gateway' } }]);
  });

  it('http.status_code=500 takes http.status_message as the status message', () => {
    const { span } = translate({ tags: [long('http.status_code', 500), str('http.status_message', 'oops')] });
    expect(span.status).toEqual({ code: StatusCode.ERROR, message: 'oops' });
  });

  it('a span whose only reference is FOLLOWS_FROM takes it as parent (and keeps it as a link)', () => {
    const { span } = translate({ references: [{ refType: 'FOLLOWS_FROM', traceIdLow: 1, spanId: 9 }] });
    expect(hexOf(span.parentSpanId)).toBe('0000000000000009');
    expect(span.links.map((l) => hexOf(l.spanId))).toEqual(['0000000000000009']);
    expect(span.links[0].attributes).toEqual([
      { key: 'opentracing.ref_type', value: { stringValue: 'follows_from' } },
    ]);
  });

  it('CHILD_OF wins over an earlier FOLLOWS_FROM, and a reference to another trace is never the parent', () => {
    const a = translate({
      references: [
        { refType: 'FOLLOWS_FROM', traceIdLow: 1, spanId: 9 },
        { refType: 'CHILD_OF', traceIdLow: 1, spanId: 8 },
      ],
    }).span;
    expect(hexOf(a.parentSpanId)).toBe('0000000000000008');
    const b = translate({ references: [{ refType: 'FOLLOWS_FROM', traceIdLow: 7, spanId: 9 }] }).span;
    expect(b.parentSpanId.length).toBe(0);
  });
});
