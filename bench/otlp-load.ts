// Benchmark load generator: sends pre-encoded OTLP trace requests as fast as the
// receiver accepts them (closed loop, fixed concurrency), over HTTP or gRPC.
// With a rate (spans/s) it paces the requests instead: an open loop at that rate, as a
// gateway sees from many agents, still with at most `concurrency` in flight.
// Usage (forked): otlp-load.js <http|grpc> <port> <seconds> <concurrency> <itemsPerRequest> [rate] [traces|logs] [spansPerTrace]
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { Agent, request } from 'undici';
import { encodeLogs, encodeTraces } from '../src/codec/otlp-proto.js';
import { pacer } from './lib/pacer.js';
import { makeLogs, makeTraces } from './lib/traffic.js';

const [proto, portArg, secondsArg, concArg, spansArg, rateArg, signalArg = 'traces', perTraceArg] =
  process.argv.slice(2);
const LOGS = signalArg === 'logs';
const port = Number(portArg);
const seconds = Number(secondsArg);
const concurrency = Number(concArg);
const spansPerRequest = Number(spansArg);
const bodies = Array.from({ length: 64 }, (_, i) =>
  Buffer.from(
    LOGS
      ? encodeLogs(makeLogs(spansPerRequest, i))
      : encodeTraces(makeTraces(spansPerRequest, i, Number(perTraceArg ?? spansPerRequest))),
  ),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Paced at the rate in requests (0: as fast as answered). */
const slot = pacer(Number(rateArg ?? 0) / spansPerRequest / 1000);
let sent = 0;
let failed = 0;
/** Refused requests per HTTP status (gRPC: per status code). */
const refusals: Record<string, number> = {};
/** Answer latency of every request (ms), for p50/p99. */
const latencies: number[] = [];
const deadline = Date.now() + seconds * 1000;

async function httpWorker(agent: Agent, w: number) {
  for (let i = w; Date.now() < deadline; i++) {
    await slot();
    const t0 = performance.now();
    const res = await request(`http://127.0.0.1:${port}/v1/${LOGS ? 'logs' : 'traces'}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-protobuf' },
      body: bodies[i % bodies.length],
    });
    await res.body.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.statusCode === 200) sent += spansPerRequest;
    else {
      // Back off as an SDK does (Retry-After, else 100 ms), instead of spinning on refusals.
      failed += spansPerRequest;
      refusals[res.statusCode] = (refusals[res.statusCode] ?? 0) + 1;
      const after = Number(res.headers['retry-after']);
      await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : 100);
    }
  }
}

async function grpcWorker(client: Client, w: number) {
  for (let i = w; Date.now() < deadline; i++) {
    await slot();
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      client.makeUnaryRequest(
        LOGS
          ? '/opentelemetry.proto.collector.logs.v1.LogsService/Export'
          : '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        bodies[i % bodies.length],
        new Metadata(),
        (err) => {
          if (err) refusals[`grpc ${err.code}`] = (refusals[`grpc ${err.code}`] ?? 0) + 1;
          resolve(!err);
        },
      );
    });
    latencies.push(performance.now() - t0);
    if (ok) sent += spansPerRequest;
    else {
      failed += spansPerRequest;
      await sleep(100);
    }
  }
}

async function main() {
  const workers: Promise<void>[] = [];
  if (proto === 'grpc') {
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    for (let w = 0; w < concurrency; w++) workers.push(grpcWorker(client, w));
    await Promise.all(workers);
    client.close();
  } else {
    const agent = new Agent({ connections: concurrency, pipelining: 1 });
    for (let w = 0; w < concurrency; w++) workers.push(httpWorker(agent, w));
    await Promise.all(workers);
    await agent.close();
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  process.send?.({
    type: 'done',
    sent,
    failed,
    refusals,
    p50: pct(0.5),
    p99: pct(0.99),
    requests: latencies.length,
  });
}
main();
