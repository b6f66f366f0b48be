// Benchmark load generator for the Fluent forward bench: `concurrency`
// connections, each sending batches of `perBatch` records and waiting for the
// ack before the next (what fluent-logger and Fluent Bit do with acks), for
// `seconds`. Mode `forward`: PackedForward frames with the chunk option; mode
// `otlp`: the same records as OTLP/HTTP protobuf logs requests (the baseline).
// With a rate (records/s, all connections together) each batch waits for its slot
// on one schedule (an open loop, as an aggregator sees from many forwarders), still
// with at most `concurrency` batches in flight.
// Usage (forked): fluent-load.js <forward|otlp> <port> <seconds> <concurrency> <perBatch> [rate]
import { connect, type Socket } from 'node:net';
import { Packr, unpackMultiple } from 'msgpackr';
import { Agent, request } from 'undici';
import { encodeLogs } from '../src/codec/otlp-proto.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../src/pdata/create.js';
import { pacer } from './lib/pacer.js';

const [mode, portArg, secondsArg, concArg, perArg, rateArg] = process.argv.slice(2);
const port = Number(portArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const concurrency = Number(concArg);
const perBatch = Number(perArg);
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** A container-log-like record: a line plus a few fields. */
const record = (i: number) => ({
  log: `2024-01-01T00:00:00.000Z INFO request handled method=GET path=/api/items/${i} status=200 duration_ms=${i % 97}`,
  stream: 'stdout',
  container_name: 'api',
  pod: `api-${i % 7}`,
});
const batches = Array.from({ length: 16 }, (_, b) =>
  Array.from({ length: perBatch }, (_, i) => record(b * perBatch + i)),
);

let sent = 0;

/** Paced at the rate in batches (0: as fast as acked / answered). */
const slot = pacer(Number(rateArg ?? 0) / perBatch / 1000);

/** A forwarder gives up waiting for an ack after this long and sends the chunk again (no ack, no count). */
const ACK_TIMEOUT_MS = 5000;

async function forwardWorker(w: number): Promise<void> {
  const entries = batches.map((b) =>
    Buffer.concat(b.map((r) => packr.pack([Math.floor(Date.now() / 1000), r]))),
  );
  let socket: Socket | undefined;
  let waiting: ((ack: string | undefined) => void) | undefined;
  for (let i = 0; Date.now() < deadline; i++) {
    if (!socket || socket.destroyed) {
      // (re)connect: a refused chunk may close the connection, as a forwarder sees it
      const s = connect(port, '127.0.0.1');
      socket = s;
      const ok = await new Promise<boolean>((r) => {
        s.once('connect', () => r(true));
        s.once('error', () => r(false));
      });
      if (!ok) continue;
      s.on('data', (d) => {
        for (const a of unpackMultiple(d) as { ack: string }[]) waiting?.(a.ack);
      });
      s.on('error', () => {});
      s.on('close', () => waiting?.(undefined));
    }
    await slot();
    const chunk = `${w}-${i}`;
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<string | undefined>((resolve) => {
      waiting = resolve;
      timer = setTimeout(() => resolve(undefined), ACK_TIMEOUT_MS);
    });
    socket.write(packr.pack(['bench.app', entries[i % entries.length], { chunk, size: perBatch }]));
    const ack = await acked;
    clearTimeout(timer);
    if (ack === chunk) sent += perBatch;
  }
  socket?.destroy();
}

async function otlpWorker(agent: Agent, w: number): Promise<void> {
  const bodies = batches.map((b) => {
    const rl = newResourceLogs();
    const sl = newScopeLogs();
    for (const r of b) {
      const lr = newLogRecord();
      lr.timeUnixNano = BigInt(Date.now()) * 1_000_000n;
      lr.body = { stringValue: r.log };
      lr.attributes = [
        { key: 'stream', value: { stringValue: r.stream } },
        { key: 'container_name', value: { stringValue: r.container_name } },
        { key: 'pod', value: { stringValue: r.pod } },
        { key: 'fluent.tag', value: { stringValue: 'bench.app' } },
      ];
      sl.logRecords.push(lr);
    }
    rl.scopeLogs.push(sl);
    return Buffer.from(encodeLogs({ resourceLogs: [rl] }));
  });
  for (let i = w; Date.now() < deadline; i++) {
    await slot();
    const res = await request(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-protobuf' },
      body: bodies[i % bodies.length],
    });
    await res.body.arrayBuffer();
    if (res.statusCode === 200) sent += perBatch;
  }
}

async function main() {
  const workers: Promise<void>[] = [];
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  for (let w = 0; w < concurrency; w++)
    workers.push(mode === 'forward' ? forwardWorker(w) : otlpWorker(agent, w));
  await Promise.all(workers);
  await agent.close();
  process.send?.({ type: 'done', sent });
}
main();
