// Loki and Elasticsearch out: pdata log batches (as the OTLP receiver hands
// them on) → the loki exporter (protobuf + snappy) and the elasticsearch
// exporter (_bulk, otel mode) → minimal sinks in a child process. Reports
// records/s, CPU-seconds per million records of this (the exporter) process,
// and its peak RSS. Each run ≈ 8 s; the whole file < 40 s.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { elasticsearchConfigSchema } from '../exporters/elasticsearch/config.js';
import { factory as esFactory } from '../exporters/elasticsearch/factory.js';
import { lokiConfigSchema } from '../exporters/loki/config.js';
import { factory as lokiFactory } from '../exporters/loki/factory.js';
import type { Exporter } from '../src/component/component.js';
import type { LogsData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { makeLogs } from './lib/traffic.js';

const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 8000);
const BATCH = 1000;
const CONCURRENCY = 4;

// The sinks: Loki answers 204; Elasticsearch answers a real _bulk body with one item per document.
const SINK = `
const http = require('node:http');
const zlib = require('node:zlib');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url.startsWith('/loki/')) { res.writeHead(204); return res.end(); }
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
    let lines = 0;
    for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
    const item = '{"create":{"_index":".ds-logs-generic.otel-default-2024.01.01-000001","_id":"x","_version":1,"result":"created","status":201}}';
    const items = new Array(lines / 2).fill(item).join(',');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"took":3,"errors":false,"items":[' + items + ']}');
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

/** A pdata batch of BATCH records as the OTLP receiver hands it on. */
export function batch(seed: number): LogsData {
  return makeLogs(BATCH, seed);
}

/** The backends' minimal sinks in a child process (Loki: 204; Elasticsearch: a real _bulk answer). */
export async function startSink(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [data] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, port: Number(data.toString().trim()) };
}

interface Result {
  name: string;
  records: number;
  seconds: number;
  cpu: number;
}

async function run(name: string, exp: Exporter, batches: LogsData[]): Promise<Result> {
  await exp.start({ getExtension: () => undefined });
  // Warm-up (JIT, connections).
  for (let i = 0; i < 20; i++) await exp.consume('logs', batches[i % batches.length]);
  let records = 0;
  let k = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + RUN_MS;
  const loop = async () => {
    while (performance.now() < end) {
      await exp.consume('logs', batches[k++ % batches.length]);
      records += BATCH;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  await exp.shutdown();
  return { name, records, seconds, cpu: (c.user + c.system) / 1e6 };
}

function settings(id: string) {
  return { id, kind: 'exporter' as const, logger: silentLogger(), metrics: new SelfMetrics() };
}

export async function main(): Promise<void> {
  const sink = await startSink();
  const base = `http://127.0.0.1:${sink.port}`;
  const batches = Array.from({ length: 16 }, (_, i) => batch(i));
  const helper = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };
  const results: Result[] = [];
  try {
    const only = process.env.BENCH_ONLY;
    const loki = lokiConfigSchema.parse({ endpoint: `${base}/loki/api/v1/push`, ...helper });
    if (!only || only === 'loki')
      results.push(
        await run('loki (protobuf+snappy)', lokiFactory.create(settings('loki'), loki, ['logs']), batches),
      );
    for (const compression of ['none', 'gzip'] as const) {
      if (only && only !== `es-${compression}`) continue;
      const cfg = elasticsearchConfigSchema.parse({ endpoint: base, compression, num_workers: 2, ...helper });
      results.push(
        await run(
          `elasticsearch (_bulk, otel, ${compression})`,
          esFactory.create(settings('es'), cfg, ['logs']),
          batches,
        ),
      );
    }
  } finally {
    sink.child.kill();
  }
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log('| exporter | records/s | CPU-s per 1M records | records per CPU-second |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) {
    const perM = (r.cpu / r.records) * 1e6;
    console.log(
      `| ${r.name} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} | ${perM.toFixed(2)} | ${Math.round(1e6 / perM).toLocaleString('en-US')} |`,
    );
  }
  console.log(
    `peak RSS of the exporter process: ${rssMiB.toFixed(0)} MiB (batches of ${BATCH}, ${CONCURRENCY} in flight)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
