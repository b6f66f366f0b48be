// A backend slower than the senders, through the built binary with Node's default
// flags and the default memory queue: OTLP/HTTP logs → batch → elasticsearch, and
// → loki. Memory must stay bounded by the queue's byte bound (the exporters count
// what a send decodes and builds against it, not only the queued protobuf), senders
// get retryable throttling answers, and every record answered 2xx arrives once the
// backend speeds up again. The bound checked is generous: without the send cost
// counted, the num_consumers batches being sent at once (each decoded and built)
// took the process well past it.

import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { encodeLogs } from '../src/codec/otlp-proto.js';
import { newLogRecord, newResource, newResourceLogs, newScope, newScopeLogs } from '../src/pdata/create.js';
import { EsStandin } from './support/es-standin.js';
import { LokiStandin } from './support/loki-standin.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const SECONDS = 6;
const SENDERS = 16;
const PER_REQUEST = 100;
/** Bytes of text per record body: memory, not record count, is what the queue bounds. */
const PAD = 'x'.repeat(8000);
// The exporter's own branch peaked at 207-245 MiB; after exporters began building in slices and
// compressing off the event loop (answers no longer wait on them) Elasticsearch peaks at
// 293-325 MiB here, Loki 276-300. What tells bounded from unbounded is the throttling below (the
// build before it answered no 429 and grew with the backlog); this bound catches a gross leak.
const RSS_BOUND_MIB = 380;

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

/**
 * A slow gateway in front of the stand-in: one request at a time, each held `delayMs`
 * before it is forwarded (0: forwarded at once). What a saturated backend looks like.
 */
class SlowGateway {
  delayMs = 300;
  private server: Server | undefined;
  private chain: Promise<void> = Promise.resolve();
  port = 0;
  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const turn = this.chain.then(async () => {
          if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
        });
        this.chain = turn;
        void turn.then(() => this.forward(req, body, res));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private forward(req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse): void {
    const url = new URL(req.url ?? '/', this.target);
    const headers = { ...req.headers, host: url.host, 'content-length': String(body.length) };
    const up = httpRequest(url, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => {
      res.writeHead(502).end();
    });
    up.end(body);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Senders as SDKs are: one request in flight each, a refusal retried after Retry-After. */
function startLogSenders(url: string) {
  const acked = new Set<number>();
  const statuses = new Map<number, number>();
  let next = 0;
  let stopped = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const body = (first: number) => {
    const rl = newResourceLogs(newResource());
    rl.resource.attributes.push({ key: 'service.name', value: { stringValue: 'slow-backend' } });
    const sl = newScopeLogs(newScope('test', '1'));
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < PER_REQUEST; i++) {
      const r = newLogRecord();
      r.timeUnixNano = now + BigInt(i);
      r.severityNumber = 9;
      r.body = { stringValue: `seq-${first + i}-end ${PAD}` };
      sl.logRecords.push(r);
    }
    rl.scopeLogs.push(sl);
    return Buffer.from(encodeLogs({ resourceLogs: [rl] }));
  };
  const one = async () => {
    while (!stopped) {
      const first = next;
      next += PER_REQUEST;
      const payload = body(first);
      for (;;) {
        let status = 0;
        let retryAfterMs = 0;
        try {
          const r = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: payload,
          });
          await r.arrayBuffer();
          status = r.status;
          retryAfterMs = 1000 * Number(r.headers.get('retry-after') ?? 0);
        } catch {
          status = 0;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) {
          for (let i = 0; i < PER_REQUEST; i++) acked.add(first + i);
          break;
        }
        if (stopped) return;
        await sleep(retryAfterMs || 50);
      }
    }
  };
  const workers = Array.from({ length: SENDERS }, one);
  return {
    acked,
    statuses,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function run(kind: 'elasticsearch' | 'loki', arrived: () => Set<number>, backendUrl: string) {
  const gateway = await new SlowGateway(backendUrl).start();
  closers.push(() => gateway.close());
  const port = await freePort();
  const endpoint =
    kind === 'loki'
      ? `http://127.0.0.1:${gateway.port}/loki/api/v1/push`
      : `http://127.0.0.1:${gateway.port}`;
  const t = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch:
exporters:
  ${kind}:
    endpoint: ${endpoint}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [otlp], processors: [batch], exporters: [${kind}] }
`);
  closers.push(() => t.stop());
  const senders = startLogSenders(`http://127.0.0.1:${port}/v1/logs`);
  let peak = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, peakRssMiB(t.child.pid!));
  }
  await senders.stop();
  peak = Math.max(peak, peakRssMiB(t.child.pid!));
  gateway.delayMs = 0; // the backend catches up: the backlog drains
  await waitFor(
    () => {
      const got = arrived();
      for (const s of senders.acked) if (!got.has(s)) return false;
      return true;
    },
    `every record answered 2xx at ${kind}`,
    60_000,
  );
  await t.stop();
  console.log(
    `slow ${kind}: ${senders.acked.size} records answered 2xx, answers ${JSON.stringify(Object.fromEntries(senders.statuses))}, peak RSS ${peak.toFixed(0)} MiB`,
  );
  expect(peak).toBeLessThan(RSS_BOUND_MIB);
  // the backend really was the bottleneck, and refusals were only ever retryable ones
  expect(senders.statuses.get(429) ?? 0).toBeGreaterThan(0);
  expect([...senders.statuses.keys()].filter((s) => s !== 200 && s !== 429)).toEqual([]);
}

function seqsOf(texts: Iterable<string>): Set<number> {
  const out = new Set<number>();
  for (const t of texts) {
    const m = /seq-(\d+)-end/.exec(t);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

it('elasticsearch slower than its senders: bounded memory, throttled senders, nothing answered is lost', async () => {
  const es = await new EsStandin().start();
  closers.push(() => es.close());
  await run(
    'elasticsearch',
    () =>
      seqsOf(
        (function* () {
          for (const d of es.search('*')) yield String((d.source.body as { text?: string })?.text ?? '');
        })(),
      ),
    es.url,
  );
}, 120_000);

it('loki slower than its senders: bounded memory, throttled senders, nothing answered is lost', async () => {
  const loki = await new LokiStandin().start();
  closers.push(() => loki.close());
  await run(
    'loki',
    () =>
      seqsOf(
        (function* () {
          for (const s of loki.allStreams()) for (const e of s.entries) yield e.line;
        })(),
      ),
    loki.url,
  );
}, 120_000);
