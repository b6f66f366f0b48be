// Prometheus remote write out, 100k active series (20 resources × 50 metrics ×
// 100 points; gauges and counters with 3 attributes each), in four runs:
//
// 1. paced: OTLP/protobuf in over HTTP (requests of 2,000 points, 4 in flight) →
//    the tsunagi binary (otlp receiver → prometheus_remote_write) → a
//    remote-write sink in another process that does not decode the series (it
//    counts them and answers 204). BENCH_ROUNDS "scrapes" (default 10, 10 s apart
//    in sample time); the next round starts when the sink has the previous one.
//    Reports Tsunagi's CPU-seconds (from /proc) per million samples and its peak
//    RSS. BENCH_EXPORTER=nop sends the same into the nop exporter instead: what
//    receiving and decoding OTLP cost alone.
// 2. slow backend: BENCH_SLOW_ROUNDS rounds (default 40, 4M samples) offered at
//    once to a sink that answers each request only after BENCH_SINK_DELAY_MS
//    (default 100 ms): the exporter's queue holds what the sink has not taken
//    (bounded in bytes; past the bound senders are refused with 429 and retry).
//    Reports peak RSS (what a slow Prometheus costs) and whether every sample
//    arrived.
// 3. prometheus: the real Prometheus (2.42, Debian's) scrapes a target exposing
//    the same 100k series in the text format every BENCH_SCRAPE_INTERVAL (10s);
//    its CPU per scrape from /proc/<pid>/stat (steady state: the first scrape,
//    which creates the series, is left out). Skipped when the binary is absent.
//
// 0. encoder: the exporter's encoder alone, in this process, on one round decoded once.
// BENCH_MODE=encoder|paced|slow|prometheus runs one of them (default: all).
// TSUNAGI_BENCH_BINARY=path/to/tsunagi.mjs measures another build (A/B runs).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WriteRequestEncoder } from '../exporters/prometheus_remote_write/write-request-encoder.js';
import { decodeMetrics, encodeMetrics } from '../src/codec/otlp-proto.js';
import { newResourceMetrics, newScopeMetrics } from '../src/pdata/create.js';
import type { Metric, MetricsData, NumberDataPoint } from '../src/pdata/types.js';
import { freePort } from '../test/support/ports.js';
import { startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, cpuSplit, fmt, peakRssMiB } from './lib/proc.js';
import { type Sink, startSink } from './lib/remote-write-sink.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SINK_DELAY_MS = Number(process.env.BENCH_SINK_DELAY_MS ?? 100);
const SLOW_ROUNDS = Number(process.env.BENCH_SLOW_ROUNDS ?? 40);
const SCRAPE_INTERVAL_S = Number(process.env.BENCH_SCRAPE_INTERVAL ?? 10);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 4);
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const PER_REQUEST = 2000;
const RESOURCES = 20;
const METRICS_PER_RESOURCE = 50;
const PER_METRIC = Math.ceil(SERIES / (RESOURCES * METRICS_PER_RESOURCE));
const PER_ROUND = PER_METRIC * RESOURCES * METRICS_PER_RESOURCE;
const CONCURRENCY = 4;
/** BENCH_EXPORTER=nop: the same input into the nop exporter (what receiving and decoding cost alone). */
const NOP = process.env.BENCH_EXPORTER === 'nop';

function pointAttributes(i: number) {
  return [
    { key: 'cpu', value: { stringValue: `cpu${i % 64}` } },
    { key: 'state', value: { stringValue: i % 2 ? 'user' : 'system' } },
    { key: 'idx', value: { intValue: BigInt(i) } },
  ];
}

/** One round's OTLP requests: every series once, at `tsNs` (and how many resource blocks: target_info series). */
function roundRequests(tsNs: bigint): { requests: Uint8Array[]; resources: number } {
  const out: Uint8Array[] = [];
  let md: MetricsData = { resourceMetrics: [] };
  let points = 0;
  let resources = 0;
  const flush = () => {
    if (points > 0) {
      out.push(encodeMetrics(md));
      resources += md.resourceMetrics.filter((rm) =>
        rm.scopeMetrics.some((sm) => sm.metrics.length > 0),
      ).length;
    }
    md = { resourceMetrics: [] };
    points = 0;
  };
  for (let r = 0; r < RESOURCES; r++) {
    const resource = () => {
      const rm = newResourceMetrics();
      rm.resource.attributes = [
        { key: 'service.name', value: { stringValue: `svc-${r}` } },
        { key: 'service.instance.id', value: { stringValue: `pod-${r}` } },
        { key: 'k8s.namespace.name', value: { stringValue: 'prod' } },
      ];
      const sm = newScopeMetrics();
      sm.scope.name = 'bench';
      rm.scopeMetrics.push(sm);
      md.resourceMetrics.push(rm);
      return sm;
    };
    let sm = resource();
    for (let m = 0; m < METRICS_PER_RESOURCE; m++) {
      const dataPoints: NumberDataPoint[] = [];
      for (let i = 0; i < PER_METRIC; i++)
        dataPoints.push({
          attributes: pointAttributes(i),
          startTimeUnixNano: tsNs - 3_600_000_000_000n,
          timeUnixNano: tsNs,
          asDouble: i * 1.5 + m,
          exemplars: [],
          flags: 0,
        });
      const metric: Metric =
        m % 2 === 0
          ? {
              name: `bench.gauge.${m}`,
              unit: 'By',
              description: 'a gauge',
              metadata: [],
              gauge: { dataPoints },
            }
          : {
              name: `bench.counter.${m}`,
              unit: 's',
              description: 'a counter',
              metadata: [],
              sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints },
            };
      sm.metrics.push(metric);
      points += dataPoints.length;
      if (points >= PER_REQUEST) {
        flush();
        sm = resource();
      }
    }
  }
  flush();
  return { requests: out, resources };
}

/** The same 100k series in the text exposition format (what the Prometheus run scrapes). */
function exposition(): string {
  const lines: string[] = [];
  for (let r = 0; r < RESOURCES; r++)
    for (let m = 0; m < METRICS_PER_RESOURCE; m++) {
      const counter = m % 2 === 1;
      const name = counter ? `bench_counter_${m}_seconds_total` : `bench_gauge_${m}_bytes`;
      if (r === 0) lines.push(`# TYPE ${name} ${counter ? 'counter' : 'gauge'}`);
      // one target: the resource becomes a label, so the series stay distinct
      for (let i = 0; i < PER_METRIC; i++)
        lines.push(
          `${name}{svc="svc-${r}",cpu="cpu${i % 64}",state="${i % 2 ? 'user' : 'system'}",idx="${i}"} ${i * 1.5 + m}`,
        );
    }
  // families must be contiguous in the text format: sort by metric name
  const [types, samples] = [lines.filter((l) => l.startsWith('#')), lines.filter((l) => !l.startsWith('#'))];
  const byName = new Map<string, string[]>();
  for (const l of samples) {
    const name = l.slice(0, l.indexOf('{'));
    const list = byName.get(name);
    if (list) list.push(l);
    else byName.set(name, [l]);
  }
  const out: string[] = [];
  for (const t of types) {
    out.push(t);
    out.push(...(byName.get(t.split(' ')[2]) ?? []));
  }
  return `${out.join('\n')}\n`;
}

async function selfMetric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** Waits until the sink got `series` series (it is asked, not Tsunagi: polling costs the measured process nothing). */
async function waitForSeries(sink: Sink, series: number, timeoutMs: number): Promise<void> {
  if (NOP) return; // answered = done
  const end = Date.now() + timeoutMs;
  while ((await sink.series()) < series) {
    if (Date.now() > end) throw new Error(`remote write did not finish in ${timeoutMs / 1000} s`);
    await new Promise((w) => setTimeout(w, 50));
  }
}

/** Sends requests with CONCURRENCY senders; a refusal (queue full: 429) is retried like an SDK would. */
async function sendAll(otlpPort: number, requests: Uint8Array[]): Promise<number> {
  let next = 0;
  let refused = 0;
  const send = async () => {
    while (next < requests.length) {
      const body = requests[next++];
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        if (res.ok) break;
        refused++;
        await new Promise((w) => setTimeout(w, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, send));
  return refused;
}

async function withTsunagi<T>(
  sinkDelayMs: number,
  run: (t: { pid: number; otlpPort: number; telemetryPort: number; sink: Sink }) => Promise<T>,
): Promise<T> {
  const sink = await startSink(sinkDelayMs);
  const otlpPort = await freePort();
  const telemetryPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-prw-'));
  const cfg = join(dir, 'config.yaml');
  writeFileSync(
    cfg,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
exporters:
  prometheus_remote_write:
    endpoint: http://127.0.0.1:${sink.port}/api/v1/write
  nop:
service:
  telemetry:
    metrics: { address: 127.0.0.1:${telemetryPort} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [${NOP ? 'nop' : 'prometheus_remote_write'}] }
`,
  );
  const tsunagi = await startTsunagi(cfg);
  try {
    return await run({ pid: tsunagi.pid as number, otlpPort, telemetryPort, sink });
  } finally {
    await stop(tsunagi);
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function allRounds(rounds = ROUNDS): { requests: Uint8Array[]; resources: number }[] {
  const base = BigInt(Date.now()) * 1_000_000n;
  const out: { requests: Uint8Array[]; resources: number }[] = [];
  for (let r = 0; r < rounds; r++) out.push(roundRequests(base + BigInt(r) * 10_000_000_000n));
  return out;
}

/** Run 1: one round at a time, like scrapes; Tsunagi's CPU per million samples and peak RSS. */
export async function paced(): Promise<{ cpuPerMillion: number; rssMiB: number }> {
  const rounds = allRounds();
  return withTsunagi(0, async ({ pid, otlpPort, telemetryPort, sink }) => {
    const points = PER_ROUND * ROUNDS;
    const cpu0 = cpuSeconds(pid);
    const split0 = cpuSplit(pid);
    const t0 = performance.now();
    let expected = 0;
    for (let r = 0; r < ROUNDS; r++) {
      await sendAll(otlpPort, rounds[r].requests);
      expected += PER_ROUND + rounds[r].resources; // and a target_info per resource block
      await waitForSeries(sink, expected, 300_000);
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const split = cpuSplit(pid);
    const rssMiB = peakRssMiB(pid);
    const series = await selfMetric(
      telemetryPort,
      'otelcol_exporter_prometheusremotewrite_translated_time_series_total',
    );
    const cpuPerMillion = (cpu / points) * 1e6;
    console.log(
      `paced: ${fmt(SERIES)} series × ${ROUNDS} rounds = ${fmt(points)} samples (+ target_info) in ${fmt(secs, 1)} s: ` +
        `${fmt(points / secs)} samples/s, ${fmt(cpuPerMillion, 2)} CPU-s per million samples, ` +
        `peak RSS ${fmt(rssMiB)} MiB (${fmt(series)} series translated; CPU user ${fmt(split.user - split0.user, 2)} s, ` +
        `system ${fmt(split.system - split0.system, 2)} s)`,
    );
    return { cpuPerMillion, rssMiB };
  });
}

/** Run 2: every round offered at once to a slow backend; peak RSS and delivery. */
export async function slowBackend(): Promise<{ rssMiB: number }> {
  // one round's requests offered SLOW_ROUNDS times (the sink does not look at timestamps)
  const round = allRounds(1)[0];
  const rounds = Array.from({ length: SLOW_ROUNDS }, () => round);
  return withTsunagi(SINK_DELAY_MS, async ({ pid, otlpPort, telemetryPort, sink }) => {
    const points = PER_ROUND * SLOW_ROUNDS;
    const t0 = performance.now();
    const refused = await sendAll(
      otlpPort,
      rounds.flatMap((r) => r.requests),
    );
    await waitForSeries(sink, points + rounds.reduce((n, r) => n + r.resources, 0), 900_000);
    const secs = (performance.now() - t0) / 1000;
    const rssMiB = peakRssMiB(pid);
    const failed = await selfMetric(telemetryPort, 'otelcol_exporter_send_failed_metric_points_total');
    console.log(
      `slow backend (${SINK_DELAY_MS} ms per request): ${fmt(points)} samples offered at once, all written in ` +
        `${fmt(secs, 1)} s (${fmt(refused)} requests refused with 429 and retried, ${fmt(failed)} points failed), ` +
        `peak RSS ${fmt(rssMiB)} MiB`,
    );
    return { rssMiB };
  });
}

/** Run 3: the real Prometheus scraping the same series; its CPU per scrape. */
export async function prometheusScrape(): Promise<{ cpuPerScrape: number } | undefined> {
  if (!existsSync(PROMETHEUS_BIN)) {
    console.warn(`prometheus: ${PROMETHEUS_BIN} not found — skipped (apt-get install -y prometheus)`);
    return undefined;
  }
  const body = Buffer.from(exposition());
  let scrapes = 0;
  let scraped!: () => void;
  let nextScrape = new Promise<void>((r) => {
    scraped = r;
  });
  const target = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body, () => {
      scrapes++;
      const done = scraped;
      nextScrape = new Promise<void>((r) => {
        scraped = r;
      });
      done();
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const targetPort = (target.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-prom-'));
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${SCRAPE_INTERVAL_S}s, scrape_timeout: ${SCRAPE_INTERVAL_S}s }
scrape_configs:
  - job_name: bench
    sample_limit: 0
    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]
`,
  );
  const prom = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    const pid = prom.pid as number;
    // Wait for the first scrape (it creates the 100k series) and let its append settle.
    await nextScrape;
    await new Promise((w) => setTimeout(w, (SCRAPE_INTERVAL_S * 1000) / 2));
    const cpu0 = cpuSeconds(pid);
    const first = scrapes;
    const t0 = performance.now();
    while (scrapes < first + SCRAPES) await nextScrape;
    // the last scrape's append ends a little after its body was sent
    await new Promise((w) => setTimeout(w, (SCRAPE_INTERVAL_S * 1000) / 2));
    const n = scrapes - first;
    const cpu = cpuSeconds(pid) - cpu0;
    const secs = (performance.now() - t0) / 1000;
    const cpuPerScrape = cpu / n;
    console.log(
      `prometheus 2.42 scraping the same ${fmt(PER_ROUND)} series every ${SCRAPE_INTERVAL_S} s: ` +
        `${fmt(cpuPerScrape, 2)} CPU-s per scrape = ${fmt((cpuPerScrape / PER_ROUND) * 1e6, 2)} CPU-s per million samples ` +
        `(${n} scrapes in ${fmt(secs, 1)} s, everything it does in that time counted), peak RSS ${fmt(peakRssMiB(pid))} MiB`,
    );
    return { cpuPerScrape };
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
    target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run 0: the exporter's encoder alone, in this process: one round's OTLP requests decoded once,
 * then translated, encoded and snappy-compressed BENCH_ROUNDS times (what convert() costs).
 */
export function encoderAlone(): { cpuPerMillion: number } {
  const decoded = allRounds(1)[0].requests.map((r) => decodeMetrics(r));
  const encoder = new WriteRequestEncoder({
    namespace: '',
    addMetricSuffixes: true,
    targetInfo: true,
    resourceToTelemetry: { enabled: false, exclude_service_attributes: false },
    scopeLabels: true,
    emptyScopeLabels: false,
    extraLabels: [],
    maxBytes: 3_000_000,
    sendMetadata: false,
  });
  for (const md of decoded) encoder.encode(md); // warm-up
  const c0 = process.cpuUsage();
  let series = 0;
  for (let r = 0; r < ROUNDS; r++) for (const md of decoded) series += encoder.encode(md).series;
  const c = process.cpuUsage(c0);
  const cpuPerMillion = (c.user + c.system) / 1e6 / (series / 1e6);
  console.log(
    `encoder alone: ${fmt(series)} series translated, encoded and compressed: ${fmt(cpuPerMillion, 2)} CPU-s per million`,
  );
  return { cpuPerMillion };
}

export async function main(): Promise<void> {
  const mode = process.env.BENCH_MODE ?? 'all';
  if (mode === 'all' || mode === 'encoder') encoderAlone();
  if (mode === 'all' || mode === 'paced') await paced();
  if (mode === 'all' || mode === 'slow') await slowBackend();
  if (mode === 'all' || mode === 'prometheus') await prometheusScrape();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
