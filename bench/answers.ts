// Answers at once with `batch` in the pipeline (DESIGN.md "Accepting is fast"):
// 1. answer latency of OTLP/HTTP exports of 512 spans sent one at a time
//    (unloaded), through otlp → batch → otlp_http with a memory queue and with a
//    persistent queue (file_storage, fsync on): p50 and p99;
// 2. relay throughput with 4 senders of 512-span requests, one request in flight
//    each (how SDKs send): spans/s and Tsunagi's CPU-s per million spans;
// 3. Jaeger UDP thrift_compact → batch → otlp_http at 2000 datagrams/s: spans lost.
// Each role is its own process; the sink validates and counts without decoding.
//   node dist/bench/answers.js    (after `npm run build`; BENCH_PART=latency or latency-persistent: part 1 only)
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/ports.js';
import { forkRole, nextMessage, startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt, peakRssMiB } from './lib/proc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoadDone {
  sent: number;
  failed: number;
  p50: number;
  p99: number;
  requests: number;
}

async function withPipeline<T>(
  receiver: string,
  persistent: boolean,
  socketBuffer: number,
  run: (ports: { http: number; udp: number }, pid: number, spansAtSink: () => Promise<number>) => Promise<T>,
): Promise<T> {
  const sink = forkRole('otlp-sink.js', []);
  const { port: sinkPort } = await nextMessage<{ port: number }>(sink, 'ready');
  const http = await freePort();
  const udp = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-answers-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `${persistent ? `extensions:\n  file_storage: { directory: ${dir} }\n` : ''}receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${http} }
  jaeger:
    protocols:
      thrift_compact: { endpoint: 127.0.0.1:${udp}, socket_buffer_size: ${socketBuffer} }
processors:
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
    ${persistent ? 'sending_queue: { storage: file_storage }' : ''}
service:
  ${persistent ? 'extensions: [file_storage]' : ''}
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [${receiver}], processors: [batch], exporters: [otlp_http] }
`,
  );
  const tsunagi = await startTsunagi(config);
  const count = async () => {
    sink.send({ type: 'count' });
    return (await nextMessage<{ spans: number }>(sink, 'count')).spans;
  };
  try {
    return await run({ http, udp }, tsunagi.pid!, count);
  } finally {
    await stop(tsunagi);
    sink.send({ type: 'exit' });
  }
}

function load(
  port: number,
  seconds: number,
  concurrency: number,
  spansPerRequest: number,
): Promise<LoadDone> {
  const gen = forkRole('otlp-load.js', [
    'http',
    String(port),
    String(seconds),
    String(concurrency),
    String(spansPerRequest),
  ]);
  return nextMessage<LoadDone>(gen, 'done');
}

async function latency(persistent: boolean): Promise<LoadDone> {
  return withPipeline('otlp', persistent, 0, async ({ http }) => {
    await load(http, 1, 1, 512); // warm-up
    return load(http, 5, 1, 512);
  });
}

export async function relay(): Promise<{ spansPerSec: number; cpuPerM: number; rss: number; p99: number }> {
  return withPipeline('otlp', false, 0, async ({ http }, pid, count) => {
    await load(http, 2, 4, 512);
    await sleep(300);
    const c0 = await count();
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const r = await load(http, 10, 4, 512);
    let c1 = await count();
    for (let i = 0; i < 50 && c1 - c0 < r.sent; i++) {
      await sleep(100);
      c1 = await count();
    }
    const secs = (performance.now() - t0) / 1000;
    return {
      spansPerSec: (c1 - c0) / secs,
      cpuPerM: (cpuSeconds(pid) - cpu0) / ((c1 - c0) / 1e6),
      rss: peakRssMiB(pid),
      p99: r.p99,
    };
  });
}

/** The kernel's count of UDP datagrams dropped for a full socket receive buffer (system-wide). */
function kernelUdpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  return Number(lines[1].split(/\s+/)[names.indexOf('RcvbufErrors')]);
}

export async function jaegerUdp(
  datagramsPerSec: number,
  spansPerDatagram: number,
  seconds: number,
  socketBuffer = 0,
) {
  return withPipeline('jaeger', false, socketBuffer, async ({ udp }, _pid, count) => {
    const kernel0 = kernelUdpRcvbufErrors();
    const sender: ChildProcess = fork(fileURLToPath(new URL('./jaeger.js', import.meta.url)), ['--sender'], {
      stdio: 'inherit',
    });
    const done = new Promise<{ spansSent: number }>((resolve) =>
      sender.once('message', (m) => resolve(m as never)),
    );
    sender.send({
      kind: 'udp',
      port: udp,
      protocol: 'compact',
      rate: datagramsPerSec * spansPerDatagram,
      seconds,
      spansPerDatagram,
    });
    const { spansSent } = await done;
    sender.kill();
    let got = await count();
    for (let i = 0; i < 50 && got < spansSent; i++) {
      await sleep(100);
      got = await count();
    }
    return { spansSent, got, kernelDroppedDatagrams: kernelUdpRcvbufErrors() - kernel0 };
  });
}

export async function main(): Promise<void> {
  // BENCH_PART=latency: only the answer latency figures (e.g. interleaved with another build)
  const only = process.env.BENCH_PART;
  for (const persistent of [false, true]) {
    if (only === 'latency-persistent' && !persistent) continue;
    const r = await latency(persistent);
    console.log(
      `answer latency, 512-span OTLP/HTTP exports one at a time → batch → otlp_http (${persistent ? 'persistent queue, fsync' : 'memory queue'}): ` +
        `p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms over ${r.requests} requests`,
    );
  }
  if (only?.startsWith('latency')) return;
  const r = await relay();
  console.log(
    `relay, 4 senders × one 512-span request in flight → batch → otlp_http: ${fmt(r.spansPerSec)} spans/s, ` +
      `${fmt(r.cpuPerM, 2)} CPU-s per million spans, peak RSS ${fmt(r.rss, 1)} MiB, answer p99 ${fmt(r.p99, 2)} ms`,
  );
  // socket_buffer_size 0 is the OS default (208 KiB here); 4 MiB is what the jaeger receiver's
  // README's example sets for UDP senders (the kernel's rmem_max caps it)
  for (const buffer of [0, 4 * 1024 * 1024]) {
    const j = await jaegerUdp(2000, 5, 10, buffer);
    console.log(
      `jaeger thrift_compact UDP (socket_buffer_size ${buffer}), 2000 datagrams/s of 5 spans → batch → otlp_http: ${fmt(j.spansSent)} spans sent, ` +
        `${fmt(j.spansSent - j.got)} lost (the kernel dropped ${fmt(j.kernelDroppedDatagrams)} datagrams for a full socket buffer: a process not scheduled in time)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
