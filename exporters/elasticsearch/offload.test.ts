// The worker build (offload.ts through src/exporterhelper/encode-pool.ts and the
// application's worker entry) against the in-thread BulkBuilder: the same bodies,
// document offsets, indices, rejections and pdata items behind each document, on
// varied input and configurations.
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { EncodePool } from '../../src/exporterhelper/encode-pool.js';
import { otlpBatchCodec } from '../../src/exporterhelper/otlp-codec.js';
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
  newSpanEvent,
} from '../../src/pdata/create.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import { type BuildResult, BulkBuilder } from './builder.js';
import { type ElasticsearchConfig, elasticsearchConfigSchema } from './config.js';
import { buildInPool, gzippedBody } from './offload.js';
import { kvs, SPAN_ID, T0, TRACE_ID } from './testdata.js';

const pool = new EncodePool({ entry: new URL('../../app/encode-worker.ts', import.meta.url), size: 2 });
afterAll(() => pool.close());

/** A seeded generator (mulberry32): varied but reproducible input. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  '',
  'plain',
  'ünïcødé ✓ 日本語',
  '"quoted" \\ back\nslash\t',
  'x'.repeat(5000),
  '\u0000ctl\u001f',
  '😀',
];

function value(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 1 ? 5 : 8));
  switch (k) {
    case 0:
      return TEXTS[Math.floor(r() * TEXTS.length)];
    case 1:
      return Math.floor(r() * 1e6) - 5e5;
    case 2:
      return r() * 100;
    case 3:
      return r() < 0.5;
    case 4:
      return Uint8Array.from([1, 2, 255]);
    case 5:
      return [value(r, depth + 1), value(r, depth + 1)];
    case 6:
      return { a: value(r, depth + 1), 'b.c': value(r, depth + 1) };
    default:
      return {};
  }
}

function attrs(r: () => number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) o[`attr.${Math.floor(r() * 6)}`] = value(r);
  if (r() < 0.2) o['data_stream.dataset'] = r() < 0.5 ? 'nginx' : 'Bad Name*';
  if (r() < 0.1) o['elasticsearch.document_id'] = `id-${Math.floor(r() * 100)}`;
  if (r() < 0.1) o['elastic.mapping.mode'] = 'ecs';
  return o;
}

function variedLogs(seed: number, n: number): LogsData {
  const r = rng(seed);
  const data: LogsData = { resourceLogs: [] };
  let made = 0;
  while (made < n) {
    const res = newResource();
    res.attributes = kvs(r() < 0.2 ? {} : { 'service.name': `svc-${Math.floor(r() * 3)}`, ...attrs(r) });
    const rl = newResourceLogs(res);
    for (let s = 0; s < 1 + Math.floor(r() * 3) && made < n; s++) {
      const scopeAttrs: Record<string, unknown> = {};
      if (r() < 0.1) scopeAttrs['elastic.mapping.mode'] = r() < 0.5 ? 'raw' : 'no-such-mode';
      const scope = newScope(r() < 0.3 ? '' : 'io.test', r() < 0.5 ? '' : '1.0');
      scope.attributes = kvs(scopeAttrs);
      const sl = newScopeLogs(scope);
      for (let i = 0; i < 1 + Math.floor(r() * 40) && made < n; i++, made++) {
        const rec = newLogRecord();
        if (r() < 0.9) rec.timeUnixNano = T0 + BigInt(made);
        rec.observedTimeUnixNano = T0 + 7n;
        rec.body = toAnyValue(r() < 0.8 ? value(r) : undefined);
        rec.severityNumber = Math.floor(r() * 24);
        rec.severityText = r() < 0.5 ? '' : 'WARN';
        if (r() < 0.5) rec.traceId = TRACE_ID;
        if (r() < 0.5) rec.spanId = SPAN_ID;
        rec.attributes = kvs(attrs(r));
        sl.logRecords.push(rec);
      }
      rl.scopeLogs.push(sl);
    }
    data.resourceLogs.push(rl);
  }
  return data;
}

function variedTraces(seed: number, n: number): TracesData {
  const r = rng(seed);
  const data: TracesData = { resourceSpans: [] };
  let made = 0;
  while (made < n) {
    const res = newResource();
    res.attributes = kvs({ 'service.name': `svc-${Math.floor(r() * 3)}`, ...attrs(r) });
    const rs = newResourceSpans(res);
    const ss = newScopeSpans(newScope('io.test', '1.2.3'));
    for (let i = 0; i < 1 + Math.floor(r() * 30) && made < n; i++, made++) {
      const s = newSpan();
      s.traceId = TRACE_ID;
      s.spanId = SPAN_ID;
      if (r() < 0.5) s.parentSpanId = SPAN_ID;
      s.name = TEXTS[Math.floor(r() * TEXTS.length)];
      s.kind = Math.floor(r() * 6);
      s.startTimeUnixNano = T0 + BigInt(made);
      s.endTimeUnixNano = T0 + BigInt(made) + 1000n;
      s.status = { code: Math.floor(r() * 3), message: r() < 0.5 ? '' : 'boom ✗' };
      s.attributes = kvs(attrs(r));
      for (let e = 0; e < Math.floor(r() * 3); e++) {
        const ev = newSpanEvent();
        ev.name = r() < 0.5 ? 'exception' : '';
        ev.timeUnixNano = T0 + 5n;
        ev.attributes = kvs(attrs(r));
        s.events.push(ev);
      }
      ss.spans.push(s);
    }
    rs.scopeSpans.push(ss);
    data.resourceSpans.push(rs);
  }
  return data;
}

/** What a send uses of a build, with each document's pdata item as its position in the batch. */
function view(b: BuildResult, items: object[]) {
  const at = new Map(items.map((it, i) => [it, i] as const));
  return {
    chunks: b.chunks.map((c) => ({
      body: c.body().toString('utf8'),
      n: c.n,
      starts: [...c.starts.subarray(0, c.n)],
      srcs: [...c.srcs.subarray(0, c.n)],
      ends: [...c.ends.subarray(0, c.n)],
      refs: [...c.refs.subarray(0, c.n)],
      indices: [...c.indices],
    })),
    rejected: b.rejected,
    refs: Array.from({ length: b.refs.length }, (_, i) => {
      const ref = b.refs.get(i);
      return [ref.rl, ref.sl, at.get(ref.item)];
    }),
  };
}

function logItems(d: LogsData): object[] {
  return d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
}
function spanItems(d: TracesData): object[] {
  return d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

const CONFIGS: Record<string, Record<string, unknown>> = {
  otel: {},
  ecs: { mapping: { mode: 'ecs', allowed_modes: ['ecs', 'raw', 'otel'] } },
  raw: { mapping: { mode: 'raw' } },
  bodymap: { mapping: { mode: 'bodymap' } },
  'small bodies, dynamic ids, logstash': {
    flush: { bytes: 3000 },
    logs_dynamic_id: { enabled: true },
    logstash_format: { enabled: true },
  },
  'fixed indices': { logs_index: 'my-logs', traces_index: 'my-traces' },
};

describe('elasticsearch build on an encode worker', () => {
  for (const [name, raw] of Object.entries(CONFIGS)) {
    const cfg: ElasticsearchConfig = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200', ...raw });
    it(`logs, ${name}: same bodies and documents as in-thread`, async () => {
      for (const seed of [1, 2, 3]) {
        const data = variedLogs(seed * 31 + name.length, 300);
        const ctx = seed === 2 ? { metadata: { 'x-elastic-mapping-mode': ['raw'] } } : undefined;
        const here = await new BulkBuilder(cfg).logs(data, ctx);
        const there = await buildInPool(pool, `t-${name}`, cfg, 'logs', data, ctx);
        expect(view(there, logItems(data))).toEqual(view(here, logItems(data)));
      }
    });
    it(`traces, ${name}: same bodies and documents as in-thread`, async () => {
      for (const seed of [4, 5]) {
        const data = variedTraces(seed * 17 + name.length, 200);
        const here = await new BulkBuilder(cfg).traces(data);
        const there = await buildInPool(pool, `t-${name}`, cfg, 'traces', data, undefined);
        expect(view(there, spanItems(data))).toEqual(view(here, spanItems(data)));
      }
    });
  }

  it('from a lazily decoded batch (what the persistent queue hands over), the batch left as it was', async () => {
    const cfg = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200' });
    const bytes = otlpBatchCodec.encode('logs', variedLogs(9, 500));
    const lazy = otlpBatchCodec.decode('logs', bytes.slice(), true);
    const there = await buildInPool(pool, 'lazy', cfg, 'logs', lazy, undefined);
    const here = await new BulkBuilder(cfg).logs(otlpBatchCodec.decode('logs', bytes.slice(), true));
    expect(view(there, logItems(lazy)).chunks).toEqual(view(here, []).chunks);
    expect(Buffer.from(otlpBatchCodec.encode('logs', lazy)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('bodies come back gzipped as the sender compresses them (level 1), byte for byte; none without compression', async () => {
    const gzip = promisify(gzipCb);
    const data = variedLogs(11, 400);
    const cfg = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200', flush: { bytes: 20000 } });
    const there = await buildInPool(pool, 'gz', cfg, 'logs', data, undefined);
    expect(there.chunks.length).toBeGreaterThan(1);
    for (const c of there.chunks) expect(gzippedBody(c)).toEqual(await gzip(c.body(), { level: 1 }));
    const plain = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200', compression: 'none' });
    const none = await buildInPool(pool, 'plain', plain, 'logs', data, undefined);
    for (const c of none.chunks) expect(gzippedBody(c)).toBeUndefined();
  });

  it('an empty batch builds nothing', async () => {
    const cfg = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200' });
    const there = await buildInPool(pool, 'empty', cfg, 'logs', { resourceLogs: [] }, undefined);
    expect(there.chunks).toEqual([]);
    expect(there.refs.length).toBe(0);
  });
});
