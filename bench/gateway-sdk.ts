// An app on the OpenTelemetry JS SDK with its default batch processors (one export
// in flight, queue 2048, batches of 512) at 10,000 spans/s + 10,000 log records/s
// for 5 s, through config/gateway.yaml as shipped (memory_limiter, batch, two
// exporters per pipeline, each on an fsync'd persistent queue) to sinks that do not
// decode. The SDK drops what its queue cannot hold while an export waits for its
// answer, so what Tsunagi accepted of what the app made is what the app lost; the
// app times each export's answer. Prints both, and Tsunagi's CPU-s.
//   node dist/bench/gateway-sdk.js    (BENCH_RUNS, default 1; BENCH_RATE, default 10000;
//   BENCH_APP_RUNS, default 1: the app runs that many times against one Tsunagi, each reported,
//   so a first run after start can be told from a warm one)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../test/support/ports.js';
import { rewireShipped } from '../test/support/shipped-config.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, mainThreadSeconds, peakRssMiB } from './lib/proc.js';
import { startSink } from './loki-es.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const APP_RUNS = Number(process.env.BENCH_APP_RUNS ?? 1);
const SECONDS = 5;
const APP = fileURLToPath(new URL('../../test/support/sdk-steady-app.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counter(metricsPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) n += Number(line.split(' ').pop());
  return n;
}

async function runApp(base: string): Promise<{ made: number; answers: string }> {
  const child = spawn(process.execPath, [APP, base, String(RATE), String(SECONDS), 'traces,logs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SDK_APP_LATENCY: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  await once(child, 'exit');
  return { made: JSON.parse(out.trim().split('\n').pop()!).traces, answers: err.trim() };
}

export async function main(): Promise<void> {
  for (let run = 0; run < RUNS; run++) {
    const backends = await startSink(); // Loki and Elasticsearch, not decoding
    const otlp = forkRole('raw-sink.js', []);
    const { port: otlpPort } = await nextMessage<{ port: number }>(otlp, 'ready');
    const shipped = await rewireShipped(process.env.BENCH_CONFIG ?? 'gateway.yaml');
    const cfg = parse(shipped.yaml);
    const metricsPort = await freePort();
    cfg.service.telemetry = { metrics: { address: `127.0.0.1:${metricsPort}` } };
    const path = join(shipped.storageDir, 'gateway.yaml');
    writeFileSync(path, stringify(cfg));
    const base = `http://127.0.0.1:${backends.port}`;
    Object.assign(process.env, {
      GATEWAY_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      LOKI_URL: base,
      ES_URL: base,
      JAEGER_OTLP: `http://127.0.0.1:${otlpPort}`,
      PROMETHEUS_REMOTE_WRITE_URL: `${base}/api/v1/write`,
    });
    const tsunagi = await startTsunagi(path);
    try {
      let spans0 = 0;
      let logs0 = 0;
      for (let appRun = 0; appRun < APP_RUNS; appRun++) {
        const cpu0 = cpuSeconds(tsunagi.pid!);
        const main0 = mainThreadSeconds(tsunagi.pid!);
        const t0 = performance.now();
        const { made, answers } = await runApp(`http://127.0.0.1:${shipped.ports['otlp/http']}`);
        const mainCpu = mainThreadSeconds(tsunagi.pid!) - main0;
        const wall = (performance.now() - t0) / 1000;
        await sleep(500);
        const spansNow = await counter(metricsPort, 'otelcol_receiver_accepted_spans_total');
        const logsNow = await counter(metricsPort, 'otelcol_receiver_accepted_log_records_total');
        const spans = spansNow - spans0;
        const logs = logsNow - logs0;
        spans0 = spansNow;
        logs0 = logsNow;
        console.log(
          `${APP_RUNS > 1 ? `app run ${appRun + 1}: ` : ''}gateway.yaml, SDK app at ${fmt(RATE)} spans/s + ${fmt(RATE)} logs/s for ${SECONDS} s: ` +
            `accepted ${fmt(spans)} of ${fmt(made)} spans, ${fmt(logs)} of ${fmt(made)} log records ` +
            `(the app dropped ${fmt((100 * (2 * made - spans - logs)) / (2 * made), 1)} %); ` +
            `Tsunagi ${fmt(cpuSeconds(tsunagi.pid!) - cpu0, 2)} CPU-s (main thread ${fmt(mainCpu, 2)} CPU-s: ` +
            `busy ${fmt((100 * mainCpu) / wall, 0)} % of the app's ${fmt(wall, 1)} s), peak RSS ${fmt(peakRssMiB(tsunagi.pid!), 1)} MiB`,
        );
        for (const line of answers.split('\n')) console.log(`  ${line}`);
      }
    } finally {
      await stop(tsunagi);
      backends.child.kill();
      otlp.send({ type: 'exit' });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
