// OTLP traces through Tsunagi: load generator → Tsunagi (otlp receiver → batch →
// otlp_http exporter) → sink, each in its own process. Prints spans/s, Tsunagi's
// CPU-seconds per million spans (user+sys) and its peak RSS.
//   node dist/bench/otlp.js   (BENCH_SECONDS per run, default 10; BENCH_RATE spans/s, default 0 = as
//   fast as answered; BENCH_PROTOCOL=http|grpc and BENCH_FLAGS=defaults|lean pick one of the four runs)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { manifestNodeOptions } from './lib/manifest-flags.js';
import { cpuSeconds, fmt, mainThreadSeconds, peakRssMiB } from './lib/proc.js';

export interface OtlpBenchResult {
  protocol: string;
  spansPerSec: number;
  cpuSecPerMillion: number;
  /** The main thread's share of cpuSecPerMillion (the rest: GC helpers, the compiler, libuv pool). */
  mainCpuSecPerMillion: number;
  peakRssMiB: number;
  failed: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Concurrent senders (BENCH_CONCURRENCY, default 128). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 128);
/** BENCH_EXPORTER=otlp_grpc: export over gRPC (what config/sidecar.yaml does) instead of otlp_http. */
const EXPORTER = process.env.BENCH_EXPORTER === 'otlp_grpc' ? 'otlp_grpc' : 'otlp_http';
/**
 * Seconds of load before measuring (BENCH_WARMUP_SECONDS, default 2): connections, buffers, and
 * the JIT. At a low BENCH_RATE the optimizing compiler is still busy with a pipeline's code after
 * 2 s, and its one-off work then counts in the per-span figure.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
/**
 * The exporter's sending_queue.queue_size (BENCH_QUEUE_SIZE, default 1000, the collector's). It was
 * 20: while the batch being filled in the exporter's queue counted against queue_size, 20 requests
 * (2000 spans, under one 8192-span batch) filled the queue at once, every sender was refused and
 * slept its 1 s Retry-After, and the bench measured that cycle (~1.8k spans/s). queue_size now counts
 * only what waits to be batched (src/exporterhelper/README.md), so 20 works again; at BENCH_RATE 0
 * (senders as fast as answered) a queue that small still refuses once the exporter falls behind.
 */
const QUEUE_SIZE = Number(process.env.BENCH_QUEUE_SIZE ?? 1000);

async function sinkCount(sink: ReturnType<typeof forkRole>): Promise<number> {
  sink.send({ type: 'count' });
  return (await nextMessage<{ spans: number }>(sink, 'count')).spans;
}

/**
 * `rate`: spans/s to pace the load at (0: as fast as Tsunagi answers).
 * `nodeArgs`: Node flags for Tsunagi (e.g. a manifest's NODE_OPTIONS).
 */
export async function runOtlpBench(
  protocol: 'http' | 'grpc',
  seconds = 10,
  rate = 0,
  nodeArgs: string[] = [],
  /** Extra processors before batch: their YAML (under `processors:`) and IDs in pipeline order. */
  extra: {
    yaml: string;
    ids: string[];
    /**
     * The share of the spans that reach the sink (a filter drops the rest). Given, the drain waits
     * for exactly that many and the CPU is per million spans received, not delivered.
     */
    keep?: number;
  } = { yaml: '', ids: [] },
): Promise<OtlpBenchResult> {
  const sink = forkRole('otlp-sink.js', []);
  const { port: sinkPort, grpcPort: sinkGrpcPort } = await nextMessage<{ port: number; grpcPort: number }>(
    sink,
    'ready',
  );
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-'));
  const config = join(dir, 'bench.yaml');
  writeFileSync(
    config,
    `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch: {}
${extra.yaml}
exporters:
  ${EXPORTER}:
    endpoint: ${
      EXPORTER === 'otlp_grpc'
        ? `127.0.0.1:${sinkGrpcPort}
    tls: { insecure: true }`
        : `http://127.0.0.1:${sinkPort}`
    }
    compression: none
    sending_queue: { queue_size: ${QUEUE_SIZE}, num_consumers: 4 }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [${[...extra.ids, 'batch'].join(', ')}], exporters: [${EXPORTER}] }
`,
  );
  const tsunagi = await startTsunagi(config, nodeArgs);
  const pid = tsunagi.pid!;
  const port = protocol === 'grpc' ? grpcPort : httpPort;
  const load = (secs: number) => {
    // CONCURRENCY concurrent senders, as a gateway sees from many agents: batch acks a
    // request only when its batch is accepted downstream, so few senders would be
    // latency-bound by batch's timeout, not by Tsunagi's CPU.
    const gen = forkRole('otlp-load.js', [
      protocol,
      String(port),
      String(secs),
      String(CONCURRENCY),
      '100',
      String(rate),
    ]);
    return nextMessage<{ sent: number; failed: number }>(gen, 'done');
  };
  await load(WARMUP_SECONDS); // warm-up: JIT, connections, buffers
  await sleep(500);
  const count0 = await sinkCount(sink);
  const cpu0 = cpuSeconds(pid);
  const main0 = mainThreadSeconds(pid);
  const t0 = process.hrtime.bigint();
  const result = await load(seconds);
  // Wait for the pipeline to drain into the sink.
  let count1 = await sinkCount(sink);
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const c = await sinkCount(sink);
    if (c === count1 && c - count0 >= Math.round(result.sent * (extra.keep ?? 1))) break;
    count1 = c;
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const mainCpu = mainThreadSeconds(pid) - main0;
  // spans received (when a filter drops some) or delivered
  const spans = extra.keep === undefined ? count1 - count0 : result.sent;
  const peak = peakRssMiB(pid);
  await stop(tsunagi);
  sink.send({ type: 'exit' });
  return {
    protocol,
    spansPerSec: spans / elapsed,
    cpuSecPerMillion: cpu / (spans / 1e6),
    mainCpuSecPerMillion: mainCpu / (spans / 1e6),
    peakRssMiB: peak,
    failed: result.failed,
  };
}

/** BENCH_RATE (spans/s) paces the load instead of sending as fast as Tsunagi answers. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
/** Seconds measured per run (BENCH_SECONDS, default 10). */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** BENCH_PROTOCOL=http|grpc runs one receiving protocol only. */
const PROTOCOL = process.env.BENCH_PROTOCOL;
/** BENCH_FLAGS=defaults|lean runs with Node's defaults or the sidecar's flags only. */
const FLAGS = process.env.BENCH_FLAGS;

export async function main(): Promise<void> {
  // Node's own heap sizing (on this 24 GiB host: a 16 MiB semi-space, old space grown up to 4x
  // before a full GC; the gateway StatefulSet pins the same semi-space), then the lean heap the
  // sidecar example ships for OTLP relaying.
  const flags = manifestNodeOptions('examples/sidecar.yaml');
  for (const [kind, label, args] of [
    ['defaults', 'Node defaults', []],
    ['lean', flags.join(' '), flags],
  ] as const)
    for (const p of ['http', 'grpc'] as const) {
      if ((FLAGS && FLAGS !== kind) || (PROTOCOL && PROTOCOL !== p)) continue;
      const r = await runOtlpBench(p, SECONDS, RATE, [...args]);
      const how = RATE === 0 ? '' : `, paced at ${fmt(RATE)} spans/s`;
      console.log(
        `otlp ${p.padEnd(4)} → batch → ${EXPORTER} (${label}${how}): ${fmt(r.spansPerSec)} spans/s, ` +
          `${fmt(r.cpuSecPerMillion, 2)} CPU-s per million spans, peak RSS ${fmt(r.peakRssMiB, 1)} MiB` +
          (r.failed ? `, ${r.failed} spans refused` : ''),
      );
    }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
