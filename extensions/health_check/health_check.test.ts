import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig, validateConfig } from '../../src/config/validate.js';
import { Service } from '../../src/service/service.js';
import { Recorder } from '../../src/service/test-fakes.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not met');
}

import { goDuration } from './server.js';

type WithPort = { start(h: unknown): Promise<void>; shutdown(): Promise<void>; port(): number };
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

function extension(cfg: Record<string, unknown>, ready: () => boolean): WithPort {
  const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...cfg });
  const ext = factory.create(testSettings('health_check', 'extension'), config, {
    pipelinesReady: ready,
  }) as unknown as WithPort;
  cleanup.push(() => ext.shutdown());
  return ext;
}

describe('health_check config', () => {
  it('validates the collector fixture: defaults, response_body, and the invalid entries', () => {
    const fixture = parseYaml(
      readFileSync(
        new URL('../../test/fixtures/collector-configs/healthcheckextension.yaml', import.meta.url),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const results = Object.fromEntries(
      Object.entries(fixture).map(([id, cfg]) => {
        const r = parseComponentConfig(factory, cfg, `extensions::${id}`);
        return [id, r.ok ? r.config : r.issues.map(formatIssue)];
      }),
    );
    expect(results.health_check).toEqual({ endpoint: 'localhost:13133', path: '/' });
    expect(results['health_check/response-body']).toEqual({
      endpoint: 'localhost:13133',
      path: '/',
      response_body: { healthy: "I'm OK", unhealthy: "I'm not well" },
    });
    expect(results['health_check/1']).toMatchObject({
      endpoint: 'localhost:13',
      tls: {
        ca_file: '/path/to/ca',
        key_file: '/path/to/key',
        cert_file: '/path/to/cert',
        min_version: '1.2',
      },
    });
    expect(results['health_check/missingendpoint']).toEqual([
      'extensions::health_check/missingendpoint::endpoint: expected host:port, e.g. "localhost:4317"',
    ]);
    expect(results['health_check/invalidthreshold']).toEqual([
      'extensions::health_check/invalidthreshold::check_collector_pipeline::exporter_failure_threshold: Too small: expected number to be >0',
    ]);
    expect(results['health_check/invalidpath']).toEqual([
      'extensions::health_check/invalidpath::path: path must start with "/"',
    ]);
  });

  it('formats uptime like Go durations', () => {
    expect(goDuration(350)).toBe('350ms');
    expect(goDuration(62_500)).toBe('1m2.5s');
    expect(goDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('health_check server', () => {
  it('answers 503 until the pipelines run, 200 while they do, 503 again when they stop', async () => {
    let ready = false;
    const ext = extension({ path: '/health' }, () => ready);
    await ext.start({});
    const url = `http://127.0.0.1:${ext.port()}/health`;
    let res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'Server not available',
      upSince: '0001-01-01T00:00:00Z',
      uptime: '',
    });
    ready = true;
    res = await fetch(url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; upSince: string; uptime: string };
    expect(body.status).toBe('Server available');
    expect(Number.isNaN(Date.parse(body.upSince))).toBe(false);
    expect(body.uptime).toMatch(/^\d+(\.\d+)?(ms|s)$/);
    ready = false;
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${ext.port()}/other`)).status).toBe(404);
  });

  it('serves the configured response_body strings', async () => {
    let ready = true;
    const ext = extension({ response_body: { healthy: 'ok!', unhealthy: 'sick' } }, () => ready);
    await ext.start({});
    const url = `http://127.0.0.1:${ext.port()}/`;
    expect(await (await fetch(url)).text()).toBe('ok!');
    ready = false;
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([503, 'sick']);
  });

  it('reports the service state: 503 while starting, 200 once running, closed after shutdown', async () => {
    const rec = new Recorder();
    const registry = rec.registry();
    registry.extensions.push(factory);
    const r = validateConfig(
      parseYaml(`
extensions: {health_check: {endpoint: "127.0.0.1:0"}}
receivers: {rcv: }
exporters: {exp: }
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines: {logs: {receivers: [rcv], exporters: [exp]}}
`),
      registry,
    );
    const svc = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics() });
    cleanup.push(() => svc.shutdown());
    let openGate: () => void = () => {};
    rec.startGates.set(
      'rcv',
      new Promise<void>((resolve) => {
        openGate = resolve;
      }),
    );
    const started = svc.start();
    // The extension is up before the receiver finishes starting: 503 while starting.
    const getExt = () => svc.host.getExtension('health_check') as unknown as WithPort | undefined;
    await waitFor(() => getExt() !== undefined);
    const url = `http://127.0.0.1:${getExt()!.port()}/`;
    expect((await fetch(url)).status).toBe(503);
    openGate();
    await started;
    expect((await fetch(url)).status).toBe(200);
    await svc.shutdown();
    await expect(fetch(url)).rejects.toThrow(); // closed with the service
  });
});

describe('health_check over TLS', () => {
  it('serves HTTPS with the configured certificate; ca_file alone asks no client certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsunagi-health-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
        ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    );
    const ext = extension({ tls: { cert_file: cert, key_file: key, ca_file: cert } }, () => true);
    await ext.start({});
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsGet(
        { host: '127.0.0.1', port: ext.port(), path: '/', ca: readFileSync(cert), servername: 'localhost' },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
    });
    expect(body.status).toBe(200);
    expect(JSON.parse(body.text).status).toBe('Server available');
    // Plain HTTP on the TLS port is not served.
    await expect(fetch(`http://127.0.0.1:${ext.port()}/`)).rejects.toThrow();
  });

  it('`tls:` with no value is plain HTTP; a tls block without a certificate is an error', () => {
    const bare = parseComponentConfig(factory, parseYaml('tls:\n'), 'extensions::health_check');
    expect(bare.ok && bare.config).toEqual({ endpoint: 'localhost:13133', path: '/' });
    const r = parseComponentConfig(factory, { tls: { ca_file: '/x' } }, 'extensions::health_check');
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      'extensions::health_check::tls: a TLS server needs both a certificate (cert_file/cert_pem) and a key (key_file/key_pem)',
    ]);
  });
});
