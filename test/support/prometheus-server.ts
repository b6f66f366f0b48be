// Runs the real Prometheus server (Debian's /usr/bin/prometheus, 2.42) on
// 127.0.0.1 with a config the test writes and a throwaway TSDB, and queries
// its HTTP API. Tests skip (loudly) only where the binary is absent.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** True if the binary exists; otherwise warns once, loudly, so a skipped suite is noticed. */
export function prometheusAvailable(suite: string): boolean {
  if (existsSync(PROMETHEUS_BIN)) return true;
  console.warn(
    `\n!!! ${suite}: ${PROMETHEUS_BIN} not found — SKIPPING the tests against the real Prometheus.\n` +
      '!!! Install it with `apt-get install -y prometheus` (.ci/run does).\n',
  );
  return false;
}

export interface PrometheusServer {
  url: string;
  port: number;
  output(): string;
  /** An instant query; returns the result vector (or throws with Prometheus's error). */
  query(expr: string, time?: number): Promise<VectorSample[]>;
  /** Series of a matcher, with their labels. */
  series(match: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
  histogram?: [number, NativeHistogramResult];
}

export interface NativeHistogramResult {
  count: string;
  sum: string;
  buckets?: [number, string, string, string][];
}

export async function startPrometheus(opts: {
  /** prometheus.yml content (scrape_configs etc.); default: nothing to scrape. */
  config?: (port: number) => string;
  remoteWriteReceiver?: boolean;
  features?: string[];
}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), opts.config ? opts.config(port) : 'global: {}\n');
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  if (opts.remoteWriteReceiver) args.push('--web.enable-remote-write-receiver');
  if (opts.features?.length) args.push(`--enable-feature=${opts.features.join(',')}`);
  const child: ChildProcess = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`prometheus not ready after 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async (path: string, params: Record<string, string>) => {
    const r = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const j = (await r.json()) as { status: string; data: unknown; error?: string };
    if (j.status !== 'success') throw new Error(`prometheus ${path}: ${j.error}`);
    return j.data;
  };
  return {
    url,
    port,
    output: () => out,
    async query(expr, time) {
      const params: Record<string, string> = { query: expr };
      if (time !== undefined) params.time = String(time);
      const data = (await api('/api/v1/query', params)) as { resultType: string; result: VectorSample[] };
      return data.result;
    },
    async series(match) {
      return (await api('/api/v1/series', { 'match[]': match })) as Record<string, string>[];
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls an async condition until it returns a value (not undefined) or times out. */
export async function eventually<T>(
  f: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
