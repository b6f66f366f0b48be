// The pprof extension: an HTTP server at the collector's /debug/pprof/ paths
// that hands out V8 profiles in the formats Chrome DevTools and Node's
// tooling open (Go's pprof format has no Node producer): a CPU profile for
// N seconds (.cpuprofile), the sampled live heap (.heapprofile), a full heap
// snapshot (.heapsnapshot); and save_to_file, a CPU profile of the whole run
// written at shutdown. One instance per process, as in the collector.
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { getHeapSnapshot } from 'node:v8';
import type { Extension } from '../../src/component/component.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { PprofConfig } from './config.js';
import { CpuRecording, HeapSampler } from './profiler.js';

/** Go's default for /debug/pprof/profile. */
const DEFAULT_SECONDS = 30;
const MAX_SECONDS = 3600;

let running = false;

export class PprofExtension implements Extension {
  private server: Server | undefined;
  private readonly heap = new HeapSampler();
  private wholeRun: CpuRecording | undefined;
  private cpuBusy = false;
  private owner = false;

  constructor(
    private readonly cfg: PprofConfig,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    // V8's profilers are process-wide: a second instance would fight the first for them.
    if (running) throw new Error('only a single pprof extension instance can be running per process');
    running = true;
    this.owner = true;
    try {
      for (const key of ['block_profile_fraction', 'mutex_profile_fraction'] as const)
        if (this.cfg[key] > 0)
          this.logger.info({ [key]: this.cfg[key] }, `${key} has no Node equivalent; ignored`);
      const { host, port } = splitHostPort(this.cfg.endpoint);
      const server = createServer((req, res) => {
        this.handle(req, res).catch((e) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${errorMessage(e)}\n`);
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) =>
          reject(new Error(`pprof: cannot listen on ${this.cfg.endpoint}: ${err.message}`)),
        );
        server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => resolve());
      });
      this.server = server;
      await this.heap.start();
      if (this.cfg.save_to_file) this.wholeRun = await CpuRecording.start();
      this.logger.info(
        { endpoint: this.cfg.endpoint, save_to_file: this.cfg.save_to_file },
        'Starting pprof server',
      );
    } catch (e) {
      await this.shutdown();
      throw e;
    }
  }

  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async shutdown(): Promise<void> {
    if (!this.owner) return;
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    await this.heap.stop();
    const whole = this.wholeRun;
    this.wholeRun = undefined;
    if (whole && this.cfg.save_to_file) {
      try {
        await writeFile(this.cfg.save_to_file, JSON.stringify(await whole.stop()));
        this.logger.info({ file: this.cfg.save_to_file }, 'CPU profile of the run saved');
      } catch (e) {
        this.logger.error(
          { file: this.cfg.save_to_file, error: errorMessage(e) },
          'Could not save the CPU profile',
        );
      }
    }
    running = false;
    this.owner = false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://pprof');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('405 method not allowed\n');
      return;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    switch (url.pathname) {
      case '/debug/pprof':
      case '/debug/pprof/':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX);
        return;
      case '/debug/pprof/cmdline':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(process.argv.join('\x00'));
        return;
      case '/debug/pprof/profile': {
        const raw = url.searchParams.get('seconds');
        const seconds = raw === null ? DEFAULT_SECONDS : Number(raw);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
          res
            .writeHead(400, { 'content-type': 'text/plain' })
            .end(`seconds must be a number in (0, ${MAX_SECONDS}]\n`);
          return;
        }
        if (this.cpuBusy) {
          res.writeHead(409, { 'content-type': 'text/plain' }).end('a CPU profile is already being taken\n');
          return;
        }
        this.cpuBusy = true;
        try {
          const rec = await CpuRecording.start();
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, seconds * 1000);
            // a client that goes away ends the recording early
            req.socket.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          });
          const profile = await rec.stop();
          if (res.destroyed) return;
          attachment(res, `tsunagi-${stamp}.cpuprofile`).end(JSON.stringify(profile));
        } finally {
          this.cpuBusy = false;
        }
        return;
      }
      case '/debug/pprof/heap':
        if (url.searchParams.get('snapshot') === '1') {
          // a full snapshot: the process pauses while V8 writes it (seconds for a large heap)
          attachment(res, `tsunagi-${stamp}.heapsnapshot`);
          await pipeline(getHeapSnapshot(), res);
          return;
        }
        attachment(res, `tsunagi-${stamp}.heapprofile`).end(JSON.stringify(await this.heap.profile()));
        return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found (see /debug/pprof/)\n');
  }
}

function attachment(res: ServerResponse, name: string): ServerResponse {
  return res.writeHead(200, {
    'content-type': 'application/json',
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-cache',
  });
}

const INDEX = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>Profiles of this Tsunagi process, in the formats Chrome DevTools (Performance and Memory panels) and Node's tooling open:</p>
<ul>
<li><a href="profile?seconds=10">profile?seconds=N</a>: CPU profile over N seconds (default 30), <code>.cpuprofile</code></li>
<li><a href="heap">heap</a>: sampled live heap (one sample per ~512 KiB allocated, since start), <code>.heapprofile</code></li>
<li><a href="heap?snapshot=1">heap?snapshot=1</a>: full heap snapshot, <code>.heapsnapshot</code> (pauses the process while it is written)</li>
<li><a href="cmdline">cmdline</a>: the command line</li>
</ul>
<p>Go's goroutine, block, mutex, threadcreate, allocs and trace profiles have no Node equivalent.</p>
</body></html>
`;
