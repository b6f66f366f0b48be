// OTLP exporters over TLS against fake backends with a throwaway self-signed
// certificate (generated with the openssl CLI): trusted through tls.ca_file,
// refused without it, accepted with insecure_skip_verify; and mTLS, where the
// backend requires a client certificate (tls.cert_file / tls.key_file).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factory as grpcFactory } from '../exporters/otlp_grpc/factory.js';
import { factory as httpFactory } from '../exporters/otlp_http/factory.js';
import type { Exporter } from '../src/component/component.js';
import { captureLogger, settingsWith, traces } from '../src/exporterhelper/testing/helpers.js';
import { emptyHost } from './support/component.js';
import { FakeOtlpGrpcServer, FakeOtlpHttpServer, itemNames } from './support/fake-otlp.js';

let dir: string;
let caFile: string;
let clientCert: string;
let clientKey: string;
let tls: { cert: Buffer; key: Buffer };
const http = { server: undefined as unknown as FakeOtlpHttpServer, url: '' };
const grpc = { server: undefined as unknown as FakeOtlpGrpcServer, endpoint: '' };
const exporters: Exporter[] = [];

/** A self-signed EC certificate for `cn` (valid for localhost / 127.0.0.1). */
function selfSigned(certFile: string, keyFile: string, cn: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsunagi-tls-'));
  caFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  selfSigned(caFile, keyFile, 'localhost');
  clientCert = join(dir, 'client.pem');
  clientKey = join(dir, 'client-key.pem');
  selfSigned(clientCert, clientKey, 'tsunagi-client');
  tls = { cert: await readFile(caFile), key: await readFile(keyFile) };
  http.server = new FakeOtlpHttpServer({ tls });
  http.url = await http.server.listen();
  grpc.server = new FakeOtlpGrpcServer({ tls });
  grpc.endpoint = await grpc.server.listen();
});
afterAll(async () => {
  for (const e of exporters) await e.shutdown();
  await http.server?.close();
  await grpc.server?.close();
  await rm(dir, { recursive: true, force: true });
});

const inline = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };

async function httpExporter(tlsCfg: Record<string, unknown>, url = http.url) {
  const cfg = httpFactory.configSchema.parse({ endpoint: url, tls: tlsCfg, ...inline });
  const e = httpFactory.create(settingsWith('otlp_http', captureLogger().logger), cfg, ['traces']);
  exporters.push(e);
  await e.start(emptyHost);
  return e;
}

async function grpcExporter(tlsCfg: Record<string, unknown>, endpoint = grpc.endpoint) {
  const cfg = grpcFactory.configSchema.parse({ endpoint, tls: tlsCfg, ...inline });
  const e = grpcFactory.create(settingsWith('otlp_grpc', captureLogger().logger), cfg, ['traces']);
  exporters.push(e);
  await e.start(emptyHost);
  return e;
}

describe('OTLP exporters over TLS', () => {
  it('otlp_http trusts the server through tls.ca_file and refuses it without', async () => {
    await (await httpExporter({ ca_file: caFile })).consume('traces', traces('ok'));
    expect(itemNames(http.server.requests.at(-1)!)).toEqual(['ok']);
    await expect((await httpExporter({})).consume('traces', traces('no'))).rejects.toThrow(/certificate/);
    await (await httpExporter({ insecure_skip_verify: true })).consume('traces', traces('skip'));
    expect(http.server.requests.flatMap(itemNames)).toEqual(['ok', 'skip']);
  });

  it('otlp_grpc uses TLS by default, trusts tls.ca_file and refuses an unknown certificate', async () => {
    await (await grpcExporter({ ca_file: caFile })).consume('traces', traces('ok'));
    expect(grpc.server.requests.flatMap(itemNames)).toEqual(['ok']);
    await expect((await grpcExporter({})).consume('traces', traces('no'))).rejects.toMatchObject({
      retryable: true,
    });
    expect(grpc.server.requests.flatMap(itemNames)).toEqual(['ok']);
  });

  it('otlp_grpc accepts an untrusted certificate with insecure_skip_verify', async () => {
    await (await grpcExporter({ insecure_skip_verify: true })).consume('traces', traces('skip'));
    expect(grpc.server.requests.flatMap(itemNames)).toContain('skip');
  });
});

describe('OTLP exporters with a client certificate (mTLS)', () => {
  const mtls = async () => ({
    cert: tls.cert,
    key: tls.key,
    ca: await readFile(clientCert),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const withCert = () => ({ ca_file: caFile, cert_file: clientCert, key_file: clientKey });

  it('otlp_http sends tls.cert_file/key_file: accepted with them, refused without', async () => {
    const server = new FakeOtlpHttpServer({ tls: await mtls() });
    const url = await server.listen();
    try {
      await (await httpExporter(withCert(), url)).consume('traces', traces('mtls'));
      expect(server.requests.flatMap(itemNames)).toEqual(['mtls']);
      await expect(
        (await httpExporter({ ca_file: caFile }, url)).consume('traces', traces('no')),
      ).rejects.toThrow();
      expect(server.requests.flatMap(itemNames)).toEqual(['mtls']);
    } finally {
      // A client's open session would keep the server from closing.
      for (const e of exporters.splice(0)) await e.shutdown();
      await server.close();
    }
  });

  it('otlp_grpc sends tls.cert_file/key_file: accepted with them, refused without', async () => {
    const server = new FakeOtlpGrpcServer({ tls: await mtls() });
    const endpoint = await server.listen();
    try {
      await (await grpcExporter(withCert(), endpoint)).consume('traces', traces('mtls'));
      expect(server.requests.flatMap(itemNames)).toEqual(['mtls']);
      await expect(
        (await grpcExporter({ ca_file: caFile }, endpoint)).consume('traces', traces('no')),
      ).rejects.toMatchObject({ retryable: true });
      expect(server.requests.flatMap(itemNames)).toEqual(['mtls']);
    } finally {
      // A client's open session would keep the server from closing.
      for (const e of exporters.splice(0)) await e.shutdown();
      await server.close();
    }
  });
});
