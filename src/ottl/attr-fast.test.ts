// The attribute fast paths (attr-fast.ts over pdata itemAttributeShape: kinds, strings and numbers
// read from a span's bytes) against the general evaluation: on spans kept as protobuf the fast
// paths answer, on fully decoded spans the general path does; both must agree on every value,
// operator and literal, including values at varint boundaries, non-ASCII and invalid UTF-8,
// duplicate keys, the same key with an int, a string or a double, keys set by an earlier
// statement, and AnyValues encoded unusually (which the fast paths must leave to the general way).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { anyKind } from '../codec/proto-common.js';
import { decodeTraces, decodeTracesLazy, encodeTraces } from '../codec/proto-traces.js';
import { doubleBytes, ld, utf8, varint64 } from '../codec/testing/hand-proto.js';
import { WireSpan } from '../codec/wire-span.js';
import {
  getAttr,
  itemAttributeShape,
  itemAttributeShapeNumber,
  itemAttributeShapeStringIs,
  SHAPE_ABSENT,
  SHAPE_UNKNOWN,
} from '../pdata/attributes.js';
import { newResource, newScope } from '../pdata/create.js';
import type { AnyValue, TracesData } from '../pdata/types.js';
import {
  compileConditions,
  compileGroup,
  ErrorReporter,
  evalConditions,
  OttlError,
  SIGNAL_CONTEXTS,
  TransformContext,
  transformTraces,
} from './index.js';

// ---- protobuf by hand (so that unusual encodings can be written too)

/** AnyValue bodies: canonical ones (one field) and unusual ones (the last field of a oneof wins). */
const V = {
  str: (s: string) => ld(1, utf8(s)),
  bytesStr: (b: number[]) => ld(1, b),
  bool: (b: boolean) => [0x10, b ? 1 : 0],
  int: (v: bigint) => [0x18, ...varint64(v)],
  dbl: (x: number) => [0x21, ...doubleBytes(x)],
  bytes: (b: number[]) => ld(7, b),
  kvlist: () => ld(6, ld(1, [...ld(1, utf8('inner')), ...ld(2, V.str('deep'))])),
  array: () => ld(5, ld(1, V.int(1n))),
  empty: () => [] as number[],
};

const LONG = (n: number, c = 'v') => c.repeat(n);
// string values at one- and two-byte length boundaries, non-ASCII across them, invalid UTF-8
const VALUES: number[][] = [
  V.str(''),
  V.str('/healthz'),
  V.str('/healthZ'),
  V.str('redacted'),
  V.str('日本語'),
  V.str('ünï'),
  V.str(LONG(127)),
  V.str(LONG(128)),
  V.str(LONG(129)),
  V.str(LONG(16383)),
  V.str(LONG(16384)),
  V.str(`${LONG(126)}é`), // 128 bytes, a two-byte char at the end
  V.bytesStr([0xff, 0xfe]), // invalid UTF-8: decodes to U+FFFD U+FFFD
  V.bytesStr([0x68, 0x69, 0xc3]), // "hi" + a truncated sequence
  V.bool(true),
  V.bool(false),
  V.int(0n),
  V.int(204n),
  V.int(-1n),
  V.int(2n ** 49n - 1n),
  V.int(2n ** 49n),
  V.int(2n ** 53n + 1n),
  V.int(-(2n ** 63n)),
  V.dbl(0.5),
  V.dbl(0.75),
  V.dbl(204),
  V.dbl(-0),
  V.dbl(Number.NaN),
  V.dbl(Number.POSITIVE_INFINITY),
  V.bytes([1, 2, 3]),
  V.kvlist(),
  V.array(),
  V.empty(),
  // unusual: two fields (the last wins), a non-minimal length, an unknown field
  [...V.str('/healthz'), ...V.int(204n)],
  [...V.int(204n), ...V.str('/healthz')],
  [0x0a, 0x88, 0x00, ...utf8('/healthz')],
  [...V.str('/healthz'), 0x40, 0x01],
  [0x40, 0x01],
];
const KEYS = ['k', 'http.route', 'ratio', 'ünï', LONG(140, 'x'), LONG(127, 'y')];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A request of 24 spans with 0-6 attributes each (keys repeat: duplicates), sometimes a KeyValue without a value. */
function request(seed: number): Buffer {
  const rand = rng(seed);
  const spans: number[] = [];
  for (let i = 0; i < 24; i++) {
    const body = [
      ...ld(1, new Array(16).fill(i + 1)),
      ...ld(2, new Array(8).fill(i + 1)),
      ...ld(5, utf8(`s${i}`)),
    ];
    const n = Math.floor(rand() * 7);
    for (let k = 0; k < n; k++) {
      const key = KEYS[Math.floor(rand() * KEYS.length)];
      const r = rand();
      const kv =
        r < 0.05
          ? ld(1, utf8(key)) // no value field
          : [...ld(1, utf8(key)), ...ld(2, VALUES[Math.floor(rand() * VALUES.length)])];
      body.push(...ld(9, kv));
    }
    spans.push(...ld(2, body));
  }
  const resource = ld(1, ld(1, [...ld(1, utf8('service.name')), ...ld(2, V.str('orders'))]));
  return Buffer.from(ld(1, [...resource, ...ld(2, spans)]));
}

const plain = (_k: string, v: unknown) =>
  typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('itemAttributeShape on wire spans', () => {
  it('gives the decoded value kind, string bytes and number, or says it cannot tell only for unusual encodings', () => {
    let kinds = 0;
    let unknown = 0;
    for (let seed = 0; seed < 60; seed++) {
      const body = request(seed);
      const lazy = decodeTracesLazy(Buffer.from(body)).resourceSpans[0].scopeSpans[0].spans;
      const full = decodeTraces(Buffer.from(body)).resourceSpans[0].scopeSpans[0].spans;
      for (let i = 0; i < full.length; i++) {
        for (const key of [...KEYS, 'absent']) {
          const want = getAttr(full[i].attributes, key);
          const kb = new Uint8Array(Buffer.from(key));
          const kind = itemAttributeShape(lazy[i], key, kb);
          if (want === undefined) {
            expect(kind, key).toBe(SHAPE_ABSENT);
            continue;
          }
          if (kind === SHAPE_UNKNOWN) {
            unknown++;
            continue;
          }
          kinds++;
          expect(kind, `${seed}/${i} ${key}`).toBe(anyKind(want));
          const a = want as Record<string, unknown>;
          if (kind === 1) {
            expect(itemAttributeShapeStringIs(lazy[i], Buffer.from(a.stringValue as string))).toBe(
              Buffer.from(a.stringValue as string).toString() === a.stringValue &&
                !(a.stringValue as string).includes('\uFFFD'),
            );
            // the same length, one byte changed (first and last)
            const same = Buffer.from(a.stringValue as string);
            for (const at of same.length > 0 ? [0, same.length - 1] : []) {
              const other = Buffer.from(same);
              other[at] ^= 1;
              itemAttributeShape(lazy[i], key, kb);
              expect(itemAttributeShapeStringIs(lazy[i], other)).toBe(false);
            }
            itemAttributeShape(lazy[i], key, kb);
            expect(itemAttributeShapeStringIs(lazy[i], Buffer.from(`${a.stringValue}.`))).toBe(false);
          }
          if (kind === 3) {
            const n = itemAttributeShapeNumber(lazy[i], 3);
            // undefined only for ints past 2^49 and negative ones (ten-byte varints)
            if (n === undefined)
              expect((a.intValue as bigint) < 0n || (a.intValue as bigint) >= 2n ** 49n).toBe(true);
            else expect(n).toBe(Number(a.intValue));
          }
          if (kind === 4) expect(itemAttributeShapeNumber(lazy[i], 4)).toBe(a.doubleValue);
        }
        // nothing was decoded to answer
        expect((lazy[i] as WireSpan).loaded & (1 << 9)).toBe(0);
      }
    }
    expect(kinds).toBeGreaterThan(1000);
    expect(unknown).toBeGreaterThan(20); // the unusual encodings were met
  });

  it('leaves a key set by key to the general reading, and plain spans always', () => {
    const span = decodeTracesLazy(request(3)).resourceSpans[0].scopeSpans[0].spans[0];
    (span as WireSpan).setAttribute('k', { stringValue: '/healthz' });
    expect(itemAttributeShape(span, 'k', Buffer.from('k'))).toBe(SHAPE_UNKNOWN);
    const plain = decodeTraces(request(3)).resourceSpans[0].scopeSpans[0].spans[0];
    expect(itemAttributeShape(plain, 'k', Buffer.from('k'))).toBe(SHAPE_UNKNOWN);
  });
});

const STRINGS = [
  '/healthz',
  '',
  '日本語',
  LONG(127),
  LONG(128),
  LONG(16384),
  `${LONG(126)}é`,
  '\uFFFD\uFFFD',
  'hi\uFFFD',
];
const NUMBERS = [
  '204',
  '0',
  '-1',
  '562949953421311',
  '562949953421312',
  '9007199254740993',
  '0.5',
  '-0.0',
  '204.0',
  '123456789012.75',
];
const OPS = ['==', '!=', '<', '<=', '>', '>='];
const quote = (s: string) => JSON.stringify(s);

const CONDITIONS = KEYS.flatMap((key) => [
  ...STRINGS.flatMap((s) => [
    `span.attributes[${quote(key)}] == ${quote(s)}`,
    `span.attributes[${quote(key)}] != ${quote(s)}`,
  ]),
  ...NUMBERS.flatMap((n) => OPS.map((op) => `span.attributes[${quote(key)}] ${op} ${n}`)),
  ...['IsString', 'IsBool', 'IsInt', 'IsDouble', 'IsList', 'IsMap'].map(
    (f) => `${f}(span.attributes[${quote(key)}])`,
  ),
]);

function answers(d: TracesData, sets: ReturnType<typeof compileConditions>[]): string[] {
  const ctx = new TransformContext();
  const reporter = new ErrorReporter(undefined);
  const out: string[] = [];
  const rs = d.resourceSpans[0];
  ctx.setResource(rs.resource, rs);
  ctx.setScope(rs.scopeSpans[0].scope, rs.scopeSpans[0]);
  for (const span of rs.scopeSpans[0].spans) {
    ctx.span = span;
    for (const s of sets) {
      try {
        out.push(String(evalConditions(s[0].conditions, 'propagate', ctx, reporter)));
      } catch (err) {
        expect(err).toBeInstanceOf(OttlError);
        out.push((err as Error).message);
      }
    }
  }
  return out;
}

describe('attribute conditions: the fast paths answer as the general evaluation', () => {
  const sets = CONDITIONS.map((c) =>
    compileConditions([c], { allowed: SIGNAL_CONTEXTS.traces, errorMode: 'propagate' }),
  );

  it('on varied requests, for every literal and operator (wire spans: fast paths; decoded spans: general)', () => {
    const shape = vi.spyOn(WireSpan.prototype, 'attributeShape');
    const general = vi.spyOn(WireSpan.prototype, 'getAttributeValue');
    for (let seed = 0; seed < 12; seed++) {
      const body = request(seed);
      const fast = answers(decodeTracesLazy(Buffer.from(body)), sets);
      const slow = answers(decodeTraces(Buffer.from(body)), sets);
      for (let i = 0; i < slow.length; i++)
        if (fast[i] !== slow[i])
          expect.fail(`seed ${seed}, ${CONDITIONS[i % CONDITIONS.length]}: ${fast[i]}, general ${slow[i]}`);
    }
    // the fast paths answered most of them (the general reading: literals with U+FFFD, ints past
    // 2^53, values they cannot tell)
    expect(shape.mock.calls.length).toBeGreaterThan(100_000);
    expect(shape.mock.calls.length).toBeGreaterThan(3 * general.mock.calls.length);
  });

  it('after statements set some of the keys on the same spans', () => {
    const group = compileGroup(
      {
        statements: [
          'set(span.attributes["k"], "/healthz") where span.attributes["ratio"] > 0.5',
          'set(span.attributes["http.route"], 204) where IsString(span.attributes["http.route"])',
          'set(span.attributes["ratio"], 0.25) where span.attributes["k"] == 204',
        ],
        errorMode: 'ignore',
      },
      SIGNAL_CONTEXTS.traces,
    );
    for (let seed = 20; seed < 30; seed++) {
      const body = request(seed);
      const run = (d: TracesData) => {
        transformTraces(d, group, new TransformContext(), new ErrorReporter(undefined));
        return d;
      };
      const lazy = run(decodeTracesLazy(Buffer.from(body)));
      const full = run(decodeTraces(Buffer.from(body)));
      expect(answers(lazy, sets), `seed ${seed}`).toEqual(answers(full, sets));
      // the same data out (unusual input encodings are not byte-canonical: compare decoded)
      const out = (x: TracesData) => JSON.stringify(decodeTraces(encodeTraces(x)), plain);
      expect(out(lazy), `seed ${seed} data`).toBe(out(full));
    }
  });
});

describe('value kinds the fast paths must keep apart', () => {
  it('int, string and double values under one key compare by the collector rules', () => {
    const kinds: [AnyValue, string, boolean][] = [
      [{ intValue: 204n }, 'span.attributes["k"] == 204', true],
      [{ stringValue: '204' }, 'span.attributes["k"] == 204', false],
      [{ doubleValue: 204 }, 'span.attributes["k"] == 204', true],
      [{ intValue: 204n }, 'span.attributes["k"] == "204"', false],
      [{ stringValue: '204' }, 'span.attributes["k"] == "204"', true],
      [{ doubleValue: 204.5 }, 'span.attributes["k"] > 204', true],
      [{ intValue: 205n }, 'span.attributes["k"] > 204.5', true],
      [{ stringValue: '205' }, 'span.attributes["k"] != 204.5', true],
      [{ boolValue: true }, 'span.attributes["k"] != 1', true],
      [{}, 'span.attributes["k"] != "x"', true],
      [{}, 'span.attributes["k"] == "x"', false],
    ];
    for (const [value, cond, want] of kinds) {
      const d: TracesData = {
        resourceSpans: [
          {
            resource: newResource(),
            schemaUrl: '',
            scopeSpans: [{ scope: newScope('s'), schemaUrl: '', spans: [] }],
          },
        ],
      };
      const full = decodeTraces(request(0));
      const span = full.resourceSpans[0].scopeSpans[0].spans[0];
      span.attributes = [{ key: 'k', value }];
      d.resourceSpans[0].scopeSpans[0].spans.push(span);
      const body = Buffer.from(encodeTraces(d));
      const set = compileConditions([cond], { allowed: SIGNAL_CONTEXTS.traces, errorMode: 'propagate' });
      expect(answers(decodeTracesLazy(body), [set]), cond).toEqual([String(want)]);
      expect(answers(decodeTraces(body), [set]), cond).toEqual([String(want)]);
    }
  });
});
