import { describe, expect, it } from 'vitest';
import { decodeTraces, encodeTraces } from '../../src/codec/otlp-proto.js';
import { getAttr } from '../../src/pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';
import { request, sid, tid } from './testdata/traces.js';
import { viewOfRequest } from './trace-view.js';
import { scanScopeList } from './wire.js';
import { V_BOOL, V_DOUBLE, V_INT, V_NONE, V_OTHER, V_STR, type WireSpan } from './wire-span.js';

/** A seeded generator, so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const KEYS = ['a', 'b', 'http.route', 'ünï', ''];

function randomValue(r: () => number): AnyValue {
  switch (Math.floor(r() * 7)) {
    case 0:
      return { stringValue: r() < 0.2 ? '' : `v${Math.floor(r() * 100)}é` };
    case 1:
      return { boolValue: r() < 0.5 };
    case 2:
      return { intValue: BigInt(Math.floor((r() - 0.5) * 2 ** 52)) * (r() < 0.3 ? 4096n : 1n) };
    case 3:
      return { doubleValue: r() * 100 };
    case 4:
      return { arrayValue: { values: [{ stringValue: 'x' }] } };
    case 5:
      return { bytesValue: new Uint8Array([1, 2]) };
    default:
      return {};
  }
}

/** What pcommon's accessors give for a decoded value: the reference for the wire reader. */
function expected(v: AnyValue | undefined) {
  if (v === undefined) return { found: false };
  const kind =
    'stringValue' in v
      ? V_STR
      : 'boolValue' in v
        ? V_BOOL
        : 'intValue' in v
          ? V_INT
          : 'doubleValue' in v
            ? V_DOUBLE
            : Object.keys(v).length > 0
              ? V_OTHER
              : V_NONE;
  return {
    found: true,
    kind,
    str: kind === V_STR ? (v as { stringValue: string }).stringValue : undefined,
    int: kind === V_INT ? (v as { intValue: bigint }).intValue : undefined,
    bool: kind === V_BOOL ? (v as { boolValue: boolean }).boolValue : undefined,
  };
}

describe('reading span fields from the wire', () => {
  it('agrees with the full decoder on 200 random spans (attributes incl. duplicate keys, status, times, flags, trace state)', () => {
    const r = rng(42);
    for (let n = 0; n < 200; n++) {
      const attributes: KeyValue[] = [];
      const count = Math.floor(r() * 6);
      for (let i = 0; i < count; i++)
        attributes.push({ key: KEYS[Math.floor(r() * KEYS.length)], value: randomValue(r) });
      const data = request({
        spans: [
          {
            trace: tid(1),
            id: sid(1),
            status: Math.floor(r() * 3),
            start: BigInt(Math.floor(r() * 2 ** 50)) * 1000n,
            end: BigInt(Math.floor(r() * 2 ** 50)) * 1000n,
            flags: Math.floor(r() * 0x300),
            traceState: r() < 0.5 ? '' : 'k=v,x=ü',
          },
        ],
      });
      data.resourceSpans[0].scopeSpans[0].spans[0].attributes = attributes;
      const span = decodeTraces(encodeTraces(data)).resourceSpans[0].scopeSpans[0].spans[0];
      const seen: WireSpan[] = [];
      viewOfRequest(data).visit(undefined, (s) => {
        seen.push(s);
        expect(s.statusCode()).toBe(span.status.code);
        expect(s.startTime()).toBe(span.startTimeUnixNano);
        expect(s.endTime()).toBe(span.endTimeUnixNano);
        expect(s.flags()).toBe(span.flags);
        expect(s.traceState()).toBe(span.traceState);
        for (const key of KEYS) {
          const want = expected(getAttr(span.attributes, key));
          const found = s.attr(new TextEncoder().encode(key));
          expect(found).toBe(want.found);
          if (!found) continue;
          expect(s.kind).toBe(want.kind);
          if (want.kind === V_STR) expect(s.str).toBe(want.str);
          if (want.kind === V_INT) expect(s.int).toBe(want.int);
          if (want.kind === V_BOOL) expect(s.bool).toBe(want.bool);
        }
        return false;
      });
      expect(seen).toHaveLength(1);
    }
  });

  it('the scanner throws on truncated or malformed input, and never loops', () => {
    const body = encodeTraces(request({ spans: [{ trace: tid(1), id: sid(1), attributes: { k: 'v' } }] }));
    const r = rng(7);
    let errors = 0;
    for (let n = 0; n < 2000; n++) {
      const b = new Uint8Array(body);
      const cut = Math.floor(r() * b.length);
      const mutated = r() < 0.5 ? b.subarray(0, cut) : b;
      if (mutated === b) b[cut] = Math.floor(r() * 256);
      try {
        scanScopeList(mutated.subarray(2), { scope: () => {}, span: () => {} });
      } catch {
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
