// The exporters' own work per record, in one process and without I/O: batches made the way
// the pipeline makes them (82 OTLP/HTTP requests of 100 records, lazily decoded as the
// receiver does, merged as the queue merges them), then the Elasticsearch _bulk bodies
// (otel mode) + gzip level 1, or the Loki push requests + snappy. Reports CPU-s per million
// records of each step (decoding the requests is not counted). Steady and cheap enough to
// compare two builds of an exporter's hot path on a busy host, where the whole pipeline's
// figures (bench/pipelines.ts) swing by more than a change is worth.
//   node dist/bench/exporter-build.js [es|loki]   (BENCH_SECONDS, default 6 per exporter)
// Paired A/B against another build, in this one process (batches alternate between the two,
// so both see the same load; the median of the per-pair ratios is the figure to quote):
//   BENCH_AB=/path/to/other/dist node dist/bench/exporter-build.js es|loki
// (ES: the build alone; Loki: build + encode; no compression.)
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { BulkBuilder } from '../exporters/elasticsearch/builder.js';
import { releaseChunks } from '../exporters/elasticsearch/bulk-body.js';
import { elasticsearchConfigSchema } from '../exporters/elasticsearch/config.js';
import { LokiRequestBuilder } from '../exporters/loki/builder.js';
import { lokiConfigSchema } from '../exporters/loki/config.js';
import { EncodeScratch, encodePushRequest } from '../exporters/loki/encode-proto.js';
import { CardinalityGuard } from '../exporters/loki/labels.js';
import { encodeLogs } from '../src/codec/otlp-proto.js';
import { decodeLogsLazy } from '../src/codec/proto-logs.js';
import { TimeSlice } from '../src/exporterhelper/time-slice.js';
import type { LogsData } from '../src/pdata/types.js';
import { makeLogs } from './lib/traffic.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const REQUESTS_PER_BATCH = 82;
const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(encodeLogs(makeLogs(100, i))));
let next = 0;

function batch(): LogsData {
  const resourceLogs = [];
  for (let i = 0; i < REQUESTS_PER_BATCH; i++) {
    const b = bodies[next++ % bodies.length];
    resourceLogs.push(...decodeLogsLazy(new Uint8Array(b), false).resourceLogs);
  }
  return { resourceLogs };
}

function cpu(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

async function es(): Promise<string> {
  const cfg = elasticsearchConfigSchema.parse({ endpoint: 'http://127.0.0.1:1' });
  const b = new BulkBuilder(cfg);
  let build = 0;
  let gz = 0;
  let records = 0;
  let bytes = 0;
  const end = performance.now() + SECONDS * 1000;
  for (let warm = 0; performance.now() < end || warm < 5; warm++) {
    const data = batch();
    const t0 = cpu();
    const built = await b.logs(data, undefined, new TimeSlice(Number.POSITIVE_INFINITY));
    const t1 = cpu();
    let len = 0;
    for (const c of built.chunks) {
      len += c.len;
      gzipSync(c.body(), { level: 1 });
    }
    const t2 = cpu();
    releaseChunks(built.chunks);
    if (warm < 5) continue;
    bytes += len;
    build += t1 - t0;
    gz += t2 - t1;
    records += built.refs.length;
  }
  const m = records / 1e6;
  return `elasticsearch (otel, gzip 1): build ${(build / m).toFixed(3)} + gzip ${(gz / m).toFixed(3)} CPU-s/M, ${(bytes / records).toFixed(0)} bytes per document`;
}

async function loki(): Promise<string> {
  const cfg = lokiConfigSchema.parse({ endpoint: 'http://127.0.0.1:1/loki/api/v1/push' });
  const b = new LokiRequestBuilder(cfg, new CardinalityGuard(cfg.labels.max_distinct_values, () => {}), true);
  const scratch = new EncodeScratch();
  let build = 0;
  let enc = 0;
  let snap = 0;
  let records = 0;
  const end = performance.now() + SECONDS * 1000;
  for (let warm = 0; performance.now() < end || warm < 5; warm++) {
    const data = batch();
    const t0 = cpu();
    const built = await b.build(data, undefined, Date.now(), new TimeSlice(Number.POSITIVE_INFINITY));
    const t1 = cpu();
    let e = 0;
    let s = 0;
    let n = 0;
    for (const req of built.requests) {
      const a = cpu();
      const raw = encodePushRequest(req, scratch);
      const mid = cpu();
      compressSync(raw, { copyOutputData: true });
      s += cpu() - mid;
      e += mid - a;
      n += req.count;
    }
    if (warm < 5) continue;
    build += t1 - t0;
    enc += e;
    snap += s;
    records += n;
  }
  const m = records / 1e6;
  return `loki (protobuf + snappy): build ${(build / m).toFixed(3)} + encode ${(enc / m).toFixed(3)} + snappy ${(snap / m).toFixed(3)} CPU-s/M`;
}

type Step = () => Promise<[cpu: number, records: number]>;

/** One side of the paired A/B: a batch built by the exporter modules of the build at `dist`. */
async function side(dist: string, kind: string): Promise<Step> {
  const { decodeLogsLazy: decode } = await import(`${dist}/src/codec/proto-logs.js`);
  const { TimeSlice: Slice } = await import(`${dist}/src/exporterhelper/time-slice.js`);
  let n = 0;
  const data = (): LogsData => {
    const resourceLogs = [];
    for (let i = 0; i < REQUESTS_PER_BATCH; i++)
      resourceLogs.push(...decode(new Uint8Array(bodies[n++ % bodies.length]), false).resourceLogs);
    return { resourceLogs };
  };
  if (kind === 'es') {
    const { BulkBuilder: Builder } = await import(`${dist}/exporters/elasticsearch/builder.js`);
    const { releaseChunks: release } = await import(`${dist}/exporters/elasticsearch/bulk-body.js`);
    const { elasticsearchConfigSchema: schema } = await import(`${dist}/exporters/elasticsearch/config.js`);
    const b = new Builder(schema.parse({ endpoint: 'http://127.0.0.1:1' }));
    return async () => {
      const d = data();
      const t0 = cpu();
      const built = await b.logs(d, undefined, new Slice(Number.POSITIVE_INFINITY));
      const c = cpu() - t0;
      release(built.chunks);
      return [c, built.refs.length];
    };
  }
  const { LokiRequestBuilder: Builder } = await import(`${dist}/exporters/loki/builder.js`);
  const { lokiConfigSchema: schema } = await import(`${dist}/exporters/loki/config.js`);
  const enc = await import(`${dist}/exporters/loki/encode-proto.js`);
  const { CardinalityGuard: Guard } = await import(`${dist}/exporters/loki/labels.js`);
  const cfg = schema.parse({ endpoint: 'http://127.0.0.1:1/loki/api/v1/push' });
  const b = new Builder(cfg, new Guard(cfg.labels.max_distinct_values, () => {}), true);
  const scratch = new enc.EncodeScratch();
  return async () => {
    const d = data();
    const t0 = cpu();
    const built = await b.build(d, undefined, Date.now(), new Slice(Number.POSITIVE_INFINITY));
    let records = 0;
    for (const req of built.requests) {
      enc.encodePushRequest(req, scratch);
      records += req.count;
    }
    return [cpu() - t0, records];
  };
}

async function paired(other: string, kind: string): Promise<string> {
  const here = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  const a = await side(other, kind);
  const b = await side(here, kind);
  for (let i = 0; i < 20; i++) {
    await a();
    await b();
  }
  const perA: number[] = [];
  const perB: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const [ca, na] = await a();
    const [cb, nb] = await b();
    perA.push((ca / na) * 1e6);
    perB.push((cb / nb) * 1e6);
  }
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1];
  const ratio = med(perA.map((x, i) => perB[i] / x));
  return `${kind} ${kind === 'es' ? 'build' : 'build + encode'}, ${perA.length} paired batches: A (${other}) median ${med(perA).toFixed(3)} CPU-s/M, B (this build) ${med(perB).toFixed(3)}, median of B/A per pair ${ratio.toFixed(3)}`;
}

export async function main(): Promise<void> {
  const only = process.argv[2];
  const other = process.env.BENCH_AB;
  if (other) {
    for (const kind of only ? [only] : ['es', 'loki']) console.log(await paired(other, kind));
    return;
  }
  if (!only || only === 'es') console.log(await es());
  if (!only || only === 'loki') console.log(await loki());
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
