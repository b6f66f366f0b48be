// OTLP metrics → the tsunagi binary (otlp receiver → prometheus_remote_write) →
// a remote-write sink in another process that does not decode (it counts bytes
// and answers 204). 100k active series (gauges and counters with 3 attributes
// each, 20 resources), sent as BENCH_ROUNDS "scrapes" (default 10, 10 s apart in
// sample time; the next round starts when the previous one was written) in
// OTLP/protobuf requests of 2000 points, 4 in flight. Reports
// CPU-seconds of the Tsunagi process per million samples and its peak RSS.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeMetrics } from '../src/codec/otlp-proto.js';
import { newResourceMetrics, newScopeMetrics } from '../src/pdata/create.js';
import type { Metric, MetricsData, NumberDataPoint } from '../src/pdata/types.js';
import { startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, peakRssMiB } from './lib/proc.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_REQUEST = 2000;
const RESOURCES = 20;
const METRICS_PER_RESOURCE = 50;
const CONCURRENCY = 4;

const SINK = `
const http = require('node:http');
let bytes = 0, requests = 0;
const s = http.createServer((req, res) => {
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => { requests++; res.writeHead(204); res.end(); });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
process.on('SIGTERM', () => { process.stdout.write(JSON.stringify({ bytes, requests }) + '\\n'); process.exit(0); });
`;

/** One round's requests: every series once, at `tsNs`. */
function roundRequests(tsNs: bigint): Uint8Array[] {
  const perMetric = Math.ceil(SERIES / (RESOURCES * METRICS_PER_RESOURCE));
  const out: Uint8Array[] = [];
  let md: MetricsData = { resourceMetrics: [] };
  let points = 0;
  const flush = () => {
    if (points > 0) out.push(encodeMetrics(md));
    md = { resourceMetrics: [] };
    points = 0;
  };
  for (let r = 0; r < RESOURCES; r++) {
    let rm = newResourceMetrics();
    const resAttrs = () => [
      { key: 'service.name', value: { stringValue: `svc-${r}` } },
      { key: 'service.instance.id', value: { stringValue: `pod-${r}` } },
      { key: 'k8s.namespace.name', value: { stringValue: 'prod' } },
    ];
    rm.resource.attributes = resAttrs();
    let sm = newScopeMetrics();
    sm.scope.name = 'bench';
    rm.scopeMetrics.push(sm);
    md.resourceMetrics.push(rm);
    for (let m = 0; m < METRICS_PER_RESOURCE; m++) {
      const dataPoints: NumberDataPoint[] = [];
      for (let i = 0; i < perMetric; i++)
        dataPoints.push({
          attributes: [
            { key: 'cpu', value: { stringValue: `cpu${i % 64}` } },
            { key: 'state', value: { stringValue: i % 2 ? 'user' : 'system' } },
            { key: 'idx', value: { intValue: BigInt(i) } },
          ],
          startTimeUnixNano: tsNs - 3_600_000_000_000n,
          timeUnixNano: tsNs,
          asDouble: i * 1.5 + m,
          exemplars: [],
          flags: 0,
        });
      const metric: Metric =
        m % 2 === 0
          ? {
              name: `bench.gauge.${m}`,
              unit: 'By',
              description: 'a gauge',
              metadata: [],
              gauge: { dataPoints },
            }
          : {
              name: `bench.counter.${m}`,
              unit: 's',
              description: 'a counter',
              metadata: [],
              sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints },
            };
      sm.metrics.push(metric);
      points += dataPoints.length;
      if (points >= PER_REQUEST) {
        flush();
        rm = newResourceMetrics();
        rm.resource.attributes = resAttrs();
        sm = newScopeMetrics();
        sm.scope.name = 'bench';
        rm.scopeMetrics.push(sm);
        md.resourceMetrics.push(rm);
      }
    }
  }
  flush();
  return out;
}

async function selfMetric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

export async function main(): Promise<void> {
  const sink: ChildProcess = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sinkPort = await new Promise<number>((resolve) =>
    sink.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  const otlpPort = 43180 + Math.floor(Math.random() * 1000);
  const telemetryPort = otlpPort + 1000;
  const cfg = join(tmpdir(), `tsunagi-bench-prw-${process.pid}.yaml`);
  writeFileSync(
    cfg,
    `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
exporters:
  prometheus_remote_write:
    endpoint: http://127.0.0.1:${sinkPort}/api/v1/write
service:
  telemetry:
    metrics: { address: 127.0.0.1:${telemetryPort} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus_remote_write] }
`,
  );
  const tsunagi = await startTsunagi(cfg);
  const pid = tsunagi.pid as number;
  try {
    const base = BigInt(Date.now()) * 1_000_000n;
    const rounds: Uint8Array[][] = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(roundRequests(base + BigInt(r) * 10_000_000_000n));
    const perRound =
      Math.ceil(SERIES / (RESOURCES * METRICS_PER_RESOURCE)) * RESOURCES * METRICS_PER_RESOURCE;
    const points = perRound * ROUNDS;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    // One round at a time, like a scrape: the next starts once the previous one was written.
    for (let r = 0; r < ROUNDS; r++) {
      const requests = rounds[r];
      let next = 0;
      const send = async () => {
        while (next < requests.length) {
          const body = requests[next++];
          for (;;) {
            const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/metrics`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-protobuf' },
              body,
            });
            await res.arrayBuffer();
            if (res.ok) break;
            await new Promise((w) => setTimeout(w, 50)); // refused (queue full): retry like an SDK
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, send));
      const end = Date.now() + 300_000;
      while (
        (await selfMetric(telemetryPort, 'otelcol_exporter_sent_metric_points_total')) <
        perRound * (r + 1)
      ) {
        if (Date.now() > end) throw new Error('remote write did not finish in 5 minutes');
        await new Promise((w) => setTimeout(w, 20));
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const series = await selfMetric(
      telemetryPort,
      'otelcol_exporter_prometheusremotewrite_translated_time_series_total',
    );
    console.log(
      `${fmt(SERIES)} series × ${ROUNDS} rounds = ${fmt(points)} samples (+ target_info) in ${fmt(secs, 1)} s: ` +
        `${fmt(points / secs)} samples/s, ${fmt((cpu / points) * 1e6, 2)} CPU-s per million samples, ` +
        `peak RSS ${fmt(peakRssMiB(pid))} MiB (${fmt(series)} series translated)`,
    );
  } finally {
    await stop(tsunagi);
    sink.kill('SIGTERM');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
