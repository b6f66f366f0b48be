// What the live status page (zpages extension) costs, with 50 pipelines
// (an OTLP receiver and nop ones, nop exporters; 17 memory_limiter + batch,
// 17 batch, 16 bare; a forward connector joining two of them), no traffic. Tsunagi runs as the built binary and its
// CPU is read from /proc over BENCH_SECONDS (default 15) after it settled, in turns:
//   - no zpages extension at all (the baseline),
//   - zpages configured, nobody watching (the sampler must not run),
//   - one event-stream client (/api/events: what an open page asks of the server),
//   - the page open in headless Chromium (server CPU, and the page's own CPU in the browser),
// each BENCH_REPS times (default 3), interleaved; medians are printed. Then, in-process,
// the CPU of one status snapshot and of one sampler tick with these 50 pipelines.
// Usage: npm run build && node dist/bench/status-page.js
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { parse as parseYaml } from 'yaml';
import { registry } from '../app/registry.js';
import { Sampler } from '../extensions/zpages/sampler.js';
import { validateConfig } from '../src/config/validate.js';
import { Service } from '../src/service/service.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { startTsunagi, stop } from './lib/child.js';
import { cpuSeconds, fmt } from './lib/proc.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SETTLE_MS = 3000;
const CHROMIUM = '/usr/bin/chromium';
const SIGNALS = ['traces', 'logs', 'metrics'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * 50 pipelines; with zpages on `port` when given. One receiver is an OTLP/HTTP one on
 * `otlpPort`: a process whose receivers are all nop has nothing keeping it running.
 */
export function fiftyPipelines(zpagesPort?: number, otlpPort = 0): string {
  const receivers = [
    `  otlp/r0: { protocols: { http: { endpoint: "127.0.0.1:${otlpPort}" } } }`,
    ...Array.from({ length: 9 }, (_, i) => `  nop/r${i + 1}:`),
  ].join('\n');
  const receiverOf = (i: number) => (i === 3 ? 'forward' : i % 10 === 0 ? 'otlp/r0' : `nop/r${i % 10}`);
  const exporters = [...Array.from({ length: 7 }, (_, i) => `  nop/e${i}:`), '  nop/shared:'].join('\n');
  const pipelines = Array.from({ length: 50 }, (_, i) => {
    const processors = [['memory_limiter', 'batch'], ['batch'], []][i % 3];
    const extra = i === 0 ? ', forward' : '';
    return `    ${SIGNALS[i % 3]}/p${i}: { receivers: [${receiverOf(i)}], processors: [${processors.join(', ')}], exporters: [nop/e${i % 7}, nop/shared${extra}] }`;
  }).join('\n');
  const zpages =
    zpagesPort === undefined ? '' : `extensions: { zpages: { endpoint: "127.0.0.1:${zpagesPort}" } }`;
  return `${zpages}
receivers:
${receivers}
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 8000 }
  batch:
connectors:
  forward:
exporters:
${exporters}
service:
  ${zpagesPort === undefined ? '' : 'extensions: [zpages]'}
  telemetry: { metrics: { level: none } }
  pipelines:
${pipelines}
`;
}

type Mode = 'no zpages' | 'zpages, nobody watching' | 'one /api/events client' | 'page open in Chromium';
const MODES: Mode[] = [
  'no zpages',
  'zpages, nobody watching',
  'one /api/events client',
  'page open in Chromium',
];

/** Tsunagi's CPU-seconds over SECONDS in `mode`; for Chromium also the page's own (renderer task time). */
async function measure(mode: Mode, dir: string): Promise<{ server: number; page?: number }> {
  const port = await freePort();
  const config = join(dir, `${mode.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(config, fiftyPipelines(mode === 'no zpages' ? undefined : port, await freePort()));
  const child = await startTsunagi(config);
  const pid = child.pid!;
  const ac = new AbortController();
  let browser: Browser | undefined;
  try {
    let pageTime: (() => Promise<number>) | undefined;
    if (mode === 'one /api/events client') {
      const res = await fetch(`http://127.0.0.1:${port}/api/events`, { signal: ac.signal });
      // read and drop the events, as a page would read them
      const reader = res.body!.getReader();
      (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
    } else if (mode === 'page open in Chromium') {
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${join(dir, 'chromium')}`],
      });
      const page = await browser.newPage();
      await page.setViewport({ width: 1440, height: 1000 });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('#expand'); // every processor drawn: the most the page updates per sample
      pageTime = async () => (await page.metrics()).TaskDuration ?? 0;
    }
    await sleep(SETTLE_MS);
    const c0 = cpuSeconds(pid);
    const p0 = await pageTime?.();
    await sleep(SECONDS * 1000);
    const server = cpuSeconds(pid) - c0;
    const page = pageTime && p0 !== undefined ? (await pageTime()) - p0 : undefined;
    return { server, page };
  } finally {
    ac.abort();
    await browser?.close();
    await stop(child);
  }
}

/** CPU microseconds of one snapshot and one sampler tick with 50 pipelines, in-process. */
async function perSample(): Promise<{ snapshotUs: number; tickUs: number; bytes: number }> {
  const r = validateConfig(parseYaml(fiftyPipelines(0)), registry);
  if (!r.config) throw new Error(r.errors.join('\n'));
  const service = new Service(r.config, { logger: silentLogger(), metrics: new SelfMetrics() });
  await service.start();
  try {
    const n = 2000;
    for (let i = 0; i < 200; i++) service.statusSource.snapshot(); // warm-up
    let t = process.cpuUsage();
    for (let i = 0; i < n; i++) service.statusSource.snapshot();
    let d = process.cpuUsage(t);
    const snapshotUs = (d.user + d.system) / n;
    const sampler = new Sampler(service.statusSource, { intervalMs: 3_600_000 });
    const stopWatching = sampler.watch(() => {});
    const tick = (sampler as unknown as { tick(): void }).tick.bind(sampler);
    for (let i = 0; i < 200; i++) tick();
    t = process.cpuUsage();
    for (let i = 0; i < n; i++) tick();
    d = process.cpuUsage(t);
    stopWatching();
    sampler.stop();
    const bytes = JSON.stringify(service.statusSource.snapshot()).length;
    return { snapshotUs, tickUs: (d.user + d.system) / n, bytes };
  } finally {
    await service.shutdown();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'status-bench-'));
  const modes = existsSync(CHROMIUM) ? MODES : MODES.slice(0, 3);
  if (modes.length < MODES.length) console.log(`(${CHROMIUM} missing: no browser figures)`);
  const server = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const page: number[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++)
      for (const mode of modes) {
        const r = await measure(mode, dir);
        server.get(mode)!.push(r.server);
        if (r.page !== undefined) page.push(r.page);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`50 pipelines, Tsunagi CPU over ${SECONDS} s, median of ${REPS} (% of one core):`);
  for (const [mode, xs] of server)
    console.log(
      `  ${mode.padEnd(26)} ${fmt((median(xs) / SECONDS) * 100, 2)} %   (runs: ${xs.map((x) => fmt((x / SECONDS) * 100, 2)).join(', ')})`,
    );
  if (page.length)
    console.log(
      `  the page's own CPU in Chromium (renderer tasks, all pipelines expanded): ${fmt((median(page) / SECONDS) * 100, 1)} % of one core`,
    );
  const s = await perSample();
  console.log(
    `  per sample, in-process: snapshot ${fmt(s.snapshotUs, 0)} µs CPU, sampler tick (snapshot + rates) ${fmt(s.tickUs, 0)} µs CPU, snapshot JSON ${fmt(s.bytes / 1024, 1)} KiB`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
