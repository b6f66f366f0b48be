// Takes the README's picture of the live status page (docs/status-page.png):
// runs the built binary (dist/tsunagi.mjs) with a config that has processors,
// connectors, a backend that answers and one that is down (its batches wait in
// a persistent queue), streams OTLP/JSON traces at a rate that rises and falls,
// and photographs the page in headless Chromium once a minute of rates is in.
//
//   npm run screenshot                 (builds first; needs /usr/bin/chromium)
//   node scripts/status-page-screenshot.mjs [out.png] [seconds]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'docs', 'status-page.png');
const seconds = Number(process.argv[3] ?? 40);
const CHROMIUM = '/usr/bin/chromium';

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// The backend that answers: takes any OTLP/HTTP request.
const backend = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise((r) => backend.listen(0, '127.0.0.1', r));
const downPort = await freePort(); // nothing listens there: the archive backend is down

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-screenshot-'));
const log = join(dir, 'app.log');
writeFileSync(log, '');
const [zpagesPort, otlpPort] = [await freePort(), await freePort()];
const config = `
extensions:
  file_storage: { directory: ${join(dir, 'storage')}, create_directory: true }
  zpages: { endpoint: "127.0.0.1:${zpagesPort}" }
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:${otlpPort}" } } }
  file_log: { include: [${log}], start_at: beginning, storage: file_storage }
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 4000, spike_limit_mib: 500 }
  batch:
  attributes/env: { actions: [{ key: deployment.environment, value: prod, action: upsert }] }
connectors:
  span_metrics: { metrics_flush_interval: 5s }
  count:
exporters:
  otlp_http/backend: { endpoint: "http://127.0.0.1:${backend.address().port}" }
  otlp_http/archive:
    endpoint: "http://127.0.0.1:${downPort}"
    sending_queue: { storage: file_storage }
service:
  extensions: [file_storage, zpages]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, attributes/env, batch], exporters: [otlp_http/backend, span_metrics] }
    traces/archive: { receivers: [otlp], processors: [batch], exporters: [otlp_http/archive] }
    metrics/red: { receivers: [span_metrics], processors: [batch], exporters: [otlp_http/backend] }
    logs: { receivers: [file_log], processors: [memory_limiter, batch], exporters: [otlp_http/backend, count] }
    metrics/counts: { receivers: [count], exporters: [otlp_http/backend] }
`;
writeFileSync(join(dir, 'config.yaml'), config);
const child = spawn(
  process.execPath,
  [join(root, 'dist', 'tsunagi.mjs'), '--config', join(dir, 'config.yaml')],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
});
const exited = once(child, 'exit');
const until = Date.now() + 30_000;
while (!stderr.includes('Everything is ready')) {
  if (child.exitCode !== null || Date.now() > until) throw new Error(`tsunagi did not start:\n${stderr}`);
  await new Promise((r) => setTimeout(r, 50));
}

// Traffic: every 100 ms a request whose size follows a slow wave (20 to 180 spans),
// spread over a few services and operations; an app log line every 50 ms.
const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const services = ['checkout', 'cart', 'payments', 'search'];
const ops = ['GET /cart', 'POST /pay', 'GET /search', 'db.query'];
let tick = 0;
const sendTimer = setInterval(() => {
  const n = Math.round(100 + 80 * Math.sin(tick++ / 25));
  const now = BigInt(Date.now()) * 1_000_000n;
  const resourceSpans = services.map((svc) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
    scopeSpans: [
      {
        spans: Array.from({ length: Math.ceil(n / services.length) }, (_, i) => ({
          traceId: hex(32),
          spanId: hex(16),
          name: ops[i % ops.length],
          kind: 2,
          startTimeUnixNano: String(now - BigInt(1 + (i % 50)) * 1_000_000n),
          endTimeUnixNano: String(now),
          status: { code: i % 97 === 0 ? 2 : 0 },
        })),
      },
    ],
  }));
  fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans }),
  }).catch(() => {});
}, 100);
let line = 0;
const logTimer = setInterval(
  () => appendFileSync(log, `${new Date().toISOString()} INFO request ${line++} served\n`),
  50,
);

const profile = mkdtempSync(join(tmpdir(), 'tsunagi-chromium-'));
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 900, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${zpagesPort}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await new Promise((r) => setTimeout(r, seconds * 1000));
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  clearInterval(sendTimer);
  clearInterval(logTimer);
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  child.kill('SIGTERM');
  await exited;
  backend.close();
  rmSync(dir, { recursive: true, force: true });
}
