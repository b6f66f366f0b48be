// The zpages HTTP server: the live status page and its assets at `/`, its
// JSON (/api/status) and event stream (/api/events), and the collector's
// /debug/*z pages. GET (and HEAD) only.
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageFile } from '../../src/cli/files.js';
import type { StatusSnapshot, StatusSource } from '../../src/component/status.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import { Cors } from '../../src/receiverhelper/cors.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ZPagesConfig } from './config.js';
import { extensionz, featurez, pipelinez, servicez } from './debug-pages.js';
import { expvar } from './expvar.js';
import { type Sample, Sampler } from './sampler.js';

/** The page's files (web/), served as they are: no build step. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/zpages.css': { file: 'zpages.css', type: 'text/css; charset=utf-8' },
};

/** Everything from this server only; the page's one script is a file, never inline. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";

/** Reads web/ from the package (the source tree, or next to the bundle in dist/). */
function loadAssets(): Map<string, Buffer> | string {
  const dir = packageFile(join('extensions', 'zpages', 'web', 'index.html'));
  if (!dir) return 'the status page files (extensions/zpages/web/) were not found next to the program';
  const base = dir.slice(0, -'index.html'.length);
  const out = new Map<string, Buffer>();
  for (const { file } of Object.values(ASSETS)) if (!out.has(file)) out.set(file, readFileSync(base + file));
  return out;
}

export class ZPagesServer {
  private server: Server | undefined;
  private readonly sampler: Sampler;
  private readonly streams = new Set<ServerResponse>();
  private assets: Map<string, Buffer> | string = '';
  private readonly cors: Cors | undefined;

  constructor(
    private readonly cfg: ZPagesConfig,
    private readonly source: StatusSource,
    private readonly logger: Logger,
    samplerOptions?: ConstructorParameters<typeof Sampler>[1],
  ) {
    this.sampler = new Sampler(source, samplerOptions);
    this.cors = cfg.cors ? new Cors(cfg.cors) : undefined;
  }

  async start(): Promise<void> {
    this.assets = loadAssets();
    if (typeof this.assets === 'string') this.logger.error({ error: this.assets }, 'Status page unavailable');
    const c = this.cfg;
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const requestTimeout = c.read_timeout;
    const headersTimeout =
      requestTimeout > 0 ? Math.min(c.read_header_timeout, requestTimeout) : c.read_header_timeout;
    const opts = { requestTimeout, headersTimeout, keepAlive: c.keep_alives_enabled };
    const server = c.tls
      ? createHttpsServer({ ...opts, ...(await loadServerTls(c.tls)) }, handler)
      : createHttpServer(opts, handler);
    server.keepAliveTimeout = c.idle_timeout;
    const { host, port } = splitHostPort(c.endpoint);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`zpages: cannot listen on ${c.endpoint}: ${err.message}`)),
      );
      server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => resolve());
    });
    this.server = server;
  }

  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** True while rates are being sampled (someone watches): for tests of the idle cost. */
  sampling(): boolean {
    return this.sampler.running;
  }

  async shutdown(): Promise<void> {
    this.sampler.stop();
    for (const res of this.streams) res.end();
    this.streams.clear();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    for (const [k, v] of Object.entries(this.cfg.response_headers)) res.setHeader(k, v);
    if (!this.cfg.keep_alives_enabled) res.shouldKeepAlive = false;
    if (this.cors) {
      if (Cors.isPreflight(req)) {
        this.cors.preflight(req, res);
        return;
      }
      this.cors.decorate(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('405 method not allowed\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://zpages');
    const path = url.pathname;
    try {
      const route = this.routes[path];
      if (path in ASSETS) this.asset(res, ASSETS[path]);
      else if (route && (path !== '/debug/expvarz' || this.cfg.expvar.enabled)) route(req, res, url);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    } catch (e) {
      this.logger.warn({ error: String(e), path }, 'zpages request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`500 ${String(e)}\n`);
    }
  }

  private readonly routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => void> = {
    '/api/status': (_req, res) => this.status(res),
    '/api/events': (req, res) => this.events(req, res),
    '/debug/servicez': (_req, res) => html(res, servicez(this.source.snapshot())),
    '/debug/pipelinez': (_req, res, url) => html(res, pipelinez(this.source.snapshot(), url.searchParams)),
    '/debug/extensionz': (_req, res) => html(res, extensionz(this.source.snapshot())),
    '/debug/featurez': (_req, res) => html(res, featurez(this.source.snapshot())),
    '/debug/expvarz': (_req, res) => json(res, expvar()),
  };

  private asset(res: ServerResponse, a: { file: string; type: string }): void {
    if (typeof this.assets === 'string') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${this.assets}\n`);
      return;
    }
    res
      .writeHead(200, {
        'content-type': a.type,
        'cache-control': 'no-cache',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
      })
      .end(this.assets.get(a.file));
  }

  private status(res: ServerResponse): void {
    const { snapshot, history } = this.sampler.read();
    json(res, { ...snapshot, history, sampleIntervalMs: this.sampler.intervalMs });
  }

  /** Server-sent events: one `sample` event per interval with the live part of the snapshot and the rates. */
  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.streams.add(res);
    const unwatch = this.sampler.watch((snap: StatusSnapshot, s: Sample) => {
      const { pipelines: _p, connectors: _c, extensions: _e, featureGates: _f, ...live } = snap;
      res.write(
        `event: sample\ndata: ${JSON.stringify({ ...live, rates: s.rates, cpuPercent: s.cpuPercent })}\n\n`,
      );
    });
    const done = () => {
      unwatch();
      this.streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }
}

function html(res: ServerResponse, body: string): void {
  res
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP })
    .end(body);
}

function json(res: ServerResponse, value: unknown): void {
  res
    .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' })
    .end(JSON.stringify(value));
}
