import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeMetrics, decodeTraces } from '../../src/codec/otlp-proto.js';
import type { Signal } from '../../src/pdata/signal.js';
import { otlpWireCodec } from './codec.js';
import { resetWarmUpForTests, warmOtlpCodecs } from './warm-up.js';
import type { WireCodec } from './wire.js';

/** The real codec, recording what the warm-up asked it to decode. */
function recording(): {
  codec: WireCodec;
  calls: { signal: Signal; enc: string; leased: boolean; body: Uint8Array }[];
} {
  const calls: { signal: Signal; enc: string; leased: boolean; body: Uint8Array }[] = [];
  const codec: WireCodec = {
    ...otlpWireCodec,
    decode(signal, enc, body, lease, budget) {
      calls.push({ signal, enc, leased: lease !== undefined, body });
      return otlpWireCodec.decode(signal, enc, body, lease, budget);
    },
  };
  return { codec, calls };
}

describe('OTLP receiver warm-up', () => {
  it('decodes and reads a full SDK-sized request of each signal through the real codec', () => {
    resetWarmUpForTests();
    const { codec, calls } = recording();
    const items = warmOtlpCodecs(codec, ['traces', 'logs', 'metrics']);
    // every item of the last round was decoded and read back intact (IDs, attributes, bodies)
    expect(Object.fromEntries(items)).toEqual({ traces: 512, logs: 512, metrics: 96 });
    // protobuf, as SDKs send; plain bodies (no pooled buffer lent out)
    expect(calls.length).toBe(6); // 2 rounds of 3 signals
    for (const c of calls) {
      expect(c.enc).toBe('proto');
      expect(c.leased).toBe(false);
    }
    // the bodies it made are valid requests for the full decoder too, non-ASCII included
    const t = decodeTraces(calls.find((c) => c.signal === 'traces')!.body);
    expect(t.resourceSpans[0].scopeSpans[0].spans).toHaveLength(512);
    expect(t.resourceSpans[0].resource.attributes.find((a) => a.key === 'host.name')?.value).toEqual({
      stringValue: 'tsunagi-wärm-up',
    });
    expect(
      decodeLogs(calls.find((c) => c.signal === 'logs')!.body).resourceLogs[0].scopeLogs[0].logRecords,
    ).toHaveLength(512);
    expect(
      decodeMetrics(calls.find((c) => c.signal === 'metrics')!.body).resourceMetrics[0].scopeMetrics[0]
        .metrics,
    ).toHaveLength(96);
  });

  it('warms only the signals the receiver serves, once per process', () => {
    resetWarmUpForTests();
    const first = recording();
    expect([...warmOtlpCodecs(first.codec, ['logs', 'logs']).keys()]).toEqual(['logs']);
    expect(new Set(first.calls.map((c) => c.signal))).toEqual(new Set(['logs']));
    const second = recording();
    expect(warmOtlpCodecs(second.codec, ['traces']).size).toBe(0);
    expect(second.calls).toHaveLength(0);
  });

  it('a codec that loses items is noticed (the count is what was read back)', () => {
    resetWarmUpForTests();
    const lossy: WireCodec = {
      ...otlpWireCodec,
      decode(signal, enc, body, lease, budget) {
        const d = otlpWireCodec.decode(signal, enc, body, lease, budget) as any;
        if (signal === 'traces') d.resourceSpans[0].scopeSpans[0].spans.pop();
        return d;
      },
    };
    expect(warmOtlpCodecs(lossy, ['traces']).get('traces')).toBe(511);
  });
});
