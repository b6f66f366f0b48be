import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer } from '../../test/support/gated-consumer.js';
import { recordSpans, tracesProtoRequest } from '../../test/support/otlp-sdk-fixtures.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'otlp-tls-'));
const crt = join(dir, 'server.crt');
const key = join(dir, 'server.key');
const sock = join(dir, 'otlp.sock');
const traces = new TestConsumer<'traces'>();
let rx: OtlpReceiver;
let unixRx: OtlpReceiver;
let body: Buffer;

beforeAll(async () => {
  const args = '-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost';
  execFileSync(
    'openssl',
    [
      'req',
      ...args.split(' '),
      '-keyout',
      key,
      '-out',
      crt,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const tls = { cert_file: crt, key_file: key };
  const cfg = configSchema.parse({
    protocols: { grpc: { endpoint: '127.0.0.1:0', tls }, http: { endpoint: '127.0.0.1:0', tls } },
  });
  rx = factory.create(testSettings('otlp/tls'), cfg, { traces }) as OtlpReceiver;
  await rx.start(emptyHost);
  const unixCfg = configSchema.parse({ protocols: { grpc: { transport: 'unix', endpoint: sock } } });
  unixRx = factory.create(testSettings('otlp/unix'), unixCfg, { traces }) as OtlpReceiver;
  await unixRx.start(emptyHost);
  body = tracesProtoRequest(await recordSpans(1));
});

afterAll(async () => {
  await rx.shutdown();
  await unixRx.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function grpcExport(target: string, creds: grpc.ChannelCredentials) {
  const client = new grpc.Client(target, creds);
  return new Promise<grpc.ServiceError | null>((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => {
        client.close();
        resolve(err);
      },
    );
  });
}

describe('otlp receiver with TLS and unix sockets', () => {
  it('serves OTLP/HTTP over TLS', async () => {
    const [host, port] = rx.endpoints().http!.split(':');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host,
          port,
          path: '/v1/traces',
          method: 'POST',
          ca: readFileSync(crt),
          headers: { 'Content-Type': 'application/x-protobuf' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
  });

  it('serves OTLP/gRPC over TLS', async () => {
    const before = traces.received.length;
    const err = await grpcExport(
      `localhost:${rx.endpoints().grpc}`,
      grpc.credentials.createSsl(readFileSync(crt)),
    );
    expect(err).toBeNull();
    expect(traces.received.length).toBe(before + 1);
  });

  it('serves OTLP/gRPC on a unix socket', async () => {
    const err = await grpcExport(`unix:${sock}`, grpc.credentials.createInsecure());
    expect(err).toBeNull();
  });
});
