// Benchmark: tail N CRI lines (~200 bytes, JSON bodies with trace context)
// through file_log + container + json_parser + trace_parser into a counting
// sink (no export). Reports lines/s, CPU-seconds per million lines, peak RSS.
// Usage: npm run build && node dist/bench/filelog.js   (BENCH_LINES=1000000)
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factory } from '../receivers/file_log/factory.js';
import type { LogsData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);

/** Writes `lines` CRI lines (~190 B, JSON bodies with trace context) to `file`; returns bytes written. */
export function writeCriInput(file: string, lines = LINES): number {
  const fd = openSync(file, 'w');
  let bytes = 0;
  let chunk = '';
  const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len);
  for (let i = 0; i < lines; i++) {
    const ts = `2024-05-01T10:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}123456Z`;
    const body = `{"level":"info","msg":"request handled","route":"/api/orders","status":200,"trace_id":"${hex(i * 7919 + 1, 16)}${hex(i + 1, 16)}","span_id":"${hex(i * 31 + 5, 16)}"}`;
    chunk += `${ts} stdout F ${body}\n`;
    if (chunk.length > 1 << 20) {
      bytes += writeSync(fd, chunk);
      chunk = '';
    }
  }
  bytes += writeSync(fd, chunk);
  closeSync(fd);
  return bytes;
}

export async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'filelog-bench-'));
  const dir = join(root, 'pods', 'bench_load-1_0f1e2d3c-aaaa-bbbb-cccc-000000000001', 'app');
  mkdirSync(dir, { recursive: true });
  const bytes = writeCriInput(join(dir, '0.log'));
  let count = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const sink = {
    async consume(d: LogsData) {
      for (const rl of d.resourceLogs) for (const sl of rl.scopeLogs) count += sl.logRecords.length;
      if (count >= LINES) done();
    },
  };
  const cfg = factory.configSchema.parse({
    include: [join(root, 'pods', '*', '*', '*.log')],
    start_at: 'beginning',
    include_file_path: true,
    include_file_name: false,
    operators: [{ type: 'container' }, { type: 'json_parser' }, { type: 'trace_parser' }],
  });
  const settings = {
    id: 'file_log',
    kind: 'receiver' as const,
    logger: silentLogger(),
    metrics: new SelfMetrics(),
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const rcv = factory.create(settings, cfg, { logs: sink });
  await rcv.start({ getExtension: () => undefined });
  await finished;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await rcv.shutdown();
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const result = {
    bench: 'file_log container+json_parser+trace_parser',
    lines: LINES,
    mb: +(bytes / 1e6).toFixed(1),
    seconds: +secs.toFixed(2),
    lines_per_sec: Math.round(LINES / secs),
    cpu_seconds_per_million: +((cpuSecs / LINES) * 1e6).toFixed(2),
    peak_rss_mib: Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576),
  };
  console.log(JSON.stringify(result));
  rmSync(root, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
