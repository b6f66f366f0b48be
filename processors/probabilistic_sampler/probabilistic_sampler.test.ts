import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseComponentConfig } from '../../src/config/validate.js';
import { toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResourceLogs,
  newResourceSpans,
  newScopeLogs,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import { idFromHex } from '../../src/pdata/ids.js';
import type { AnyValue, LogsData, TracesData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { configSchema, type ProbabilisticSamplerConfig } from './config.js';
import { fnv1a32, probabilityToThreshold, thresholdTValue } from './consistent.js';
import { factory } from './factory.js';
import { ProbabilisticSamplerProcessor } from './processor.js';
import { parseW3C } from './tracestate.js';

type Mode = 'equalizing' | 'proportional' | 'hash_seed';

/** A config as the collector's tests build it: struct zero values, not the factory defaults. */
const raw = (c: Partial<ProbabilisticSamplerConfig>): ProbabilisticSamplerConfig => ({
  sampling_percentage: 0,
  hash_seed: 0,
  mode: '',
  fail_closed: false,
  sampling_precision: 0,
  attribute_source: 'traceID',
  from_attribute: '',
  sampling_priority: '',
  ...c,
});

function traces(tid: string, traceState: string, attr?: [string, AnyValue]): TracesData {
  const s = newSpan();
  s.traceId = idFromHex(tid, 16) ?? new Uint8Array(0);
  s.spanId = idFromHex('00000000fefefefe', 8) as Uint8Array;
  s.traceState = traceState;
  s.name = 'spanName';
  if (attr) s.attributes.push({ key: attr[0], value: attr[1] });
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  ss.spans.push(s);
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

async function sampleSpan(cfg: ProbabilisticSamplerConfig, data: TracesData) {
  const next = new CollectingConsumer<'traces'>();
  const p = new ProbabilisticSamplerProcessor(
    cfg,
    'traces',
    next,
    testSettings('p').logger,
    testSettings('p').metrics,
    'p',
  );
  await p.consume(data);
  const span = next.received[0]?.resourceSpans[0].scopeSpans[0].spans[0];
  return { sampled: span !== undefined, traceState: span?.traceState ?? '' };
}

const DEFAULT_TID = 'fefefefefefefefefe80000000000000';
const IMPROBABLE = '111111111111111111ffffffffffffff';

// The collector's Test_tracesamplerprocessor_TraceState table (tracesprocessor_test.go), for both consistent modes.
const TRACESTATE_CASES: {
  name: string;
  cfg: Partial<ProbabilisticSamplerConfig>;
  tid?: string;
  ts?: string;
  attr?: [string, AnyValue];
  want: (m: Mode) => string | false;
}[] = [
  { name: '100 percent', cfg: { sampling_percentage: 100 }, want: () => 'ot=th:0' },
  { name: '50 percent sampled', cfg: { sampling_percentage: 50 }, want: () => 'ot=th:8' },
  {
    name: '25 percent sampled',
    tid: 'ddddddddddddddddddc0000000000000',
    cfg: { sampling_percentage: 25 },
    want: () => 'ot=th:c',
  },
  {
    name: '25 percent unsampled',
    tid: 'ddddddddddddddddddb0000000000000',
    cfg: { sampling_percentage: 25 },
    want: () => false,
  },
  {
    name: '1 percent sampled',
    cfg: { sampling_percentage: 1 },
    ts: 'ot=rv:FD70A3D70A3D71',
    want: () => 'ot=rv:FD70A3D70A3D71;th:fd70a3d70a3d71',
  },
  {
    name: '1 percent sampled with rvalue and precision 4',
    cfg: { sampling_percentage: 1, sampling_precision: 4 },
    ts: 'ot=rv:FD70A3D70A3D71',
    want: () => 'ot=rv:FD70A3D70A3D71;th:fd70a',
  },
  {
    name: '1 percent sampled with rvalue and precision 3',
    cfg: { sampling_percentage: 1, sampling_precision: 3 },
    ts: 'ot=rv:FD70A3D70A3D71',
    want: () => false,
  },
  {
    name: '1 percent not sampled with rvalue',
    cfg: { sampling_percentage: 1 },
    ts: 'ot=rv:FD70A3D70A3D70',
    want: () => false,
  },
  { name: '49 percent not sampled with default tid', cfg: { sampling_percentage: 49 }, want: () => false },
  {
    name: '1 percent sampled with rvalue',
    cfg: { sampling_percentage: 1 },
    ts: 'ot=rv:fd70B000000000',
    want: () => 'ot=rv:fd70B000000000;th:fd70a3d70a3d71',
  },
  {
    name: '1 percent sampled with tid',
    tid: 'a0a0a0a0a0a0a0a0a0fe000000000000',
    cfg: { sampling_percentage: 1, sampling_precision: 4 },
    want: () => 'ot=th:fd70a',
  },
  {
    name: 'sampled by priority',
    cfg: { sampling_percentage: 1 },
    attr: ['sampling.priority', { intValue: 2n }],
    want: () => 'ot=th:0',
  },
  {
    name: 'not sampled by priority',
    cfg: { sampling_percentage: 99 },
    attr: ['sampling.priority', { intValue: 0n }],
    want: () => false,
  },
  {
    name: 'incoming 50 percent with rvalue',
    cfg: { sampling_percentage: 50 },
    ts: 'ot=rv:90000000000000;th:80000000000000',
    want: (m) => (m === 'equalizing' ? 'ot=rv:90000000000000;th:8' : false),
  },
  {
    name: 'incoming 50 percent at 25 percent not sampled',
    cfg: { sampling_percentage: 25 },
    ts: 'ot=th:8',
    want: () => false,
  },
  {
    name: 'incoming 50 percent at 25 percent sampled',
    tid: 'ffffffffffffffffffffffffffffffff',
    cfg: { sampling_percentage: 25 },
    ts: 'ot=th:8',
    want: (m) => (m === 'equalizing' ? 'ot=th:c' : 'ot=th:e'),
  },
  {
    name: 'equalizing vs proportional',
    cfg: { sampling_percentage: 50 },
    ts: 'ot=rv:c0000000000000;th:8',
    want: (m) => (m === 'equalizing' ? 'ot=rv:c0000000000000;th:8' : 'ot=rv:c0000000000000;th:c'),
  },
  {
    name: 'inconsistent arriving threshold',
    cfg: { sampling_percentage: 100 },
    ts: 'ot=rv:40000000000000;th:8',
    want: () => 'ot=rv:40000000000000;th:0',
  },
  {
    name: 'inconsistent arriving threshold not sampled',
    cfg: { sampling_percentage: 1, fail_closed: true },
    ts: 'ot=rv:40000000000000;th:8',
    want: () => false,
  },
  {
    name: '40 percent precision 3 with rvalue',
    cfg: { sampling_percentage: 40, sampling_precision: 3 },
    ts: 'ot=rv:a0000000000000',
    want: () => 'ot=rv:a0000000000000;th:99a',
  },
  {
    name: 'arriving 50 percent sampled at 40 percent precision 6 with tid',
    cfg: { sampling_percentage: 40, sampling_precision: 6 },
    tid: 'a0a0a0a0a0a0a0a0a0d0000000000000',
    ts: 'ot=th:8',
    want: (m) => (m === 'proportional' ? 'ot=th:cccccd' : 'ot=th:99999a'),
  },
  {
    name: 'arriving 50 percent sampled at 40 percent partly sampled',
    cfg: { sampling_percentage: 40, sampling_precision: 3 },
    tid: 'a0a0a0a0a0a0a0a0a0b0000000000000',
    ts: 'ot=th:8',
    want: (m) => (m === 'proportional' ? false : 'ot=th:99a'),
  },
  {
    name: 'arriving 50 percent sampled at 40 percent not sampled',
    cfg: { sampling_percentage: 40, sampling_precision: 3 },
    tid: 'a0a0a0a0a0a0a0a0a080000000000000',
    ts: 'ot=th:8',
    want: () => false,
  },
  { name: '200 percent equals 100 percent', cfg: { sampling_percentage: 200 }, want: () => 'ot=th:0' },
  {
    name: 'tiny probability rounding',
    cfg: { sampling_percentage: 100 * 2 ** -14 },
    tid: IMPROBABLE,
    ts: 'ot=th:fffc',
    want: (m) => (m === 'equalizing' ? 'ot=th:fffc' : 'ot=th:fffffff'),
  },
  {
    name: 'almost 100pct sampling',
    cfg: { sampling_percentage: (1 - 8e-7) * 100, sampling_precision: 10 },
    tid: IMPROBABLE,
    want: () => 'ot=th:00000cccccccd',
  },
  {
    name: 'probability underflow',
    cfg: { sampling_percentage: 2 ** -4 },
    tid: IMPROBABLE,
    ts: 'ot=th:fffffffffffff8',
    want: (m) => (m === 'equalizing' ? 'ot=th:fffffffffffff8' : false),
  },
];

describe('probabilistic_sampler: traces, consistent modes (the collector test table)', () => {
  for (const mode of ['equalizing', 'proportional'] as const)
    it.each(TRACESTATE_CASES)(`${mode}: $name`, async (c) => {
      const got = await sampleSpan(
        raw({ ...c.cfg, mode, hash_seed: 4312 }),
        traces(c.tid ?? DEFAULT_TID, c.ts ?? '', c.attr),
      );
      const want = c.want(mode);
      expect(got.sampled).toBe(want !== false);
      if (want !== false) expect(got.traceState).toBe(want);
    });

  it.each([
    ['missing randomness', '00000000000000000000000000000000', ''],
    ['invalid r-value (16 digits)', DEFAULT_TID, 'ot=rv:abababababababab'],
    ['invalid t-value (16 digits)', DEFAULT_TID, 'ot=th:abababababababab'],
    ['t-value syntax', DEFAULT_TID, 'ot=th:-1'],
    ['inconsistent t-value and trace ID', 'ffffffffffffffffff70000000000000', 'ot=th:8'],
    ['inconsistent t-value and r-value', DEFAULT_TID, 'ot=th:8;rv:70000000000000'],
  ])('fail_closed refuses a span with %s', async (_name, tid, ts) => {
    for (const mode of ['equalizing', 'proportional'] as const) {
      const got = await sampleSpan(
        raw({ sampling_percentage: 100, mode, fail_closed: true }),
        traces(tid, ts),
      );
      expect(got.sampled).toBe(false);
    }
  });
});

describe('probabilistic_sampler: traces, hash_seed mode (the default)', () => {
  it('hashes like the collector: FNV-1a 32 over the seed bytes then the ID (its test vectors)', () => {
    expect(fnv1a32(new Uint8Array(0), 0) & 0x3fff).toBe(0x3515);
    expect(fnv1a32(new Uint8Array(16), 0) & 0x3fff).toBe(0x2455);
  });

  it('keeps exactly the spans whose hash bucket is below the rate (an independent reference)', async () => {
    /** FNV-1a 32 from its definition with bigint, and the legacy rule bucket < uint32(pct × 163.84 in float32). */
    const ref = (id: Uint8Array, seed: number, pct: number) => {
      let h = 0x811c9dc5n;
      const bytes = [seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff, (seed >>> 24) & 0xff, ...id];
      for (const b of bytes) h = ((h ^ BigInt(b)) * 0x01000193n) & 0xffffffffn;
      return Number(h & 0x3fffn) < Math.trunc(Math.fround(Math.fround(pct) * Math.fround(163.84)));
    };
    let seed = 99;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    let kept = 0;
    for (let i = 0; i < 400; i++) {
      const id = Uint8Array.from({ length: 16 }, rnd);
      const hex = Buffer.from(id).toString('hex');
      for (const [hashSeed, pct] of [
        [0, 33.3],
        [4312, 10],
      ]) {
        const got = await sampleSpan(
          raw({ sampling_percentage: pct, hash_seed: hashSeed, sampling_precision: 4 }),
          traces(hex, ''),
        );
        expect(got.sampled, `${hex} seed ${hashSeed} pct ${pct}`).toBe(ref(id, hashSeed, pct));
        if (got.sampled) kept++;
      }
    }
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(250);
  });

  it.each([
    [100, '0'],
    [75, '4'],
    [50, '8'],
    [25, 'c'],
    [10, 'e668'],
    [100 / 3, 'aaac'],
  ])('at %d %% writes rv and th (th:%s) into the tracestate of the spans it keeps', async (pct, tv) => {
    let found = 0;
    for (let i = 0; found < 10 && i < 1000; i++) {
      const hex = Buffer.from(Array.from({ length: 16 }, (_, j) => (i * 31 + j * 17 + 7) & 0xff)).toString(
        'hex',
      );
      const got = await sampleSpan(
        raw({ sampling_percentage: pct, mode: 'hash_seed', hash_seed: 4312, sampling_precision: 4 }),
        traces(hex, ''),
      );
      if (!got.sampled) continue;
      found++;
      const ts = parseW3C(got.traceState);
      expect(ts.ot.tvalue).toBe(tv);
      expect(ts.ot.rvalue).toMatch(/^[0-9a-f]{14}$/);
      expect(ts.ot.threshold <= ts.ot.rnd).toBe(true);
    }
    expect(found).toBe(10);
  });

  it('leaves spans that already carry rv/th to the consistent modes: refused with fail_closed (the default)', async () => {
    const cfg = configSchema.parse({ sampling_percentage: 100 });
    expect((await sampleSpan(cfg, traces(DEFAULT_TID, 'ot=th:0'))).sampled).toBe(false);
    expect((await sampleSpan(cfg, traces(DEFAULT_TID, 'vendor=x'))).traceState).toMatch(
      /^ot=rv:[0-9a-f]{14};th:0,vendor=x$/,
    );
  });

  it.each([
    ['must sample (int 2) at 0 %', 0, { intValue: 2n }, true],
    ['must sample (double 1) at 0 %', 0, { doubleValue: 1 }, true],
    ['must sample (string "1") at 0 %', 0, { stringValue: '1' }, true],
    ['must not sample (int 0) at 100 %', 100, { intValue: 0n }, false],
    ['must not sample (string "0.0") at 100 %', 100, { stringValue: '0.0' }, false],
    ['negative defers (at 100 %)', 100, { intValue: -1n }, true],
  ] as [string, number, AnyValue, boolean][])('sampling.priority: %s', async (_name, pct, value, sampled) => {
    for (const mode of ['hash_seed', 'equalizing', 'proportional'] as const) {
      const got = await sampleSpan(
        raw({ sampling_percentage: pct, mode, hash_seed: 4312 }),
        traces('01000000000000000000000000000000', '', ['sampling.priority', value]),
      );
      expect(got.sampled, mode).toBe(sampled);
    }
  });

  it.each([
    [0, true, false],
    [62, true, false],
    [100, true, false],
    [0, false, false],
    [62, false, true],
    [100, false, true],
  ])('an empty trace ID at %d %% with fail_closed %s: sampled %s', async (pct, failClosed, sampled) => {
    const got = await sampleSpan(
      raw({ sampling_percentage: pct, hash_seed: 4312, fail_closed: failClosed }),
      traces('00000000000000000000000000000000', ''),
    );
    expect(got.sampled).toBe(sampled);
  });
});

describe('probabilistic_sampler: thresholds', () => {
  it('encodes probabilities with the requested precision as pkg/sampling does', () => {
    expect(thresholdTValue(probabilityToThreshold(0.5, 4))).toBe('8');
    expect(thresholdTValue(probabilityToThreshold(0.01, 0))).toBe('fd70a3d70a3d71');
    expect(thresholdTValue(probabilityToThreshold(0.01, 4))).toBe('fd70a');
    expect(thresholdTValue(probabilityToThreshold(0.01, 3))).toBe('fd71');
    expect(thresholdTValue(probabilityToThreshold(1, 4))).toBe('0');
    expect(() => probabilityToThreshold(0, 4)).toThrow(/out of the range/);
  });
});

function logs(attrs: Record<string, unknown>, traceId = ''): LogsData {
  const r = newLogRecord();
  r.traceId = traceId ? (idFromHex(traceId, 16) as Uint8Array) : new Uint8Array(0);
  for (const [key, v] of Object.entries(attrs))
    r.attributes.push({ key, value: typeof v === 'bigint' ? { intValue: v } : toAnyValue(v) });
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  sl.logRecords.push(r);
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

async function sampleLog(cfg: ProbabilisticSamplerConfig, data: LogsData) {
  const next = new CollectingConsumer<'logs'>();
  const p = new ProbabilisticSamplerProcessor(
    cfg,
    'logs',
    next,
    testSettings('p').logger,
    testSettings('p').metrics,
    'p',
  );
  await p.consume(data);
  const rec = next.received[0]?.resourceLogs[0].scopeLogs[0].logRecords[0];
  const attrs = Object.fromEntries(
    (rec?.attributes ?? []).map((kv) => [kv.key, (kv.value as { stringValue?: string }).stringValue]),
  );
  return { sampled: rec !== undefined, attrs };
}

describe('probabilistic_sampler: logs', () => {
  it('samples by trace ID by default, and by from_attribute with attribute_source: record', async () => {
    const half = configSchema.parse({ sampling_percentage: 50 });
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      const tid = (i * 2654435761 + 12345).toString(16).padStart(32, '0').slice(-32);
      const got = await sampleLog(half, logs({}, tid));
      if (got.sampled) {
        kept++;
        expect(got.attrs['sampling.threshold']).toBe('8');
        expect(got.attrs['sampling.randomness']).toMatch(/^[0-9a-f]{14}$/);
      }
    }
    expect(kept).toBeGreaterThan(60);
    expect(kept).toBeLessThan(140);
    const byRecord = configSchema.parse({
      sampling_percentage: 50,
      attribute_source: 'record',
      from_attribute: 'logID',
    });
    // the same attribute value, the same decision; with no value there is no randomness: refused (fail_closed)
    const a = await sampleLog(byRecord, logs({ logID: 'abc' }, 'ffffffffffffffffffffffffffffffff'));
    const b = await sampleLog(byRecord, logs({ logID: 'abc' }));
    expect(a.sampled).toBe(b.sampled);
    expect((await sampleLog(byRecord, logs({}))).sampled).toBe(false);
  });

  it('sampling_priority: a valid percentage replaces the configured one; 0 and other types do not', async () => {
    const cfg = configSchema.parse({
      sampling_percentage: 0.0001,
      sampling_priority: 'prio',
      mode: 'proportional',
    });
    const tid = '0000000000000000007fffffffffffff';
    expect((await sampleLog(cfg, logs({ prio: 100n }, tid))).sampled).toBe(true);
    expect((await sampleLog(cfg, logs({ prio: 60.5 }, tid))).sampled).toBe(true); // 0x7f… passes at > 50 %
    expect((await sampleLog(cfg, logs({ prio: 40n }, tid))).sampled).toBe(false);
    expect((await sampleLog(cfg, logs({ prio: 0n }, tid))).sampled).toBe(false);
    expect((await sampleLog(cfg, logs({ prio: 'high' }, tid))).sampled).toBe(false);
  });

  it('equalizing logs with an explicit sampling.randomness', async () => {
    const cfg = configSchema.parse({ sampling_percentage: 50, mode: 'equalizing' });
    expect((await sampleLog(cfg, logs({ 'sampling.randomness': '90000000000000' }))).sampled).toBe(true);
    expect((await sampleLog(cfg, logs({ 'sampling.randomness': '70000000000000' }))).sampled).toBe(false);
    expect((await sampleLog(cfg, logs({ 'sampling.randomness': 'zz' }))).sampled).toBe(false);
  });
});

describe('probabilistic_sampler config', () => {
  const issues = (yaml: string) => {
    const r = parseComponentConfig(factory, parse(yaml), 'processors::probabilistic_sampler');
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('has the collector defaults and the deprecated name', () => {
    expect(configSchema.parse({})).toEqual({
      sampling_percentage: 0,
      hash_seed: 0,
      mode: '',
      fail_closed: true,
      sampling_precision: 4,
      attribute_source: 'traceID',
      from_attribute: '',
      sampling_priority: '',
    });
    expect(factory.type).toBe('probabilistic_sampler');
    expect(factory.deprecatedTypes).toEqual(['probabilisticsampler']);
    expect(factory.signals).toEqual(['traces', 'logs']);
  });

  it.each([
    ['sampling_percentage: -1', 'sampling_percentage: sampling rate is negative'],
    ['sampling_percentage: 1.0e-20', 'sampling_percentage: sampling rate is too small'],
    ['sampling_percentage: .inf', 'sampling_percentage:'],
    ['sampling_precision: 0', 'sampling_precision: invalid sampling precision: 0'],
    ['sampling_precision: 15', 'sampling_precision: sampling precision is too great, should be <= 14: 15'],
    ['attribute_source: span', 'attribute_source:'],
    ['mode: downsample', 'mode:'],
    ['hash_seed: -1', 'hash_seed:'],
    ['sampling_percentag: 5', 'sampling_percentag: unknown key'],
  ])('rejects %s', (yaml, expected) => {
    const got = issues(yaml);
    expect(
      got.some((m) => m.includes(expected)),
      JSON.stringify(got),
    ).toBe(true);
  });

  it('runs for traces through the factory and drops an emptied request', async () => {
    const next = new CollectingConsumer<'traces'>();
    const p = factory.create(
      testSettings('probabilistic_sampler', 'processor'),
      configSchema.parse({ sampling_percentage: 0 }),
      'traces',
      next,
    );
    await p.consume(traces(DEFAULT_TID, ''));
    expect(next.received).toHaveLength(0);
  });
});
