// api_v2 protobuf: the hand-written decoder against messages protobufjs builds
// from the upstream protos, and the encoder read back by protobufjs.
import { describe, expect, it } from 'vitest';
import { PostSpansRequest } from '../../../test/support/jaeger-proto.js';
import { hexOf } from '../../pdata/ids.js';
import { JaegerDecodeError } from './model.js';
import { decodePostSpansRequest, encodePostSpansRequest } from './proto-codec.js';
import { jaegerToTraces } from './to-otlp.js';

const T = () => PostSpansRequest();
const enc = (o: object) => Buffer.from(T().encode(T().fromObject(o)).finish());
const sp = (n: number, extra: object = {}) => ({
  traceId: Buffer.alloc(16, n),
  spanId: Buffer.alloc(8, n),
  operationName: `op${n}`,
  ...extra,
});

describe('api_v2 protobuf codec', () => {
  it('gives spans with their own process their own resource', () => {
    const batch = decodePostSpansRequest(
      enc({
        batch: {
          process: { serviceName: 'a' },
          spans: [
            sp(1),
            sp(2, { process: { serviceName: 'b', tags: [{ key: 'x', vType: 1, vBool: true }] } }),
            sp(3),
          ],
        },
      }),
    );
    const td = jaegerToTraces([batch]);
    expect(
      td.resourceSpans.map((rs) => [
        rs.resource.attributes,
        rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)),
      ]),
    ).toEqual([
      [[{ key: 'service.name', value: { stringValue: 'a' } }], ['op1', 'op3']],
      [
        [
          { key: 'service.name', value: { stringValue: 'b' } },
          { key: 'x', value: { boolValue: true } },
        ],
        ['op2'],
      ],
    ]);
  });

  it('encodes what protobufjs reads back, including negative ints and long strings', () => {
    const long = 'x'.repeat(300);
    const buf = encodePostSpansRequest({
      process: { serviceName: 'svc', tags: [{ key: 'k', value: { intValue: -1n } }] },
      spans: [
        {
          traceId: Buffer.alloc(16, 0xab),
          spanId: Buffer.alloc(8, 0xcd),
          parentSpanId: new Uint8Array(0),
          operationName: long,
          references: [],
          flags: 3,
          startTimeUnixNano: 1_700_000_000_999_999_999n,
          durationNano: 1_500_000_001n,
          tags: [{ key: 'd', value: { doubleValue: -0.5 } }],
          logs: [],
        },
      ],
    });
    const o = T().toObject(T().decode(buf), { longs: String, bytes: Buffer, enums: String, defaults: true });
    const s = o.batch.spans[0];
    expect(o.batch.process.tags[0]).toMatchObject({ key: 'k', vType: 'INT64', vInt64: '-1' });
    expect(s.operationName).toBe(long);
    expect(hexOf(s.traceId)).toBe('ab'.repeat(16));
    expect(s.flags).toBe(3);
    expect(s.startTime).toMatchObject({ seconds: '1700000000', nanos: 999_999_999 });
    expect(s.duration).toMatchObject({ seconds: '1', nanos: 500_000_001 });
    expect(s.tags[0]).toMatchObject({ key: 'd', vType: 'FLOAT64', vFloat64: -0.5 });
    // and our decoder reads it back
    const back = decodePostSpansRequest(buf);
    expect(back.spans[0].startTimeUnixNano).toBe(1_700_000_000_999_999_999n);
    expect(back.spans[0].durationNano).toBe(1_500_000_001n);
    expect(back.process?.tags[0].value).toEqual({ intValue: -1n });
  });

  it('rejects truncated messages and bad IDs', () => {
    const good = enc({ batch: { spans: [sp(1), sp(2)] } });
    for (let cut = 1; cut < good.length; cut++) {
      let err: unknown;
      try {
        decodePostSpansRequest(good.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(JaegerDecodeError);
    }
    expect(() => decodePostSpansRequest(enc({ batch: { spans: [sp(0)] } }))).toThrow(/invalid trace ID/);
    expect(() =>
      decodePostSpansRequest(enc({ batch: { spans: [{ ...sp(1), spanId: Buffer.alloc(4, 1) }] } })),
    ).toThrow(/invalid span ID/);
  });
});
