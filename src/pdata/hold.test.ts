// Pooled request bodies: lazy entries carry the body's lease, holders keep it
// alive, decoding copies out of it, and touching data after the last release
// throws instead of reading a reused buffer.
import { describe, expect, it } from 'vitest';
import { leaseBuffer, poolReuses, takeBuffer } from '../codec/buffer-pool.js';
import { decodeTracesLazy, encodeTraces } from '../codec/otlp-proto.js';
import { str } from './attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from './create.js';
import { holdData, releaseHeld } from './hold.js';
import { hexOf } from './ids.js';
import type { Lease } from './lazy.js';
import type { TracesData } from './types.js';

/** A request of `n` spans (well above the pool's minimum size), with a bytes resource attribute. */
function request(tag: string, n = 200): Uint8Array {
  const rs = newResourceSpans();
  rs.resource.attributes.push({ key: 'blob', value: { bytesValue: new Uint8Array([1, 2, 3, 4]) } });
  const ss = newScopeSpans();
  for (let i = 0; i < n; i++) {
    const s = newSpan();
    s.name = `${tag}-${i}`;
    s.traceId = new Uint8Array(16).fill(i + 1);
    s.spanId = new Uint8Array(8).fill(i + 2);
    s.attributes.push({ key: 'payload', value: str(`${tag} ${'x'.repeat(60)}`) });
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return encodeTraces({ resourceSpans: [rs, newResourceSpans()] });
}

/** `wire` in a pooled buffer with its lease, decoded lazily as the OTLP receiver does. */
function receive(wire: Uint8Array): { data: TracesData; lease: Lease; body: Buffer } {
  const body = takeBuffer(wire.length);
  body.set(wire);
  const lease = leaseBuffer(body);
  return { data: decodeTracesLazy(body, false, lease), lease, body };
}

/** Takes buffers until one reuses `body`'s memory, and scribbles over it. */
function reuseAndScribble(body: Buffer): void {
  for (let i = 0; i < 64; i++) {
    const b = takeBuffer(body.length);
    if (b.buffer === body.buffer) {
      b.fill(0xee);
      return;
    }
  }
  throw new Error('the given-back buffer was not reused');
}

describe('pooled request bodies', () => {
  it('holders keep the body alive; the last release gives it back for reuse', () => {
    const { data, lease, body } = receive(request('a'));
    const held = holdData(data);
    expect(held).toEqual([lease]); // both entries share one lease, held once
    lease.release(); // the receiver's own hold ends
    expect(lease.live).toBe(true);
    expect(encodeTraces(data)).toEqual(request('a')); // still the original bytes
    const reused = poolReuses();
    releaseHeld(held);
    expect(lease.live).toBe(false);
    reuseAndScribble(body);
    expect(poolReuses()).toBeGreaterThan(reused);
  });

  it('reading or encoding an entry after its lease was let go throws instead of reading reused memory', () => {
    const { data, lease } = receive(request('b'));
    lease.release();
    expect(() => data.resourceSpans[0].scopeSpans).toThrow(/given back/);
    expect(() => encodeTraces(data)).toThrow(/given back/);
    expect(() => lease.hold()).toThrow(/after it was released/);
    expect(() => lease.release()).toThrow(/more often than held/);
  });

  it('decoded items and the eager resource are copies: they survive the reuse of the body', () => {
    const { data, lease, body } = receive(request('c'));
    const spans = data.resourceSpans[0].scopeSpans[0].spans; // decoded while the lease is live
    const blob = data.resourceSpans[0].resource.attributes[0].value;
    lease.release();
    reuseAndScribble(body);
    expect(spans.map((s) => s.name).slice(0, 2)).toEqual(['c-0', 'c-1']);
    expect(hexOf(spans[1].traceId)).toBe('02'.repeat(16));
    expect(hexOf(spans[1].spanId)).toBe('03'.repeat(8));
    expect(blob).toEqual({ bytesValue: new Uint8Array([1, 2, 3, 4]) });
    // the other entry was never read, so it still depends on the given-back body
    expect(() => data.resourceSpans[1].scopeSpans).toThrow(/given back/);
  });

  it('data without pooled bytes holds nothing', () => {
    const data = decodeTracesLazy(request('d'));
    expect(holdData(data)).toBeUndefined();
    expect(holdData({ resourceMetrics: [] })).toBeUndefined();
  });
});
