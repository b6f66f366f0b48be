// Benchmark load generator: OTLP/HTTP logs requests (protobuf) carrying the
// records the syslog receiver makes of the syslog bench's lines, closed loop
// at a fixed concurrency, or paced at a rate (records/s).
// Usage (forked): otlp-logs-load.js <port> <seconds> <concurrency> <recordsPerRequest> [rate]
import { Agent, request } from 'undici';
import { encodeLogs } from '../src/codec/otlp-proto.js';
import { pacer } from './lib/pacer.js';
import { syslogAsLogs } from './lib/syslog-lines.js';

const [portArg, secondsArg, concArg, perArg, rateArg] = process.argv.slice(2);
const port = Number(portArg);
const per = Number(perArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const bodies = Array.from({ length: 16 }, (_, k) => Buffer.from(encodeLogs(syslogAsLogs(per, k * per))));
const agent = new Agent({ connections: Number(concArg) });
let sent = 0;
let failed = 0;
const slot = pacer(Number(rateArg ?? 0) / per / 1000);

async function worker(w: number): Promise<void> {
  for (let i = w; Date.now() < deadline; i++) {
    await slot();
    const res = await request(`http://127.0.0.1:${port}/v1/logs`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-protobuf' },
      body: bodies[i % bodies.length],
    });
    await res.body.arrayBuffer();
    if (res.statusCode === 200) sent += per;
    else {
      failed += per;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

await Promise.all(Array.from({ length: Number(concArg) }, (_, w) => worker(w)));
await agent.close();
process.send?.({ type: 'done', sent, failed });
