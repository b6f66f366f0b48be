// Lazy decoding must be invisible: the same data, the same accept/reject
// decision as the full decoder, the original bytes forwarded while nobody read
// the items, and any change a processor makes encoded.
import { describe, expect, it } from 'vitest';
import { type AttributeItem, itemAttribute, setItemAttribute } from '../pdata/attributes.js';
import { countLogRecords, countSpans } from '../pdata/count.js';
import { lazyItemCount, rawList } from '../pdata/lazy.js';
import type { LogsData, TracesData } from '../pdata/types.js';
import { DEFAULT_DECODE_LIMITS, DecodeBudget } from './decode-budget.js';
import {
  DecodeError,
  decodeLogs,
  decodeLogsLazy,
  decodeTraces,
  decodeTracesLazy,
  encodeLogs,
  encodeTraces,
} from './otlp-proto.js';
import { setSkimFastPath } from './proto-lazy.js';
import { genLogs, genTraces } from './testing/fixtures.js';
import { normalize } from './testing/oracle.js';

type Codec = {
  eager(b: Uint8Array): unknown;
  lazy(b: Uint8Array): unknown;
  trusted(b: Uint8Array): unknown;
  encode(d: unknown): Uint8Array;
  count(d: unknown): number;
  entries(d: unknown): object[];
  items(d: unknown): AttributeItem[];
};
const traces: Codec = {
  eager: decodeTraces,
  lazy: decodeTracesLazy,
  trusted: (b) => decodeTracesLazy(b, true),
  encode: (d) => encodeTraces(d as TracesData),
  count: (d) => countSpans(d as TracesData),
  entries: (d) => (d as TracesData).resourceSpans,
  items: (d) => (d as TracesData).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
};
const logs: Codec = {
  eager: decodeLogs,
  lazy: decodeLogsLazy,
  trusted: (b) => decodeLogsLazy(b, true),
  encode: (d) => encodeLogs(d as LogsData),
  count: (d) => countLogRecords(d as LogsData),
  entries: (d) => (d as LogsData).resourceLogs,
  items: (d) => (d as LogsData).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
};

/** Deterministic PRNG, so a failing case can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function outcome(fn: () => unknown): { ok: true; v: unknown } | { ok: false; msg: string } {
  try {
    return { ok: true, v: fn() };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, msg: e.message };
  }
}

describe.each([
  ['traces', traces, () => encodeTraces(genTraces())],
  ['logs', logs, () => encodeLogs(genLogs())],
] as const)('lazy %s decoding', (_name, c, bytes) => {
  it('counts without decoding, forwards the original bytes, and decodes to the same data on read', () => {
    const wire = Buffer.from(bytes());
    const d = c.lazy(wire);
    expect(c.count(d)).toBe(c.count(c.eager(wire)));
    for (const e of c.entries(d)) expect(rawList(e)).toBeDefined();
    expect(Buffer.from(c.encode(d))).toEqual(wire);
    expect(normalize(d)).toEqual(normalize(c.eager(wire)));
    // Reading decoded the lists: nothing raw is left to forward.
    for (const e of c.entries(d)) expect(lazyItemCount(e)).toBeUndefined();
    expect(Buffer.from(c.encode(d))).toEqual(wire);
  });

  it('trusted (our own bytes: counted, not validated) gives the same counts, bytes and data', () => {
    for (let i = 0; i < 20; i++) {
      const wire = Buffer.from(bytes());
      const d = c.trusted(wire);
      expect(c.count(d)).toBe(c.count(c.eager(wire)));
      expect(Buffer.from(c.encode(d))).toEqual(wire);
      expect(normalize(d)).toEqual(normalize(c.eager(wire)));
    }
  });
});

describe('lazy decoding and changes made by processors', () => {
  it('a span changed after reading is encoded with the change', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    const d = decodeTracesLazy(wire);
    d.resourceSpans[0].scopeSpans[0].spans[0].name = 'renamed';
    const back = decodeTraces(encodeTraces(d));
    expect(back.resourceSpans[0].scopeSpans[0].spans[0].name).toBe('renamed');
  });

  it('a resource changed without reading the spans is encoded with the change, spans as they came', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    const d = decodeTracesLazy(wire);
    d.resourceSpans[0].resource.attributes.push({ key: 'k8s.pod.name', value: { stringValue: 'p-1' } });
    expect(rawList(d.resourceSpans[0])).toBeDefined();
    const back = decodeTraces(encodeTraces(d));
    const orig = decodeTraces(wire);
    expect(back.resourceSpans[0].resource.attributes.at(-1)).toEqual({
      key: 'k8s.pod.name',
      value: { stringValue: 'p-1' },
    });
    expect(normalize(back.resourceSpans[0].scopeSpans)).toEqual(normalize(orig.resourceSpans[0].scopeSpans));
  });

  it('assigning a new list replaces the kept bytes', () => {
    const d = decodeLogsLazy(Buffer.from(encodeLogs(genLogs())));
    d.resourceLogs[0].scopeLogs = [];
    expect(rawList(d.resourceLogs[0])).toBeUndefined();
    expect(countLogRecords(d)).toBe(0);
    expect(decodeLogs(encodeLogs(d)).resourceLogs[0].scopeLogs).toEqual([]);
  });

  it('object spread and cloning see the decoded list', () => {
    const d = decodeTracesLazy(Buffer.from(encodeTraces(genTraces())));
    const copy = { ...d.resourceSpans[0] };
    expect(copy.scopeSpans.length).toBe(3);
  });
});

describe.each([
  ['traces', traces, () => encodeTraces(genTraces())],
  ['logs', logs, () => encodeLogs(genLogs())],
] as const)('lazy %s decoding accepts and rejects exactly what the full decoder does', (_name, c, bytes) => {
  it('invalid trace and span ID lengths are rejected with the full decoder’s message', () => {
    const d = c.eager(Buffer.from(bytes())) as TracesData & LogsData;
    const item = d.resourceSpans
      ? d.resourceSpans[0].scopeSpans[0].spans[1]
      : d.resourceLogs[0].scopeLogs[0].logRecords[1];
    item.traceId = new Uint8Array(15);
    const wire = Buffer.from(c.encode(d));
    const lazy = outcome(() => c.lazy(wire));
    expect(lazy.ok).toBe(false);
    expect(lazy).toEqual(outcome(() => c.eager(wire)));
    expect((lazy as { msg: string }).msg).toMatch(/trace_id must be 16 bytes, got 15/);
  });

  it('on 2000 corrupted payloads (flipped, cut, inserted bytes)', () => {
    const wire = Buffer.from(bytes());
    const rand = rng(42);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(wire);
      const kind = i % 3;
      const at = Math.floor(rand() * b.length);
      let input: Buffer;
      if (kind === 0) {
        b[at] ^= 1 << Math.floor(rand() * 8);
        input = b;
      } else if (kind === 1) input = b.subarray(0, at);
      else
        input = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
      const eager = outcome(() => c.eager(input));
      const lazy = outcome(() => c.lazy(input));
      expect(lazy.ok, `case ${i}`).toBe(eager.ok);
      if (!eager.ok) {
        rejected++;
        expect(lazy).toEqual(eager);
        continue;
      }
      if (!lazy.ok) continue;
      expect(c.count(lazy.v)).toBe(c.count(eager.v));
      expect(normalize(lazy.v)).toEqual(normalize(eager.v));
      // attributes read and set by key on the items (wire items: without decoding their lists),
      // then encoded: the same data as the decoded items changed alike
      if (i % 10 !== 0) continue; // (one case in ten: the test's time)
      const byKey = [c.lazy(input), c.eager(input)];
      for (const d of byKey)
        for (const item of c.items(d)) {
          itemAttribute(item, 'http.method');
          setItemAttribute(item, 'http.status_code', { stringValue: 'set' });
          setItemAttribute(item, 'new', { boolValue: true });
        }
      expect(normalize(c.eager(c.encode(byKey[0]))), `case ${i}`).toEqual(
        normalize(c.eager(c.encode(byKey[1]))),
      );
    }
    // The corruptions must exercise the reject path a lot, or this test proves little.
    expect(rejected).toBeGreaterThan(300);
  });
});

// --- the skim's KeyValue/AnyValue fast path against its general walk ---

/** Protobuf by hand: a varint, a length-delimited field, a varint field. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const len = (field: number, body: number[] | string): number[] => {
  const b = typeof body === 'string' ? [...Buffer.from(body)] : body;
  return [...varint((field << 3) | 2), ...varint(b.length), ...b];
};
const vint = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];

/** Attributes in shapes an encoder of ours never writes, but the wire allows. */
function oddAttributes(): Buffer {
  const kvs = [
    [...len(2, len(1, 'v')), ...len(1, 'value before key')],
    [...vint(3, 5), ...len(1, 'k')], // key_strindex
    [...vint(9, 1), ...len(1, 'k'), ...len(2, vint(8, 3))], // unknown field; string_value_strindex
    [...len(1, 'k'), ...len(2, [...len(12, 'zz'), ...vint(3, 7)])], // unknown field in the value
    [...len(1, 'k'.repeat(200)), ...len(2, len(1, 'v'.repeat(130)))], // two-byte lengths
    [...len(1, 'k'), ...len(2, len(7, [])), ...len(2, len(7, [1, 2, 3, 4, 5]))], // bytes; last value wins
    [...len(1, 'k'), ...len(2, [0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])], // double
    [...len(1, 'k'), ...len(2, len(5, [...len(1, len(1, 's')), ...len(1, len(6, len(1, len(1, 'kk'))))]))],
    [...len(1, 'k'), ...len(1, 'key twice'), ...len(2, vint(2, 1)), ...len(2, vint(3, 2 ** 31))],
  ];
  const span = kvs.flatMap((kv) => len(9, kv));
  return Buffer.from(
    len(1, len(2, [...len(2, span), ...len(2, [...len(5, 'other span'), ...len(9, kvs[0])])])),
  );
}

/** What decoding `input` lazily gives with the fast path on or off: the outcome and the charges. */
function skimmed(input: Uint8Array, fast: boolean, decode: (b: Uint8Array, budget: DecodeBudget) => unknown) {
  const budget = new DecodeBudget(DEFAULT_DECODE_LIMITS);
  setSkimFastPath(fast);
  try {
    const r = outcome(() => decode(input, budget));
    return { ok: r.ok, msg: r.ok ? '' : r.msg, bytes: budget.bytes, items: budget.items };
  } finally {
    setSkimFastPath(true);
  }
}

describe('the skim’s KeyValue/AnyValue fast path', () => {
  const lazyTraces = (b: Uint8Array, budget: DecodeBudget) => decodeTracesLazy(b, false, undefined, budget);
  const lazyLogs = (b: Uint8Array, budget: DecodeBudget) => decodeLogsLazy(b, false, undefined, budget);

  it('accepts the wire shapes our encoder never writes, as the full decoder does, charging alike', () => {
    const input = oddAttributes();
    expect(outcome(() => decodeTraces(input)).ok).toBe(true);
    const fast = skimmed(input, true, lazyTraces);
    expect(fast.ok).toBe(true);
    expect(fast).toEqual(skimmed(input, false, lazyTraces));
  });

  it.each([
    ['traces', () => encodeTraces(genTraces()), lazyTraces],
    ['logs', () => encodeLogs(genLogs()), lazyLogs],
    ['odd attributes', () => oddAttributes(), lazyTraces],
  ] as const)(
    'accepts, refuses and charges exactly what the general walk does: %s, 3000 corruptions',
    (_n, bytes, decode) => {
      const wire = Buffer.from(bytes());
      expect(skimmed(wire, true, decode)).toEqual(skimmed(wire, false, decode));
      const rand = rng(7);
      let refused = 0;
      for (let i = 0; i < 3000; i++) {
        const b = Buffer.from(wire);
        const at = Math.floor(rand() * b.length);
        let input: Buffer;
        if (i % 3 === 0) {
          b[at] ^= 1 << Math.floor(rand() * 8);
          input = b;
        } else if (i % 3 === 1) input = b.subarray(0, at);
        else
          input = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
        const fast = skimmed(input, true, decode);
        expect(fast, `case ${i}`).toEqual(skimmed(input, false, decode));
        if (!fast.ok) refused++;
      }
      expect(refused).toBeGreaterThan(300);
    },
  );

  // (the logs fixture carries every AnyValue shape, as the traces one does, in 7 KB instead of 17)
  it.each([
    ['logs', () => encodeLogs(genLogs()), lazyLogs],
    ['odd attributes', () => oddAttributes(), lazyTraces],
  ] as const)('every byte one more and one less (lengths that overrun by one): %s', (_n, bytes, decode) => {
    const wire = Buffer.from(bytes());
    for (let at = 0; at < wire.length; at++)
      for (const delta of [1, -1]) {
        const input = Buffer.from(wire);
        input[at] = (input[at] + delta) & 0xff;
        expect(skimmed(input, true, decode), `byte ${at} ${delta}`).toEqual(skimmed(input, false, decode));
      }
  });
});
