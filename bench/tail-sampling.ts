// tail_sampling with 4 policies at 100k spans/s and a 30 s decision_wait
// (target: peak RSS at most 300 MiB), measured two ways:
// 1. in one process, in simulated time (bench/tail-sampling-sim.ts): exactly
//    100k spans per 1 s tick, 45 ticks; the processor's CPU-seconds per million
//    spans and the process's peak RSS, with Node's default heap sizing and with
//    an old-space cap. Independent of how busy the machine is.
// 2. through the binary, in real time: load generator → Tsunagi (otlp →
//    tail_sampling → otlp_http) → sink, each its own process, paced at
//    BENCH_RATE (default 100k spans/s) for BENCH_SECONDS (default 40); then the
//    same pipeline without processors for 10 s (baseline), both with the capped
//    heap flags below. On a shared machine the achieved rate may fall short
//    of the target: it is printed.
// `npm run build && node dist/bench/tail-sampling.js`
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, peakRssMiB } from './lib/proc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RATE = Number(process.env.BENCH_RATE ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);

const TAIL_SAMPLING = `
  tail_sampling:
    decision_wait: 30s
    num_traces: 400000
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: slow, type: latency, latency: { threshold_ms: 500 } }
      - name: checkout
        type: string_attribute
        string_attribute: { key: http.route, values: ['^/api/v1/checkout'], enabled_regex_matching: true }
      - { name: ten-percent, type: probabilistic, probabilistic: { sampling_percentage: 10 } }`;

/**
 * Heap flags tried besides Node's defaults: V8 lets the old generation grow to a few times the live
 * heap before a full GC; capping it is how a deployment sizes the heap (the manifests' NODE_OPTIONS).
 */
const CAPPED = ['--max-semi-space-size=8', '--max-old-space-size=192'];

async function run(withTailSampling: boolean, seconds: number, nodeArgs: string[]) {
  const sink = forkRole('otlp-sink.js', []);
  const { port: sinkPort } = await nextMessage<{ port: number }>(sink, 'ready');
  const httpPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-'));
  const config = join(dir, 'bench.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
${withTailSampling ? `processors:${TAIL_SAMPLING}` : ''}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [${withTailSampling ? 'tail_sampling' : ''}], exporters: [otlp_http] }
`,
  );
  const tsunagi = await startTsunagi(config, nodeArgs);
  const pid = tsunagi.pid as number;
  const cpu0 = cpuSeconds(pid);
  const gen = forkRole('tail-sampling-load.js', [String(httpPort), String(seconds), String(RATE), '16']);
  const { sent, failed } = await nextMessage<{ sent: number; failed: number }>(gen, 'done');
  const cpu = cpuSeconds(pid) - cpu0;
  const peak = peakRssMiB(pid);
  await sleep(200);
  await stop(tsunagi); // SIGTERM: tail_sampling decides what is pending and flushes it
  sink.send({ type: 'count' });
  const { spans } = await nextMessage<{ spans: number }>(sink, 'count');
  sink.send({ type: 'exit' });
  return { sent, failed, cpu, peak, forwarded: spans, rate: sent / seconds };
}

function simulate(flags: string[]) {
  const sim = fileURLToPath(new URL('./tail-sampling-sim.js', import.meta.url));
  const out = execFileSync(process.execPath, [...flags, sim, String(RATE), '45'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

/** BENCH_TAIL_SIM=0: only the runs through the binary (the simulations take minutes on a busy machine). */
const SIMULATE = process.env.BENCH_TAIL_SIM !== '0';

export async function main(): Promise<void> {
  for (const flags of SIMULATE ? [[], CAPPED] : []) {
    const r = simulate(flags);
    console.log(
      `tail_sampling in process, simulated time, ${fmt(RATE)} spans/s, decision_wait 30s, 4 policies ` +
        `(${flags.length ? flags.join(' ') : 'Node default heap'}): peak RSS ${fmt(r.peakRssMiB, 1)} MiB, ` +
        `${fmt(r.cpuSecPerMillion, 2)} CPU-s per million spans (processor only), held spans ${fmt(r.heldMiB, 1)} MiB ` +
        `compressed for ${fmt(r.tracesInMemory)} traces, ${fmt((100 * r.forwarded) / r.spans, 1)} % forwarded`,
    );
  }
  const ts = await run(true, SECONDS, CAPPED);
  console.log(
    `through the binary (${CAPPED.join(' ')}), real time: tail_sampling at ${fmt(ts.rate)} spans/s (target ${fmt(RATE)}) for ${SECONDS} s: ` +
      `peak RSS ${fmt(ts.peak, 1)} MiB, ${fmt(ts.cpu / (ts.sent / 1e6), 2)} CPU-s per million spans ` +
      `(whole process), ${fmt((100 * ts.forwarded) / ts.sent, 1)} % of spans forwarded` +
      (ts.failed ? `, ${fmt(ts.failed)} spans refused` : ''),
  );
  const base = await run(false, 10, CAPPED);
  console.log(
    `same pipeline without processors (baseline) at ${fmt(base.rate)} spans/s: ` +
      `peak RSS ${fmt(base.peak, 1)} MiB, ${fmt(base.cpu / (base.sent / 1e6), 2)} CPU-s per million spans`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
