// Syslog in (TCP, octet counting, RFC 5424 from another process) → syslog
// receiver → batch → otlp_http → a sink that does not decode, against the
// OTLP/HTTP logs relay (otlp receiver → batch → otlp_http) carrying the same
// records. Runs alternate (A B A B A B) and medians are quoted; CPU is the
// Tsunagi process's user+sys from /proc, per million records delivered.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, peakRssMiB } from './lib/proc.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_SYSLOG_CONNECTIONS ?? 4);
/**
 * BENCH_RATE (records/s): pace both loads at this rate (0: as fast as Tsunagi reads/answers).
 * 10,000 by default, the rate of the other issue-18 benches (fluent-forward, load-balancing):
 * the ratio to the relay is then taken at the same work per second on both sides.
 */
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sentRecords(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('otelcol_exporter_sent_log_records_total')) n += Number(line.split(' ').pop());
  return n;
}

interface Result {
  perSec: number;
  cpuPerMillion: number;
  rss: number;
}

async function runOnce(kind: 'syslog' | 'otlp', sinkPort: number): Promise<Result> {
  const [inPort, metricsPort] = [await freePort(), await freePort()];
  const receiver =
    kind === 'syslog'
      ? `syslog:
    tcp: { listen_address: 127.0.0.1:${inPort} }
    protocol: rfc5424
    enable_octet_counting: true`
      : `otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${inPort} }`;
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-syslog-'));
  const config = join(dir, 'bench.yaml');
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
  telemetry: { metrics: { level: normal, address: 127.0.0.1:${metricsPort} } }
  pipelines:
    logs: { receivers: [${kind === 'syslog' ? 'syslog' : 'otlp'}], processors: [batch], exporters: [otlp_http] }
`,
  );
  const tsunagi = await startTsunagi(config);
  const pid = tsunagi.pid as number;
  const load = (secs: number) => {
    const gen =
      kind === 'syslog'
        ? forkRole('syslog-load.js', [String(inPort), String(secs), String(CONNECTIONS), String(RATE)])
        : forkRole('otlp-logs-load.js', [String(inPort), String(secs), '32', '100', String(RATE)]);
    return nextMessage<{ sent: number }>(gen, 'done');
  };
  await load(2); // warm-up
  await sleep(500);
  const before = await sentRecords(metricsPort);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const { sent } = await load(SECONDS);
  // drain: every record the load generator wrote reaches the sink
  let after = await sentRecords(metricsPort);
  for (let i = 0; i < 100 && after - before < sent; i++) {
    await sleep(100);
    after = await sentRecords(metricsPort);
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const n = after - before;
  const rss = peakRssMiB(pid);
  await stop(tsunagi);
  if (n < sent) console.log(`  (${kind}: ${sent - n} of ${sent} records not delivered in time)`);
  return { perSec: n / elapsed, cpuPerMillion: cpu / (n / 1e6), rss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(): Promise<void> {
  const sink = forkRole('raw-sink.js', []);
  const { port: sinkPort } = await nextMessage<{ port: number }>(sink, 'ready');
  const runs: Record<'syslog' | 'otlp', Result[]> = { syslog: [], otlp: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const kind of ['syslog', 'otlp'] as const) {
      const res = await runOnce(kind, sinkPort);
      runs[kind].push(res);
      console.log(
        `  round ${r + 1} ${kind.padEnd(6)}: ${fmt(res.perSec)} records/s, ${fmt(res.cpuPerMillion, 2)} CPU-s per million, peak RSS ${fmt(res.rss, 1)} MiB`,
      );
    }
  sink.send({ type: 'exit' });
  const s = {
    perSec: median(runs.syslog.map((x) => x.perSec)),
    cpu: median(runs.syslog.map((x) => x.cpuPerMillion)),
  };
  const o = {
    perSec: median(runs.otlp.map((x) => x.perSec)),
    cpu: median(runs.otlp.map((x) => x.cpuPerMillion)),
  };
  console.log(
    `syslog tcp (octet counting, ${CONNECTIONS} connections) → batch → otlp_http: ${fmt(s.perSec)} lines/s, ${fmt(s.cpu, 2)} CPU-s per million lines (median of ${ROUNDS})`,
  );
  console.log(
    `otlp http logs relay (same records, 100 per request) → batch → otlp_http: ${fmt(o.perSec)} records/s, ${fmt(o.cpu, 2)} CPU-s per million (median of ${ROUNDS})`,
  );
  const how = RATE > 0 ? `, both paced at ${fmt(RATE)} records/s` : '';
  console.log(`syslog / OTLP relay CPU per item: ${fmt(s.cpu / o.cpu, 2)}x (target ≤ 1.5x${how})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
