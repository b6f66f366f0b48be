// The DaemonSet agent path end to end, as the issue names it: Tsunagi (the
// binary) tails 1M CRI lines (~190 B JSON bodies with trace context) from a
// pods-like tree through file_log (container + json_parser + trace_parser) →
// tracelink → otlp_http (batching in its persistent sending_queue on file_storage, as
// config/agent.yaml does) to a sink in another process. Prints lines/s,
// Tsunagi's CPU-seconds per million lines and its peak RSS. Tsunagi runs with
// the Node flags of config/kubernetes/daemonset.yaml, as deployed.
// Usage: npm run build && node dist/bench/agent.js   (BENCH_LINES=1000000)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCriInput } from './filelog.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { manifestNodeOptions } from './lib/manifest-flags.js';
import { cpuSeconds, fmt, peakRssMiB, threadCpu } from './lib/proc.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
/** BENCH_QUEUE=memory: the same with a memory sending queue (what durability costs). */
const MEMORY = process.env.BENCH_QUEUE === 'memory';
/** BENCH_EXPORTER=otlp_grpc: export over gRPC (to the sink's gRPC port) instead of otlp_http, which config/agent.yaml uses. */
const GRPC = process.env.BENCH_EXPORTER === 'otlp_grpc';
/**
 * BENCH_BATCH=processor: a `batch` processor in the chain (and no sending_queue.batch), as
 * collector users write it; before answers stopped waiting for the batch, this path read
 * about 20k lines/s.
 */
const BATCH_PROCESSOR = process.env.BENCH_BATCH === 'processor';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'agent-bench-'));
  const dir = join(root, 'pods', 'shop_orders-7d9f8b-x2x_0f1e2d3c-aaaa-bbbb-cccc-000000000001', 'app');
  mkdirSync(dir, { recursive: true });
  writeCriInput(join(dir, '0.log'), LINES);
  const sink = forkRole('otlp-sink.js', []);
  const { port, grpcPort } = await nextMessage<{ port: number; grpcPort: number }>(sink, 'ready');
  const config = join(root, 'agent-bench.yaml');
  writeFileSync(
    config,
    `receivers:
  file_log:
    include: [${join(root, 'pods', '*', '*', '*.log')}]
    start_at: beginning
    include_file_path: true
    include_file_name: false
    operators:
      - { type: container }
      - { type: json_parser }
      - { type: trace_parser }
processors:
  tracelink:${BATCH_PROCESSOR ? '\n  batch:' : ''}
extensions:
  file_storage: { directory: ${join(root, 'storage')}, create_directory: true }
exporters:
  ${GRPC ? 'otlp_grpc' : 'otlp_http'}:
    endpoint: ${GRPC ? `127.0.0.1:${grpcPort}\n    tls: { insecure: true }` : `http://127.0.0.1:${port}`}
    compression: ${process.env.BENCH_COMPRESSION ?? 'none'}
    # As config/agent.yaml: batching in the exporter's persistent queue (the collector's
    # sending_queue.batch); with BENCH_BATCH=processor the batch processor asks the queue for it
    sending_queue: { ${MEMORY ? '' : 'storage: file_storage, '}${BATCH_PROCESSOR ? '' : 'batch: {}'} }
service:
  extensions: [file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [file_log], processors: [tracelink${BATCH_PROCESSOR ? ', batch' : ''}], exporters: [${GRPC ? 'otlp_grpc' : 'otlp_http'}] }
`,
  );
  const t0 = process.hrtime.bigint();
  // the heap the shipped DaemonSet runs with (its NODE_OPTIONS)
  const tsunagi = await startTsunagi(config, manifestNodeOptions('daemonset.yaml'));
  const startupCpu = cpuSeconds(tsunagi.pid!); // start-up until ready (module loading, JIT warm-up)
  let count = 0;
  while (count < LINES) {
    await sleep(100);
    sink.send({ type: 'count' });
    count = (await nextMessage<{ spans: number }>(sink, 'count')).spans;
    if (process.env.BENCH_DEBUG) console.error('count', count);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(tsunagi.pid!);
  const peak = peakRssMiB(tsunagi.pid!);
  // BENCH_THREADS=1: where the CPU-seconds went per thread (a CPU profile sees the main thread only)
  if (process.env.BENCH_THREADS) console.log('threads (CPU-s):', JSON.stringify(threadCpu(tsunagi.pid!)));
  await stop(tsunagi);
  sink.send({ type: 'exit' });
  rmSync(root, { recursive: true, force: true });
  console.log(
    `agent: file_log(container+json+trace_parser) → tracelink → ${GRPC ? 'otlp_grpc' : 'otlp_http'} (${MEMORY ? 'memory' : 'persistent'} queue, ${BATCH_PROCESSOR ? 'batch processor' : 'queue batch'}): ${fmt(LINES / secs)} lines/s, ` +
      `${fmt((cpu / LINES) * 1e6, 2)} CPU-s per million lines (${fmt(((cpu - startupCpu) / LINES) * 1e6, 2)} without the ` +
      `${fmt(startupCpu, 2)} CPU-s of start-up), peak RSS ${fmt(peak, 1)} MiB`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
