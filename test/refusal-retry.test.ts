// A refusal must make OTLP senders retry, not drop: the real memory_limiter
// refusal and a real full sending queue, answered by the real OTLP receiver
// over HTTP and gRPC, carry Retry-After / RetryInfo (RESOURCE_EXHAUSTED without
// RetryInfo is not retryable per the OTLP spec), and our own otlp_http /
// otlp_grpc exporters upstream retry until the data gets through.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { otlpGrpcConfigSchema } from '../exporters/otlp_grpc/config.js';
import { factory as grpcExporterFactory } from '../exporters/otlp_grpc/factory.js';
import { otlpHttpConfigSchema } from '../exporters/otlp_http/config.js';
import { factory as httpExporterFactory } from '../exporters/otlp_http/factory.js';
import { configSchema as limiterSchema } from '../processors/memory_limiter/config.js';
import { MemoryLimiter, type MemorySource } from '../processors/memory_limiter/limiter.js';
import { computeLimits } from '../processors/memory_limiter/memory.js';
import { MemoryLimiterProcessor } from '../processors/memory_limiter/processor.js';
import { configSchema as receiverSchema } from '../receivers/otlp/config.js';
import { factory as receiverFactory } from '../receivers/otlp/factory.js';
import type { OtlpReceiver } from '../receivers/otlp/receiver.js';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import type { Consumer } from '../src/component/consumer.js';
import {
  captureLogger,
  counterValue,
  settingsWith,
  spanNames,
  traces,
} from '../src/exporterhelper/testing/helpers.js';
import type { TracesData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { CollectingConsumer, emptyHost, testSettings } from './support/component.js';
import { decodeRpcStatus } from './support/rpc-status.js';
import { waitFor } from './support/tsunagi-process.js';

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const MiB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startReceiver(traces: Consumer<'traces'>) {
  const metrics = new SelfMetrics();
  const cfg = receiverSchema.parse({
    protocols: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } },
  });
  const rx = receiverFactory.create(testSettings('otlp', 'receiver', metrics), cfg, {
    traces,
  }) as OtlpReceiver;
  await rx.start(emptyHost);
  cleanups.push(() => rx.shutdown());
  return { rx, metrics, http: `http://${rx.endpoints().http}`, grpc: `127.0.0.1:${rx.endpoints().grpc}` };
}

function grpcCall(target: string, body: Uint8Array): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACES,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      body,
      new grpc.Metadata(),
      (err) => {
        client.close();
        resolve(err);
      },
    );
  });
}

const refusedCount = (metrics: SelfMetrics) =>
  counterValue(metrics, 'otelcol_receiver_refused_spans_total', { receiver: 'otlp' });

async function expectRetryableRefusal(
  ep: { http: string; grpc: string },
  body: Uint8Array,
  message: string,
  delayMs: number,
) {
  const res = await fetch(`${ep.http}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(Math.ceil(delayMs / 1000)));
  expect(decodeRpcStatus(new Uint8Array(await res.arrayBuffer()))).toMatchObject({
    code: grpc.status.RESOURCE_EXHAUSTED,
    message,
    retryDelayMs: delayMs,
  });

  const err = await grpcCall(ep.grpc, body);
  expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  const details = err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
  expect(decodeRpcStatus(details)).toMatchObject({ message, retryDelayMs: delayMs });
}

function upstreamExporter(kind: 'otlp_http' | 'otlp_grpc', ep: { http: string; grpc: string }) {
  const logger = captureLogger();
  const metrics = new SelfMetrics();
  const retry = { initial_interval: '20ms', max_interval: '50ms', max_elapsed_time: '20s' };
  const exp =
    kind === 'otlp_http'
      ? httpExporterFactory.create(
          settingsWith(kind, logger.logger, metrics),
          otlpHttpConfigSchema.parse({ endpoint: ep.http, retry_on_failure: retry }),
          ['traces'],
        )
      : grpcExporterFactory.create(
          settingsWith(kind, logger.logger, metrics),
          otlpGrpcConfigSchema.parse({ endpoint: ep.grpc, tls: { insecure: true }, retry_on_failure: retry }),
          ['traces'],
        );
  cleanups.push(() => exp.shutdown());
  return { exp, logger, metrics };
}

class FakeMemory implements MemorySource {
  rssBytes = 0;
  inUse = () => this.rssBytes;
  gc = () => {};
  now = () => Date.now();
}

/** The real limiter and processor, reading an injected RSS; the test drives check(). */
function refusingLimiter(checkIntervalMs: number) {
  const cfg = limiterSchema.parse({ check_interval: checkIntervalMs, limit_mib: 100, spike_limit_mib: 20 });
  const mem = new FakeMemory();
  mem.rssBytes = 95 * MiB; // above the soft limit (80 MiB)
  const limiter = new MemoryLimiter(
    computeLimits(cfg),
    checkIntervalMs,
    { soft: 0, hard: 0 },
    silentLogger(),
    mem,
  );
  limiter.check();
  const sink = new CollectingConsumer<'traces'>();
  const processor = new MemoryLimiterProcessor<'traces'>(limiter, sink);
  return { mem, limiter, sink, processor };
}

describe('memory_limiter refusal through the OTLP receiver', () => {
  it('answers 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo', async () => {
    const { processor } = refusingLimiter(60_000);
    const ep = await startReceiver(processor);
    const body = encodeTraces(traces('a'));
    // The hint is the check interval (the earliest memory is measured again).
    await expectRetryableRefusal(ep, body, 'data refused due to high memory usage', 60_000);
  });

  for (const kind of ['otlp_http', 'otlp_grpc'] as const) {
    it(`our ${kind} exporter upstream retries the refusal and delivers once memory is back`, async () => {
      // A 1 s check interval → a 1 s hint, keeping the test short.
      const { mem, limiter, sink, processor } = refusingLimiter(1000);
      expect(limiter.refusing).toBe(true);
      const ep = await startReceiver(processor);
      const up = upstreamExporter(kind, ep);
      await up.exp.start(emptyHost);
      await up.exp.consume('traces', traces('s1', 's2'));
      // Refused at least once, nothing delivered yet.
      await waitForAsync(async () => (await refusedCount(ep.metrics)) >= 2, 'a refusal');
      expect(sink.received).toEqual([]);
      mem.rssBytes = 10 * MiB;
      limiter.check();
      await waitFor(() => sink.received.length === 1, 'the retried batch');
      expect(spanNames(sink.received[0])).toEqual(['s1', 's2']);
      expect(
        await counterValue(up.metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: kind }),
      ).toBe(0);
      expect(up.logger.lines.some((l) => String(l.msg).includes('Dropping data'))).toBe(false);
    });
  }
});

/** A backend that holds every request until release() (then answers 200). */
class HeldBackend {
  private server: Server;
  private held: ServerResponse[] = [];
  requests = 0;
  holding = true;
  url = '';
  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        this.requests++;
        if (this.holding) this.held.push(res);
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
  }
  async listen() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  release() {
    this.holding = false;
    for (const r of this.held.splice(0)) r.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  }
  close() {
    this.release();
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('full sending queue through the OTLP receiver', () => {
  it('answers 429 + Retry-After: 1 / RESOURCE_EXHAUSTED + RetryInfo 1s, and upstream exporters retry', async () => {
    const backend = await new HeldBackend().listen();
    cleanups.push(() => backend.close());
    // The real exporter with a one-request queue and one sender.
    const downstream = httpExporterFactory.create(
      settingsWith('otlp_http/down', silentLogger()),
      otlpHttpConfigSchema.parse({
        endpoint: backend.url,
        sending_queue: { queue_size: 1, num_consumers: 1 },
        retry_on_failure: { enabled: false },
      }),
      ['traces'],
    );
    await downstream.start(emptyHost);
    cleanups.push(() => {
      backend.release();
      return downstream.shutdown();
    });
    const ep = await startReceiver({ consume: (d: TracesData) => downstream.consume('traces', d) });
    const body = encodeTraces(traces('x'));
    // One request in flight (held by the backend) fills a one-request queue.
    await downstream.consume('traces', traces('in-flight'));
    await waitFor(() => backend.requests === 1, 'the first request at the backend');
    await expectRetryableRefusal(ep, body, 'sending queue is full', 1000);

    const upHttp = upstreamExporter('otlp_http', ep);
    const upGrpc = upstreamExporter('otlp_grpc', ep);
    await upHttp.exp.start(emptyHost);
    await upGrpc.exp.start(emptyHost);
    const before = await refusedCount(ep.metrics);
    await upHttp.exp.consume('traces', traces('from-http'));
    await upGrpc.exp.consume('traces', traces('from-grpc'));
    await waitForAsync(async () => (await refusedCount(ep.metrics)) >= before + 2, 'upstream refusals');
    backend.release();
    // The held batch and the two upstream batches, each exactly once.
    await waitFor(() => backend.requests === 3, 'all three batches at the backend');
    for (const up of [upHttp, upGrpc]) {
      expect(up.logger.lines.some((l) => String(l.msg).includes('Dropping data'))).toBe(false);
    }
  });
});

async function waitForAsync(cond: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
