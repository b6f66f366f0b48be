// Load generator for the tail_sampling bench: OTLP/HTTP requests of whole traces
// (lib/whole-traces.ts), paced at a span rate.
// Usage (forked): tail-sampling-load.js <port> <seconds> <spansPerSecond> <concurrency>
import { Agent, request } from 'undici';
import { pacer } from './lib/pacer.js';
import { PER_REQUEST, refresh, template } from './lib/whole-traces.js';

const [portArg, secondsArg, rateArg, concArg] = process.argv.slice(2);
const port = Number(portArg);
const seconds = Number(secondsArg);
const rate = Number(rateArg);
const concurrency = Number(concArg ?? 16);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const perMs = rate / PER_REQUEST / 1000;
// templates first: their set-up is not load
const templates = Array.from({ length: concurrency }, (_, w) =>
  Array.from({ length: 4 }, (_, i) => template(w * 4 + i)),
);
const slot = pacer(perMs);
const deadline = Date.now() + seconds * 1000;
let sent = 0;
let failed = 0;

async function worker(agent: Agent, w: number) {
  const bodies = templates[w];
  for (let i = 0; Date.now() < deadline; i++) {
    await slot();
    const t = bodies[i % bodies.length];
    refresh(t);
    const res = await request(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/x-protobuf' },
      body: t.body,
    });
    await res.body.arrayBuffer();
    if (res.statusCode === 200) sent += PER_REQUEST;
    else {
      failed += PER_REQUEST;
      await sleep(100);
    }
  }
}

async function main() {
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(agent, w)));
  await agent.close();
  process.send?.({ type: 'done', sent, failed });
}
main();
