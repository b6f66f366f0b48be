// The scrape → remote write work of bench/prometheus-scrape.ts in one process and
// without sockets: a target's scrape loop (receivers/prometheus/scrape/loop.ts,
// the real one) is given a gzipped exposition of BENCH_SERIES series (the bench
// target's shape) by a stand-in HTTP client that inflates it as the real one does
// (64 KiB pieces), and its consumer encodes each scrape into snappy remote write
// requests (the exporter's encoder, its default settings). BENCH_SCRAPES scrapes
// after BENCH_WARMUP ones that fill the caches, BENCH_GAP_MS apart (idle time for
// V8's concurrent work, as between real scrapes). Reports CPU-seconds per million
// samples (all threads; main thread and the others apart) and peak RSS, as one
// JSON line. Far less noisy than the binary on a busy host: use it to decide, the
// binary (prometheus-scrape.ts) to confirm.
//   node dist/bench/prometheus-inproc.js
//   BENCH_DIST=/other/checkout/dist node dist/bench/prometheus-inproc.js   (another build's modules)
// A/B: run the two alternately, one process each (the heap is part of what is measured).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { makeExposition } from './prom-exposition.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 100_000);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 12);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 300);
/** Distinct bodies rendered up front and served in turn (values change between them). */
const BODIES = 4;
const CHUNK = 64 * 1024;
const DIST = process.env.BENCH_DIST ?? fileURLToPath(new URL('..', import.meta.url));

const load = (path: string) => import(pathToFileURL(join(DIST, path)).href);

function threadSeconds(tid: number | string): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function processSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${process.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Returns the loop and the encoder (their state kept, for a heap snapshot after the run). */
export async function main(): Promise<{ loop: unknown; encoder: unknown }> {
  const { ScrapeLoop } = await load('receivers/prometheus/scrape/loop.js');
  const { WriteRequestEncoder } = await load('exporters/prometheus_remote_write/write-request-encoder.js');
  const { TEST_SERIES_OPTIONS } = await load('receivers/prometheus/translate/test-target.js');

  const gen = makeExposition(SERIES);
  const bodies = Array.from({ length: BODIES }, () => gzipSync(gen.render()));
  let turn = 0;
  const client = {
    async scrape(
      _url: string,
      _accept: string,
      _timeoutMs: number,
      _signal: AbortSignal,
      open: (contentType: string) => (chunk: Buffer) => void,
    ) {
      const write = open('text/plain; version=0.0.4; charset=utf-8');
      // inflated at once, handed over in the pieces the real client's gunzip makes
      const body = gunzipSync(bodies[turn++ % BODIES], { chunkSize: CHUNK });
      for (let at = 0; at < body.length; at += CHUNK) {
        write(body.subarray(at, Math.min(body.length, at + CHUNK)));
        if ((at / CHUNK) % 16 === 15) await new Promise<void>((r) => setImmediate(r));
      }
      return { contentType: 'text/plain', bytes: body.length };
    },
  };
  const encoder = new WriteRequestEncoder({
    namespace: '',
    addMetricSuffixes: true,
    targetInfo: true,
    resourceToTelemetry: false,
    scopeLabels: true,
    emptyScopeLabels: false,
    extraLabels: [],
    maxBytes: 3_000_000,
    sendMetadata: false,
  });
  let written = 0;
  let requestBytes = 0;
  const consumer = {
    async consume(md: unknown) {
      const t = encoder.encode(md);
      written += t.sampleCount;
      for (const b of t.bodies) requestBytes += b.length;
    },
  };
  const noop = () => {};
  const logger = { info: noop, warn: noop, error: noop, debug: noop, child: () => logger };
  const target = {
    key: 'bench',
    labels: new Map([
      ['job', 'bench'],
      ['instance', '127.0.0.1:9100'],
    ]),
    discovered: new Map([
      ['__address__', '127.0.0.1:9100'],
      ['job', 'bench'],
    ]),
    url: 'http://127.0.0.1:9100/metrics',
    intervalMs: 10_000,
    timeoutMs: 10_000,
  };
  const loop = new ScrapeLoop(target, {
    cfg: { jobName: 'bench', scrapeProtocols: [], fallbackProtocol: undefined, extraScrapeMetrics: false },
    client,
    consumer,
    logger,
    metrics: { accepted: noop, refused: noop },
    build: { trimSuffixes: false, scopeVersion: 'bench', startTime: { kind: 'initial_point' } },
    series: { ...TEST_SERIES_OPTIONS, gcMs: 5 * 60_000 },
    offsetSeed: 0,
  });
  for (let i = 0; i < WARMUP; i++) {
    await loop.scrapeOnce();
    await sleep(GAP_MS);
  }
  const w0 = written;
  const c0 = processSeconds();
  const m0 = threadSeconds(process.pid);
  for (let i = 0; i < SCRAPES; i++) {
    await loop.scrapeOnce();
    await sleep(GAP_MS);
  }
  const cpu = processSeconds() - c0;
  const main = threadSeconds(process.pid) - m0;
  const samples = written - w0;
  const perM = (x: number) => Number((x / (samples / 1e6)).toFixed(3));
  console.log(
    JSON.stringify({
      dist: DIST,
      samples,
      cpuPerM: perM(cpu),
      mainPerM: perM(main),
      otherPerM: perM(cpu - main),
      peakRssMiB: Math.round(peakRssMiB()),
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      requestMiBPerScrape: Number((requestBytes / (WARMUP + SCRAPES) / 2 ** 20).toFixed(2)),
    }),
  );
  return { loop, encoder };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
