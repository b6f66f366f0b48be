// The filter's span pass over spans still in wire bytes (src/ottl/wire-run.ts) against the general
// evaluation over fully decoded spans: on random requests (0-6 attributes per span from a few keys,
// so keys repeat; every value kind; strings at length boundaries, non-ASCII, invalid UTF-8, empty;
// ints past 2^49; NaN; KeyValues and AnyValues encoded unusually; several scopes, empty ones) and
// conditions of every shape the pass takes (string and number comparisons, Is* tests, and/or/not,
// resource parts), the same spans must come out, in the same scopes and resources.
import { describe, expect, it, vi } from 'vitest';
import { decodeTraces, decodeTracesLazy, encodeTraces } from '../../src/codec/proto-traces.js';
import { doubleBytes, ld, utf8, varint64 } from '../../src/codec/testing/hand-proto.js';
import { SpanPass } from '../../src/codec/wire-span-pass.js';
import type { TracesData } from '../../src/pdata/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { factory } from './factory.js';

const dbl = (x: number): number[] => [0x21, ...doubleBytes(x)];

const VALUES: number[][] = [
  ld(1, utf8('/healthz')),
  ld(1, utf8('/healthZ')),
  ld(1, utf8('')),
  ld(1, utf8('日本語')),
  ld(1, utf8('v'.repeat(128))),
  ld(1, [0xff, 0xfe]), // invalid UTF-8: U+FFFD U+FFFD once decoded
  [0x10, 1],
  [0x10, 0],
  [0x18, ...varint64(204n)],
  [0x18, ...varint64(-1n)],
  [0x18, ...varint64(2n ** 49n)],
  [0x18, ...varint64(2n ** 53n + 1n)],
  dbl(0.75),
  dbl(204),
  dbl(Number.NaN),
  ld(7, [1, 2]),
  ld(5, ld(1, [0x18, 1])),
  ld(6, ld(1, [...ld(1, utf8('in')), ...ld(2, ld(1, utf8('x')))])),
  [],
  // unusual: two fields (the last wins), a non-minimal length, an unknown field
  [...ld(1, utf8('/healthz')), 0x18, ...varint64(204n)],
  [0x0a, 0x88, 0x00, ...utf8('/healthz')],
  [...ld(1, utf8('/healthz')), 0x40, 0x01],
];
const KEYS = ['http.route', 'code', 'ratio', 'ünï', 'x'.repeat(140), ''];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The values every encoder writes (the unusual ones last in VALUES). */
const USUAL = VALUES.length - 3;

/** A KeyValue field as encoders write it, or (`unusual`) sometimes not. */
function pair(rand: () => number, unusual: boolean): number[] {
  const key = KEYS[Math.floor(rand() * KEYS.length)];
  const value = VALUES[Math.floor(rand() * (unusual ? VALUES.length : USUAL))];
  const k = key === '' ? [] : ld(1, utf8(key));
  const r = unusual ? rand() : 1;
  if (r < 0.04) return ld(9, k); // no value
  if (r < 0.07) return ld(9, [...ld(2, value), ...k]); // value first
  if (r < 0.09) return ld(9, [...k, ...ld(2, value), 0x40, 0x01]); // an unknown field after
  return ld(9, [...k, ...ld(2, value)]);
}

/** Every third request has unusual encodings too. */
function request(seed: number): Buffer {
  const rand = rng(seed);
  const unusual = seed % 3 === 0;
  const resources: number[] = [];
  for (let r = 0; r < 2; r++) {
    const scopes: number[] = [];
    const nScopes = 1 + Math.floor(rand() * 3);
    for (let sc = 0; sc < nScopes; sc++) {
      const spans: number[] = [];
      const n = Math.floor(rand() * 9); // sometimes none
      for (let i = 0; i < n; i++) {
        const body = [
          ...ld(1, new Array(16).fill(i + 1)),
          ...ld(2, new Array(8).fill(i + 1)),
          ...ld(5, utf8(`s${i}`)),
        ];
        const attrs = Math.floor(rand() * 7);
        for (let k = 0; k < attrs; k++) body.push(...pair(rand, unusual));
        if (rand() < 0.3) body.push(...ld(15, [0x18, 2])); // a status after the attributes
        spans.push(...ld(2, body));
      }
      scopes.push(...ld(2, [...ld(1, ld(1, utf8(`scope${sc}`))), ...spans]));
    }
    const service = ld(1, [
      ...ld(1, utf8('service.name')),
      ...ld(2, ld(1, utf8(r === 0 ? 'orders' : 'cart'))),
    ]);
    resources.push(...ld(1, [...ld(1, service), ...scopes]));
  }
  return Buffer.from(resources);
}

const CONDITIONS: string[][] = [
  ['attributes["http.route"] == "/healthz"', 'attributes["code"] == 204'],
  ['attributes["http.route"] != "/healthz"'],
  ['attributes["ratio"] > 0.5', 'attributes["code"] >= 204'],
  ['attributes["code"] < 0', 'attributes["ünï"] == "日本語"'],
  ['IsString(attributes["ratio"])', 'IsMap(attributes["code"])'],
  ['IsInt(attributes[""]) or IsBool(attributes["http.route"])'],
  ['not (attributes["http.route"] == "") and attributes["code"] != 1'],
  [`attributes["${'x'.repeat(140)}"] == "${'v'.repeat(128)}"`],
  ['resource.attributes["service.name"] == "orders" and attributes["code"] == 204.0'],
  ['attributes["http.route"] == "/healthz" or resource.attributes["service.name"] == "cart"'],
];

const settings = {
  id: 'filter',
  kind: 'processor' as const,
  logger: silentLogger(),
  metrics: new SelfMetrics(),
};

async function filtered(d: TracesData, span: string[]): Promise<string> {
  let out: TracesData = { resourceSpans: [] };
  const p = factory.create(
    settings as never,
    factory.configSchema.parse({ error_mode: 'ignore', traces: { span } }),
    'traces',
    {
      async consume(x: TracesData) {
        out = x;
      },
    },
  );
  await p.consume(d);
  // the spans out as data (unusual input encodings are not byte-canonical: compare decoded)
  return JSON.stringify(decodeTraces(encodeTraces(out)), (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

describe('filter span pass over wire bytes', () => {
  it('keeps exactly the spans the general evaluation keeps, and runs on most requests', async () => {
    const run = vi.spyOn(SpanPass.prototype, 'run');
    let ran = 0;
    let gaveUp = 0;
    for (let seed = 0; seed < 80; seed++) {
      const body = request(seed);
      for (const span of CONDITIONS) {
        run.mockClear();
        const wire = await filtered(decodeTracesLazy(Buffer.from(body)), span);
        for (const r of run.mock.results) r.value === -1 ? gaveUp++ : ran++;
        const general = await filtered(decodeTraces(Buffer.from(body)), span);
        if (wire !== general) expect.fail(`seed ${seed}, ${span.join(' | ')}:\n${wire}\n${general}`);
      }
    }
    // the pass answered most entries; unusual encodings and values it cannot tell sent some the
    // general way
    expect(ran).toBeGreaterThan(gaveUp);
    expect(gaveUp).toBeGreaterThan(10);
    run.mockRestore();
  });

  it('leaves the general way to conditions it does not take (other span fields)', async () => {
    const run = vi.spyOn(SpanPass.prototype, 'run');
    const body = request(7);
    const span = ['name == "s1"', 'attributes["code"] == 204'];
    const wire = await filtered(decodeTracesLazy(Buffer.from(body)), span);
    expect(run).not.toHaveBeenCalled();
    expect(wire).toBe(await filtered(decodeTraces(Buffer.from(body)), span));
    run.mockRestore();
  });
});
