// The fast path (entries written from the records' wire bytes) against the general
// path (records decoded, lines and metadata built as strings, then encoded): the
// same requests, byte for byte, and the same rejections, on varied input.
import { describe, expect, it } from 'vitest';
import { decodeLogsLazy, encodeLogs } from '../../src/codec/proto-logs.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newScope,
  newScopeLogs,
} from '../../src/pdata/create.js';
import type { AnyValue, LogRecord, LogsData } from '../../src/pdata/types.js';
import { type BuilderConfig, LokiRequestBuilder } from './builder.js';
import { lokiConfigSchema } from './config.js';
import { EncodeScratch, encodePushRequest, RUN_COPY_LOOP_MAX } from './encode-proto.js';
import { CardinalityGuard } from './labels.js';
import { kvs } from './testdata.js';
import { COPY_LOOP_MAX } from './wire-entries.js';

const NOW_MS = 1_765_000_000_000;
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;

/** A seeded PRNG (mulberry32): the same varied input on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  '',
  'plain ascii line',
  'héllo wörld',
  '日本語のログ行',
  'emoji 🚀 and 𝄞 clef',
  'quote " backslash \\ newline \n tab \t',
  'x'.repeat(300),
  `long ${'αβγ'.repeat(1500)}`,
  'ends with nul \u0000',
];

function value(pick: () => number, allowOdd: boolean): AnyValue {
  const k = Math.floor(pick() * (allowOdd ? 9 : 5));
  switch (k) {
    case 0:
      return { stringValue: TEXTS[Math.floor(pick() * TEXTS.length)] };
    case 1:
      return { intValue: BigInt(Math.floor(pick() * 2 ** 40)) - 2n ** 39n };
    case 2:
      return { boolValue: pick() < 0.5 };
    case 3:
      return { intValue: pick() < 0.5 ? 9_223_372_036_854_775_807n : -9_223_372_036_854_775_808n };
    case 4:
      return { stringValue: '' };
    case 5:
      return { doubleValue: pick() * 1000 };
    case 6:
      return { kvlistValue: { values: kvs({ a: 'b', n: 3 }) } };
    case 7:
      return { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1n }] } };
    default:
      return {};
  }
}

const KEYS = ['http.method', 'user.id', 'status', '1st', 'a-b c', 'x', '', 'ключ', 'loki.format'];

function makeData(seed: number, odd: boolean): LogsData {
  const pick = rng(seed);
  const data: LogsData = { resourceLogs: [] };
  const resources = 1 + Math.floor(pick() * 6);
  for (let r = 0; r < resources; r++) {
    const res = newResource();
    res.attributes = kvs({
      'service.name': `svc-${Math.floor(pick() * 4)}`,
      ...(pick() < 0.5 ? { 'k8s.pod.name': `pod-${Math.floor(pick() * 50)}` } : {}),
      'host.name': pick() < 0.3 ? 'ñode-1' : 'node-1',
      'process.pid': Math.floor(pick() * 1000),
    });
    const rl = newResourceLogs(res);
    const scopes = 1 + Math.floor(pick() * 3);
    for (let s = 0; s < scopes; s++) {
      const scope = newScope(pick() < 0.3 ? '' : 'io.scope', pick() < 0.5 ? '' : '1.0');
      if (odd && pick() < 0.1) scope.attributes = kvs({ 'scope.attr': 'v' });
      const sl = newScopeLogs(scope);
      const n = Math.floor(pick() * 40);
      for (let i = 0; i < n; i++) sl.logRecords.push(makeRecord(pick, odd));
      rl.scopeLogs.push(sl);
    }
    data.resourceLogs.push(rl);
  }
  return data;
}

function makeRecord(pick: () => number, odd: boolean): LogRecord {
  const rec = newLogRecord();
  const t = pick();
  // missing times (observed, then now), out-of-order times, too old / too new ones
  if (t < 0.7) rec.timeUnixNano = NOW_NS - BigInt(Math.floor(pick() * 1e12));
  if (pick() < 0.5) rec.observedTimeUnixNano = pick() < 0.5 ? rec.timeUnixNano : NOW_NS - 5n;
  if (odd && pick() < 0.05) rec.timeUnixNano = NOW_NS - 200n * 3_600_000_000_000n;
  if (odd && pick() < 0.05) rec.timeUnixNano = NOW_NS + 3_600_000_000_000n;
  const sev = pick();
  if (sev < 0.6) rec.severityNumber = 1 + Math.floor(pick() * 24);
  if (sev > 0.3)
    rec.severityText = ['INFO', 'warning', 'Critical', 'notice', 'custom', 'ÉRR'][
      Math.floor(pick() * (odd ? 6 : 5))
    ];
  if (pick() < 0.9)
    rec.body =
      !odd || pick() < 0.8 ? { stringValue: TEXTS[Math.floor(pick() * TEXTS.length)] } : value(pick, odd);
  const na = Math.floor(pick() * 5);
  for (let a = 0; a < na; a++) {
    const key = KEYS[Math.floor(pick() * (odd ? KEYS.length : KEYS.length - 2))];
    rec.attributes.push({ key, value: value(pick, odd) });
  }
  if (pick() < 0.7) rec.traceId = Uint8Array.from({ length: 16 }, () => Math.floor(pick() * 256));
  if (pick() < 0.7) rec.spanId = Uint8Array.from({ length: 8 }, () => Math.floor(pick() * 256));
  return rec;
}

function builder(fromWire: boolean, over: Record<string, unknown> = {}) {
  const cfg = lokiConfigSchema.parse({ endpoint: 'http://loki:3100', ...over }) as BuilderConfig;
  return new LokiRequestBuilder(
    cfg,
    new CardinalityGuard(cfg.labels.max_distinct_values, () => {}),
    fromWire,
  );
}

/** Shared by every fast-side encode: reuse (larger, then smaller requests) must not leak bytes. */
const scratch = new EncodeScratch();

async function both(data: LogsData, over: Record<string, unknown> = {}) {
  const bytes = encodeLogs(data);
  const run = async (fromWire: boolean) => {
    const decoded = decodeLogsLazy(bytes, true);
    const { requests, rejected } = await builder(fromWire, over).build(decoded, undefined, NOW_MS);
    let wire = 0;
    for (const r of requests) for (const st of r.streams) for (const e of st.entries) if (e.wire) wire++;
    return {
      bodies: requests.map((r) => ({
        tenant: r.tenant,
        count: r.count,
        // the fast side also writes through one reused scratch buffer (as the sender does)
        hex: Buffer.from(encodePushRequest(r, fromWire ? scratch : undefined)).toString('hex'),
      })),
      refs: requests.flatMap((r) =>
        r.streams.flatMap((st) => st.entries.map((e) => `${e.rl}/${e.sl}/${e.idx}`)),
      ),
      rejected: rejected.map((x) => `${x.rl}/${x.sl} ${x.reason}`),
      wire,
    };
  };
  return { fast: await run(true), slow: await run(false) };
}

describe('loki entries written from wire bytes', () => {
  it('are the bytes the general path encodes, on the common shapes (and take the fast path)', async () => {
    let fastEntries = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { fast, slow } = await both(makeData(seed, false));
      expect(slow.wire).toBe(0);
      expect(fast.bodies).toEqual(slow.bodies);
      expect(fast.refs).toEqual(slow.refs);
      expect(fast.rejected).toEqual(slow.rejected);
      fastEntries += fast.wire;
    }
    expect(fastEntries).toBeGreaterThan(500);
  });

  it('are the same on odd input (other value types, hints, scope attributes, rejected records)', async () => {
    let rejected = 0;
    for (let seed = 100; seed <= 130; seed++) {
      const { fast, slow } = await both(makeData(seed, true));
      expect(fast.bodies).toEqual(slow.bodies);
      expect(fast.refs).toEqual(slow.refs);
      expect(fast.rejected).toEqual(slow.rejected);
      rejected += slow.rejected.length;
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('are the same when small requests split streams, and with the level label off', async () => {
    for (let seed = 200; seed <= 210; seed++) {
      for (const over of [
        { max_request_size: 2048 },
        { default_labels_enabled: { level: false } },
        { limits: { max_line_size: 200 } },
        { labels: { default_resource_attributes: false } },
      ]) {
        const { fast, slow } = await both(makeData(seed, seed % 2 === 0), over);
        expect(fast.bodies).toEqual(slow.bodies);
        expect(fast.refs).toEqual(slow.refs);
        expect(fast.rejected).toEqual(slow.rejected);
      }
    }
  });

  it('are the same on timestamps at and near the bounds, over the whole 64-bit range, and on number values', async () => {
    const pick = rng(4242);
    const OLDEST = NOW_NS - 168n * 3_600_000_000_000n;
    const NEWEST = NOW_NS + 600_000_000_000n;
    // in range: any nanoseconds of the last week (the first resource: all on the fast path)
    const inRange: bigint[] = [];
    for (let i = 0; i < 150; i++) inRange.push(NOW_NS - BigInt(Math.floor(pick() * 6e14)));
    // at and near the bounds, and any 64-bit value at all (the second: some rejected)
    const edges: bigint[] = [0n, 1n, 999_999_999n, 1_000_000_000n, 4_294_967_295n, 4_294_967_296n];
    for (const edge of [OLDEST, NEWEST, NOW_NS])
      for (let d = -3n; d <= 3n; d++) edges.push(edge + d, edge + d * 1_000_000n, edge + d * 9_999_999n);
    for (let i = 0; i < 100; i++)
      edges.push((BigInt(Math.floor(pick() * 2 ** 32)) << 32n) | BigInt(Math.floor(pick() * 2 ** 32)));
    const numbers: AnyValue[] = [
      ...[0, -0, 0.1, 1 / 3, -2.5, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.NaN, Infinity, -Infinity].map(
        (doubleValue) => ({ doubleValue }),
      ),
      ...[0n, 1n, 127n, 128n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n + 1n, -1n, -(2n ** 49n)].map(
        (intValue) => ({
          intValue,
        }),
      ),
      { intValue: 9_223_372_036_854_775_807n },
      { intValue: -9_223_372_036_854_775_808n },
      { boolValue: true },
      { boolValue: false },
    ];
    const resource = (times: bigint[]) => {
      const rl = newResourceLogs(newResource());
      rl.resource.attributes = kvs({ 'service.name': 'svc' });
      const sl = newScopeLogs(newScope('io.scope', '1.0'));
      times.forEach((t, i) => {
        const rec = newLogRecord();
        // no time (observed, else now), observed equal or not
        rec.timeUnixNano = i % 7 === 0 ? 0n : t;
        rec.observedTimeUnixNano = i % 3 === 0 ? t : i % 3 === 1 ? NOW_NS - BigInt(i) : 0n;
        rec.body = { stringValue: `line ${i}` };
        rec.attributes = [
          { key: 'n', value: numbers[i % numbers.length] },
          { key: 'm', value: numbers[(i * 7 + 3) % numbers.length] },
        ];
        sl.logRecords.push(rec);
      });
      rl.scopeLogs.push(sl);
      return rl;
    };
    // each edge also alone (a rejected record sends its whole resource to the general path,
    // so a resource of one tells whether the fast path accepts exactly what the general one does)
    const data: LogsData = {
      resourceLogs: [resource(inRange), resource(edges), ...edges.slice(0, 60).map((t) => resource([t]))],
    };
    for (const over of [{}, { limits: { reject_old_samples_max_age: 0 } }, { max_request_size: 4096 }]) {
      const { fast, slow } = await both(data, over);
      expect(fast.bodies).toEqual(slow.bodies);
      expect(fast.refs).toEqual(slow.refs);
      expect(fast.rejected).toEqual(slow.rejected);
      // the in-range resource took the fast path (one with a rejected record is left to the general path)
      expect(fast.wire).toBeGreaterThanOrEqual(inRange.length);
      expect(slow.rejected.length).toBeGreaterThan(0);
    }
  });

  it('are the same with scope attributes of every kind (and take the fast path)', async () => {
    const pick = rng(777);
    const data: LogsData = { resourceLogs: [] };
    for (let r = 0; r < 4; r++) {
      const rl = newResourceLogs(newResource());
      rl.resource.attributes = kvs({ 'service.name': `svc-${r}` });
      for (let s = 0; s < 3; s++) {
        const scope = newScope(s === 0 ? '' : 'io.scope', s === 1 ? '' : '2.0');
        scope.attributes = Array.from({ length: 1 + Math.floor(pick() * 4) }, () => ({
          key: KEYS[Math.floor(pick() * KEYS.length)],
          value: value(pick, true),
        }));
        const sl = newScopeLogs(scope);
        for (let i = 0; i < 10; i++) {
          const rec = makeRecord(pick, false);
          rec.timeUnixNano = NOW_NS - BigInt(i);
          sl.logRecords.push(rec);
        }
        rl.scopeLogs.push(sl);
      }
      data.resourceLogs.push(rl);
    }
    const { fast, slow } = await both(data);
    expect(fast.bodies).toEqual(slow.bodies);
    expect(fast.refs).toEqual(slow.refs);
    expect(fast.rejected).toEqual([]);
    expect(fast.wire).toBe(120);
  });

  it('are the same for entries of every length class (1-, 2-, 3- and 4-byte lengths; copy loop and native copy)', async () => {
    // An entry's tag and length are written in front of it in a 3-byte gap (moved when the
    // length is not 2 bytes), and runs of adjacent entries are copied at once, by a loop
    // below COPY_LOOP_MAX bytes (a record's fields) and RUN_COPY_LOOP_MAX bytes (runs of entries in
    // the encoder): line lengths swept across each of those edges.
    const lengths: number[] = [];
    for (let n = 0; n <= 140; n += 3) lengths.push(n);
    for (let n = COPY_LOOP_MAX - 80; n <= COPY_LOOP_MAX + 40; n += 2) lengths.push(n);
    // (a run of one entry: its line plus ~20 bytes of tag, length and timestamp)
    for (let n = RUN_COPY_LOOP_MAX - 40; n <= RUN_COPY_LOOP_MAX + 10; n++) lengths.push(n);
    for (let n = 16_300; n <= 16_400; n += 3) lengths.push(n);
    for (let n = 2 ** 21 - 60; n <= 2 ** 21 + 20; n += 20) lengths.push(n);
    const rl = newResourceLogs(newResource());
    rl.resource.attributes = kvs({ 'service.name': 'svc' }); // a label: no resource metadata
    const sl = newScopeLogs(newScope('', ''));
    lengths.forEach((n, i) => {
      const rec = newLogRecord();
      rec.timeUnixNano = NOW_NS - BigInt(lengths.length - i);
      if (n > 0) rec.body = { stringValue: i % 5 === 0 ? `é${'z'.repeat(n - 2)}` : 'y'.repeat(n) };
      if (i % 4 === 1) rec.severityNumber = 9; // another stream: runs broken
      sl.logRecords.push(rec);
    });
    rl.scopeLogs.push(sl);
    const data: LogsData = { resourceLogs: [rl] };
    for (const over of [{}, { max_request_size: 40_000 }]) {
      const { fast, slow } = await both(data, { limits: { max_line_size: 4 * 2 ** 20 }, ...over });
      expect(fast.bodies).toEqual(slow.bodies);
      expect(fast.refs).toEqual(slow.refs);
      expect(fast.rejected).toEqual([]);
      expect(fast.wire).toBe(lengths.length);
    }
  });

  it('are the same for attribute keys that share a name-cache slot, and for every severity number', async () => {
    // Keys of one length and the same first, middle and last bytes fall into one slot of the
    // key → label-name cache: only their other bytes tell them apart. Severity numbers below
    // and past those whose whole pair is precomputed.
    const keys: string[] = [];
    for (const c of 'abcdefgh') for (const d of 'xyz.') keys.push(`k${c}m${d}z`);
    keys.push('kamxz.', 'k-m-z', 'k_m_z', 'kémxz');
    const rl = newResourceLogs(newResource());
    rl.resource.attributes = kvs({ 'service.name': 'svc', 'host.name': 'h' });
    const sl = newScopeLogs(newScope('io.scope', '1.0'));
    for (let i = 0; i < 400; i++) {
      const rec = newLogRecord();
      rec.timeUnixNano = NOW_NS - BigInt(400 - i);
      rec.severityNumber = i < 300 ? i % 80 : [127, 128, 255, 256, 1000, 2 ** 31 - 1][i % 6];
      rec.body = { stringValue: `line ${i}` };
      for (let a = 0; a < 3; a++)
        rec.attributes.push({
          key: keys[(i * 7 + a * 13) % keys.length],
          value: { stringValue: `v${i}-${a}` },
        });
      sl.logRecords.push(rec);
    }
    rl.scopeLogs.push(sl);
    const data: LogsData = { resourceLogs: [rl] };
    // one resource per record too: one whose record needs the general path leaves the others fast
    for (const rec of sl.logRecords.slice(0, 120)) {
      const one = newResourceLogs(newResource());
      one.resource.attributes = kvs({ 'service.name': 'svc', 'host.name': 'h' });
      const s1 = newScopeLogs(newScope('io.scope', '1.0'));
      s1.logRecords.push(rec);
      one.scopeLogs.push(s1);
      data.resourceLogs.push(one);
    }
    const { fast, slow } = await both(data, { limits: { max_label_names_per_series: 30 } });
    expect(fast.bodies).toEqual(slow.bodies);
    expect(fast.refs).toEqual(slow.refs);
    expect(fast.rejected).toEqual(slow.rejected);
    expect(fast.wire).toBeGreaterThan(100);
  });

  it('fall back to the general path for a body that is not valid UTF-8', async () => {
    const data = makeData(7, false);
    const bytes = Buffer.from(encodeLogs(data));
    // corrupt one byte of an ASCII body into a lone continuation byte
    const at = bytes.indexOf('plain ascii line');
    if (at < 0) return;
    bytes[at] = 0x80;
    const run = async (fromWire: boolean) => {
      const { requests } = await builder(fromWire).build(decodeLogsLazy(bytes, true), undefined, NOW_MS);
      return requests.map((r) => Buffer.from(encodePushRequest(r)).toString('hex'));
    };
    expect(await run(true)).toEqual(await run(false));
  });
});
