// The collector endpoint for clients that send over HTTP: `POST /api/traces`
// with a TBinaryProtocol jaeger.Batch body. 202 once the pipeline accepted;
// 400 for bad input, 503 (+Retry-After) when the pipeline asks to retry.
import http from 'node:http';
import https from 'node:https';
import type { RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import {
  admitDecode,
  type DecodeTicket,
  type InFlightReservation,
  reserveInFlight,
} from '../../src/receiverhelper/decode-admission.js';
import { BodyError, readRaw } from '../../src/receiverhelper/http-body.js';
import { refusalOf, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { decodeBatchBinary } from '../../src/translator/jaeger/thrift-decode.js';
import type { HttpConfig } from './config.js';
import type { Ingest } from './ingest.js';

const PATH = '/api/traces';
const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export class HttpServer {
  private server: http.Server | undefined;

  constructor(
    private readonly cfg: HttpConfig,
    private readonly ingest: Ingest,
  ) {}

  async start(): Promise<number> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    const server = this.cfg.tls
      ? https.createServer(await loadServerTls(this.cfg.tls), handler)
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
    // the body, then its decoded form, count as in flight until answered
    // (src/receiverhelper/decode-admission.ts)
    const reading = reserveInFlight();
    readRaw(req, limit, false, reading).then(
      (body) =>
        this.process(body, req, res, reading).finally(() => {
          reading.release();
        }),
      (err: unknown) => {
        reading.release();
        if (!(err instanceof BodyError)) throw err;
        if (err.httpStatus === 413) {
          reply(res, 413, `request body exceeds ${limit} bytes`);
          req.destroy();
          return;
        }
        if (err.retryAfterMs !== undefined)
          res.setHeader('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
        res.shouldKeepAlive = false;
        reply(res, err.httpStatus, err.message);
      },
    );
  }

  private async process(
    body: Buffer,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    reading: InFlightReservation,
  ): Promise<void> {
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    let batch: ReturnType<typeof decodeBatchBinary>;
    let ticket: DecodeTicket | undefined;
    try {
      ticket = admitDecode(body.length);
      batch = decodeBatchBinary(body, ticket.budget);
      ticket.decoded();
    } catch (err) {
      ticket?.release();
      this.ingest.bad(err, peer);
      // 400 for malformed input; 413 / 429 + Retry-After when it would not fit in memory
      const r = refusalOfDecodeError(err);
      if (r.retryAfterMs !== undefined)
        res.setHeader('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
      reply(
        res,
        r.httpStatus,
        r.httpStatus === 400 ? `Unable to process request body: ${errorMessage(err)}` : errorMessage(err),
      );
      return;
    } finally {
      reading.release();
    }
    const ctx: RequestContext = { clientAddress: peer };
    if (this.cfg.include_metadata) ctx.metadata = headersOf(req);
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
    } finally {
      ticket.release();
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
