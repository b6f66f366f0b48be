// A tag or length varint wider than 32 bits is refused, never truncated: read
// modulo 2^32, a length of 2^32 + N passed as N and let the bytes after it
// through as other fields (protobuf-go and protobufjs refuse it; issue:
// hostile and buggy clients, 8).
import { describe, expect, it } from 'vitest';
import { decodePostSpansRequest } from '../translator/jaeger/proto-codec.js';
import { DecodeError, decodeLogsLazy, decodeMetrics, decodeTraces, decodeTracesLazy } from './otlp-proto.js';

/** A varint of `n` (a number up to 2^53). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

// resource_spans { resource { attributes { key: "k" } } } = 0a 07 0a 05 0a 03 0a 01 6b
const inner = [0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x6b];
/** The same request, the outer length written as 2^32 + 7. */
const wideLength = Uint8Array.from([0x0a, ...varint(2 ** 32 + inner.length), ...inner]);
/** A field 1 tag (length-delimited) written as 2^32 + 0x0a: truncated, it reads as resource_spans. */
const wideTag = Uint8Array.from([...varint(2 ** 32 + 0x0a), inner.length, ...inner]);

describe('varints wider than 32 bits', () => {
  it.each([
    ['a length', wideLength],
    ['a tag', wideTag],
  ])('%s is refused by the OTLP decoders (full and lazy)', (_what, body) => {
    for (const decode of [decodeTraces, decodeTracesLazy, decodeLogsLazy, decodeMetrics])
      expect(() => decode(body)).toThrow(DecodeError);
    expect(() => decodeTraces(body)).toThrow(/wider than 32 bits/);
  });

  it('the well-formed request decodes (the test bytes are right)', () => {
    const ok = Uint8Array.from([0x0a, inner.length, ...inner]);
    expect(decodeTraces(ok).resourceSpans[0].resource.attributes[0].key).toBe('k');
  });

  it('a Jaeger api_v2 length of 2^32 + N is refused', () => {
    // PostSpansRequest { batch (1) { spans ... } } with the batch length widened
    const body = Buffer.from([0x0a, ...varint(2 ** 32 + 2), 0x12, 0x00]);
    expect(() => decodePostSpansRequest(body)).toThrow(/wider than 32 bits/);
  });
});
