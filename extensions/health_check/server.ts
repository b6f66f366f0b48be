// The health endpoint: 200 while every pipeline runs, 503 before (starting)
// and after (shutting down). Body as the collector's health_check: JSON
// {status, upSince, uptime}, or the configured response_body strings.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitHostPort } from '../../src/config/schema-types.js';
import type { HealthCheckConfig } from './config.js';

/** Go's time.Duration.String() for an uptime, e.g. "1m2.5s", "350ms". */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number(s.toFixed(3))}s`;
  return h ? `${h}h${m}m${sec}` : m ? `${m}m${sec}` : sec;
}

export class HealthServer {
  private server: Server | undefined;
  private readySince: number | undefined;
  /** Samples readiness so upSince is when the pipelines became ready, not the first probe. */
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly cfg: HealthCheckConfig,
    private readonly ready: () => boolean,
  ) {}

  private sample(): boolean {
    const healthy = this.ready();
    if (!healthy) this.readySince = undefined;
    else this.readySince ??= Date.now();
    return healthy;
  }

  private respond(): { code: number; body: string; type: string } {
    const healthy = this.sample();
    const custom = this.cfg.response_body;
    if (custom)
      return {
        code: healthy ? 200 : 503,
        body: healthy ? custom.healthy : custom.unhealthy,
        type: 'text/plain',
      };
    const body = healthy
      ? {
          status: 'Server available',
          upSince: new Date(this.readySince!).toISOString(),
          uptime: goDuration(Date.now() - this.readySince!),
        }
      : { status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' };
    return { code: healthy ? 200 : 503, body: JSON.stringify(body), type: 'application/json' };
  }

  async start(): Promise<void> {
    const { host, port } = splitHostPort(this.cfg.endpoint);
    const server = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== this.cfg.path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      const r = this.respond();
      res.writeHead(r.code, { 'content-type': r.type }).end(r.body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.sampler = setInterval(() => this.sample(), 100);
    this.sampler.unref();
  }

  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.sampler);
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
