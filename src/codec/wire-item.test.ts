// Wire items (spans and log records decoded field by field, wire-item.ts) must
// be invisible: whatever a processor reads, assigns or changes in place, the
// encoding is the one the fully decoded and equally changed data gives (byte
// for byte for canonical input, the same data for any input), and items nobody
// changed are forwarded as they came.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttributeValue,
  itemAttribute,
  itemAttributeValue,
  setItemAttribute,
} from '../pdata/attributes.js';
import { newResource, newScope, newSpan } from '../pdata/create.js';
import type { AnyValue, KeyValue, LogRecord, LogsData, Span, TracesData } from '../pdata/types.js';
import {
  decodeLogs,
  decodeLogsLazy,
  decodeTraces,
  decodeTracesLazy,
  encodeLogs,
  encodeTraces,
} from './otlp-proto.js';
import { logRecordsAsWireItems } from './proto-logs.js';
import { encodedTracesSize } from './proto-traces.js';
import { genLogs, genTraces } from './testing/fixtures.js';
import { normalize, oracleDecode } from './testing/oracle.js';
import { WireLogRecord } from './wire-log.js';
import { plainSpan, WireSpan } from './wire-span.js';

// Log records are decoded whole in production (proto-logs.ts says why); these tests keep
// the wire path for them correct, so it is turned on here.
beforeAll(() => {
  logRecordsAsWireItems.enabled = true;
});
afterAll(() => {
  logRecordsAsWireItems.enabled = false;
});

/** Deterministic PRNG, so a failing case can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const spansOf = (d: TracesData) => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const recordsOf = (d: LogsData) =>
  d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** Changes to an attribute list, in place or by assignment, as processors make them. */
const ATTRIBUTE_CHANGES: ((item: { attributes: KeyValue[] }, rand: Rand) => void)[] = [
  (it) => it.attributes.push({ key: 'added', value: { stringValue: 'v' } }),
  (it) => it.attributes.pop(),
  (it) => it.attributes.splice(1, 1),
  (it) => it.attributes.reverse(),
  (it) => it.attributes.sort((a, b) => (a.key < b.key ? -1 : 1)),
  (it) => {
    if (it.attributes.length > 0) it.attributes[0].value = { intValue: 42n };
  },
  (it) => {
    // in place: the AnyValue object itself changes
    const kv = it.attributes.find((x) => (x.value as { stringValue?: string }).stringValue !== undefined);
    if (kv) (kv.value as { stringValue: string }).stringValue = 'changed in place';
  },
  (it) => {
    const kv = it.attributes.find((x) => (x.value as { intValue?: bigint }).intValue !== undefined);
    if (kv) {
      const v = kv.value as Record<string, unknown>;
      delete v.intValue;
      v.boolValue = true;
    }
  },
  (it) => {
    if (it.attributes.length > 0) it.attributes[it.attributes.length - 1].key = 'renamed';
  },
  (it) => {
    const kv = it.attributes.find((x) => (x.value as { kvlistValue?: unknown }).kvlistValue !== undefined);
    if (kv)
      (kv.value as { kvlistValue: { values: KeyValue[] } }).kvlistValue.values.push({
        key: 'deep',
        value: {},
      });
  },
  (it) => {
    const kv = it.attributes.find((x) => (x.value as { bytesValue?: Uint8Array }).bytesValue?.length);
    if (kv) (kv.value as { bytesValue: Uint8Array }).bytesValue[0] ^= 0xff; // bytes written in place
  },
  (it) => {
    it.attributes = it.attributes.filter((_, i) => i % 2 === 0);
  },
  (it) => {
    it.attributes = [];
  },
  (it, rand) =>
    setItemAttribute(it, pick(rand, ['http.method', 'http.status_code', 'k3', 'k7', 'new.key', 'ünï']), {
      stringValue: 'set',
    }),
  (it, rand) => {
    setItemAttribute(it, 'new.a', { doubleValue: 1.5 });
    setItemAttribute(it, pick(rand, ['http.method', 'new.a', 'k2']), { boolValue: false });
  },
  (it, rand) => {
    // read by key, then set what was read (the OTTL `set` with a `where` on the same key)
    const key = pick(rand, ['http.method', 'http.status_code', 'k3', 'k5', 'missing']);
    if (itemAttribute(it, key) !== undefined) setItemAttribute(it, key, { stringValue: 'redacted' });
  },
  (it) => {
    setItemAttribute(it, 'late', { intValue: 1n });
    it.attributes.push({ key: 'after', value: {} }); // decoding applies the set first
  },
  (it) => {
    for (let i = 0; i < 20; i++) setItemAttribute(it, `many.${i}`, { intValue: BigInt(i) }); // past the aside limit
  },
];

/** Reads that must not change anything. */
const READS: ((item: any) => unknown)[] = [
  (it) => it.attributes,
  (it) => it.attributes.map((kv: KeyValue) => kv.value),
  (it) => it.traceId,
  (it) => it.spanId,
  (it) => itemAttribute(it, 'http.status_code'),
  (it) => itemAttribute(it, 'k4'),
  (it) => itemAttribute(it, 'missing'),
  (it) => itemAttribute(it, 'k27'),
  (it) => JSON.stringify(it, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
];

const SPAN_CHANGES: ((s: Span, rand: Rand) => void)[] = [
  (s) => {
    s.name = 'renamed';
  },
  (s) => {
    s.name = '';
  },
  (s) => {
    s.kind = 3;
  },
  (s) => {
    s.traceState = 'k=v';
  },
  (s) => {
    s.startTimeUnixNano += 1n;
  },
  (s) => {
    s.endTimeUnixNano = 0n;
  },
  (s) => {
    s.flags = 0x200;
  },
  (s) => {
    s.droppedAttributesCount++;
  },
  (s) => {
    s.droppedEventsCount = 0;
  },
  (s) => {
    s.droppedLinksCount = 7;
  },
  (s) => {
    s.traceId = new Uint8Array(16).fill(1);
  },
  (s) => {
    s.parentSpanId = new Uint8Array(0);
  },
  (s) => {
    if (s.spanId.length > 0) s.spanId[0] ^= 0x55; // an ID written in place
  },
  (s) => {
    s.status.code = 2;
  },
  (s) => {
    s.status.message = 'in place';
  },
  (s) => {
    s.status = { message: 'new', code: 1 };
  },
  (s) => {
    s.events.push({ timeUnixNano: 5n, name: 'e', attributes: [], droppedAttributesCount: 0 });
  },
  (s) => {
    if (s.events.length > 0) s.events[0].name = 'event renamed';
  },
  (s) => {
    s.links = [];
  },
  (s) => {
    if (s.links.length > 0) s.links[0].attributes.push({ key: 'l', value: { boolValue: true } });
  },
  (s, rand) => pick(rand, ATTRIBUTE_CHANGES)(s, rand),
  (s, rand) => pick(rand, ATTRIBUTE_CHANGES)(s, rand),
];

const LOG_CHANGES: ((l: LogRecord, rand: Rand) => void)[] = [
  (l) => {
    l.severityNumber = 17;
  },
  (l) => {
    l.severityText = 'ERROR';
  },
  (l) => {
    l.timeUnixNano = 1n;
  },
  (l) => {
    l.observedTimeUnixNano = 0n;
  },
  (l) => {
    l.eventName = 'ev';
  },
  (l) => {
    l.flags = 1;
  },
  (l) => {
    l.droppedAttributesCount = 3;
  },
  (l) => {
    l.traceId = new Uint8Array(0);
  },
  (l) => {
    if (l.traceId.length > 0) l.traceId[15] ^= 1;
  },
  (l) => {
    l.body = { stringValue: 'new body' };
  },
  (l) => {
    const b = l.body as Record<string, unknown>;
    if (b.stringValue !== undefined) b.stringValue = 'body changed in place';
  },
  (l) => {
    const b = l.body as Record<string, unknown>;
    for (const k of Object.keys(b)) delete b[k];
    b.intValue = 7n;
  },
  (l) => {
    const b = l.body as { kvlistValue?: { values: KeyValue[] } };
    if (b.kvlistValue) b.kvlistValue.values.push({ key: 'added', value: { stringValue: 'x' } });
  },
  (l) => {
    const b = l.body as { arrayValue?: { values: AnyValue[] } };
    if (b.arrayValue) b.arrayValue.values.pop();
  },
  (l, rand) => pick(rand, ATTRIBUTE_CHANGES)(l, rand),
  (l, rand) => pick(rand, ATTRIBUTE_CHANGES)(l, rand),
];

/** Applies the same random reads and changes to item i of both copies (same seed: same choices). */
function mutate<T>(items: T[], seed: number, changes: ((x: T, r: Rand) => void)[]): void {
  items.forEach((item, i) => {
    const rand = rng(seed * 1000 + i);
    const steps = Math.floor(rand() * 4); // 0: untouched
    for (let k = 0; k < steps; k++) {
      if (rand() < 0.3) pick(rand, READS)(item);
      else pick(rand, changes)(item, rand);
    }
  });
}

describe('wire items: partial reads and changes encode like the fully decoded data', () => {
  it('spans: 300 random mixes of reads, assignments and in-place changes', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    for (let seed = 0; seed < 300; seed++) {
      const lazy = decodeTracesLazy(Buffer.from(wire));
      const eager = decodeTraces(Buffer.from(wire));
      expect(spansOf(lazy).every((s) => s instanceof WireSpan)).toBe(true);
      mutate(spansOf(lazy), seed, SPAN_CHANGES);
      mutate(spansOf(eager), seed, SPAN_CHANGES);
      // a filter drops some: the unchanged ones left are copied in runs
      if (seed % 3 === 0)
        for (const d of [lazy, eager])
          for (const ss of d.resourceSpans[0].scopeSpans) ss.spans = ss.spans.filter((_, i) => i % 5 !== 2);
      const got = Buffer.from(encodeTraces(lazy));
      expect(got.equals(Buffer.from(encodeTraces(eager))), `seed ${seed}`).toBe(true);
      // and encoding again (the sizing pass keeps nothing stale) gives the same
      expect(Buffer.from(encodeTraces(lazy)).equals(got)).toBe(true);
    }
  });

  it('log records: 300 random mixes of reads, assignments and in-place changes', () => {
    const wire = Buffer.from(encodeLogs(genLogs()));
    for (let seed = 0; seed < 300; seed++) {
      const lazy = decodeLogsLazy(Buffer.from(wire));
      const eager = decodeLogs(Buffer.from(wire));
      expect(recordsOf(lazy).every((l) => l instanceof WireLogRecord)).toBe(true);
      mutate(recordsOf(lazy), seed, LOG_CHANGES);
      mutate(recordsOf(eager), seed, LOG_CHANGES);
      if (seed % 3 === 0)
        for (const d of [lazy, eager])
          for (const sl of d.resourceLogs[0].scopeLogs) sl.logRecords.splice(3, 4);
      const got = Buffer.from(encodeLogs(lazy));
      expect(got.equals(Buffer.from(encodeLogs(eager))), `seed ${seed}`).toBe(true);
    }
  });

  it('reading every field of every item changes nothing: the original bytes go out', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    const d = decodeTracesLazy(Buffer.from(wire));
    expect(normalize(d)).toEqual(normalize(decodeTraces(wire)));
    expect(Buffer.from(encodeTraces(d)).equals(wire)).toBe(true);
    const logs = Buffer.from(encodeLogs(genLogs()));
    const l = decodeLogsLazy(Buffer.from(logs));
    expect(normalize(l)).toEqual(normalize(decodeLogs(logs)));
    expect(Buffer.from(encodeLogs(l)).equals(logs)).toBe(true);
  });

  it('items moved between requests, dropped, or mixed with new plain items encode correctly', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    const a = decodeTracesLazy(Buffer.from(wire));
    const b = decodeTraces(Buffer.from(wire));
    for (const d of [a, b]) {
      const ss = d.resourceSpans[0].scopeSpans;
      const moved = ss[0].spans.splice(0, 3);
      ss[1].spans.push(...moved.reverse());
      ss[0].spans[0].attributes.push({ key: 'x', value: { stringValue: 'y' } });
      // a spread sees own properties only, and a wire span's fields are accessors: copy through plainSpan
      ss[2].spans.push({ ...plainSpan(moved[0]), name: 'plain copy' });
    }
    expect(Buffer.from(encodeTraces(a)).equals(Buffer.from(encodeTraces(b)))).toBe(true);
  });
});

describe('wire items: a span sized before it changes again', () => {
  // The exporter queue sizes a request when it takes it and the encoder sizes it again when it
  // is sent; a changed span keeps its first sizing (proto-traces.ts rememberSize) only while
  // nothing it depends on can have changed. Size, change more, size and encode: the bytes of the
  // fully decoded data, and the size the encoding has.
  it('300 random mixes: reads and changes, sized, more reads and changes, encoded', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    for (let seed = 0; seed < 300; seed++) {
      const lazy = decodeTracesLazy(Buffer.from(wire));
      const eager = decodeTraces(Buffer.from(wire));
      mutate(spansOf(lazy), seed, SPAN_CHANGES);
      mutate(spansOf(eager), seed, SPAN_CHANGES);
      // sized (the queue's byte measure), then sized again as the sender does
      expect(encodedTracesSize(lazy)).toBe(encodeTraces(eager).length);
      expect(encodedTracesSize(lazy)).toBe(encodeTraces(eager).length);
      if (seed % 2 === 0) {
        mutate(spansOf(lazy), seed + 7919, SPAN_CHANGES);
        mutate(spansOf(eager), seed + 7919, SPAN_CHANGES);
      }
      const want = Buffer.from(encodeTraces(eager));
      expect(encodedTracesSize(lazy), `seed ${seed}`).toBe(want.length);
      expect(Buffer.from(encodeTraces(lazy)).equals(want), `seed ${seed}`).toBe(true);
    }
  });

  it('a value set by key and then changed in place, or set again, is encoded as it is now', () => {
    const wire = Buffer.from(encodeTraces(genTraces()));
    const lazy = decodeTracesLazy(Buffer.from(wire));
    const eager = decodeTraces(Buffer.from(wire));
    const ls = spansOf(lazy);
    const es = spansOf(eager);
    const values = ls.map(() => ({ stringValue: 'redacted' }) as AnyValue);
    for (let i = 0; i < ls.length; i++) {
      setItemAttribute(ls[i], 'http.method', values[i]);
      setItemAttribute(es[i], 'http.method', { stringValue: 'redacted' });
    }
    expect(encodedTracesSize(lazy)).toBe(encodeTraces(eager).length);
    for (let i = 0; i < ls.length; i++) {
      const changed =
        i % 4 === 0
          ? { stringValue: 'a longer value than before' }
          : i % 4 === 1
            ? { intValue: 123_456_789n }
            : i % 4 === 2
              ? { stringValue: '' }
              : { stringValue: 'redacted' };
      if (i % 3 === 0) {
        // in place: the AnyValue the span holds
        const v = values[i] as Record<string, unknown>;
        delete v.stringValue;
        Object.assign(v, changed);
      } else setItemAttribute(ls[i], 'http.method', { ...changed });
      setItemAttribute(es[i], 'http.method', changed);
      if (i % 5 === 0) {
        ls[i].name = `renamed ${i}`;
        es[i].name = `renamed ${i}`;
      }
    }
    const want = Buffer.from(encodeTraces(eager));
    expect(encodedTracesSize(lazy)).toBe(want.length);
    expect(Buffer.from(encodeTraces(lazy)).equals(want)).toBe(true);
  });
});

// ---- non-canonical input: hand-written protobuf

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const field = (fn: number, wt: number, payload: number[]): number[] => [
  ...varint((fn << 3) | wt),
  ...(wt === 2 ? varint(payload.length) : []),
  ...payload,
];
const str = (s: string) => [...Buffer.from(s)];
const kvBytes = (key: string, value: string) => [
  ...field(1, 2, str(key)),
  ...field(2, 2, field(1, 2, str(value))),
];
const fixed64 = (n: number) => [...Buffer.from(new BigUint64Array([BigInt(n)]).buffer)];

/** A span with its fields out of order, an unknown field, a repeated singular field and split attributes. */
function oddSpan(): number[] {
  return [
    ...field(9, 2, kvBytes('b', 'B')),
    ...field(5, 2, str('first name')),
    ...field(100, 0, varint(7)), // unknown
    ...field(8, 1, fixed64(2000)),
    ...field(2, 2, [1, 2, 3, 4, 5, 6, 7, 8]),
    ...field(9, 2, [...field(2, 2, field(1, 2, str('A'))), ...field(1, 2, str('a'))]), // value before key
    ...field(7, 1, fixed64(1000)),
    ...field(5, 2, str('last name wins')),
    ...field(1, 2, new Array(16).fill(9)),
    ...field(15, 2, [...field(3, 0, [2]), ...field(2, 2, str('err'))]),
    ...field(9, 2, kvBytes('b', 'second b')),
  ];
}

function oddRequest(): Buffer {
  const scope = field(1, 2, field(1, 2, str('lib')));
  const scopeSpans = [...scope, ...field(2, 2, oddSpan()), ...field(2, 2, oddSpan())];
  const rs = [...field(1, 2, field(1, 2, kvBytes('service.name', 'svc'))), ...field(2, 2, scopeSpans)];
  return Buffer.from(field(1, 2, rs));
}

describe('wire items: non-canonical input', () => {
  it('decodes like the full decoder (last value wins, all attribute occurrences in order)', () => {
    const wire = oddRequest();
    const lazy = decodeTracesLazy(Buffer.from(wire));
    expect(normalize(lazy)).toEqual(normalize(decodeTraces(wire)));
    const s = spansOf(lazy)[0];
    expect(s.name).toBe('last name wins');
    expect(s.attributes.map((kv) => kv.key)).toEqual(['b', 'a', 'b']);
    expect(itemAttribute(spansOf(decodeTracesLazy(Buffer.from(wire)))[0], 'b')).toEqual({ stringValue: 'B' });
  });

  it('unchanged spans go out as they came (unknown fields kept); changed ones carry the same data as fully decoded ones', () => {
    const wire = oddRequest();
    const untouched = decodeTracesLazy(Buffer.from(wire));
    for (const s of spansOf(untouched)) void [s.name, s.attributes, s.status.code, itemAttribute(s, 'a')];
    expect(Buffer.from(encodeTraces(untouched)).equals(wire)).toBe(true);

    for (let seed = 0; seed < 200; seed++) {
      const lazy = decodeTracesLazy(Buffer.from(wire));
      const eager = decodeTraces(Buffer.from(wire));
      mutate(spansOf(lazy), seed, SPAN_CHANGES);
      mutate(spansOf(eager), seed, SPAN_CHANGES);
      const out = encodeTraces(lazy);
      // the same data for our decoder and for protobufjs (which keeps the last of repeated singular fields too)
      expect(normalize(decodeTraces(out)), `seed ${seed}`).toEqual(normalize(eager));
      expect(oracleDecode('traces', out)).toEqual(oracleDecode('traces', encodeTraces(eager)));
    }
  });
});

describe('wire items: attributes by key', () => {
  const one = () => {
    const d = decodeTracesLazy(Buffer.from(encodeTraces(genTraces())));
    return { d, s: d.resourceSpans[0].scopeSpans[0].spans[3] };
  };

  it('reads the first pair with the key, a set value, or nothing; maps and arrays come from the decoded list', () => {
    const { s } = one();
    const plain = decodeTraces(Buffer.from(encodeTraces(genTraces()))).resourceSpans[0].scopeSpans[0]
      .spans[3];
    for (const kv of plain.attributes)
      expect(itemAttribute(s, kv.key)).toEqual(plain.attributes.find((x) => x.key === kv.key)?.value);
    expect(itemAttribute(s, 'nope')).toBeUndefined();
    setItemAttribute(s, 'nope', { stringValue: 'now' });
    expect(itemAttribute(s, 'nope')).toEqual({ stringValue: 'now' });
    expect(s.attributes.at(-1)).toEqual({ key: 'nope', value: { stringValue: 'now' } });
  });

  it('a read by key does not decode the list, a set by key neither; both still encode like a decoded list', () => {
    const { d, s } = one();
    const w = s as unknown as WireSpan;
    itemAttribute(s, 'http.status_code');
    setItemAttribute(s, 'http.method', { stringValue: 'x' });
    expect(w.loaded & (1 << 9)).toBe(0);
    const e = decodeTraces(Buffer.from(encodeTraces(genTraces())));
    const es = e.resourceSpans[0].scopeSpans[0].spans[3];
    setItemAttribute(es, 'http.method', { stringValue: 'x' });
    expect(Buffer.from(encodeTraces(d)).equals(Buffer.from(encodeTraces(e)))).toBe(true);
  });
});

// ---- attributes by key over varied lists: the paths the fixtures above do not reach

/** Keys that take every branch of the by-key index and compare: empty, non-ASCII, ≥ 128 bytes, duplicated. */
const KEY_POOL = ['a', 'b', 'http.route', '', 'ünï', '日本', 'x'.repeat(130), 'ab', 'ba'];
/** Values: short and long (≥ 128 bytes: two-byte lengths), every kind, maps, and a pair without a value. */
const VALUE_POOL: (() => AnyValue)[] = [
  () => ({ stringValue: 's' }),
  () => ({ stringValue: 'v'.repeat(200) }),
  () => ({ stringValue: '' }),
  () => ({ intValue: -5n }),
  () => ({ boolValue: true }),
  () => ({ doubleValue: 0.25 }),
  () => ({ bytesValue: new Uint8Array([1, 2, 3]) }),
  () => ({ kvlistValue: { values: [{ key: 'in', value: { stringValue: 'map' } }] } }),
  () => ({ arrayValue: { values: [{ intValue: 1n }] } }),
  () => ({}),
];

function variedSpans(rand: Rand): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < 12; i++) {
    const s = newSpan();
    s.name = `s${i}`;
    s.traceId = new Uint8Array(16).fill(i + 1);
    s.spanId = new Uint8Array(8).fill(i + 1);
    const n = Math.floor(rand() * 7); // some spans have no attributes
    for (let k = 0; k < n; k++)
      s.attributes.push({ key: pick(rand, KEY_POOL), value: pick(rand, VALUE_POOL)() });
    s.droppedAttributesCount = i % 3; // a field after the attributes
    spans.push(s);
  }
  return {
    resourceSpans: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('v'), spans, schemaUrl: '' }],
      },
    ],
  };
}

/** itemAttributeValue's answer as the AnyValue it stands for. */
function asAnyValue(v: AttributeValue | undefined): AnyValue | undefined {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'bigint':
      return { intValue: v };
    case 'number':
      return { doubleValue: v };
    default:
      return v;
  }
}

describe('wire items: attributes by key over varied lists', () => {
  it('400 random lists and read/set sequences: the same answers and the same bytes as a decoded list', () => {
    for (let seed = 0; seed < 400; seed++) {
      const wire = Buffer.from(encodeTraces(variedSpans(rng(seed))));
      const lazy = decodeTracesLazy(Buffer.from(wire));
      const eager = decodeTraces(Buffer.from(wire));
      const ls = spansOf(lazy);
      const es = spansOf(eager);
      const rand = rng(seed + 7777);
      for (let i = 0; i < ls.length; i++) {
        const steps = Math.floor(rand() * 6);
        for (let k = 0; k < steps; k++) {
          const key = pick(rand, [...KEY_POOL, 'missing']);
          const r = rand();
          if (r < 0.3)
            expect(itemAttribute(ls[i], key), `seed ${seed} span ${i} get ${key}`).toEqual(
              itemAttribute(es[i], key),
            );
          else if (r < 0.45)
            // a scalar as itself, anything else as its AnyValue: the same value either way
            expect(asAnyValue(itemAttributeValue(ls[i], key)), `seed ${seed} span ${i} value ${key}`).toEqual(
              itemAttribute(es[i], key),
            );
          else if (r < 0.9) {
            const v = pick(rand, VALUE_POOL);
            setItemAttribute(ls[i], key, v());
            setItemAttribute(es[i], key, v());
          } else expect(ls[i].attributes).toEqual(es[i].attributes); // decodes the list midway
        }
      }
      const got = Buffer.from(encodeTraces(lazy));
      expect(got.equals(Buffer.from(encodeTraces(eager))), `seed ${seed}`).toBe(true);
    }
  });
});

describe('wire items: pairs set by key with cached encodings', () => {
  // The encoder copies the bytes of a pair set by key from a cache by key (wire-item.ts
  // setPairBytes). Values that change from item to item, keys that stop being cached midway,
  // and values of every kind must still give the bytes of the decoded list.
  const SET_VALUES: AnyValue[] = [
    { stringValue: 'redacted' },
    { stringValue: 'ünï 日本' },
    { stringValue: '' },
    { stringValue: 'w'.repeat(300) },
    { boolValue: true },
    { boolValue: false },
    { intValue: 0n },
    { intValue: -1n },
    { intValue: 9_007_199_254_740_993n },
    { doubleValue: 0.5 },
    { doubleValue: -0 },
    { doubleValue: Number.NaN },
    { bytesValue: new Uint8Array([9]) },
    { kvlistValue: { values: [{ key: 'in', value: { intValue: 2n } }] } },
    {},
  ];
  const copy = (v: AnyValue): AnyValue => structuredClone(v);

  it('constant, alternating and per-item values, over several requests: the bytes of a decoded list', () => {
    const rand = rng(99);
    for (let round = 0; round < 60; round++) {
      const wire = Buffer.from(encodeTraces(variedSpans(rng(round))));
      const lazy = decodeTracesLazy(Buffer.from(wire));
      const eager = decodeTraces(Buffer.from(wire));
      const ls = spansOf(lazy);
      const es = spansOf(eager);
      const mode = round % 3;
      for (let i = 0; i < ls.length; i++) {
        // constant value / two values taking turns (evicts between sizing and writing) / random
        const v =
          mode === 0
            ? SET_VALUES[round % SET_VALUES.length]
            : mode === 1
              ? SET_VALUES[i % 2 === 0 ? 0 : 4 + (round % 8)]
              : pick(rand, SET_VALUES);
        for (const key of ['env', 'a', '日本']) {
          setItemAttribute(ls[i], key, copy(v));
          setItemAttribute(es[i], key, copy(v));
        }
        // a per-item string: the key soon stops being cached
        setItemAttribute(ls[i], 'per.item', { stringValue: `v${round}-${i}` });
        setItemAttribute(es[i], 'per.item', { stringValue: `v${round}-${i}` });
      }
      expect(Buffer.from(encodeTraces(lazy)).equals(Buffer.from(encodeTraces(eager))), `round ${round}`).toBe(
        true,
      );
    }
  });
});

describe('wire items: the first attribute read indexes fields and pairs in one walk', () => {
  // The one-walk index (WireList.attributesAt) against the two walks it replaces when the item's
  // fields were indexed first (a read of another field): the same answers and the same bytes.
  const odd = oddRequest();
  const lists = (seed: number): Buffer[] => {
    const d = variedSpans(rng(seed));
    const spans = spansOf(d);
    // two-byte tags (flags, field 16) and long names (two-byte lengths) on some spans
    spans.forEach((s, i) => {
      if (i % 2 === 0) s.flags = 0x101;
      if (i % 3 === 0) s.name = `ñ${'n'.repeat(150 + i)}`;
    });
    return [Buffer.from(encodeTraces(d)), odd];
  };
  it('100 random lists, odd spans included: one walk and two walks agree, and with the decoded list', () => {
    for (let seed = 0; seed < 100; seed++)
      for (const wire of lists(seed)) {
        const oneWalk = spansOf(decodeTracesLazy(Buffer.from(wire)));
        const twoWalks = spansOf(decodeTracesLazy(Buffer.from(wire)));
        for (const s of twoWalks) void s.name; // indexes the fields first
        const eager = decodeTraces(Buffer.from(wire));
        const es = spansOf(eager);
        const rand = rng(seed + 99);
        for (let i = 0; i < es.length; i++)
          for (let k = 0; k < 4; k++) {
            const key = pick(rand, [...KEY_POOL, 'missing']);
            if (rand() < 0.6) {
              const want = itemAttribute(es[i], key);
              expect(asAnyValue(itemAttributeValue(oneWalk[i], key)), `seed ${seed} ${i} ${key}`).toEqual(
                want,
              );
              expect(asAnyValue(itemAttributeValue(twoWalks[i], key)), `seed ${seed} ${i} ${key}`).toEqual(
                want,
              );
            } else {
              const v = pick(rand, VALUE_POOL);
              for (const s of [oneWalk[i], twoWalks[i], es[i]]) setItemAttribute(s, key, v());
            }
          }
        const out = (spans: Span[]) =>
          Buffer.from(
            encodeTraces({
              resourceSpans: [
                {
                  resource: newResource(),
                  schemaUrl: '',
                  scopeSpans: [{ scope: newScope('v'), spans, schemaUrl: '' }],
                },
              ],
            }),
          );
        const one = out(oneWalk);
        expect(one.equals(out(twoWalks)), `seed ${seed}`).toBe(true);
        // the odd spans keep their unknown fields and field order: the same data, not the same bytes
        expect(normalize(decodeTraces(one)), `seed ${seed}`).toEqual(normalize(decodeTraces(out(es))));
        if (wire !== odd) expect(one.equals(out(es)), `seed ${seed}`).toBe(true);
      }
  });
});
