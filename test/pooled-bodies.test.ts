// Request bodies come from a buffer pool and go back for reuse once the last
// holder of their spans let go: the batch processor, and each exporter's memory
// queue while it retries. A body given back too early is reused by a later
// request while its spans still wait to be sent, so the next hop would get
// another request's bytes (or the send would fail). Here a real pipeline
// (otlp receiver over HTTP, gzip and gRPC → batch, which also splits → two
// otlp_http exporters, one slow and refusing at first) must deliver every span
// exactly as sent to both next hops while the pool is being reused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../app/registry.js';
import { poolReuses } from '../src/codec/buffer-pool.js';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { validateConfig } from '../src/config/validate.js';
import { str } from '../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../src/pdata/create.js';
import { Service } from '../src/service/service.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { freePort } from './support/ports.js';
import { waitFor } from './support/tsunagi-process.js';
import { decodeUpstream } from './support/upstream-otlp.js';

const REQUESTS = 48;
const SPANS = 130; // not a divisor of the batch sizes: batch splits some requests
const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** One span's identity as the next hop sees it: name, trace ID (base64) and a check attribute. */
const key = (name: string, traceId: string, check: string) => `${name}|${traceId}|${check}`;

function makeRequest(i: number): { wire: Uint8Array; keys: string[] } {
  const rs = newResourceSpans();
  rs.resource.attributes.push({ key: 'service.name', value: str(`svc-${i % 5}`) });
  const ss = newScopeSpans();
  const keys: string[] = [];
  for (let j = 0; j < SPANS; j++) {
    const s = newSpan();
    s.name = `r${i}-s${j}`;
    s.traceId = new Uint8Array(16).map((_, k) => (i * 31 + j * 7 + k) & 0xff);
    s.spanId = new Uint8Array(8).map((_, k) => (i + j + k + 1) & 0xff);
    const check = `${i}:${j}:${'z'.repeat(120 + ((i + j) % 17))}`;
    s.attributes.push({ key: 'check', value: str(check) });
    ss.spans.push(s);
    keys.push(key(s.name, Buffer.from(s.traceId).toString('base64'), check));
  }
  rs.scopeSpans.push(ss);
  return { wire: encodeTraces({ resourceSpans: [rs] }), keys };
}

/** A next hop that records every span of the requests it accepted. */
class NextHop {
  readonly spans: string[] = [];
  port = 0;
  private server: Server;
  private seen = 0;

  /** `refuseFirst`: answer that many requests 503; `delayMs`: answer each accepted one that late. */
  constructor(refuseFirst: number, delayMs: number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.seen++ < refuseFirst) {
          res.writeHead(503, { 'retry-after': '0' }).end();
          return;
        }
        setTimeout(() => {
          const d = decodeUpstream('traces', Buffer.concat(chunks));
          for (const rs of d.resourceSpans)
            for (const ss of rs.scopeSpans)
              for (const s of ss.spans)
                this.spans.push(key(s.name, s.traceId, s.attributes[0]?.value?.stringValue ?? ''));
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        }, delayMs);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let svc: Service;
let httpPort: number;
let grpcPort: number;
const fast = new NextHop(0, 0);
const slow = new NextHop(4, 40);

beforeAll(async () => {
  await Promise.all([fast.start(), slow.start()]);
  [httpPort, grpcPort] = [await freePort(), await freePort()];
  const yaml = `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
      grpc: { endpoint: 127.0.0.1:${grpcPort} }
processors:
  batch: { send_batch_size: 450, send_batch_max_size: 500, timeout: 20ms }
exporters:
  otlp_http/fast:
    endpoint: http://127.0.0.1:${fast.port}
    compression: none
    sending_queue: { num_consumers: 2, queue_size: 200 }
  otlp_http/slow:
    endpoint: http://127.0.0.1:${slow.port}
    compression: none
    retry_on_failure: { initial_interval: 10ms, max_interval: 20ms }
    sending_queue: { num_consumers: 1, queue_size: 200 }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http/fast, otlp_http/slow] }
`;
  const r = validateConfig(parseYaml(yaml), registry);
  expect(r.errors).toEqual([]);
  svc = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics() });
  await svc.start();
});

afterAll(async () => {
  await svc?.shutdown();
  await Promise.all([fast.stop(), slow.stop()]);
});

function sendHttp(wire: Uint8Array, gzip: boolean): Promise<number> {
  return request(`http://127.0.0.1:${httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? gzipSync(wire) : wire,
  }).then(async (res) => {
    await res.body.arrayBuffer();
    return res.statusCode;
  });
}

function sendGrpc(client: grpc.Client, wire: Uint8Array): Promise<number> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      TRACES,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(wire),
      new grpc.Metadata(),
      (err) => resolve(err ? 500 : 200),
    ),
  );
}

describe('pooled request bodies through batch and queued exporters', () => {
  it('delivers every span exactly as sent to both next hops while bodies are reused', async () => {
    const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
    const expected: string[] = [];
    const statuses: number[] = [];
    // Waves of concurrent requests over the three paths into the pool.
    for (let wave = 0; wave < REQUESTS; wave += 12) {
      const sends: Promise<number>[] = [];
      for (let i = wave; i < wave + 12; i++) {
        const { wire, keys } = makeRequest(i);
        expect(wire.length).toBeGreaterThan(16 * 1024); // pooled sizes
        expected.push(...keys);
        sends.push(i % 3 === 2 ? sendGrpc(client, wire) : sendHttp(wire, i % 3 === 1));
      }
      statuses.push(...(await Promise.all(sends)));
    }
    client.close();
    expect(statuses).toEqual(new Array(REQUESTS).fill(200));

    const total = REQUESTS * SPANS;
    await waitFor(() => fast.spans.length >= total && slow.spans.length >= total, 'both next hops', 20_000);
    const want = [...expected].sort();
    expect([...fast.spans].sort()).toEqual(want);
    expect([...slow.spans].sort()).toEqual(want);
    // the holds ended with the deliveries: a request of an earlier size now gets a given-back buffer
    const reused = poolReuses();
    expect(await sendHttp(makeRequest(0).wire, false)).toBe(200);
    expect(poolReuses()).toBeGreaterThan(reused);
  });
});
