// OTLP/HTTP on node:http: POST of protobuf or JSON Export*ServiceRequests to
// the configured paths, gzip/zlib bodies, answers in the request's encoding.
// The answer is written only after the pipeline accepted (or refused) the data.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { giveBuffer, leaseBuffer, pooledCopy } from '../../src/codec/buffer-pool.js';
import type { AuthData, ServerAuthenticator } from '../../src/component/auth.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { Signal } from '../../src/pdata/signal.js';
import { Cors } from '../../src/receiverhelper/cors.js';
import {
  admitDecode,
  type DecodeTicket,
  type InFlightReservation,
  reserveInFlight,
} from '../../src/receiverhelper/decode-admission.js';
import { BodyError, decompress, readRaw, tooLarge } from '../../src/receiverhelper/http-body.js';
import { lingerAfterEarlyAnswer } from '../../src/receiverhelper/linger.js';
import { Code, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { authenticateHttp } from '../../src/receiverhelper/server-auth.js';
import { markAnswer, traceAnswer } from '../../src/telemetry/answer-trace.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { HttpConfig } from './config.js';
import { deliver, type Outcome } from './deliver.js';
import { SuccessAnswers } from './success-answer.js';
import { CONTENT_TYPE, type WireCodec, type WireEncoding } from './wire.js';

export interface Route {
  signal: Signal;
  consumer: Consumer<any>;
}

const TEXT = 'text/plain; charset=utf-8';
const UNSUPPORTED_MEDIA = `415 unsupported media type, supported: [${CONTENT_TYPE.json}, ${CONTENT_TYPE.proto}]`;

/** `application/x-protobuf` or `application/json`, parameters (charset) ignored. */
export function wireEncodingOf(contentType: string | undefined): WireEncoding | undefined {
  if (!contentType) return undefined;
  const semi = contentType.indexOf(';');
  const t = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (t === CONTENT_TYPE.proto) return 'proto';
  if (t === CONTENT_TYPE.json) return 'json';
  return undefined;
}

export class OtlpHttpServer {
  private server: Server | undefined;
  private readonly cors: Cors | undefined;
  private readonly encodings: Set<string>;
  private readonly limit: number;
  private readonly extraHeaders: [string, string][];
  private closing = false;
  private auth: ServerAuthenticator | undefined;
  /** The full-success answers (the same bytes for every request), built once. */
  private readonly successes: SuccessAnswers;

  constructor(
    private readonly cfg: HttpConfig,
    private readonly routes: Map<string, Route>,
    private readonly codec: WireCodec,
    private readonly metrics: ReceiverMetrics,
    private readonly logger: Logger,
  ) {
    this.cors = cfg.cors ? new Cors(cfg.cors) : undefined;
    this.encodings = new Set(cfg.compression_algorithms);
    this.limit = cfg.max_request_body_size;
    this.extraHeaders = Object.entries(cfg.response_headers);
    this.successes = new SuccessAnswers(codec);
  }

  async start(auth?: ServerAuthenticator): Promise<void> {
    this.auth = auth;
    if (this.cfg.cors?.allowed_origins.includes('*'))
      this.logger.warn(
        { endpoint: this.cfg.endpoint },
        'cors.allowed_origins contains "*": any web page may send data here with its visitors\' credentials (Access-Control-Allow-Credentials is true)',
      );
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      traceAnswer(() => this.handle(req, res)).catch((err) => {
        this.logger.error({ err: errorMessage(err) }, 'otlp/http: internal error');
        if (!res.headersSent) this.text(res, 500, `internal error: ${errorMessage(err)}`);
        else res.destroy();
      });
    };
    const requestTimeout = this.cfg.read_timeout;
    const headersTimeout =
      requestTimeout > 0
        ? Math.min(this.cfg.read_header_timeout, requestTimeout)
        : this.cfg.read_header_timeout;
    const opts = { requestTimeout, headersTimeout, keepAlive: this.cfg.keep_alives_enabled };
    let server: Server;
    if (this.cfg.tls) {
      const tls = await loadServerTls(this.cfg.tls).catch((err) => {
        throw new Error(`otlp receiver: HTTP on ${this.cfg.endpoint}: ${errorMessage(err)}`);
      });
      server = createHttpsServer(
        {
          ...opts,
          ...tls,
        },
        onRequest,
      );
    } else {
      server = createHttpServer(opts, onRequest);
    }
    server.keepAliveTimeout = this.cfg.idle_timeout;
    const { host, port } = splitHostPort(this.cfg.endpoint);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`otlp receiver: cannot listen for HTTP on ${this.cfg.endpoint}: ${err.message}`)),
      );
      // Like Go's listener, "localhost" means the IPv4 loopback (deterministic, what SDK defaults reach).
      server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => resolve());
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'otlp/http: server error'));
    this.server = server;
    this.logger.info({ endpoint: this.cfg.endpoint, address: this.address() }, 'Starting HTTP server');
  }

  /** The bound host:port (port resolved when the endpoint said 0). */
  address(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) return undefined;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes every connection. */
  async shutdown(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.closing = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of this.extraHeaders) res.setHeader(k, v);
    if (!this.cfg.keep_alives_enabled) res.shouldKeepAlive = false;
    if (this.cors) {
      if (Cors.isPreflight(req)) return this.cors.preflight(req, res);
      this.cors.decorate(req, res);
    }
    // Before routing and before any byte of the body is read (the collector's auth interceptor).
    let authData: AuthData | undefined;
    if (this.auth) {
      const out = await authenticateHttp(this.auth, req, this.cfg.auth?.request_params);
      if (!out.ok) {
        res.shouldKeepAlive = false;
        lingerAfterEarlyAnswer(req);
        const enc = wireEncodingOf(req.headers['content-type']);
        if (enc) return this.status(res, enc, 401, Code.UNAUTHENTICATED, out.message);
        return this.text(res, 401, out.message);
      }
      authData = out.auth;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = this.routes.get(q < 0 ? url : url.slice(0, q));
    if (!route) return this.text(res, 404, '404 page not found');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.text(res, 405, '405 method not allowed, supported: [POST]');
    }
    const enc = wireEncodingOf(req.headers['content-type']);
    if (!enc) return this.text(res, 415, UNSUPPORTED_MEDIA);

    let ce = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (ce === 'identity') ce = '';
    if (!this.encodings.has(ce)) {
      res.shouldKeepAlive = false;
      return this.status(res, enc, 400, Code.INVALID_ARGUMENT, `unsupported Content-Encoding: ${ce}`);
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.limit) {
      res.shouldKeepAlive = false;
      lingerAfterEarlyAnswer(req);
      return this.status(res, enc, 413, Code.RESOURCE_EXHAUSTED, tooLarge(this.limit).message);
    }

    // A body whose items stay wire bytes (lazy protobuf) comes from the buffer pool and goes
    // back once every holder of the data let go (its lease); other bodies are left to the GC.
    const pooled = this.codec.leases(route.signal, enc);
    // The body's bytes, then its decoded form, count as in flight until answered
    // (src/receiverhelper/decode-admission.ts).
    const reading = reserveInFlight();
    let ticket: DecodeTicket | undefined;
    try {
      let body: Buffer;
      try {
        body = await this.readBody(req, ce, pooled, reading);
        markAnswer('body');
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        if (err.httpStatus !== 400) {
          res.shouldKeepAlive = false;
          lingerAfterEarlyAnswer(req);
        }
        const code = err.httpStatus === 400 ? Code.INVALID_ARGUMENT : Code.RESOURCE_EXHAUSTED;
        if (err.retryAfterMs !== undefined)
          res.setHeader('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
        return this.status(res, enc, err.httpStatus, code, err.message, err.retryAfterMs);
      }

      const lease = pooled ? leaseBuffer(body) : undefined;
      let data: any;
      try {
        ticket = admitDecode(body.length);
        data = this.codec.decode(route.signal, enc, body, lease, ticket.budget);
        ticket.decoded();
        markAnswer('decoded');
      } catch (err) {
        lease?.release();
        const r = refusalOfDecodeError(err);
        this.logger.debug({ err: errorMessage(err), path: url }, 'otlp/http: bad request');
        if (r.retryAfterMs !== undefined)
          res.setHeader('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
        return this.status(res, enc, r.httpStatus, r.code, errorMessage(err), r.retryAfterMs);
      } finally {
        reading.release();
      }
      await this.answer(req, res, enc, route, data, lease, authData);
    } finally {
      reading.release();
      ticket?.release();
    }
  }

  /** Hands the decoded request to the pipeline and answers with its outcome. */
  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    enc: WireEncoding,
    route: Route,
    data: any,
    lease: Lease | undefined,
    authData: AuthData | undefined,
  ): Promise<void> {
    const ctx: RequestContext = { clientAddress: `${req.socket.remoteAddress}:${req.socket.remotePort}` };
    if (this.cfg.include_metadata) ctx.metadata = req.headersDistinct as Record<string, string[]>;
    if (authData) ctx.auth = authData;
    let out: Outcome;
    try {
      out = await deliver(route.signal, data, route.consumer, ctx, this.metrics);
    } finally {
      // whoever keeps the data longer (batch, queues) holds the lease itself
      lease?.release();
    }
    markAnswer('accepted');
    if (out.ok && out.rejected === 0 && out.message === '') {
      const a = this.successes.get(route.signal, enc);
      if (this.closing) res.shouldKeepAlive = false;
      res.writeHead(200, a.headers);
      // a string body goes out in one write with the header block (a buffer: a writev of two)
      res.end(a.body, 'latin1');
      return;
    }
    if (out.ok)
      return this.send(
        res,
        200,
        CONTENT_TYPE[enc],
        this.codec.response(route.signal, enc, out.rejected, out.message),
      );
    if (out.retryAfterMs !== undefined)
      res.setHeader('Retry-After', String(Math.ceil(out.retryAfterMs / 1000)));
    this.status(res, enc, out.httpStatus, out.code, out.message, out.retryAfterMs);
  }

  /** The (decompressed) body; `pooled`: in a pooled buffer. */
  private async readBody(
    req: IncomingMessage,
    ce: string,
    pooled: boolean,
    reading: InFlightReservation,
  ): Promise<Buffer> {
    // a compressed body is needed only until inflated: always pooled
    const raw = await readRaw(req, this.limit, pooled || ce !== '', reading);
    if (ce === '') return raw;
    try {
      const inflated = await decompress(ce, raw, this.limit, reading);
      // the inflater's output would live as long as the unread items: copy it into the pool
      return pooled ? pooledCopy([inflated]) : inflated;
    } finally {
      giveBuffer(raw); // the inflater is done with it, whatever the outcome
    }
  }

  private status(
    res: ServerResponse,
    enc: WireEncoding,
    httpStatus: number,
    code: number,
    message: string,
    retryAfterMs?: number,
  ): void {
    this.send(res, httpStatus, CONTENT_TYPE[enc], this.codec.status(enc, code, message, retryAfterMs));
  }

  private text(res: ServerResponse, httpStatus: number, message: string): void {
    this.send(res, httpStatus, TEXT, Buffer.from(`${message}\n`));
  }

  private send(res: ServerResponse, httpStatus: number, contentType: string, body: Uint8Array): void {
    // While shutting down, close each connection once its answer is out.
    if (this.closing) res.shouldKeepAlive = false;
    res.writeHead(httpStatus, { 'Content-Type': contentType, 'Content-Length': body.length });
    res.end(body);
  }
}
