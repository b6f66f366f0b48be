// Jaeger Thrift over UDP (compact, binary) and HTTP into the jaeger receiver,
// into a counting OTLP sink. The sender runs in a forked child so its CPU is
// not counted; this process reports spans/s, CPU-seconds per million spans
// (process.cpuUsage of the receiving side), peak RSS and UDP drops per step.
//   node dist/bench/jaeger.js            (after `npm run build`)
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { factory } from '../receivers/jaeger/factory.js';
import type { JaegerReceiver } from '../receivers/jaeger/receiver.js';
import type { Consumer } from '../src/component/consumer.js';
import { countSpans } from '../src/pdata/count.js';
import type { TracesData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { encodeBatch, encodeEmitBatch, type JsonBatch } from '../test/support/jaeger-peer.js';

const SPANS_PER_DATAGRAM = 40;
const STEP_SECONDS = 3;

type Cmd =
  | {
      kind: 'udp';
      port: number;
      protocol: 'compact' | 'binary';
      /** spans/s */
      rate: number;
      seconds: number;
      spansPerDatagram?: number;
    }
  | { kind: 'http'; port: number; seconds: number; concurrency: number };
type Done = { spansSent: number; messagesSent: number; sendErrors?: number };

/** A batch shaped like a jaeger-client service's: 8 tags and a log per span. */
export function sampleBatch(n: number): JsonBatch {
  const spans: JsonBatch['spans'] = [];
  for (let i = 0; i < n; i++)
    spans.push({
      traceIdHigh: String(0x1234_5678 + i),
      traceIdLow: String(-987654321 - i),
      spanId: String(1000 + i),
      parentSpanId: String(999),
      operationName: i % 2 ? 'GET /api/orders/{id}' : 'SELECT orders',
      flags: 1,
      startTime: String(1_700_000_000_000_000 + i * 10),
      duration: '1234',
      tags: [
        { key: 'span.kind', vType: 'STRING', vStr: i % 2 ? 'server' : 'client' },
        { key: 'http.method', vType: 'STRING', vStr: 'GET' },
        { key: 'http.url', vType: 'STRING', vStr: `http://orders.svc:8080/api/orders/${i}` },
        { key: 'http.status_code', vType: 'LONG', vLong: 200 },
        { key: 'peer.service', vType: 'STRING', vStr: 'orders-db' },
        { key: 'component', vType: 'STRING', vStr: 'net/http' },
        { key: 'sampler.param', vType: 'BOOL', vBool: true },
        { key: 'ratio', vType: 'DOUBLE', vDouble: 0.5 },
      ],
      logs: [
        {
          timestamp: String(1_700_000_000_000_500 + i),
          fields: [{ key: 'event', vType: 'STRING', vStr: 'row fetched' }],
        },
      ],
    });
  return {
    process: {
      serviceName: 'orders',
      tags: [
        { key: 'hostname', vType: 'STRING', vStr: 'orders-7d9f-abcde' },
        { key: 'ip', vType: 'STRING', vStr: '10.1.2.3' },
        { key: 'jaeger.version', vType: 'STRING', vStr: 'Go-2.30.0' },
      ],
    },
    spans,
  };
}

// ---- sender (child process) ----

async function sendUdp(cmd: Extract<Cmd, { kind: 'udp' }>): Promise<Done> {
  const perDatagram = cmd.spansPerDatagram ?? SPANS_PER_DATAGRAM;
  const payload = encodeEmitBatch(sampleBatch(perDatagram), cmd.protocol);
  const sock = dgram.createSocket('udp4');
  sock.connect(cmd.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const perSecond = cmd.rate / perDatagram;
  const start = performance.now();
  let sent = 0;
  let inflight = 0;
  let errors = 0;
  const end = start + cmd.seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
    while (sent < due && inflight < 16) {
      inflight++;
      sent++;
      sock.send(payload, (err) => {
        inflight--;
        if (err) errors++;
      });
    }
    await new Promise((r) => setImmediate(r));
  }
  while (inflight > 0) await new Promise((r) => setImmediate(r));
  sock.close();
  return { messagesSent: sent - errors, spansSent: (sent - errors) * perDatagram, sendErrors: errors };
}

async function sendHttp(cmd: Extract<Cmd, { kind: 'http' }>): Promise<Done> {
  const body = encodeBatch(sampleBatch(SPANS_PER_DATAGRAM * 2));
  const agent = new http.Agent({ keepAlive: true, maxSockets: cmd.concurrency });
  const end = performance.now() + cmd.seconds * 1000;
  let sent = 0;
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port: cmd.port,
          method: 'POST',
          path: '/api/traces',
          headers: { 'content-type': 'application/x-thrift', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 202 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: cmd.concurrency }, async () => {
      while (performance.now() < end) {
        await post();
        sent++;
      }
    }),
  );
  agent.destroy();
  return { messagesSent: sent, spansSent: sent * SPANS_PER_DATAGRAM * 2 };
}

function child(): void {
  process.on('message', async (cmd: Cmd) => {
    const done = cmd.kind === 'udp' ? await sendUdp(cmd) : await sendHttp(cmd);
    process.send?.(done);
  });
}

// ---- receiver side (this process) ----

class CountingSink implements Consumer<'traces'> {
  spans = 0;
  async consume(td: TracesData): Promise<void> {
    this.spans += countSpans(td);
  }
}

/** The kernel's count of UDP datagrams dropped for a full receive buffer (system-wide). */
function kernelUdpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const names = lines[0].split(/\s+/);
    return Number(lines[1].split(/\s+/)[names.indexOf('RcvbufErrors')]);
  } catch {
    return Number.NaN;
  }
}

export interface StepResult {
  step: string;
  offeredSpansPerSec: number | null;
  receivedSpansPerSec: number;
  cpuSecondsPerMillionSpans: number;
  cpuCoreShare: number;
  udpDroppedSpans: number | null;
  /** Of those, datagrams the receive queue (queue_size) dropped; the rest the kernel dropped. */
  udpQueueDroppedDatagrams: number | null;
  kernelRcvbufErrors: number | null;
  peakRssMiB: number;
}

export async function main(): Promise<StepResult[]> {
  const sink = new CountingSink();
  const cfg = factory.configSchema.parse({
    protocols: {
      thrift_compact: { endpoint: '127.0.0.1:0', socket_buffer_size: 4 * 1024 * 1024 },
      thrift_binary: { endpoint: '127.0.0.1:0', socket_buffer_size: 4 * 1024 * 1024 },
      thrift_http: { endpoint: '127.0.0.1:0' },
    },
  });
  const receiver = factory.create(
    { id: 'jaeger', kind: 'receiver', logger: silentLogger(), metrics: new SelfMetrics() },
    cfg,
    { traces: sink },
  ) as JaegerReceiver;
  await receiver.start({ getExtension: () => undefined });
  const sender = fork(fileURLToPath(import.meta.url), ['--sender'], { stdio: 'inherit' });
  const run = (cmd: Cmd) =>
    new Promise<Done>((resolve) => {
      sender.once('message', (m) => resolve(m as Done));
      sender.send(cmd);
    });

  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);

  const results: StepResult[] = [];
  const measure = async (step: string, cmd: Cmd, offered: number | null) => {
    const spans0 = sink.spans;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const drops0 = receiver.udpStats().dropped;
    const kernel0 = kernelUdpRcvbufErrors();
    const done = await run(cmd);
    // let what is in the socket buffer drain
    let last = -1;
    while (sink.spans !== last) {
      last = sink.spans;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = process.cpuUsage(cpu0);
    const secs = (performance.now() - t0 - 100) / 1000;
    const got = sink.spans - spans0;
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const queueDrops = receiver.udpStats().dropped - drops0;
    const r: StepResult = {
      step,
      offeredSpansPerSec: offered,
      receivedSpansPerSec: Math.round(got / cmd.seconds),
      cpuSecondsPerMillionSpans: +(cpuSecs / (got / 1e6)).toFixed(2),
      cpuCoreShare: +(cpuSecs / secs).toFixed(2),
      udpDroppedSpans: cmd.kind === 'udp' ? done.spansSent - got : null,
      udpQueueDroppedDatagrams: cmd.kind === 'udp' ? queueDrops : null,
      kernelRcvbufErrors: cmd.kind === 'udp' ? kernelUdpRcvbufErrors() - kernel0 : null,
      peakRssMiB: Math.round(peakRss / 1048576),
    };
    results.push(r);
    console.log(JSON.stringify(r));
  };

  const ports = receiver.ports;
  for (const rate of [50_000, 100_000, 150_000, 200_000])
    await measure(
      `udp thrift_compact @${rate / 1000}k/s`,
      { kind: 'udp', port: ports.thrift_compact as number, protocol: 'compact', rate, seconds: STEP_SECONDS },
      rate,
    );
  for (const rate of [50_000, 100_000])
    await measure(
      `udp thrift_binary @${rate / 1000}k/s`,
      { kind: 'udp', port: ports.thrift_binary as number, protocol: 'binary', rate, seconds: STEP_SECONDS },
      rate,
    );
  await measure(
    'http thrift_http (4 keep-alive senders, 80 spans/request)',
    { kind: 'http', port: ports.thrift_http as number, seconds: STEP_SECONDS, concurrency: 4 },
    null,
  );

  clearInterval(rssTimer);
  sender.kill();
  await receiver.shutdown();
  return results;
}

if (process.argv.includes('--sender')) child();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
