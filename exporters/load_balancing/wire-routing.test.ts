// Routing by trace ID on the wire bytes (wire-routing.ts) against routing the
// decoded request (routing.ts): on varied requests, the same backends in the
// same order, and each backend's part encodes to the same bytes.
import { describe, expect, it } from 'vitest';
import { decodeLogsLazy, decodeTracesLazy, encodeLogs, encodeTraces } from '../../src/codec/otlp-proto.js';
import { toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import { holdData, releaseHeld } from '../../src/pdata/hold.js';
import { type Lease, leaseOf, rawList } from '../../src/pdata/lazy.js';
import type { KeyValue, LogsData, TracesData } from '../../src/pdata/types.js';
import { HashRing } from './ring.js';
import { routeData } from './routing.js';

/** A small seeded PRNG (mulberry32): the same varied requests every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'GET /api', 'crème brûlée ☕', '租户-42', 'x'.repeat(3000), 'a\u0000b'];

function attrs(rnd: () => number): KeyValue[] {
  const n = Math.floor(rnd() * 4); // often none
  const out: KeyValue[] = [];
  for (let i = 0; i < n; i++)
    out.push({ key: `k${i}`, value: toAnyValue(rnd() < 0.5 ? STRINGS[Math.floor(rnd() * 6)] : i * 7) });
  return out;
}

function ids(rnd: () => number, traces: number): Uint8Array[] {
  return Array.from({ length: traces }, (_, i) => {
    const t = new Uint8Array(16); // 128-bit, both halves set
    for (let j = 0; j < 16; j++) t[j] = Math.floor(rnd() * 256);
    t[0] = i; // distinct
    return t;
  });
}

/** Several resources and scopes (some empty), spans of many traces interleaved and in runs. */
function variedTraces(seed: number): TracesData {
  const rnd = prng(seed);
  const tids = ids(rnd, 1 + Math.floor(rnd() * 30));
  const d: TracesData = { resourceSpans: [] };
  const resources = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < resources; r++) {
    const res = newResource();
    res.attributes = attrs(rnd);
    const rs = newResourceSpans(res);
    if (rnd() < 0.5) rs.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
    const scopes = Math.floor(rnd() * 4); // a resource without scopes too
    for (let s = 0; s < scopes; s++) {
      const scope = rnd() < 0.3 ? newScope() : newScope(`lib-${s}`, rnd() < 0.5 ? '1.0.0' : '');
      scope.attributes = attrs(rnd);
      const ss = newScopeSpans(scope);
      if (rnd() < 0.3) ss.schemaUrl = 'https://opentelemetry.io/schemas/1.21.0';
      const n = Math.floor(rnd() * 40); // a scope without spans too
      let t = Math.floor(rnd() * tids.length);
      for (let i = 0; i < n; i++) {
        if (rnd() < 0.4) t = Math.floor(rnd() * tids.length); // runs of one trace, and interleaving
        const span = newSpan();
        span.traceId = tids[t];
        span.spanId = Uint8Array.from({ length: 8 }, () => Math.floor(rnd() * 256));
        span.name = STRINGS[Math.floor(rnd() * STRINGS.length)];
        span.kind = Math.floor(rnd() * 6);
        span.startTimeUnixNano = BigInt(Math.floor(rnd() * 1e12));
        span.attributes = attrs(rnd);
        ss.spans.push(span);
      }
      rs.scopeSpans.push(ss);
    }
    d.resourceSpans.push(rs);
  }
  return d;
}

function variedLogs(seed: number): LogsData {
  const rnd = prng(seed);
  const tids = ids(rnd, 1 + Math.floor(rnd() * 20));
  const d: LogsData = { resourceLogs: [] };
  const resources = 1 + Math.floor(rnd() * 3);
  for (let r = 0; r < resources; r++) {
    const res = newResource();
    res.attributes = attrs(rnd);
    const rl = newResourceLogs(res);
    const scopes = Math.floor(rnd() * 3) + 1;
    for (let s = 0; s < scopes; s++) {
      const sl = newScopeLogs(rnd() < 0.3 ? newScope() : newScope(`lib-${s}`));
      const n = Math.floor(rnd() * 30);
      for (let i = 0; i < n; i++) {
        const rec = newLogRecord();
        rec.traceId = tids[Math.floor(rnd() * tids.length)];
        rec.body = toAnyValue(STRINGS[Math.floor(rnd() * STRINGS.length)]);
        rec.attributes = attrs(rnd);
        rec.timeUnixNano = BigInt(Math.floor(rnd() * 1e12));
        sl.logRecords.push(rec);
      }
      rl.scopeLogs.push(sl);
    }
    d.resourceLogs.push(rl);
  }
  return d;
}

const rings = [
  new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317']),
  new HashRing(['a:4317', 'b:4317', 'c:4317', 'd:4317', 'e:4317']),
  new HashRing(['only:4317']),
];
const opts = (ring: HashRing) => ({
  key: 'traceID' as const,
  attributes: [],
  endpointFor: (k: Uint8Array | string) => ring.endpointFor(k) as string,
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('routing by trace ID on the wire bytes', () => {
  it('gives every backend the part routing the decoded spans gives, byte for byte', () => {
    let split = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const bytes = encodeTraces(variedTraces(seed));
      for (const ring of rings) {
        const wire = decodeTracesLazy(bytes); // untouched: routed on its bytes
        const decoded = decodeTracesLazy(bytes);
        for (const rs of decoded.resourceSpans) void rs.scopeSpans; // read: routed as objects
        const fast = routeData('traces', wire, opts(ring));
        const slow = routeData('traces', decoded, opts(ring));
        expect([...fast.keys()], `seed ${seed}`).toEqual([...slow.keys()]);
        for (const [ep, part] of fast) {
          expect(hex(encodeTraces(part)), `seed ${seed} ${ep}`).toBe(
            hex(encodeTraces(slow.get(ep) as TracesData)),
          );
          // the fast path made no span: its parts are still bytes
          for (const rs of part.resourceSpans) expect(rawList(rs)).toBeDefined();
          // and every span is where the ring puts its trace
          for (const rs of part.resourceSpans)
            for (const ss of rs.scopeSpans)
              for (const s of ss.spans) expect(ring.endpointFor(s.traceId)).toBe(ep);
        }
        if (fast.size > 1) split++;
        else if (fast.size === 1) expect([...fast.values()][0]).toBe(wire); // as it came
      }
    }
    expect(split).toBeGreaterThan(50);
  });

  it('copies a split into one pooled buffer on a lease when asked: the same parts, the lease on each', () => {
    let pooled = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const bytes = encodeTraces(variedTraces(seed));
      for (const ring of rings) {
        const plain = routeData('traces', decodeTracesLazy(bytes), opts(ring));
        let lease: Lease | undefined;
        const parts = routeData('traces', decodeTracesLazy(bytes), {
          ...opts(ring),
          keep: (l) => {
            expect(lease).toBeUndefined(); // one lease per split
            lease = l;
          },
        });
        expect([...parts.keys()], `seed ${seed}`).toEqual([...plain.keys()]);
        for (const [ep, part] of parts)
          expect(hex(encodeTraces(part)), `seed ${seed} ${ep}`).toBe(
            hex(encodeTraces(plain.get(ep) as TracesData)),
          );
        if (parts.size < 2) {
          expect(lease).toBeUndefined(); // nothing was copied
          continue;
        }
        pooled++;
        const l = lease as Lease;
        for (const part of parts.values()) for (const rs of part.resourceSpans) expect(leaseOf(rs)).toBe(l);
        // a queue that keeps a part holds the lease; the caller's release leaves it live
        const held = [...parts.values()].map((p) => holdData(p));
        l.release();
        expect(l.live).toBe(true);
        for (const h of held) releaseHeld(h);
        expect(l.live).toBe(false); // given back: reading a part now throws instead of reading reused bytes
        expect(() => encodeTraces([...parts.values()][0])).toThrow(/given back/);
      }
    }
    expect(pooled).toBeGreaterThan(50);
  });

  it('does the same for log records with trace IDs', () => {
    let split = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const bytes = encodeLogs(variedLogs(seed));
      for (const ring of rings) {
        const wire = decodeLogsLazy(bytes);
        const decoded = decodeLogsLazy(bytes);
        for (const rl of decoded.resourceLogs) void rl.scopeLogs;
        const fast = routeData('logs', wire, opts(ring));
        const slow = routeData('logs', decoded, opts(ring));
        expect([...fast.keys()], `seed ${seed}`).toEqual([...slow.keys()]);
        for (const [ep, part] of fast) {
          expect(hex(encodeLogs(part)), `seed ${seed} ${ep}`).toBe(hex(encodeLogs(slow.get(ep) as LogsData)));
          for (const rl of part.resourceLogs) expect(rawList(rl)).toBeDefined();
        }
        if (fast.size > 1) split++;
      }
    }
    expect(split).toBeGreaterThan(50);
  });

  it('sends the log records of a resource without a trace ID to one backend, the others by trace ID', () => {
    const ring = rings[1];
    const d = variedLogs(7);
    const untraced = new Set<string>();
    for (const rl of d.resourceLogs)
      for (const sl of rl.scopeLogs)
        sl.logRecords.forEach((rec, i) => {
          if (i % 3 === 0) {
            rec.traceId = i % 2 ? new Uint8Array(0) : new Uint8Array(16); // absent or all zero
            rec.body = toAnyValue(`untraced ${untraced.size}`);
            untraced.add(`untraced ${untraced.size}`);
          }
        });
    d.resourceLogs = d.resourceLogs.slice(0, 1);
    const parts = routeData('logs', decodeLogsLazy(encodeLogs(d)), opts(ring));
    const where = new Set<string>();
    let seen = 0;
    for (const [ep, part] of parts)
      for (const rl of part.resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const rec of sl.logRecords) {
            seen++;
            const body = (rec.body as { stringValue?: string }).stringValue ?? '';
            if (body.startsWith('untraced ')) where.add(ep);
            else expect(ring.endpointFor(rec.traceId)).toBe(ep);
          }
    const total = d.resourceLogs[0].scopeLogs.reduce((n, sl) => n + sl.logRecords.length, 0);
    expect(seen).toBe(total);
    expect(untraced.size).toBeGreaterThan(0);
    expect(where.size).toBe(1);
  });

  it('routes a request whose spans were read already as decoded spans', () => {
    const bytes = encodeTraces(variedTraces(3));
    const d = decodeTracesLazy(bytes);
    void d.resourceSpans[0].scopeSpans;
    const parts = routeData('traces', d, opts(rings[0]));
    let n = 0;
    for (const [ep, part] of parts)
      for (const rs of part.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) {
            n++;
            expect(rings[0].endpointFor(s.traceId)).toBe(ep);
          }
    const total = decodeTracesLazy(bytes).resourceSpans.reduce(
      (a, rs) => a + rs.scopeSpans.reduce((b, ss) => b + ss.spans.length, 0),
      0,
    );
    expect(n).toBe(total);
  });
});
