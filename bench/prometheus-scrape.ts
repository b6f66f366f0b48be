// Scraping 100k series every 10 s: the prometheus receiver (the built binary,
// → debug exporter) and the real Prometheus 2.42 scraping the same target,
// one after the other. Tsunagi: CPU-seconds per million samples and peak RSS;
// Prometheus: its CPU per scrape (and per million samples) from
// /proc/<pid>/stat, for the side-by-side comparison. Tsunagi's CPU is also
// split into its main thread (JS, event loop) and the others (GC helpers,
// compiler, libuv pool: gunzip). The target runs in its
// own process; what is measured is the scraper's CPU over a window of
// BENCH_SCRAPES scrapes after a first one that fills the caches.
//   node dist/bench/prometheus-scrape.js     (after `npm run build`)
//   BENCH_SERIES=100000 BENCH_SCRAPES=4 BENCH_INTERVAL=10s
//   BENCH_EXPORTER=debug|prometheus_remote_write|both (default both): where the
//     scraped metrics go; prometheus_remote_write writes to a sink process that
//     counts the series (the issue's scrape → remote write loop), and the window
//     ends when the sink has every series of the last scrape.
//   BENCH_FLAGS=defaults|gateway|both (default both): Node's default heap, or
//     the gateway StatefulSet's heap flags.
//   TSUNAGI_BENCH_BINARY=path/to/tsunagi.mjs measures another build (A/B runs);
//   PROMETHEUS_BIN=/nonexistent leaves Prometheus out; BENCH_THREADS=1 prints the
//     CPU of each kind of thread (main, V8's workers: GC and compiler, libuv pool).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { manifestNodeOptions } from './lib/manifest-flags.js';
import { cpuSeconds, fmt, mainThreadSeconds, peakRssMiB, threadCpu } from './lib/proc.js';
import { startSink } from './lib/remote-write-sink.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 100_000);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 4);
const INTERVAL = process.env.BENCH_INTERVAL ?? '10s';
const INTERVAL_MS = Number.parseInt(INTERVAL, 10) * (INTERVAL.endsWith('ms') ? 1 : 1000);
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const EXPORTER = process.env.BENCH_EXPORTER ?? 'both';
const FLAGS = process.env.BENCH_FLAGS ?? 'both';
type Exporter = 'debug' | 'prometheus_remote_write';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A counter from a Prometheus-format /metrics page (summed over its series). */
async function counter(url: string, name: string): Promise<number> {
  try {
    const text = await (await fetch(url)).text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  } catch {
    return 0;
  }
}

async function waitFor(
  what: string,
  f: () => Promise<number>,
  atLeast: number,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  // polled once a second: reading a /metrics page costs the measured process CPU too
  while ((await f()) < atLeast) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

/** BENCH_THREADS=1: CPU-s per million samples of each kind of thread (main, V8 workers: GC and compiler, libuv pool). */
function printThreads(before: Record<string, number>, after: Record<string, number>, samples: number): void {
  const byKind: Record<string, number> = {};
  for (const [name, s] of Object.entries(after)) {
    const kind = name.replace(/:\d+$/, '');
    byKind[kind] = (byKind[kind] ?? 0) + (s - (before[name] ?? 0)) / (samples / 1e6);
  }
  console.log(
    `threads (CPU-s per million samples): ${Object.entries(byKind)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(', ')}`,
  );
}

/**
 * CPU of `pid` over SCRAPES scrapes. `processed` counts the samples the
 * scraper has fully processed (Tsunagi: points the pipeline accepted;
 * Prometheus: samples appended to its head), so the window starts once the
 * first, cache-filling scrape is done and ends when the last one is.
 */
async function measure(pid: number, processed: () => Promise<number>, perScrape: number) {
  const timeout = (SCRAPES + 3) * INTERVAL_MS + 60_000;
  await waitFor('the first scrape', processed, perScrape, timeout);
  const first = await processed();
  const c0 = cpuSeconds(pid);
  const m0 = mainThreadSeconds(pid);
  const t0 = threadCpu(pid);
  await waitFor(`${SCRAPES} more scrapes`, processed, first + SCRAPES * perScrape, timeout);
  const scrapes = Math.round(((await processed()) - first) / perScrape);
  if (process.env.BENCH_THREADS) printThreads(t0, threadCpu(pid), scrapes * perScrape);
  return { cpu: cpuSeconds(pid) - c0, main: mainThreadSeconds(pid) - m0, scrapes };
}

async function runTsunagi(port: number, series: number, dir: string, nodeArgs: string[], exporter: Exporter) {
  const metricsPort = await freePort();
  const sink = exporter === 'prometheus_remote_write' ? await startSink(0) : undefined;
  const config = join(dir, 'tsunagi.yaml');
  writeFileSync(
    config,
    `receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: bench
          scrape_interval: ${INTERVAL}
          static_configs: [{ targets: ['127.0.0.1:${port}'] }]
exporters:
  debug: { verbosity: basic }
  prometheus_remote_write: { endpoint: 'http://127.0.0.1:${sink?.port ?? 1}/api/v1/write' }
service:
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [${exporter}] }
`,
  );
  const tsunagi = await startTsunagi(config, nodeArgs).catch(async (e) => {
    await sink?.stop(); // else the sink outlives the bench
    throw e;
  });
  try {
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    // remote write: the sink's count of series written (every sample is one series, and a
    // target_info per scrape), asked of the sink so that polling costs Tsunagi nothing
    const processed = sink
      ? () => sink.series()
      : () => counter(url, 'otelcol_receiver_accepted_metric_points_total');
    const t = await measure(tsunagi.pid as number, processed, series + 5);
    return { ...t, rss: peakRssMiB(tsunagi.pid as number) };
  } finally {
    await stop(tsunagi);
    await sink?.stop();
  }
}

export async function main(): Promise<void> {
  const target = forkRole('prom-target.js', [String(SERIES)]);
  const { port, series } = await nextMessage<{ port: number; series: number }>(target, 'ready');
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-prom-bench-'));
  console.log(
    `target: ${fmt(series)} series, scraped every ${INTERVAL}; window: ${SCRAPES} scrapes after the first`,
  );
  try {
    const exporters = (['debug', 'prometheus_remote_write'] as Exporter[]).filter(
      (e) => EXPORTER === 'both' || EXPORTER === e,
    );
    const flags = (
      [
        ['defaults', 'Node defaults', []],
        ['gateway', 'gateway heap flags', manifestNodeOptions('statefulset.yaml')],
      ] as [string, string, string[]][]
    ).filter(([k]) => FLAGS === 'both' || FLAGS === k);
    for (const exporter of exporters)
      for (const [, label, args] of flags) {
        const t = await runTsunagi(port, series, dir, args, exporter);
        const samples = t.scrapes * (series + 5);
        console.log(
          `tsunagi (prometheus → ${exporter}, ${label}): ${fmt(t.cpu / t.scrapes, 3)} CPU-s per scrape, ` +
            `${fmt(t.cpu / (samples / 1e6), 2)} CPU-s per million samples ` +
            `(main thread ${fmt(t.main / (samples / 1e6), 2)}, other threads ${fmt((t.cpu - t.main) / (samples / 1e6), 2)}), ` +
            `peak RSS ${fmt(t.rss)} MiB`,
        );
      }

    // the real Prometheus, same target
    if (!existsSync(PROMETHEUS)) {
      console.log(`prometheus: ${PROMETHEUS} not found — comparison skipped`);
      return;
    }
    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `scrape_configs:\n  - job_name: bench\n    scrape_interval: ${INTERVAL}\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
    );
    const prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    try {
      const url = `http://127.0.0.1:${promPort}/metrics`;
      const p = await measure(
        prom.pid as number,
        () => counter(url, 'prometheus_tsdb_head_samples_appended_total'),
        series + 5,
      );
      const prss = peakRssMiB(prom.pid as number);
      console.log(
        `prometheus 2.42 (scrape → TSDB head): ${fmt(p.cpu / p.scrapes, 3)} CPU-s per scrape, ` +
          `${fmt(p.cpu / ((p.scrapes * (series + 5)) / 1e6), 2)} CPU-s per million samples, peak RSS ${fmt(prss)} MiB`,
      );
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.once('exit', r));
    }
  } finally {
    target.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
