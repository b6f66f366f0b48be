import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';

type Pprof = { start(h: unknown): Promise<void>; shutdown(): Promise<void>; port(): number };
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

function parse(cfg: unknown): unknown {
  const r = parseComponentConfig(factory, cfg, 'extensions::pprof');
  return r.ok ? r.config : r.issues.map(formatIssue);
}

function make(cfg: Record<string, unknown>): Pprof {
  const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...cfg });
  const ext = factory.create(testSettings('pprof', 'extension'), config, {
    pipelinesReady: () => true,
  }) as unknown as Pprof;
  cleanup.push(() => ext.shutdown());
  return ext;
}

describe('pprof config', () => {
  it("takes the collector's keys and defaults, its fixture included", () => {
    // contrib extension/pprofextension/testdata/config.yaml
    const fixture = parseYaml(`
pprof:
pprof/1:
  endpoint: "127.0.0.1:1777"
  block_profile_fraction: 3
  mutex_profile_fraction: 5
`) as Record<string, unknown>;
    expect(parse(fixture.pprof)).toEqual({
      endpoint: 'localhost:1777',
      block_profile_fraction: 0,
      mutex_profile_fraction: 0,
    });
    expect(parse(fixture['pprof/1'])).toEqual({
      endpoint: '127.0.0.1:1777',
      block_profile_fraction: 3,
      mutex_profile_fraction: 5,
    });
    expect(parse({ save_to_file: '/tmp/x.cpuprofile', dialer: { timeout: '5s' } })).toMatchObject({
      save_to_file: '/tmp/x.cpuprofile',
      dialer: { timeout: 5000 },
    });
  });

  it('refuses wrong values and unknown keys with their path', () => {
    expect(parse({ block_profile_fraction: 0.5 })).toEqual([
      'extensions::pprof::block_profile_fraction: expected int, got number 0.5',
    ]);
    expect((parse({ endpoint: 'nowhere' }) as string[])[0]).toBe(
      'extensions::pprof::endpoint: expected host:port, e.g. "localhost:4317"',
    );
    expect((parse({ save_to_fil: 'x' }) as string[])[0]).toContain('save_to_fil');
  });
});

describe('pprof extension', () => {
  it('runs once per process, serves profiles and writes the whole-run profile at shutdown', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsunagi-pprof-')), 'run.cpuprofile');
    const ext = make({ save_to_file: file });
    await ext.start({});
    await expect(make({}).start({})).rejects.toThrow(
      'only a single pprof extension instance can be running per process',
    );
    const base = `http://127.0.0.1:${ext.port()}/debug/pprof`;
    // a profile while save_to_file's whole-run profile is recording too
    const cpu = (await (await fetch(`${base}/profile?seconds=0.2`)).json()) as { nodes: unknown[] };
    expect(cpu.nodes.length).toBeGreaterThan(0);
    expect((await fetch(`${base}/profile?seconds=0`)).status).toBe(400);
    expect((await fetch(`${base}/goroutine`)).status).toBe(404);
    expect((await fetch(`${base}/cmdline`)).status).toBe(200);
    await ext.shutdown();
    const whole = JSON.parse(readFileSync(file, 'utf8')) as {
      nodes: unknown[];
      startTime: number;
      endTime: number;
    };
    expect(whole.nodes.length).toBeGreaterThan(0);
    expect(whole.endTime).toBeGreaterThan(whole.startTime);
    // after shutdown the process may run a new instance (a restart of the service)
    const again = make({});
    await again.start({});
    await again.shutdown();
  });
});
