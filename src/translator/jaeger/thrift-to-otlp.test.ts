// Thrift (encoded by Apache Thrift's npm package) -> OTLP, checked against the
// domain model Jaeger's own converter fixtures expect for the same batches.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from '../../../test/support/conformance-dir.js';
import {
  encodeBatch,
  encodeEmitBatch,
  type JsonBatch,
  parseJsonBatch,
} from '../../../test/support/jaeger-peer.js';
import { hexOf } from '../../pdata/ids.js';
import type { AnyValue, KeyValue } from '../../pdata/types.js';
import { SpanKind } from '../../pdata/types.js';
import { JaegerDecodeError } from './model.js';
import { decodeBatchBinary, decodeEmitBatch } from './thrift-decode.js';
import { jaegerToTraces } from './to-otlp.js';

const DIR = `${CONFORMANCE_DIR}jaeger/jaeger-thrift-json-fixtures`;
const load = (n: number) => ({
  batch: parseJsonBatch(readFileSync(`${DIR}/thrift_batch_0${n}.json`, 'utf8')),
  domain: JSON.parse(readFileSync(`${DIR}/domain_0${n}.json`, 'utf8')),
});

type Any = any;

const b64hex = (s: string) => Buffer.from(s, 'base64').toString('hex');

/** RFC 3339 with microseconds -> Unix nanoseconds. */
function ns(rfc: string): bigint {
  const frac = /\.(\d+)/.exec(rfc)?.[1] ?? '';
  const ms = Date.parse(rfc.replace(/\.\d+/, ''));
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0'));
}

function domainValue(t: Any): AnyValue {
  switch (t.vType) {
    case 'STRING':
      return { stringValue: t.vStr ?? '' };
    case 'BOOL':
      return { boolValue: t.vBool ?? false };
    case 'INT64':
      return { intValue: BigInt(t.vInt64 ?? 0) };
    case 'FLOAT64':
      return { doubleValue: t.vFloat64 ?? 0 };
    default:
      return { bytesValue: Uint8Array.from(Buffer.from(t.vBinary ?? '', 'base64')) };
  }
}
const kvs = (tags: Any[] | undefined): KeyValue[] =>
  (tags ?? []).map((t) => ({ key: t.key, value: domainValue(t) }));

function checkAgainstDomain(batch: JsonBatch, domain: Any, payloads: Buffer[], decode: (b: Buffer) => Any) {
  for (const payload of payloads) {
    const td = jaegerToTraces([decode(payload)]);
    expect(td.resourceSpans).toHaveLength(1);
    const rs = td.resourceSpans[0];
    // Resource: service.name + process tags, hostname -> host.name, jaeger.version -> opencensus.exporterversion.
    const expectedRes: KeyValue[] = [
      { key: 'service.name', value: { stringValue: batch.process.serviceName } },
    ];
    let hostname: string | undefined;
    let version: string | undefined;
    for (const t of kvs(domain.spans[0].process.tags)) {
      if (t.key === 'hostname') hostname = (t.value as { stringValue: string }).stringValue;
      else if (t.key === 'jaeger.version') version = (t.value as { stringValue: string }).stringValue;
      else expectedRes.push(t);
    }
    if (hostname) expectedRes.push({ key: 'host.name', value: { stringValue: hostname } });
    if (version)
      expectedRes.push({ key: 'opencensus.exporterversion', value: { stringValue: `Jaeger-${version}` } });
    expect(rs.resource.attributes).toEqual(expectedRes);

    const spans = rs.scopeSpans.flatMap((ss) => ss.spans);
    expect(spans).toHaveLength(domain.spans.length);
    domain.spans.forEach((d: Any, i: number) => {
      const s = spans[i];
      expect(hexOf(s.traceId)).toBe(b64hex(d.traceId));
      expect(hexOf(s.spanId)).toBe(b64hex(d.spanId));
      expect(s.name).toBe(d.operationName);
      expect(s.startTimeUnixNano).toBe(ns(d.startTime));
      expect(s.endTimeUnixNano - s.startTimeUnixNano).toBe(BigInt(d.duration.replace('ns', '')));
      const refs: Any[] = d.references ?? [];
      // Thrift's explicit parentSpanId is the parent (Jaeger's converter drops the implied
      // CHILD_OF ref when another ref already points at the parent, as in batch 02).
      const parentHex = BigInt(batch.spans[i].parentSpanId ?? 0)
        .toString(16)
        .padStart(16, '0');
      expect(hexOf(s.parentSpanId)).toBe(parentHex);
      const links = refs.filter((r) => !(r.refType === 'CHILD_OF' && b64hex(r.spanId) === parentHex));
      expect(s.links.map((l) => [hexOf(l.traceId), hexOf(l.spanId), l.attributes[0].value])).toEqual(
        links.map((r) => [
          b64hex(r.traceId),
          b64hex(r.spanId),
          { stringValue: r.refType === 'CHILD_OF' ? 'child_of' : 'follows_from' },
        ]),
      );
      const tags = kvs(d.tags);
      const kindTag = tags.find((t) => t.key === 'span.kind');
      expect(s.kind).toBe(kindTag ? SpanKind.SERVER : SpanKind.UNSPECIFIED);
      expect(s.attributes).toEqual(tags.filter((t) => t.key !== 'span.kind'));
      expect(s.events).toEqual(
        (d.logs ?? []).map((l: Any) => {
          const fields = kvs(l.fields);
          const ev = fields.find((f) => f.key === 'event');
          return {
            timeUnixNano: ns(l.timestamp),
            name: ev ? (ev.value as { stringValue: string }).stringValue : '',
            attributes: fields.filter((f) => f !== ev),
            droppedAttributesCount: 0,
          };
        }),
      );
    });
  }
}

describe('Jaeger Thrift -> OTLP (Jaeger fixtures, encoded by Apache Thrift)', () => {
  for (const n of [1, 2]) {
    it(`thrift_batch_0${n} as agent emitBatch (compact and binary)`, () => {
      const { batch, domain } = load(n);
      checkAgainstDomain(batch, domain, [encodeEmitBatch(batch, 'compact')], (b) =>
        decodeEmitBatch(b, 'compact'),
      );
      checkAgainstDomain(batch, domain, [encodeEmitBatch(batch, 'binary')], (b) =>
        decodeEmitBatch(b, 'binary'),
      );
    });
    it(`thrift_batch_0${n} as an HTTP body (binary Batch)`, () => {
      const { batch, domain } = load(n);
      checkAgainstDomain(batch, domain, [encodeBatch(batch)], (b) => decodeBatchBinary(b));
    });
  }

  const span = (over: Partial<JsonBatch['spans'][0]> = {}): JsonBatch['spans'][0] => ({
    traceIdLow: 1,
    traceIdHigh: 2,
    spanId: 3,
    operationName: 'op',
    startTime: 1_700_000_000_000_000,
    duration: 5,
    ...over,
  });

  it('maps status, kind, scope, trace state, flags and 128-bit IDs', () => {
    const b: JsonBatch = {
      process: { serviceName: 'svc', tags: [{ key: 'k', vType: 'LONG', vLong: '-9223372036854775808' }] },
      spans: [
        span({
          traceIdHigh: '-1',
          traceIdLow: '81985529216486895',
          spanId: '-2',
          flags: 1,
          tags: [
            { key: 'otel.scope.name', vType: 'STRING', vStr: 'lib' },
            { key: 'otel.scope.version', vType: 'STRING', vStr: '1.2' },
            { key: 'span.kind', vType: 'STRING', vStr: 'client' },
            { key: 'error', vType: 'BOOL', vBool: true },
            { key: 'otel.status_code', vType: 'STRING', vStr: 'OK' },
            { key: 'otel.status_description', vType: 'STRING', vStr: 'boom' },
            { key: 'w3c.tracestate', vType: 'STRING', vStr: 'a=b' },
            { key: 'bin', vType: 'BINARY', vBinary: 'AQID' },
          ],
        }),
        span({
          tags: [
            { key: 'otel.library.name', vType: 'STRING', vStr: 'old' },
            { key: 'otel.library.version', vType: 'STRING', vStr: '0.1' },
            { key: 'otel.status_code', vType: 'STRING', vStr: 'ok' },
            { key: 'error', vType: 'BOOL', vBool: false },
          ],
          references: [
            { refType: 'FOLLOWS_FROM', traceIdLow: 9, spanId: 8 },
            { refType: 'CHILD_OF', traceIdLow: 1, traceIdHigh: 2, spanId: 7 },
            { refType: 'CHILD_OF', traceIdLow: 1, traceIdHigh: 2, spanId: 6 },
          ],
        }),
        span({ tags: [{ key: 'http.status_code', vType: 'LONG', vLong: 503 }] }),
      ],
    };
    for (const protocol of ['compact', 'binary'] as const) {
      const td = jaegerToTraces([decodeEmitBatch(encodeEmitBatch(b, protocol), protocol)]);
      const rs = td.resourceSpans[0];
      expect(rs.resource.attributes).toEqual([
        { key: 'service.name', value: { stringValue: 'svc' } },
        { key: 'k', value: { intValue: -9223372036854775808n } },
      ]);
      expect(rs.scopeSpans.map((ss) => [ss.scope.name, ss.scope.version, ss.spans.length])).toEqual([
        ['lib', '1.2', 1],
        ['old', '0.1', 1],
        ['', '', 1],
      ]);
      const [a] = rs.scopeSpans[0].spans;
      expect(hexOf(a.traceId)).toBe('ffffffffffffffff0123456789abcdef');
      expect(hexOf(a.spanId)).toBe('fffffffffffffffe');
      expect(a.flags).toBe(1);
      expect(a.kind).toBe(SpanKind.CLIENT);
      expect(a.status).toEqual({ code: 2, message: 'boom' }); // error=true wins over otel.status_code
      expect(a.traceState).toBe('a=b');
      expect(a.attributes).toEqual([{ key: 'bin', value: { bytesValue: Uint8Array.from([1, 2, 3]) } }]);
      expect(a.startTimeUnixNano).toBe(1_700_000_000_000_000_000n);
      expect(a.endTimeUnixNano).toBe(1_700_000_000_000_005_000n);

      const [c] = rs.scopeSpans[1].spans;
      expect(c.status).toEqual({ code: 1, message: '' });
      expect(c.attributes).toEqual([{ key: 'error', value: { boolValue: false } }]);
      expect(hexOf(c.parentSpanId)).toBe('0000000000000007');
      expect(c.links.map((l) => [hexOf(l.spanId), l.attributes])).toEqual([
        ['0000000000000008', [{ key: 'opentracing.ref_type', value: { stringValue: 'follows_from' } }]],
        ['0000000000000006', [{ key: 'opentracing.ref_type', value: { stringValue: 'child_of' } }]],
      ]);
      const [h] = rs.scopeSpans[2].spans;
      expect(h.status.code).toBe(2);
    }
  });

  it('rejects truncated messages, garbage and invalid IDs with a JaegerDecodeError', () => {
    const good = encodeEmitBatch({ process: { serviceName: 's' }, spans: [span(), span()] }, 'compact');
    for (let cut = 0; cut < good.length; cut += 3) {
      const err = (() => {
        try {
          decodeEmitBatch(good.subarray(0, cut), 'compact');
        } catch (e) {
          return e;
        }
      })();
      expect(err, `cut at ${cut}`).toBeInstanceOf(JaegerDecodeError);
    }
    const garbage = Buffer.from('definitely not thrift at all, just some bytes \x82\x81\xff\xff\xff\xff');
    expect(() => decodeEmitBatch(garbage, 'compact')).toThrow(JaegerDecodeError);
    expect(() => decodeEmitBatch(garbage, 'binary')).toThrow(JaegerDecodeError);
    expect(() => decodeBatchBinary(garbage)).toThrow(JaegerDecodeError);
    const zero = encodeEmitBatch(
      { process: { serviceName: 's' }, spans: [span({ traceIdLow: 0, traceIdHigh: 0 })] },
      'binary',
    );
    expect(() => decodeEmitBatch(zero, 'binary')).toThrow(/invalid \(zero\) trace ID/);
    try {
      decodeEmitBatch(zero, 'binary');
    } catch (e) {
      expect((e as JaegerDecodeError).spanCount).toBe(1);
    }
  });
});
