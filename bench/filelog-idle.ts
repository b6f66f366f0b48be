// What an idle DaemonSet agent costs: Tsunagi (the bundled binary) with a config like
// config/agent.yaml (file_log on a pods-like tree <ns>_<pod>_<uid>/<container>/0.log,
// container + json_parser + trace_parser, file_storage checkpoints, memory_limiter, tracelink,
// otlp_http with a persistent queue; no k8s_attributes, the exporter's endpoint is dead) while
// none of the files it tails changes. Prints the CPU share of one core over BENCH_SECONDS
// (default 10) after start-up, for 1 and for 101 idle files.
// Usage: npm run build && node dist/bench/filelog-idle.js   (BENCH_FILES=1,101 BENCH_SECONDS=10)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt } from './lib/proc.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const FILES = (process.env.BENCH_FILES ?? '1,101').split(',').map(Number);
/** After ready: let the first polls, JIT and checkpoint writes settle before measuring. */
const SETTLE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A CRI line; each file's differ (files are told apart by their first bytes). */
function line(file: number, i: number): string {
  return `2026-01-01T00:00:00.${String(file % 1000).padStart(3, '0')}${String(i).padStart(6, '0')}Z stdout F {"level":"info","msg":"file ${file} line ${i}"}\n`;
}

/** CPU-seconds Tsunagi spends in SECONDS with `files` idle pod log files. */
async function idleCpu(files: number): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'idle-bench-'));
  try {
    for (let i = 0; i < files; i++) {
      const uid = `0f1e2d3c-aaaa-bbbb-cccc-${String(i).padStart(12, '0')}`;
      const dir = join(root, 'pods', `shop_orders-${i}-x2x_${uid}`, 'app');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '0.log'), line(i, 0) + line(i, 1) + line(i, 2));
    }
    const config = join(root, 'idle-bench.yaml');
    writeFileSync(
      config,
      `extensions:
  file_storage: { directory: ${join(root, 'storage')}, create_directory: true }
receivers:
  file_log:
    include: [${join(root, 'pods', '*', '*', '*.log')}]
    start_at: end
    include_file_path: true
    include_file_name: false
    preserve_trailing_whitespaces: true
    storage: file_storage
    retry_on_failure: { enabled: true }
    operators:
      - { type: container, id: container-parser }
      - { type: json_parser, id: json, if: 'body matches "^\\\\s*\\\\{"', on_error: send_quiet }
      - { type: severity_parser, if: attributes.level != nil, parse_from: attributes.level, on_error: send_quiet }
      - { type: trace_parser, if: attributes.trace_id != nil, on_error: send_quiet }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }
  tracelink:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:9
    compression: none
    sending_queue: { storage: file_storage, batch: {} }
service:
  extensions: [file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [file_log], processors: [memory_limiter, tracelink], exporters: [otlp_http] }
`,
    );
    const tsunagi = await startTsunagi(config);
    try {
      await sleep(SETTLE_MS);
      const before = cpuSeconds(tsunagi.pid as number);
      await sleep(SECONDS * 1000);
      return cpuSeconds(tsunagi.pid as number) - before;
    } finally {
      await stop(tsunagi);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  for (const n of FILES) {
    const cpu = await idleCpu(n);
    console.log(
      `file_log idle, ${n} file${n === 1 ? '' : 's'}: ${fmt(cpu, 2)} CPU-s in ${SECONDS} s = ${fmt((cpu / SECONDS) * 100, 1)} % of a core`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
