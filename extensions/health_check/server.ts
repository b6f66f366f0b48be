// The health endpoint: 200 while every pipeline runs, 503 before (starting)
// and after (shutting down). Body as the collector's health_check: JSON
// {status, upSince, uptime}, or the configured response_body strings.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { splitHostPort } from '../../src/config/schema-types.js';
import type { HealthCheckConfig, HealthTlsConfig } from './config.js';

/** The certificate files, read at start so a missing file fails the start with its name. */
async function httpsOptions(t: HealthTlsConfig) {
  const read = async (what: string, file?: string, pem?: string) => {
    if (pem) return Buffer.from(pem);
    if (!file) return undefined;
    try {
      return await readFile(file);
    } catch (e) {
      throw new Error(`tls.${what}: cannot read "${file}": ${(e as Error).message}`);
    }
  };
  const clientCa = await read('client_ca_file', t.client_ca_file);
  const versions = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;
  return {
    cert: await read('cert_file', t.cert_file, t.cert_pem),
    key: await read('key_file', t.key_file, t.key_pem),
    ca: clientCa,
    requestCert: clientCa !== undefined,
    rejectUnauthorized: clientCa !== undefined,
    minVersion: versions[t.min_version],
    maxVersion: t.max_version ? versions[t.max_version] : undefined,
  };
}

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
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? '/').split('?')[0] !== this.cfg.path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      const r = this.respond();
      res.writeHead(r.code, { 'content-type': r.type }).end(r.body);
    };
    const server: Server = this.cfg.tls
      ? createHttpsServer(await httpsOptions(this.cfg.tls), handler)
      : createServer(handler);
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
