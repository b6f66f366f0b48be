// Every Zipkin decoder runs under the request's decode budget
// (src/codec/decode-budget.ts): many small spans or tags are refused with a
// DecodeLimitError (413, or 429 when memory is short) once what they decode to
// passes the budget, instead of being built on the heap.
import { describe, expect, it } from 'vitest';
import { DecodeBudget, DecodeLimitError } from '../../src/codec/decode-budget.js';
import { decode, type Transport } from './receiver.js';

const MiB = 1024 * 1024;
const small = () => new DecodeBudget({ maxBytes: 4 * MiB, maxItems: 1_000_000, maxDepth: 100 });

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `n` minimal valid v2 spans (JSON), each with `tags` empty-valued tags. */
function v2Json(n: number, tags: number): Buffer {
  const t: Record<string, string> = {};
  for (let i = 0; i < tags; i++) t[`k${i}`] = '';
  const spans = Array.from({ length: n }, (_, i) => ({ traceId: hex(1, 32), id: hex(i + 1, 16), tags: t }));
  return Buffer.from(JSON.stringify(spans));
}

/** `n` minimal v2 spans (protobuf): trace and span ID only. */
function v2Proto(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const id = Buffer.from(hex(i + 1, 16), 'hex');
    const span = Buffer.concat([Buffer.from([0x0a, 16]), Buffer.alloc(16, 1), Buffer.from([0x1a, 8]), id]);
    parts.push(Buffer.from([0x0a, span.length]), span);
  }
  return Buffer.concat(parts);
}

/** `n` v1 spans (JSON) with one empty binary annotation each. */
function v1Json(n: number): Buffer {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: hex(1, 16),
    id: hex(i + 1, 16),
    binaryAnnotations: [{ key: 'k', value: '' }],
  }));
  return Buffer.from(JSON.stringify(spans));
}

describe('zipkin decoders under a decode budget', () => {
  const cases: [Transport, Buffer][] = [
    ['http_v2_json', v2Json(2000, 20)],
    ['http_v2_proto', v2Proto(20_000)],
    ['http_v1_json', v1Json(10_000)],
  ];
  it.each(cases)(
    '%s: a body of many small items is refused once its decoded form passes the budget',
    (t, body) => {
      // the same body decodes with the default budget...
      expect(() => decode(t, body, false)).not.toThrow();
      // ...and is refused, permanently (413), under a 4 MiB one
      let err: unknown;
      try {
        decode(t, body, false, small());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeLimitError);
      expect((err as DecodeLimitError).retryable).toBe(false);
    },
  );

  it('http_v1_thrift: a list of many empty spans is charged before they are read', () => {
    // list<Span> of 40k spans, each an empty struct (its STOP byte): 40 KB on the wire
    const n = 40_000;
    const body = Buffer.concat([Buffer.from([12, 0, 0, n >> 8, n & 0xff]), Buffer.alloc(n)]);
    expect(() => decode('http_v1_thrift', body, false, small())).toThrow(DecodeLimitError);
  });
});
