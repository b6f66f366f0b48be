// The load_balancing exporter against the OTLP/HTTP traces relay, measured in
// the same run with the same traffic (OTLP/HTTP in, 100 spans per request, 20
// traces of 5 spans each): Tsunagi (otlp receiver → exporter; no batch processor, so the exporters' own cost shows) → sinks,
// each in its own process. The relay exports with otlp_http to one sink; the
// load balancer splits every request per trace ID over three sinks (static
// resolver, OTLP/gRPC per backend). Rounds are interleaved; medians of
// Tsunagi's CPU-seconds (user+sys) per million spans. Target: within 1.5x.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt } from './lib/proc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 32;
/** BENCH_RATE (spans/s) paces the load instead of sending as fast as Tsunagi answers (0). */
const RATE = Number(process.env.BENCH_RATE ?? 0);
/** BENCH_ONLY=relay|load_balancing runs one side (e.g. to profile it alone). */
const ONLY = process.env.BENCH_ONLY;

type Sink = ReturnType<typeof forkRole>;
async function sinkCount(sinks: Sink[]): Promise<number> {
  let n = 0;
  for (const s of sinks) {
    s.send({ type: 'count' });
    n += (await nextMessage<{ spans: number }>(s, 'count')).spans;
  }
  return n;
}

async function run(
  kind: 'relay' | 'load_balancing',
): Promise<{ cpuPerMillion: number; spansPerSec: number; refused: number }> {
  const sinks = Array.from({ length: kind === 'relay' ? 1 : 3 }, () => forkRole('otlp-sink.js', []));
  const ports: { port: number; grpcPort: number }[] = [];
  for (const s of sinks) ports.push(await nextMessage(s, 'ready'));
  const httpPort = await freePort();
  const exporter =
    kind === 'relay'
      ? `otlp_http:
    endpoint: http://127.0.0.1:${ports[0].port}
    compression: none
    sending_queue: { queue_size: 20, num_consumers: 4 }`
      : `load_balancing:
    protocol:
      otlp:
        tls: { insecure: true }
        compression: none
        sending_queue: { queue_size: 20, num_consumers: 4 }
    resolver:
      static:
        hostnames: [${ports.map((p) => `127.0.0.1:${p.grpcPort}`).join(', ')}]`;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-lb-'));
  const config = join(dir, 'bench.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
exporters:
  ${exporter}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [${kind === 'relay' ? 'otlp_http' : 'load_balancing'}] }
`,
  );
  const tsunagi = await startTsunagi(config);
  const pid = tsunagi.pid as number;
  const load = (secs: number) => {
    const gen = forkRole('otlp-load.js', [
      'http',
      String(httpPort),
      String(secs),
      String(CONCURRENCY),
      '100',
      String(RATE),
      'traces',
      '5',
    ]);
    return nextMessage<{ sent: number; failed: number }>(gen, 'done');
  };
  await load(2); // warm-up
  await sleep(500);
  const count0 = await sinkCount(sinks);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const result = await load(SECONDS);
  let count1 = await sinkCount(sinks);
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const c = await sinkCount(sinks);
    if (c === count1 && c - count0 >= result.sent) break;
    count1 = c;
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const spans = count1 - count0;
  await stop(tsunagi);
  for (const s of sinks) s.send({ type: 'exit' });
  return {
    cpuPerMillion: cpu / (spans / 1e6),
    spansPerSec: spans / elapsed,
    refused: result.failed / Math.max(1, result.sent + result.failed),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(): Promise<void> {
  const relay: number[] = [];
  const lb: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of ['relay', 'load_balancing'] as const) {
      if (ONLY && ONLY !== kind) continue;
      const r = await run(kind);
      (kind === 'relay' ? relay : lb).push(r.cpuPerMillion);
      console.log(
        `  round ${i + 1} ${kind.padEnd(14)}: ${fmt(r.spansPerSec)} spans/s, ${fmt(r.cpuPerMillion, 2)} CPU-s per million spans, ${fmt(100 * r.refused, 1)} % of requests refused (queue full)`,
      );
    }
  }
  if (ONLY) return;
  const [a, b] = [median(relay), median(lb)];
  console.log(
    `OTLP/HTTP relay ${fmt(a, 2)} CPU-s/M spans; load_balancing to 3 sinks ${fmt(b, 2)} CPU-s/M spans: ${fmt(b / a, 2)}x (target ≤ 1.5x)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
