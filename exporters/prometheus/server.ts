// The pull endpoint: an HTTP(S) server on `endpoint` that serves the
// accumulated series at /metrics (the only path, as the collector's exporter
// registers it), in OpenMetrics when enable_open_metrics is on and the
// scraper asks for it, else in the text format; gzip when accepted.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls, type TlsServerConfig } from '../../src/config/tls-server.js';

const gzipAsync = promisify(gzip);

export interface Rendered {
  body: string;
  contentType: string;
}

export type Render = (openMetrics: boolean) => Rendered;

export async function startMetricsServer(
  endpoint: string,
  tls: TlsServerConfig | undefined,
  openMetricsEnabled: boolean,
  render: Render,
): Promise<Server> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const accept = String(req.headers.accept ?? '');
    const om = openMetricsEnabled && accept.includes('application/openmetrics-text');
    let out: Rendered;
    try {
      out = render(om);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
      return;
    }
    const headers: Record<string, string> = { 'content-type': out.contentType };
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && out.body.length > 1024) {
      gzipAsync(out.body).then(
        (z) =>
          res
            .writeHead(200, { ...headers, 'content-encoding': 'gzip' })
            .end(req.method === 'HEAD' ? undefined : z),
        () => res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : out.body),
      );
      return;
    }
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : out.body);
  };
  const server = tls ? createHttpsServer(await loadServerTls(tls), handler) : createHttpServer(handler);
  const { host, port } = splitHostPort(endpoint);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
