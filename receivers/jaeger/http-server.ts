// The collector endpoint for clients that send over HTTP: `POST /api/traces`
// with a TBinaryProtocol jaeger.Batch body. 202 once the pipeline accepted;
// 400 for bad input, 503 (+Retry-After) when the pipeline asks to retry.
import http from 'node:http';
import https from 'node:https';
import type { AuthData, ServerAuthenticator } from '../../src/component/auth.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { refusalOf } from '../../src/receiverhelper/refusal.js';
import { authenticateHttp } from '../../src/receiverhelper/server-auth.js';
import { decodeBatchBinary } from '../../src/translator/jaeger/thrift-decode.js';
import type { HttpConfig } from './config.js';
import type { Ingest } from './ingest.js';
import { loadServerTls } from './tls.js';

const PATH = '/api/traces';
const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export class HttpServer {
  private server: http.Server | undefined;
  private auth: ServerAuthenticator | undefined;

  constructor(
    private readonly cfg: HttpConfig,
    private readonly ingest: Ingest,
  ) {}

  async start(auth?: ServerAuthenticator): Promise<number> {
    this.auth = auth;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    const server = this.cfg.tls
      ? https.createServer(
          { ...(await loadServerTls(this.cfg.tls)), requestCert: !!this.cfg.tls.client_ca_file },
          handler,
        )
      : http.createServer(handler);
    this.server = server;
    const { host, port } = splitHostPort(this.cfg.endpoint);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.ingest.bad(err));
    return (server.address() as { port: number }).port;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.auth) {
      this.route(req, res, undefined);
      return;
    }
    // Before any byte of the body is read (the collector's confighttp auth interceptor).
    void authenticateHttp(this.auth, req, this.cfg.auth?.request_params).then((out) => {
      if (out.ok) {
        this.route(req, res, out.auth);
        return;
      }
      res.shouldKeepAlive = false;
      req.resume();
      reply(res, 401, out.message);
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, auth: AuthData | undefined): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== PATH) {
      reply(res, 404, `404 page not found: ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      reply(res, 405, `method ${req.method} not allowed`);
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!THRIFT_TYPES.has(type)) {
      req.resume();
      reply(res, 400, `Unsupported content type: ${type}`);
      return;
    }
    const limit = this.cfg.max_request_body_size;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reply(res, 413, `request body exceeds ${limit} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit && !aborted) {
        aborted = true;
        reply(res, 413, `request body exceeds ${limit} bytes`);
        req.destroy();
        return;
      }
      if (!aborted) chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (!aborted) void this.process(Buffer.concat(chunks, size), req, res, auth);
    });
  }

  private async process(
    body: Buffer,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    auth: AuthData | undefined,
  ): Promise<void> {
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    let batch: ReturnType<typeof decodeBatchBinary>;
    try {
      batch = decodeBatchBinary(body);
    } catch (err) {
      this.ingest.bad(err, peer);
      reply(res, 400, `Unable to process request body: ${errorMessage(err)}`);
      return;
    }
    const ctx: RequestContext = { clientAddress: peer };
    if (this.cfg.include_metadata) ctx.metadata = headersOf(req);
    if (auth) ctx.auth = auth;
    try {
      await this.ingest.push(batch, ctx);
      reply(res, 202, '');
    } catch (err) {
      // as the OTLP receiver (receiverhelper/refusal.ts): 429 only with a delay to give
      // (Retry-After), any other retryable refusal 503, a permanent one 400
      const r = refusalOf(err);
      if (r.retryAfterMs !== undefined)
        res.setHeader('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
      reply(res, r.httpStatus, errorMessage(err));
    }
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }
}

function reply(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text);
}

function headersOf(req: http.IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) if (v) out[k] = v;
  return out;
}
