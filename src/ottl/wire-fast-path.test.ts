// OTTL over spans kept as protobuf (wire items: attributes read and set by key without decoding
// the list, scalar values read straight from the bytes, set pairs copied from an encoding cache,
// float-literal comparisons on numbers) must answer and change exactly what it does over fully
// decoded spans: the same condition results, the same errors in `propagate` mode, the same bytes
// out. Varied attributes: missing, empty, every kind, type mismatches, nested maps, non-ASCII and
// long strings, NaN and -0, duplicated keys.
import { describe, expect, it } from 'vitest';
import { decodeTraces, decodeTracesLazy, encodeTraces } from '../codec/proto-traces.js';
import { getAttr } from '../pdata/attributes.js';
import { newResource, newScope, newSpan } from '../pdata/create.js';
import type { AnyValue, Span, TracesData } from '../pdata/types.js';
import { compare } from './compare.js';
import {
  compileConditions,
  compileGroup,
  type ErrorMode,
  ErrorReporter,
  evalConditions,
  OttlError,
  SIGNAL_CONTEXTS,
  TransformContext,
  transformTraces,
} from './index.js';
import { fromAny } from './values.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const KEYS = ['k', 'http.route', 'ratio', 'ua', 'ünï', 'x'.repeat(140)];
const VALUES: (() => AnyValue)[] = [
  () => ({ stringValue: '/healthz' }),
  () => ({ stringValue: 'Mozilla/5.0' }),
  () => ({ stringValue: '' }),
  () => ({ stringValue: '日本語'.repeat(3) }),
  () => ({ stringValue: 'v'.repeat(300) }),
  () => ({ intValue: 204n }),
  () => ({ intValue: -1n }),
  () => ({ intValue: 9_007_199_254_740_993n }),
  () => ({ doubleValue: 0.75 }),
  () => ({ doubleValue: 0.5 }),
  () => ({ doubleValue: -0 }),
  () => ({ doubleValue: Number.NaN }),
  () => ({ doubleValue: 204 }),
  () => ({ boolValue: true }),
  () => ({ boolValue: false }),
  () => ({ bytesValue: new Uint8Array([1, 2]) }),
  () => ({ kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'deep' } }] } }),
  () => ({ arrayValue: { values: [{ intValue: 1n }, { stringValue: 'two' }] } }),
  () => ({}),
];

function spans(seed: number): TracesData {
  const rand = rng(seed);
  const list: Span[] = [];
  for (let i = 0; i < 16; i++) {
    const s = newSpan();
    s.name = `span ${i}`;
    s.traceId = new Uint8Array(16).fill(i + 1);
    s.spanId = new Uint8Array(8).fill(i + 1);
    const n = Math.floor(rand() * 6);
    for (let k = 0; k < n; k++) s.attributes.push({ key: pick(rand, KEYS), value: pick(rand, VALUES)() });
    s.status = { code: i % 3, message: i % 2 ? 'err' : '' };
    list.push(s);
  }
  const resource = newResource();
  resource.attributes.push({ key: 'service.name', value: { stringValue: seed % 2 ? 'orders' : 'cart' } });
  return {
    resourceSpans: [
      { resource, schemaUrl: '', scopeSpans: [{ scope: newScope('s'), spans: list, schemaUrl: '' }] },
    ],
  };
}

const CONDITIONS = [
  'span.attributes["http.route"] == "/healthz"',
  'span.attributes["http.route"] != "/healthz"',
  'span.attributes["k"] == 204',
  'span.attributes["k"] >= 204',
  'span.attributes["ratio"] > 0.5',
  'span.attributes["ratio"] <= 0.5',
  'span.attributes["ratio"] == 0.0',
  'span.attributes["ratio"] != 0.75',
  'span.attributes["ratio"] < -1.5',
  'span.attributes["k"] == nil',
  'span.attributes["ua"] != nil',
  'IsString(span.attributes["ua"])',
  'IsInt(span.attributes["k"])',
  'IsDouble(span.attributes["ratio"])',
  'IsBool(span.attributes["k"])',
  'IsMap(span.attributes["k"])',
  'span.attributes["ünï"] == "日本語日本語日本語"',
  `span.attributes["${'x'.repeat(140)}"] == "${'v'.repeat(300)}"`,
  'span.attributes["k"]["inner"] == "deep"', // an error on anything but a map (propagate) or nil
  'Len(span.attributes["ua"]) > 3', // an error on ints, bools, doubles
];

const STATEMENTS = [
  'set(span.attributes["deployment.environment"], "prod") where resource.attributes["service.name"] == "orders"',
  'set(span.attributes["http.slow"], true) where span.attributes["ratio"] > 0.5',
  'set(span.attributes["ua"], "redacted") where IsString(span.attributes["ua"])',
  'set(span.attributes["copy"], span.attributes["k"])',
  'set(span.attributes["per.span"], span.name)',
  'set(span.attributes["n"], Len(span.attributes["ua"]))',
  'set(span.attributes["k"]["inner"], "changed")',
];

const COMPILED = {
  propagate: CONDITIONS.map(
    (text) => compileConditions([text], { allowed: SIGNAL_CONTEXTS.traces, errorMode: 'propagate' })[0],
  ),
  ignore: CONDITIONS.map(
    (text) => compileConditions([text], { allowed: SIGNAL_CONTEXTS.traces, errorMode: 'ignore' })[0],
  ),
};

function results(d: TracesData, mode: ErrorMode & keyof typeof COMPILED): string[] {
  const ctx = new TransformContext();
  const reporter = new ErrorReporter(undefined);
  const out: string[] = [];
  for (const rs of d.resourceSpans) {
    ctx.setResource(rs.resource, rs);
    for (const ss of rs.scopeSpans) {
      ctx.setScope(ss.scope, ss);
      for (const span of ss.spans) {
        ctx.span = span;
        for (const set of COMPILED[mode]) {
          const text = set.conditions[0].text;
          try {
            out.push(`${text}: ${evalConditions(set.conditions, mode, ctx, reporter)}`);
          } catch (err) {
            expect(err).toBeInstanceOf(OttlError);
            out.push(`${text}: ${(err as Error).message}`);
          }
        }
      }
    }
  }
  return out;
}

describe('OTTL over wire spans and over decoded spans', () => {
  it('conditions: the same answers and errors (propagate and ignore) on 40 varied requests', () => {
    for (let seed = 0; seed < 40; seed++) {
      const wire = Buffer.from(encodeTraces(spans(seed)));
      for (const mode of ['propagate', 'ignore'] as const)
        expect(results(decodeTracesLazy(Buffer.from(wire)), mode), `seed ${seed} ${mode}`).toEqual(
          results(decodeTraces(Buffer.from(wire)), mode),
        );
    }
  });

  it('statements: the same bytes out (ignore mode, errors included) on 40 varied requests', () => {
    const group = compileGroup({ statements: STATEMENTS, errorMode: 'ignore' }, SIGNAL_CONTEXTS.traces);
    const run = (d: TracesData) => {
      transformTraces(d, group, new TransformContext(), new ErrorReporter(undefined));
      return Buffer.from(encodeTraces(d));
    };
    for (let seed = 0; seed < 40; seed++) {
      const wire = Buffer.from(encodeTraces(spans(seed)));
      const lazy = run(decodeTracesLazy(Buffer.from(wire)));
      expect(lazy.equals(run(decodeTraces(Buffer.from(wire)))), `seed ${seed}`).toBe(true);
      // the same request again: the set pairs now come from the encoding cache
      expect(run(decodeTracesLazy(Buffer.from(wire))).equals(lazy), `seed ${seed} again`).toBe(true);
    }
  });

  it('statements in propagate mode fail on the same span with the same error', () => {
    const group = compileGroup({ statements: STATEMENTS, errorMode: 'propagate' }, SIGNAL_CONTEXTS.traces);
    const run = (d: TracesData) => {
      try {
        transformTraces(d, group, new TransformContext(), new ErrorReporter(undefined));
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    let failed = 0;
    for (let seed = 0; seed < 40; seed++) {
      const wire = Buffer.from(encodeTraces(spans(seed)));
      const a = run(decodeTracesLazy(Buffer.from(wire)));
      expect(a, `seed ${seed}`).toBe(run(decodeTraces(Buffer.from(wire))));
      if (a !== 'ok') failed++;
    }
    expect(failed).toBeGreaterThan(0); // the varied data does reach the error paths
  });
});

describe('comparisons with a float literal (a fast path for numbers)', () => {
  it('answer as the general comparison rules do, for every operator and value kind', () => {
    const ops = ['==', '!=', '<', '<=', '>', '>='] as const;
    const literals = ['0.5', '0.0', '-1.5', '204.0', '123456789.125'];
    const cases = ['ratio', 'k', 'ua'].flatMap((key) =>
      ops.flatMap((op) =>
        literals.map((lit) => ({
          key,
          op,
          lit: Number(lit),
          set: compileConditions([`span.attributes["${key}"] ${op} ${lit}`], {
            allowed: SIGNAL_CONTEXTS.traces,
            errorMode: 'propagate',
          })[0],
        })),
      ),
    );
    const ctx = new TransformContext();
    const reporter = new ErrorReporter(undefined);
    let checked = 0;
    for (let seed = 0; seed < 10; seed++) {
      const d = decodeTraces(Buffer.from(encodeTraces(spans(seed))));
      const rs = d.resourceSpans[0];
      ctx.setResource(rs.resource, rs);
      ctx.setScope(rs.scopeSpans[0].scope, rs.scopeSpans[0]);
      for (const span of rs.scopeSpans[0].spans) {
        ctx.span = span;
        for (const { key, op, lit, set } of cases) {
          const want = compare(fromAny(getAttr(span.attributes, key)), lit, op);
          expect(evalConditions(set.conditions, 'propagate', ctx, reporter), `${key} ${op} ${lit}`).toBe(
            want,
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
