// Fluent forward in → batch → otlp_http → a sink that does not decode records
// (lazy validation and counting), against the same records sent as OTLP/HTTP
// protobuf logs through otlp → batch → otlp_http (the logs relay baseline).
// Both sides are paced at the same BENCH_RATE (records/s, default 10,000: the rate of
// the other issue-18 benches; 0 = as fast as acked/answered) and run the same relay
// config (batch, otlp_http without compression, the collector's default sending_queue),
// so the forward side is compared with the OTLP/HTTP logs relay at the same work per
// second. Runs alternate A/B; prints the median records/s and Tsunagi's CPU-seconds per
// million records for each (every run quoted), and their ratio.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt } from './lib/proc.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sinkCount(sink: ReturnType<typeof forkRole>): Promise<number> {
  sink.send({ type: 'count' });
  return (await nextMessage<{ spans: number }>(sink, 'count')).spans;
}

async function once(mode: 'forward' | 'otlp'): Promise<{ perSec: number; cpuPerMillion: number }> {
  const sink = forkRole('otlp-sink.js', []);
  const { port: sinkPort } = await nextMessage<{ port: number }>(sink, 'ready');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-ff-'));
  const config = join(dir, 'bench.yaml');
  const receiver =
    mode === 'forward'
      ? `fluent_forward: { endpoint: 127.0.0.1:${port} }`
      : `otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }`;
  writeFileSync(
    config,
    `receivers:
  ${receiver}
processors:
  batch: {}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [${mode === 'forward' ? 'fluent_forward' : 'otlp'}], processors: [batch], exporters: [otlp_http] }
`,
  );
  const tsunagi = await startTsunagi(config);
  const pid = tsunagi.pid!;
  const load = (secs: number) => {
    const gen = forkRole('fluent-load.js', [
      mode,
      String(port),
      String(secs),
      String(CONCURRENCY),
      '100',
      String(RATE),
    ]);
    return nextMessage<{ sent: number }>(gen, 'done');
  };
  await load(2); // warm-up
  await sleep(300);
  const c0 = await sinkCount(sink);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const r = await load(SECONDS);
  let c1 = await sinkCount(sink);
  for (let i = 0; i < 50 && c1 - c0 < r.sent; i++) {
    await sleep(100);
    c1 = await sinkCount(sink);
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const n = c1 - c0;
  await stop(tsunagi);
  sink.send({ type: 'exit' });
  return { perSec: n / elapsed, cpuPerMillion: cpu / (n / 1e6) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(): Promise<void> {
  const res = {
    forward: [] as { perSec: number; cpuPerMillion: number }[],
    otlp: [] as { perSec: number; cpuPerMillion: number }[],
  };
  console.log(
    `  ${RATE > 0 ? `${fmt(RATE)} records/s offered to each side` : 'unpaced'}, ${SECONDS} s measured`,
  );
  for (let i = 0; i < RUNS; i++)
    for (const m of ['forward', 'otlp'] as const) {
      const r = await once(m);
      res[m].push(r);
      console.log(
        `  round ${i + 1} ${m.padEnd(7)}: ${fmt(r.perSec)} records/s, ${fmt(r.cpuPerMillion, 2)} CPU-s per million records`,
      );
    }
  const f = {
    perSec: median(res.forward.map((r) => r.perSec)),
    cpu: median(res.forward.map((r) => r.cpuPerMillion)),
  };
  const o = {
    perSec: median(res.otlp.map((r) => r.perSec)),
    cpu: median(res.otlp.map((r) => r.cpuPerMillion)),
  };
  console.log(
    `fluent_forward PackedForward (batches of 100, acks, ${CONCURRENCY} connections) → batch → otlp_http: ` +
      `${fmt(f.perSec)} records/s, ${fmt(f.cpu, 2)} CPU-s per million records (median of ${RUNS})`,
  );
  console.log(
    `otlp/http logs (same records, 100 per request) → batch → otlp_http: ${fmt(o.perSec)} records/s, ` +
      `${fmt(o.cpu, 2)} CPU-s per million records; fluent/otlp CPU ratio ${fmt(f.cpu / o.cpu, 2)} (target ≤ 1.5)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
