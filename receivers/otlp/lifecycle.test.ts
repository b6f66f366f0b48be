import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { recordSpans, tracesProtoRequest } from '../../test/support/otlp-sdk-fixtures.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

let blocker: Server;
let busyPort: number;

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  busyPort = (blocker.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => blocker.close(r));
});

function receiver(protocols: object) {
  const traces = new TestConsumer<'traces'>();
  const rx = factory.create(testSettings('otlp'), configSchema.parse({ protocols }), {
    traces,
  }) as OtlpReceiver;
  return { rx, traces };
}

describe('otlp receiver lifecycle', () => {
  it('start() rejects naming the endpoint when the HTTP port is taken', async () => {
    const { rx } = receiver({ http: { endpoint: `127.0.0.1:${busyPort}` } });
    await expect(rx.start(emptyHost)).rejects.toThrow(
      `otlp receiver: cannot listen for HTTP on 127.0.0.1:${busyPort}: listen EADDRINUSE`,
    );
  });

  it('start() rejects naming the endpoint when the gRPC port is taken, and releases the other server', async () => {
    const { rx } = receiver({ grpc: { endpoint: `127.0.0.1:${busyPort}` } });
    await expect(rx.start(emptyHost)).rejects.toThrow(
      `otlp receiver: cannot listen for gRPC on 127.0.0.1:${busyPort}`,
    );

    // gRPC binds first; when HTTP then fails the gRPC port is released again.
    const probe = receiver({ grpc: { endpoint: '127.0.0.1:0' } });
    await probe.rx.start(emptyHost);
    const grpcPort = probe.rx.endpoints().grpc!;
    await probe.rx.shutdown();
    const both = receiver({
      grpc: { endpoint: `127.0.0.1:${grpcPort}` },
      http: { endpoint: `127.0.0.1:${busyPort}` },
    });
    await expect(both.rx.start(emptyHost)).rejects.toThrow(/HTTP on/);
    const again = receiver({ grpc: { endpoint: `127.0.0.1:${grpcPort}` } });
    await again.rx.start(emptyHost);
    await again.rx.shutdown();
  });

  it('start() rejects when a TLS file is missing, naming it', async () => {
    const { rx } = receiver({
      http: {
        endpoint: '127.0.0.1:0',
        tls: { cert_file: '/nonexistent/test.crt', key_file: '/nonexistent/test.key' },
      },
    });
    await expect(rx.start(emptyHost)).rejects.toThrow(
      /failed to load TLS cert_file "\/nonexistent\/test.crt"/,
    );
  });

  it('shutdown() lets an in-flight request finish, then stops accepting', async () => {
    const { rx, traces } = receiver({ http: { endpoint: '127.0.0.1:0' } });
    await rx.start(emptyHost);
    const url = `http://${rx.endpoints().http}/v1/traces`;
    const body = tracesProtoRequest(await recordSpans(1));
    traces.hold();
    const inflight = fetch(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-protobuf' },
    });
    await until(() => traces.calls === 1);
    const closed = rx.shutdown();
    traces.open();
    expect((await inflight).status).toBe(200);
    await closed;
    await expect(
      fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-protobuf' } }),
    ).rejects.toThrow();
  });
});
