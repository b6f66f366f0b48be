// The pipelines users run, through the binary, as issue 17 names them: OTLP/HTTP
// logs (100 records per request, 128 senders) → batch → elasticsearch (otel mode)
// and → batch → loki (protobuf + snappy), with Node's default flags. The load
// comes from another process and the backends are minimal sinks that do not
// decode (bench/loki-es.ts), so neither is the bottleneck. Tsunagi's own
// counters (otelcol_*) tell when everything accepted was sent. Prints records/s,
// Tsunagi's CPU-s per million records and its peak RSS.
//   node dist/bench/pipelines.js [es|loki]   (BENCH_SECONDS, default 10; BENCH_RUNS, default 1;
//   BENCH_RATE: records/s offered over all senders, default 0 = as fast as answered; for A/B
//   runs on a busy host, a fixed rate makes both sides do the same work per second)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, mainThreadSeconds, peakRssMiB, threadCpu } from './lib/proc.js';
import { startSink } from './loki-es.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const RATE = Number(process.env.BENCH_RATE ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EXPORTERS = {
  es: (base: string) => `elasticsearch:\n    endpoint: ${base}`,
  loki: (base: string) => `loki:\n    endpoint: ${base}/loki/api/v1/push`,
} as const;

async function counter(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) n += Number(line.split(' ').pop());
  return n;
}

export interface PipelineResult {
  recordsPerSec: number;
  cpuPerM: number;
  /** CPU-s per million records of the main thread (event loop) alone. */
  mainPerM: number;
  rssMiB: number;
  refused: number;
}

export async function runPipeline(kind: keyof typeof EXPORTERS, seconds = SECONDS): Promise<PipelineResult> {
  const sink = await startSink();
  const [http, metricsPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-pipelines-'));
  const config = join(dir, 'config.yaml');
  const exporterId = kind === 'es' ? 'elasticsearch' : 'loki';
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${http} }
processors:
  batch:
exporters:
  ${EXPORTERS[kind](`http://127.0.0.1:${sink.port}`)}
service:
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    logs: { receivers: [otlp], processors: [batch], exporters: [${exporterId}] }
`,
  );
  const tsunagi = await startTsunagi(config);
  const pid = tsunagi.pid!;
  const load = (secs: number) =>
    nextMessage<{ sent: number; failed: number }>(
      forkRole('otlp-load.js', ['http', String(http), String(secs), '128', '100', String(RATE), 'logs']),
      'done',
    );
  const sent = () => counter(metricsPort, 'otelcol_exporter_sent_log_records_total');
  const accepted = () => counter(metricsPort, 'otelcol_receiver_accepted_log_records_total');
  try {
    await load(2); // warm-up
    while ((await sent()) < (await accepted())) await sleep(100);
    const s0 = await sent();
    const cpu0 = cpuSeconds(pid);
    const main0 = mainThreadSeconds(pid);
    const threads0 = threadCpu(pid);
    const t0 = performance.now();
    const r = await load(seconds);
    const target = await accepted();
    for (let i = 0; i < 600 && (await sent()) < target; i++) await sleep(100);
    const secs = (performance.now() - t0) / 1000;
    const n = (await sent()) - s0;
    if (process.env.BENCH_THREADS) {
      // CPU-s per million records of each thread over the measured run (main, V8 GC helpers, libuv pool)
      const per: Record<string, string> = {};
      for (const [name, s] of Object.entries(threadCpu(pid)))
        if (s - (threads0[name] ?? 0) > 0) per[name] = fmt((s - (threads0[name] ?? 0)) / (n / 1e6), 2);
      console.log('threads (CPU-s per million):', JSON.stringify(per));
    }
    return {
      recordsPerSec: n / secs,
      cpuPerM: (cpuSeconds(pid) - cpu0) / (n / 1e6),
      mainPerM: (mainThreadSeconds(pid) - main0) / (n / 1e6),
      rssMiB: peakRssMiB(pid),
      refused: r.failed,
    };
  } finally {
    await stop(tsunagi);
    sink.child.kill();
  }
}

export async function main(): Promise<void> {
  const only = process.argv[2] as keyof typeof EXPORTERS | undefined;
  for (let run = 0; run < RUNS; run++)
    for (const kind of Object.keys(EXPORTERS) as (keyof typeof EXPORTERS)[]) {
      if (only && only !== kind) continue;
      const r = await runPipeline(kind);
      console.log(
        `OTLP/HTTP logs, 128 senders × 100 records → batch → ${kind === 'es' ? 'elasticsearch (otel)' : 'loki (protobuf+snappy)'}: ` +
          `${fmt(r.recordsPerSec)} records/s, ${fmt(r.cpuPerM, 2)} CPU-s per million records (main thread ${fmt(r.mainPerM, 2)}), peak RSS ${fmt(r.rssMiB, 1)} MiB` +
          (r.refused ? `, ${fmt(r.refused)} records refused (retried)` : ''),
      );
    }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
