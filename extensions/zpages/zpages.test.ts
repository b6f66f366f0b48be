import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { StatusSnapshot, StatusSource } from '../../src/component/status.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig, validateConfig } from '../../src/config/validate.js';
import { Service } from '../../src/service/service.js';
import { Recorder } from '../../src/service/test-fakes.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { componentProperties, pipelinez } from './debug-pages.js';
import { factory } from './factory.js';
import { Sampler } from './sampler.js';
import { ZPagesServer } from './server.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

function parse(cfg: unknown): unknown {
  const r = parseComponentConfig(factory, cfg, 'extensions::zpages');
  return r.ok ? r.config : r.issues.map(formatIssue);
}

describe('zpages config', () => {
  it("takes the collector's keys and defaults (confighttp server + expvar), the collector's fixture included", () => {
    expect(parse(null)).toMatchObject({
      endpoint: 'localhost:55679',
      expvar: { enabled: false },
      keep_alives_enabled: true,
      read_header_timeout: 60_000,
    });
    // the collector's testdata/config.yaml
    expect(parse({ endpoint: 'localhost:56888' })).toMatchObject({ endpoint: 'localhost:56888' });
    expect(
      parse({
        endpoint: '0.0.0.0:55679',
        expvar: { enabled: true },
        cors: { allowed_origins: ['https://*.example.com'] },
        response_headers: { 'x-a': 'b' },
        idle_timeout: '5s',
        tls: null,
      }),
    ).toMatchObject({ expvar: { enabled: true }, idle_timeout: 5000, response_headers: { 'x-a': 'b' } });
  });

  it('refuses what it cannot honour, with the path', () => {
    expect(parse({ endpoint: '' })).toEqual([
      'extensions::zpages::endpoint: expected host:port, e.g. "localhost:4317"',
    ]);
    expect(parse({ auth: { authenticator: 'basicauth' } })).toEqual([
      "extensions::zpages::auth: auth is not supported by tsunagi's zpages extension (authenticator extensions are not implemented)",
    ]);
    expect((parse({ expvar: { enabled: 'yes' } }) as string[])[0]).toContain(
      'extensions::zpages::expvar::enabled',
    );
    expect((parse({ endpiont: 'localhost:1' }) as string[])[0]).toContain('endpiont');
  });
});

/** A status source that counts how often it is read. */
function countingSource(): StatusSource & { reads: number; inCount: number } {
  const s = {
    reads: 0,
    inCount: 0,
    snapshot(): StatusSnapshot {
      s.reads++;
      return {
        at: Date.now(),
        service: {
          name: 'tsunagi',
          version: 't',
          startedAt: 0,
          state: 'running',
          runtime: { node: '', os: '', arch: '' },
        },
        process: {
          pid: 1,
          rssBytes: 0,
          heapUsedBytes: 0,
          heapTotalBytes: 0,
          externalBytes: 0,
          cpuSeconds: 0,
          uptimeSeconds: 0,
        },
        pipelines: [],
        connectors: [],
        extensions: [],
        components: [
          {
            key: 'receiver:r',
            id: 'r',
            kind: 'receiver',
            type: 'r',
            counts: { in: s.inCount, out: s.inCount, refused: 0, failed: 0, errors: 0 },
          },
        ],
        featureGates: [],
      };
    },
  };
  return s;
}

describe('sampler', () => {
  it('reads nothing while nobody watches, samples while a client does, and stops after', async () => {
    const src = countingSource();
    const sampler = new Sampler(src, { intervalMs: 20, lingerMs: 0 });
    cleanup.push(async () => sampler.stop());
    await new Promise((r) => setTimeout(r, 100));
    expect(src.reads).toBe(0);
    expect(sampler.running).toBe(false);
    const got: number[] = [];
    const unwatch = sampler.watch((_snap, s) => {
      got.push(s.rates['receiver:r'][0]);
      src.inCount += 100;
    });
    for (let i = 0; i < 200 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got.length).toBeGreaterThanOrEqual(3);
    // 100 items between samples ~20 ms apart: thousands per second, never negative
    expect(got.slice(1).every((r) => r > 0)).toBe(true);
    unwatch();
    expect(sampler.running).toBe(false);
    const reads = src.reads;
    await new Promise((r) => setTimeout(r, 100));
    expect(src.reads).toBe(reads);
  });

  it('a read of /api/status keeps it sampling for the linger time only', async () => {
    const src = countingSource();
    const sampler = new Sampler(src, { intervalMs: 10, lingerMs: 60 });
    cleanup.push(async () => sampler.stop());
    sampler.read();
    expect(sampler.running).toBe(true);
    for (let i = 0; i < 100 && sampler.running; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sampler.running).toBe(false);
    expect(sampler.samples().length).toBeGreaterThan(0);
  });
});

describe('debug pages', () => {
  it('escapes what components report (a backend error text is not HTML)', () => {
    const src = countingSource();
    const snap = src.snapshot();
    snap.pipelines = [
      { id: 'logs', signal: 'logs', receivers: ['r'], processors: [], exporters: ['e'], mutatesData: false },
    ];
    snap.components.push({
      key: 'exporter:e',
      id: 'e',
      kind: 'exporter',
      type: 'e',
      counts: {
        in: 1,
        out: 0,
        refused: 0,
        failed: 1,
        errors: 1,
        lastError: { at: 0, message: '<script>alert(1)</script>' },
      },
    });
    const html = pipelinez(
      snap,
      new URLSearchParams({ zpipelinename: 'logs', zcomponentname: 'e', zcomponentkind: 'exporter' }),
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(componentProperties(snap.components[1])).toContainEqual(['Failed', '1']);
  });
});

describe('zpages in a service', () => {
  it('shows the running service pipelines and components, and samples only once someone looked', async () => {
    const rec = new Recorder();
    const registry = rec.registry();
    registry.extensions.push(factory);
    const r = validateConfig(
      parseYaml(`
extensions: {zpages: {endpoint: "127.0.0.1:0"}}
receivers: {rcv: }
processors: {pass: }
exporters: {exp: }
service:
  extensions: [zpages]
  telemetry: {metrics: {level: none}}
  pipelines: {logs: {receivers: [rcv], processors: [pass], exporters: [exp]}}
`),
      registry,
    );
    expect(r.errors).toEqual([]);
    const svc = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics() });
    cleanup.push(() => svc.shutdown());
    await svc.start();
    const ext = svc.host.getExtension('zpages') as unknown as { port(): number; sampling(): boolean };
    expect(ext.sampling()).toBe(false); // nobody looked yet: nothing runs
    const res = await fetch(`http://127.0.0.1:${ext.port()}/api/status`);
    const body = (await res.json()) as StatusSnapshot;
    expect(body.pipelines).toEqual([
      {
        id: 'logs',
        signal: 'logs',
        receivers: ['rcv'],
        processors: ['pass'],
        exporters: ['exp'],
        mutatesData: false,
      },
    ]);
    expect(body.components.map((c) => c.key)).toEqual([
      'receiver:rcv',
      'processor:pass@logs',
      'exporter:exp',
      'extension:zpages',
    ]);
    expect(body.service.state).toBe('running');
    // no reload has been reported: neither a generation nor a last reload
    expect(body.service.configGeneration).toBeUndefined();
    expect(body.service.lastReload).toBeUndefined();
    expect(ext.sampling()).toBe(true);
    // what hot reload reports shows from the next read, on /api/status and servicez
    svc.reportReload({ configGeneration: 4, lastReload: { at: 5000, ok: false, errors: ['a', 'b<c>'] } });
    const after = (await (await fetch(`http://127.0.0.1:${ext.port()}/api/status`)).json()) as StatusSnapshot;
    expect(after.service.configGeneration).toBe(4);
    expect(after.service.lastReload).toEqual({ at: 5000, ok: false, errors: ['a', 'b<c>'] });
    const servicez = await (await fetch(`http://127.0.0.1:${ext.port()}/debug/servicez`)).text();
    expect(servicez).toContain('ConfigGeneration');
    expect(servicez).toContain('refused: a; b&lt;c&gt;');
  });

  it('serves the event stream: one sample event per interval', async () => {
    const src = countingSource();
    const server = new ZPagesServer(
      factory.configSchema.parse({ endpoint: '127.0.0.1:0' }),
      src,
      silentLogger(),
      { intervalMs: 20, lingerMs: 0 },
    );
    await server.start();
    cleanup.push(() => server.shutdown());
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${server.port()}/api/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: sample/g) ?? []).length < 2)
      text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]) as {
      rates: Record<string, unknown>;
      components: unknown[];
    };
    expect(data.rates).toHaveProperty('receiver:r');
    expect(data.components).toHaveLength(1);
    ac.abort();
    for (let i = 0; i < 100 && server.sampling(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.sampling()).toBe(false); // the client left: sampling stops
  });
});
