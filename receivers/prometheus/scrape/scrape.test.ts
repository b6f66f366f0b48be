// The HTTP side of scrapes and what a failing one does, one scrape at a time
// (scrape_interval 1h, scrapes driven by hand): basic / bearer /
// authorization credentials (files re-read), TLS, limits, timeouts, gzip, a
// refusing pipeline, and the phase of each target in the interval.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { retryableError } from '../../../src/component/errors.js';
import { expandEnv } from '../../../src/config/expand.js';
import type { MetricsData } from '../../../src/pdata/types.js';
import { SelfMetrics } from '../../../src/telemetry/self-metrics.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../../test/support/component.js';
import { MetricsTarget } from '../../../test/support/metrics-target.js';
import { factory } from '../factory.js';
import type { PrometheusReceiver } from '../receiver.js';
import { scrapeOffsetMs } from './offset.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-scrape-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  yaml: string,
  consumer = new CollectingConsumer<'metrics'>(),
  metrics = new SelfMetrics(),
) {
  const cfg = factory.configSchema.parse(expandEnv(parseYaml(yaml), {}).value);
  const r = factory.create(testSettings('prometheus', 'receiver', metrics), cfg, {
    metrics: consumer,
  }) as PrometheusReceiver;
  await (r as unknown as { start(h: typeof emptyHost): Promise<void> }).start(emptyHost);
  cleanups.push(() => r.shutdown());
  await r.pools[0].synced;
  const loop = r.pools[0].scrapeLoops[0];
  return { consumer, loop };
}

const job = (address: string, extra = '', scheme = 'http') => `
config:
  scrape_configs:
    - job_name: t
      scrape_interval: 1h
      scheme: ${scheme}
      static_configs: [{ targets: ['${address}'] }]
${extra
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
`;

function upOf(md: MetricsData | undefined): number | undefined {
  for (const rm of md?.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) if (m.name === 'up') return m.gauge?.dataPoints[0].asDouble;
  return undefined;
}

async function target(text = 'm 1\n', tls?: { cert: Buffer; key: Buffer }) {
  const t = await new MetricsTarget({ text }, tls).listen();
  cleanups.push(() => t.close());
  return t;
}

describe('credentials', () => {
  it('basic_auth with password_file; a wrong password is up=0 with the HTTP status', async () => {
    const t = await target();
    t.requireAuthorization = `Basic ${Buffer.from('prom:s3cret').toString('base64')}`;
    const pw = join(dir, 'password');
    writeFileSync(pw, 's3cret\n');
    const { consumer, loop } = await start(
      job(t.address, `basic_auth: { username: prom, password_file: ${pw} }`),
    );
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(1);
    writeFileSync(pw, 'wrong');
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(0);
    expect(loop.lastError).toBe('server returned HTTP status 401 Unauthorized');
  });

  it('bearer_token_file is re-read on every scrape (rotated tokens)', async () => {
    const t = await target();
    const tok = join(dir, 'token');
    writeFileSync(tok, 'first');
    t.requireAuthorization = 'Bearer first';
    const { consumer, loop } = await start(job(t.address, `bearer_token_file: ${tok}`));
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(1);
    writeFileSync(tok, 'second\n');
    t.requireAuthorization = 'Bearer second';
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(1);
    expect(t.requests.at(-1)?.headers.authorization).toBe('Bearer second');
  });

  it('authorization with a custom type, and http_headers', async () => {
    const t = await target();
    t.requireAuthorization = 'Token abc';
    const { consumer, loop } = await start(
      job(
        t.address,
        'authorization: { type: Token, credentials: abc }\nhttp_headers: { X-Tenant: { values: [t1] } }',
      ),
    );
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(1);
    expect(t.requests.at(-1)?.headers['x-tenant']).toBe('t1');
  });
});

describe('TLS', () => {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
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
      '/CN=metrics.test',
      '-addext',
      'subjectAltName=DNS:metrics.test,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };

  it('trusts the CA of tls_config.ca_file; refuses an unknown CA; insecure_skip_verify; server_name', async () => {
    const t = await target('m 1\n', tls);
    const ok = await start(job(t.address, `tls_config: { ca_file: ${certFile} }`, 'https'));
    await ok.loop.scrapeOnce();
    expect(upOf(ok.consumer.received.at(-1))).toBe(1);
    expect(ok.loop.target.url).toBe(`https://${t.address}/metrics`);

    const unknown = await start(job(t.address, '', 'https'));
    await unknown.loop.scrapeOnce();
    expect(upOf(unknown.consumer.received.at(-1))).toBe(0);
    expect(unknown.loop.lastError).toMatch(/self[- ]signed certificate|SELF_SIGNED/i);

    const skip = await start(job(t.address, 'tls_config: { insecure_skip_verify: true }', 'https'));
    await skip.loop.scrapeOnce();
    expect(upOf(skip.consumer.received.at(-1))).toBe(1);

    const named = await start(
      job(t.address, `tls_config: { ca_file: ${certFile}, server_name: other.test }`, 'https'),
    );
    await named.loop.scrapeOnce();
    expect(named.loop.lastError).toMatch(/other\.test/);
  });
});

describe('limits and failures', () => {
  it('body_size_limit (plain and gzip), sample_limit: up=0 with the reason', async () => {
    const t = await target(`${'m{a="xxxxxxxxxxxxxxxx"} 1\n'.repeat(100)}`);
    const big = await start(job(t.address, 'body_size_limit: 1KB\nenable_compression: false'));
    await big.loop.scrapeOnce();
    expect(big.loop.lastError).toMatch(/^body size limit exceeded/);
    const gz = await start(job(t.address, 'body_size_limit: 1KB'));
    await gz.loop.scrapeOnce();
    expect(t.requests.at(-1)?.headers['accept-encoding']).toBe('gzip');
    expect(gz.loop.lastError).toMatch(/^body size limit exceeded/);
    const many = await target('a 1\nb 2\nc 3\n');
    const limited = await start(job(many.address, 'sample_limit: 2'));
    await limited.loop.scrapeOnce();
    expect(upOf(limited.consumer.received.at(-1))).toBe(0);
    expect(limited.loop.lastError).toBe('sample limit exceeded (limit 2)');
  });

  it('a target slower than scrape_timeout: up=0, context deadline exceeded; a bad exposition: up=0 with the parse error', async () => {
    const slow: Server = createServer((_req, res) => {
      setTimeout(() => res.end('m 1\n'), 2000);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    });
    const addr = `127.0.0.1:${(slow.address() as { port: number }).port}`;
    const { consumer, loop } = await start(job(addr, 'scrape_timeout: 200ms'));
    await loop.scrapeOnce();
    expect(upOf(consumer.received.at(-1))).toBe(0);
    expect(loop.lastError).toMatch(/context deadline exceeded/);

    const bad = await target('ok 1\nbad{ 2\n');
    const b = await start(job(bad.address));
    await b.loop.scrapeOnce();
    expect(upOf(b.consumer.received.at(-1))).toBe(0);
    expect(b.loop.lastError).toMatch(/line 2/);
  });

  it('a refusing pipeline: counted and logged, the next scrape goes on', async () => {
    const t = await target();
    const consumer = new CollectingConsumer<'metrics'>();
    const metrics = new SelfMetrics();
    const { loop } = await start(job(t.address), consumer, metrics);
    consumer.failWith = retryableError('queue is full', { throttled: true });
    await loop.scrapeOnce();
    consumer.failWith = undefined;
    await loop.scrapeOnce();
    expect(consumer.received).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /otelcol_receiver_refused_metric_points_total\{receiver="prometheus",transport="http"\} 6/,
    );
    expect(text).toMatch(
      /otelcol_receiver_accepted_metric_points_total\{receiver="prometheus",transport="http"\} 6/,
    );
  });
});

describe('scrape phase', () => {
  it('targets get different fixed offsets within the interval, stable across calls', () => {
    const offsets = ['a', 'b', 'c', 'd'].map((k) => scrapeOffsetMs(k, 7, 10_000, 1_000_000));
    expect(new Set(offsets).size).toBe(4);
    for (const o of offsets) expect(o).toBeGreaterThanOrEqual(0);
    for (const o of offsets) expect(o).toBeLessThanOrEqual(10_000);
    // the phase is pinned to absolute time: a later call lands on the same slot
    const at = (now: number) => (now + scrapeOffsetMs('a', 7, 10_000, now)) % 10_000;
    expect(at(1_000_000)).toBe(at(1_003_333));
  });
});
