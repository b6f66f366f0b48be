// The zpages live status page and the pprof extension, end to end through
// the built binary: a sender streams OTLP while a real headless Chromium
// (Debian `chromium`, driven by puppeteer-core) loads the page. Checks what
// an operator relies on: every configured component drawn, rates that move,
// a failing exporter's error text, a connector drawn between the pipelines it
// joins, queue / limiter / file tables; the JSON
// and the collector's /debug/*z paths over plain HTTP; CPU and heap profiles
// from the running process, and the whole-run profile written at shutdown.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  chromiumAvailable,
  type HeadlessChromium,
  launchChromium,
} from './support/headless-chromium.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { type SeqSender, startSeqSender } from './support/seq-sender.js';
import { type Box, EDGE_ENDS, type EdgeEnds, OVERLAPS, onSide } from './support/status-page-layout.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

/** The browser's document, in the functions puppeteer runs in the page (the project has no DOM types). */
declare const document: {
  querySelector(
    selector: string,
  ): { textContent: string | null; getAttribute(name: string): string | null } | null;
};

const hasChromium = chromiumAvailable();

let good: OtlpSink;
let unavailable: OtlpSink;
let rejecting: OtlpSink;
let tsunagi: TsunagiProcess;
let sender: SeqSender;
let dir: string;
let zpagesUrl: string;
let pprofUrl: string;
let logTimer: NodeJS.Timeout;
let chromium: HeadlessChromium | undefined;

const COMPONENT_KEYS = [
  'receiver:otlp',
  'receiver:file_log',
  'processor:memory_limiter@traces',
  'processor:batch@traces',
  'processor:batch@traces/audit',
  'processor:memory_limiter@logs',
  'exporter:otlp_http/good',
  'exporter:otlp_http/unavailable',
  'exporter:otlp_http/rejecting',
  'connector:count',
];

beforeAll(async () => {
  [good, unavailable, rejecting] = await Promise.all([
    new OtlpSink().start(),
    new OtlpSink().start(),
    new OtlpSink().start(),
  ]);
  unavailable.httpStatus = 503; // a backend that is down: retried, queued on disk
  rejecting.httpStatus = 400; // a backend that refuses for good: dropped, counted
  dir = mkdtempSync(join(tmpdir(), 'tsunagi-status-'));
  const log = join(dir, 'app.log');
  writeFileSync(log, '');
  let line = 0;
  logTimer = setInterval(() => appendFileSync(log, `line ${line++} ${'x'.repeat(80)}\n`), 20);
  const [zp, pp, op] = await Promise.all([freePort(), freePort(), freePort()]);
  zpagesUrl = `http://127.0.0.1:${zp}`;
  pprofUrl = `http://127.0.0.1:${pp}`;
  tsunagi = await startTsunagi(
    `
extensions:
  file_storage: { directory: ${join(dir, 'storage')}, create_directory: true }
  zpages: { endpoint: "127.0.0.1:${zp}" }
  pprof: { endpoint: "127.0.0.1:${pp}", save_to_file: ${join(dir, 'run.cpuprofile')} }
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:${op}" } } }
  file_log: { include: [${log}], start_at: beginning, storage: file_storage }
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 8000, spike_limit_mib: 1000 }
  batch:
connectors:
  count:
exporters:
  otlp_http/good: { endpoint: "http://127.0.0.1:${good.httpPort}" }
  otlp_http/unavailable:
    endpoint: "http://127.0.0.1:${unavailable.httpPort}"
    sending_queue: { storage: file_storage }
  otlp_http/rejecting: { endpoint: "http://127.0.0.1:${rejecting.httpPort}" }
service:
  extensions: [file_storage, zpages, pprof]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp_http/good, otlp_http/unavailable, count] }
    traces/audit: { receivers: [otlp], processors: [batch], exporters: [otlp_http/rejecting] }
    logs: { receivers: [file_log], processors: [memory_limiter], exporters: [otlp_http/good, count] }
    metrics/counts: { receivers: [count], exporters: [otlp_http/good] }
`,
    { TSUNAGI_SHUTDOWN_TIMEOUT: '10s' },
  );
  sender = startSeqSender({
    url: `http://127.0.0.1:${op}/v1/traces`,
    concurrency: 2,
    spansPerRequest: 20,
    rate: 400,
  });
}, 60_000);

afterAll(async () => {
  clearInterval(logTimer);
  await chromium?.close();
  await sender?.stop();
  await tsunagi?.stop();
  await Promise.all([good?.stop(), unavailable?.stop(), rejecting?.stop()]);
});

interface Status {
  pipelines: { id: string; receivers: string[]; processors: string[]; exporters: string[] }[];
  connectors: string[];
  extensions: string[];
  service: { configGeneration?: number; lastReload?: unknown };
  components: {
    key: string;
    type: string;
    counts?: { in: number; out: number; refused: number; failed: number; lastError?: { message: string } };
    status?: {
      queues?: { persistent: boolean; storedBytes?: number; capacity: number }[];
      memoryLimiter?: { state: string };
      files?: { path: string; offset: number; ackedOffset: number; lagBytes: number }[];
    };
  }[];
  history: { rates: Record<string, [number, number]> }[];
}

async function status(): Promise<Status> {
  const res = await fetch(`${zpagesUrl}/api/status`);
  expect(res.headers.get('content-type')).toBe('application/json');
  return (await res.json()) as Status;
}

async function pollStatus(cond: (s: Status) => boolean, what: string): Promise<Status> {
  let last: Status | undefined;
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    last = await status();
    if (cond(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last?.components, null, 1)}`);
}

const comp = (s: Status, key: string) => s.components.find((c) => c.key === key);

describe('zpages over plain HTTP', () => {
  it('/api/status: topology, counts, last errors, queues, limiter and files from the running binary', async () => {
    const s = await pollStatus(
      (s) =>
        (comp(s, 'exporter:otlp_http/good')?.counts?.out ?? 0) > 0 &&
        comp(s, 'exporter:otlp_http/unavailable')?.counts?.lastError !== undefined &&
        comp(s, 'exporter:otlp_http/rejecting')?.counts?.lastError !== undefined &&
        (comp(s, 'receiver:file_log')?.status?.files?.length ?? 0) > 0 &&
        (comp(s, 'connector:count')?.counts?.out ?? 0) > 0 &&
        s.history.length >= 2,
      'traffic, errors and files',
    );
    expect(s.pipelines.map((p) => p.id)).toEqual(['traces', 'traces/audit', 'logs', 'metrics/counts']);
    expect(s.connectors).toEqual(['count']);
    // the connector: what the traces and logs pipelines gave it in, the counts it made out
    const count = comp(s, 'connector:count')!;
    expect(count.type).toBe('count');
    expect(count.counts!.in).toBeGreaterThan(0);
    expect(count.counts!.refused).toBe(0);
    // no hot reload in this service: neither a config generation nor a last reload
    expect(s.service.configGeneration).toBeUndefined();
    expect(s.service.lastReload).toBeUndefined();
    expect(s.extensions).toEqual(['file_storage', 'zpages', 'pprof']);
    expect(s.components.map((c) => c.key)).toEqual(expect.arrayContaining(COMPONENT_KEYS));
    const otlp = comp(s, 'receiver:otlp')!;
    expect(otlp.counts!.in).toBeGreaterThan(0);
    expect(otlp.counts!.out).toBe(otlp.counts!.in - otlp.counts!.refused - otlp.counts!.failed);
    expect(comp(s, 'exporter:otlp_http/unavailable')!.counts!.lastError!.message).toContain(
      'HTTP Status Code 503',
    );
    const rejected = comp(s, 'exporter:otlp_http/rejecting')!.counts!;
    expect(rejected.lastError!.message).toContain('HTTP Status Code 400');
    expect(rejected.failed).toBeGreaterThan(0);
    // the 503 exporter's batches wait on disk
    const q = comp(s, 'exporter:otlp_http/unavailable')!.status!.queues![0];
    expect(q.persistent).toBe(true);
    expect(q.storedBytes).toBeGreaterThan(0);
    expect(comp(s, 'processor:memory_limiter@traces')!.status!.memoryLimiter!.state).toBe('normal');
    const f = comp(s, 'receiver:file_log')!.status!.files![0];
    expect(f.path).toBe(join(dir, 'app.log'));
    expect(f.ackedOffset).toBeLessThanOrEqual(f.offset);
    expect(f.lagBytes).toBeGreaterThanOrEqual(0);
    // rates over the last samples: spans came in at the receiver
    expect(s.history.some((h) => (h.rates['receiver:otlp']?.[0] ?? 0) > 0)).toBe(true);
  });

  it('answers the collector zpages paths with HTML from the same model', async () => {
    const text = async (path: string) => {
      const res = await fetch(`${zpagesUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      return res.text();
    };
    const servicez = await text('/debug/servicez');
    expect(servicez).toContain('<title>Service tsunagi</title>');
    expect(servicez).toMatch(/<b>Build Info:<\/b>[\s\S]*<b>Version<\/b>[\s\S]*<b>Runtime Info:<\/b>/);
    expect(servicez).toContain('href="pipelinez"');
    const pipelinez = await text('/debug/pipelinez');
    expect(pipelinez).toContain('<b>FullName</b>');
    for (const id of ['traces', 'traces/audit', 'logs', 'metrics/counts'])
      expect(pipelinez).toContain(`<td>${id}</td>`);
    // the connector: an exporter of traces, a receiver of metrics/counts, linked as a connector
    expect(pipelinez).toContain('href="?zpipelinename=traces&zcomponentname=count&zcomponentkind=connector"');
    expect(pipelinez).toContain(
      'href="?zpipelinename=metrics%2Fcounts&zcomponentname=count&zcomponentkind=connector"',
    );
    expect(servicez).not.toContain('ConfigGeneration');
    expect(pipelinez).toContain(
      'href="?zpipelinename=traces&zcomponentname=otlp_http%2Funavailable&zcomponentkind=exporter"',
    );
    const detail = await text(
      '/debug/pipelinez?zpipelinename=traces&zcomponentname=otlp_http%2Funavailable&zcomponentkind=exporter',
    );
    expect(detail).toContain('<h6>exporter: traces/otlp_http/unavailable</h6>');
    expect(detail).toContain('HTTP Status Code 503');
    const extensionz = await text('/debug/extensionz');
    for (const id of ['file_storage', 'zpages', 'pprof']) expect(extensionz).toContain(`<td>${id}</td>`);
    expect(await text('/debug/featurez')).toContain('<b>Reference URL</b>');
    expect((await fetch(`${zpagesUrl}/debug/expvarz`)).status).toBe(404); // expvar not enabled
    expect((await fetch(`${zpagesUrl}/nothing`)).status).toBe(404);
    expect((await fetch(`${zpagesUrl}/api/status`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the page and its one script and stylesheet itself, with a same-origin CSP', async () => {
    const page = await fetch(`${zpagesUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="app.js" defer></script>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // no CDN: every asset from this server
    for (const asset of ['/app.js', '/app.css'])
      expect((await fetch(`${zpagesUrl}${asset}`)).status).toBe(200);
  });
});

describe.skipIf(!hasChromium)('the live status page in headless Chromium', () => {
  it('draws every component, moves the rates, shows the failing exporters and their errors', async () => {
    chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1440, height: 1000 });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${zpagesUrl}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const keys = await page.$$eval('#graph g.node', (gs) => gs.map((g) => g.getAttribute('data-key')));
    expect(keys.sort()).toEqual([...COMPONENT_KEYS].sort());
    // a receiver shared by two pipelines is drawn once, with an edge to each
    expect(keys.filter((k) => k === 'receiver:otlp')).toHaveLength(1);
    expect(
      await page.$$eval('#graph g.pipe', (gs) => gs.map((g) => g.getAttribute('data-pipeline'))),
    ).toEqual(['traces', 'traces/audit', 'logs', 'metrics/counts']);
    // no hot reload here: the header names neither a generation nor a reload
    expect(await page.$eval('#service', (e) => e.textContent ?? '')).not.toMatch(/generation|reload/);

    // the connector: one box, fed by the traces and logs pipelines (edges into its left
    // side), feeding metrics/counts (an edge from its right side into that pipeline's label)
    const layout = (await page.evaluate(OVERLAPS)) as { boxes: Box[]; overlaps: string[] };
    expect(layout.overlaps).toEqual([]);
    const box = (key: string) => layout.boxes.find((b) => b.key === key)!;
    const edges = (await page.evaluate(EDGE_ENDS)) as EdgeEnds[];
    const connectorEdges = edges.filter((e) => e.from === 'connector:count' || e.to === 'connector:count');
    expect(connectorEdges.map((e) => `${e.from} → ${e.to}`).sort()).toEqual([
      'connector:count → pipeline:metrics/counts',
      'pipeline:logs → connector:count',
      'pipeline:traces → connector:count',
    ]);
    for (const e of connectorEdges)
      if (e.to === 'connector:count')
        expect(onSide(e.end, box('connector:count'), 'left'), e.from).toBe(true);
      else {
        expect(onSide(e.start, box('connector:count'), 'right')).toBe(true);
        expect(onSide(e.end, box('pipe:metrics/counts'), 'left')).toBe(true);
      }
    // its rates move: spans and log records in, data points out
    await page.waitForFunction(
      () => {
        const t =
          document.querySelector('#graph g.node[data-key="connector:count"] text.rate')?.textContent ?? '';
        const m = /^in ([\d.]+)k?\/s · out ([\d.]+)k?\/s$/.exec(t);
        return m !== null && Number(m[1]) > 0 && Number(m[2]) > 0;
      },
      { timeout: 20_000 },
    );

    // the receiver's rate and sparkline move with the sender
    const rateText = () =>
      page.$eval('#graph g.node[data-key="receiver:otlp"] text.rate', (t) => t.textContent ?? '');
    await page.waitForFunction(
      () => {
        const t =
          document.querySelector('#graph g.node[data-key="receiver:otlp"] text.rate')?.textContent ?? '';
        const m = /^in ([\d.]+)k?\/s/.exec(t);
        return m !== null && Number(m[1]) > 0;
      },
      { timeout: 20_000 },
    );
    const first = await rateText();
    const points = () =>
      page.$eval(
        '#graph g.node[data-key="receiver:otlp"] polyline.spark-in',
        (p) => p.getAttribute('points') ?? '',
      );
    const p1 = await points();
    await page.waitForFunction(
      (prev) =>
        document
          .querySelector('#graph g.node[data-key="receiver:otlp"] polyline.spark-in')
          ?.getAttribute('points') !== prev,
      { timeout: 20_000 },
      p1,
    );
    expect((await points()).split(' ').length).toBeGreaterThanOrEqual(2);
    expect(first).toMatch(/^in [\d.]+k?\/s · out [\d.]+k?\/s$/);

    // the failing exporters: marked on the graph, their error text in the errors table
    await page.waitForFunction(
      () =>
        document.querySelector('#graph g.node[data-key="exporter:otlp_http/unavailable"].bad') !== null &&
        document.querySelector('#graph g.node[data-key="exporter:otlp_http/rejecting"].bad') !== null,
      { timeout: 20_000 },
    );
    expect(
      await page.$$eval('#graph g.node.bad', (gs) => gs.map((g) => g.getAttribute('data-key')).sort()),
    ).toEqual(['exporter:otlp_http/rejecting', 'exporter:otlp_http/unavailable']);
    const errors = await page.$eval('#errors', (e) => e.textContent ?? '');
    expect(errors).toContain('otlp_http/unavailable');
    expect(errors).toContain('responded with HTTP Status Code 503');
    expect(errors).toContain('responded with HTTP Status Code 400');
    // clicking a box shows its details, the last error among them
    await page.click('#graph g.node[data-key="exporter:otlp_http/unavailable"]');
    const detail = await page.$eval('#detail', (e) => e.textContent ?? '');
    expect(detail).toContain('HTTP Status Code 503');
    expect(detail).toContain('on disk');

    const queues = await page.$eval('#queues', (e) => e.textContent ?? '');
    expect(queues).toContain('otlp_http/unavailable');
    expect(queues).toContain('persistent');
    expect(await page.$eval('#limiters', (e) => e.textContent ?? '')).toContain('normal (accepting)');
    expect(await page.$eval('#files', (e) => e.textContent ?? '')).toContain(join(dir, 'app.log'));
    const process = await page.$eval('#process', (e) => e.textContent ?? '');
    expect(process).toMatch(/RSS[\d.]+ MiB/);
    expect(process).toContain('CPU');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});

describe('pprof from the running binary', () => {
  it('hands out a CPU profile, a sampling heap profile and a heap snapshot that parse', async () => {
    const index = await (await fetch(`${pprofUrl}/debug/pprof/`)).text();
    expect(index).toContain('profile?seconds=N');
    const cpuRes = await fetch(`${pprofUrl}/debug/pprof/profile?seconds=1`);
    expect(cpuRes.status).toBe(200);
    expect(cpuRes.headers.get('content-disposition')).toMatch(/filename="tsunagi-.*\.cpuprofile"/);
    const cpu = (await cpuRes.json()) as {
      nodes: { callFrame: { functionName: string } }[];
      samples: number[];
    };
    expect(cpu.nodes.length).toBeGreaterThan(1);
    expect(cpu.samples.length).toBeGreaterThan(0);
    expect(cpu.nodes.some((n) => n.callFrame.functionName === '(root)')).toBe(true);

    const heapRes = await fetch(`${pprofUrl}/debug/pprof/heap`);
    expect(heapRes.headers.get('content-disposition')).toMatch(/\.heapprofile"/);
    const heap = (await heapRes.json()) as { head: { children: unknown[] }; samples: unknown[] };
    expect(heap.head.children.length).toBeGreaterThan(0);
    expect(heap.samples.length).toBeGreaterThan(0);

    const snapRes = await fetch(`${pprofUrl}/debug/pprof/heap?snapshot=1`);
    expect(snapRes.headers.get('content-disposition')).toMatch(/\.heapsnapshot"/);
    const snap = (await snapRes.json()) as { snapshot: { node_count: number }; nodes: number[] };
    expect(snap.snapshot.node_count).toBeGreaterThan(1000);

    expect((await fetch(`${pprofUrl}/debug/pprof/profile?seconds=abc`)).status).toBe(400);
  }, 60_000);

  it('save_to_file: a CPU profile of the whole run is written at shutdown', async () => {
    await sender.stop();
    expect(await tsunagi.stop()).toBe(0);
    const file = join(dir, 'run.cpuprofile');
    await waitFor(() => existsSync(file), 'the whole-run profile');
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[]; samples: number[] };
    expect(profile.nodes.length).toBeGreaterThan(1);
    expect(profile.samples.length).toBeGreaterThan(0);
  }, 60_000);
});
