// Half-open HTTP/2 streams (issue: hostile and buggy clients, 4): one client
// opening streams with partial gRPC messages and never finishing them held
// 6.6 KiB per stream without bound (100k streams: 660 MiB) and kept other
// clients out. The receivers now advertise `max_concurrent_streams` (100 by
// default), let a connection read at most a few messages at once, and end a call
// whose message does not arrive in time (src/receiverhelper/grpc-server.ts).
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factory as jaegerFactory } from '../receivers/jaeger/factory.js';
import type { JaegerReceiver } from '../receivers/jaeger/receiver.js';
import { configSchema as otlpSchema } from '../receivers/otlp/config.js';
import { factory as otlpFactory } from '../receivers/otlp/factory.js';
import type { OtlpReceiver } from '../receivers/otlp/receiver.js';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { traces } from '../src/exporterhelper/testing/helpers.js';
import { messageGuard } from '../src/receiverhelper/grpc-server.js';
import { CollectingConsumer, emptyHost, testSettings } from './support/component.js';
import { waitFor } from './support/tsunagi-process.js';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const open: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of open.splice(0).reverse()) await c();
});

function h2(port: number): Promise<ClientHttp2Session> {
  const s = connect(`http://127.0.0.1:${port}`);
  open.push(() => {
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    s.once('remoteSettings', () => resolve(s));
    s.once('error', reject);
  });
}

/** A gRPC call that sends its headers and 10 bytes of a message announced as 1 MiB, then nothing. */
function halfOpen(s: ClientHttp2Session, path = EXPORT) {
  const stream = s.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const frame = Buffer.alloc(15);
  frame.writeUInt32BE(1024 * 1024, 1);
  stream.write(frame);
  const ended = new Promise<{ status?: string; rst?: number }>((resolve) => {
    let status: string | undefined;
    stream.on('trailers', (t) => {
      status = String(t['grpc-status']);
    });
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
    });
    stream.on('close', () => resolve({ status, rst: stream.rstCode }));
    stream.on('error', () => {});
  });
  return { stream, ended };
}

function unary(port: number, path: string, body: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => {
        client.close();
        resolve(err);
      },
    ),
  );
}

describe('gRPC receivers under half-open streams', () => {
  let otlp: OtlpReceiver;
  let jaeger: JaegerReceiver;
  const received = new CollectingConsumer<'traces'>();

  beforeAll(async () => {
    otlp = otlpFactory.create(
      testSettings('otlp'),
      otlpSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }),
      { traces: received },
    ) as OtlpReceiver;
    await otlp.start(emptyHost);
    open.push(() => otlp.shutdown());
    jaeger = jaegerFactory.create(
      testSettings('jaeger', 'receiver'),
      jaegerFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }),
      { traces: new CollectingConsumer<'traces'>() },
    ) as JaegerReceiver;
    await jaeger.start(emptyHost);
    open.push(() => jaeger.shutdown());
  });

  it('advertise max_concurrent_streams 100 (OTLP and Jaeger)', async () => {
    expect((await h2(otlp.endpoints().grpc!)).remoteSettings.maxConcurrentStreams).toBe(100);
    expect((await h2(jaeger.ports.grpc!)).remoteSettings.maxConcurrentStreams).toBe(100);
  });

  it('a connection full of half-open streams does not keep another client out', async () => {
    const s = await h2(otlp.endpoints().grpc!);
    const calls = Array.from({ length: 100 }, () => halfOpen(s));
    // the server has them all (each got its headers answered or is waiting its turn)
    await new Promise((r) => setTimeout(r, 100));
    const err = await unary(otlp.endpoints().grpc!, EXPORT, Buffer.from(encodeTraces(traces('other'))));
    expect(err).toBeNull();
    expect(received.received.length).toBeGreaterThan(0);
    for (const c of calls) c.stream.close(constants.NGHTTP2_CANCEL);
  });
});

describe('messageGuard (the interceptor behind the read bound and the timeout)', () => {
  let port = 0;
  const handled: string[] = [];

  beforeAll(async () => {
    // two calls per connection read at once, a message must arrive within 300 ms
    const server = new grpc.Server({ interceptors: [messageGuard(2, 300)] });
    server.register(
      '/t.T/Echo',
      (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        handled.push(call.request.toString());
        cb(null, call.request);
      },
      (b: Buffer) => b,
      (b: Buffer) => b,
      'unary',
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    open.push(() => {
      server.forceShutdown();
    });
  });

  it('ends a call whose message does not arrive in time, with RESOURCE_EXHAUSTED', async () => {
    const s = await h2(port);
    const { ended } = halfOpen(s, '/t.T/Echo');
    const out = await ended;
    expect(out.status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
  });

  it('lets a connection read two messages at once; a third waits for a slot, then is served', async () => {
    const s = await h2(port);
    const a = halfOpen(s, '/t.T/Echo');
    const b = halfOpen(s, '/t.T/Echo');
    // a complete call on the same connection: it waits until a slot frees (a and b time out)
    const frame = Buffer.alloc(5 + 3);
    frame.writeUInt32BE(3, 1);
    frame.write('abc', 5);
    const c = s.request({
      ':method': 'POST',
      ':path': '/t.T/Echo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    c.end(frame);
    c.on('error', () => {});
    await waitFor(() => handled.includes('abc'), 'the third call to be served', 5000);
    expect((await a.ended).status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    expect((await b.ended).status).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    // another connection is not held up by this one's slots
    handled.length = 0;
    const s2 = await h2(port);
    const d = s2.request({
      ':method': 'POST',
      ':path': '/t.T/Echo',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const frame2 = Buffer.from(frame);
    frame2.write('xyz', 5);
    d.end(frame2);
    d.on('error', () => {});
    await waitFor(() => handled.includes('xyz'), 'a call on another connection', 2000);
  });
});
