// Server TLS as the collector's configtls sets it up (issue: hostile and buggy
// clients, 5): `min_version` / `max_version` hold on the gRPC servers too
// (grpc-js's createSsl has no version knob, so a TLS 1.2 client got through
// `min_version: "1.3"`); `1.0` and `1.1` are refused by `validate`; and only
// `client_ca_file` asks clients for a certificate (`ca_file` on a server does
// not, as in configtls.ServerConfig).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factory as jaegerFactory } from '../receivers/jaeger/factory.js';
import type { JaegerReceiver } from '../receivers/jaeger/receiver.js';
import { configSchema as otlpSchema } from '../receivers/otlp/config.js';
import { factory as otlpFactory } from '../receivers/otlp/factory.js';
import type { OtlpReceiver } from '../receivers/otlp/receiver.js';
import { CollectingConsumer, emptyHost, testSettings } from './support/component.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-versions-'));
const crt = join(dir, 'server.crt');
const key = join(dir, 'server.key');
const open: { shutdown(): Promise<void> }[] = [];

beforeAll(() => {
  execFileSync(
    'openssl',
    [
      'req',
      ...'-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost'.split(
        ' ',
      ),
      '-keyout',
      key,
      '-out',
      crt,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
});
afterAll(async () => {
  for (const o of open.splice(0)) await o.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

type Handshake = { ok: true; protocol: string | null } | { ok: false; error: string };

/** A TLS handshake as a gRPC/HTTP client makes it (ALPN h2 / http/1.1), limited to `version`. */
function handshake(port: number, version: 'TLSv1.2' | 'TLSv1.3', alpn: string): Promise<Handshake> {
  return new Promise((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      minVersion: version,
      maxVersion: version,
      rejectUnauthorized: false,
      ALPNProtocols: [alpn],
    });
    s.on('secureConnect', () => {
      resolve({ ok: true, protocol: s.getProtocol() });
      s.destroy();
    });
    s.on('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

async function otlp(tls: Record<string, unknown>): Promise<OtlpReceiver> {
  const cfg = otlpSchema.parse({
    protocols: { grpc: { endpoint: '127.0.0.1:0', tls }, http: { endpoint: '127.0.0.1:0', tls } },
  });
  const rx = otlpFactory.create(testSettings('otlp/tls'), cfg, {
    traces: new CollectingConsumer<'traces'>(),
  }) as OtlpReceiver;
  await rx.start(emptyHost);
  open.push(rx);
  return rx;
}

async function jaeger(tls: Record<string, unknown>): Promise<JaegerReceiver> {
  const cfg = jaegerFactory.configSchema.parse({
    protocols: { grpc: { endpoint: '127.0.0.1:0', tls }, thrift_http: { endpoint: '127.0.0.1:0', tls } },
  });
  const rx = jaegerFactory.create(testSettings('jaeger/tls', 'receiver'), cfg, {
    traces: new CollectingConsumer<'traces'>(),
  }) as JaegerReceiver;
  await rx.start(emptyHost);
  open.push(rx);
  return rx;
}

describe('server TLS versions', () => {
  it('min_version 1.3 refuses a TLS 1.2 handshake on every server (OTLP and Jaeger, gRPC and HTTP)', async () => {
    const o = await otlp({ cert_file: crt, key_file: key, min_version: '1.3' });
    const j = await jaeger({ cert_file: crt, key_file: key, min_version: '1.3' });
    const ports: [string, number, string][] = [
      ['otlp grpc', o.endpoints().grpc!, 'h2'],
      ['otlp http', Number(o.endpoints().http!.split(':')[1]), 'http/1.1'],
      ['jaeger grpc', j.ports.grpc!, 'h2'],
      ['jaeger http', j.ports.thrift_http!, 'http/1.1'],
    ];
    for (const [what, port, alpn] of ports) {
      expect(await handshake(port, 'TLSv1.2', alpn), what).toMatchObject({ ok: false });
      expect(await handshake(port, 'TLSv1.3', alpn), what).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    }
  });

  it('max_version 1.2 refuses a TLS 1.3-only client on gRPC', async () => {
    const o = await otlp({ cert_file: crt, key_file: key, max_version: '1.2' });
    expect(await handshake(o.endpoints().grpc!, 'TLSv1.3', 'h2')).toMatchObject({ ok: false });
    expect(await handshake(o.endpoints().grpc!, 'TLSv1.2', 'h2')).toMatchObject({ ok: true });
  });

  it('ca_file without client_ca_file does not ask clients for a certificate', async () => {
    const o = await otlp({ cert_file: crt, key_file: key, ca_file: crt });
    // a client with no certificate completes the handshake and gets an answer over HTTP
    const port = Number(o.endpoints().http!.split(':')[1]);
    const status = await new Promise<number>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        s.write(
          'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
        );
      });
      let text = '';
      s.on('data', (d) => {
        text += d;
        const m = /^HTTP\/1\.1 (\d+)/.exec(text);
        if (m) {
          resolve(Number(m[1]));
          s.destroy();
        }
      });
      s.on('error', reject);
    });
    expect(status).toBe(200);
    expect(await handshake(o.endpoints().grpc!, 'TLSv1.3', 'h2')).toMatchObject({ ok: true });
  });

  it.each(['1.0', '1.1'])('min_version %s is refused by the config', (v) => {
    const otlpResult = otlpSchema.safeParse({
      protocols: { grpc: { tls: { cert_file: crt, key_file: key, min_version: v } } },
    });
    expect(otlpResult.success).toBe(false);
    expect(JSON.stringify(otlpResult.error?.issues)).toContain('TLS 1.0 and 1.1 are not supported');
    const jaegerResult = jaegerFactory.configSchema.safeParse({
      protocols: { grpc: { tls: { cert_file: crt, key_file: key, min_version: v } } },
    });
    expect(jaegerResult.success).toBe(false);
  });
});
