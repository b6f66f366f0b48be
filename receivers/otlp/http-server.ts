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
import type { AddressInfo, Socket } from 'node:net';
import { giveBuffer, leaseBuffer, pooledCopy, takeBuffer } from '../../src/codec/buffer-pool.js';
import type { AuthData, ServerAuthenticator } from '../../src/component/auth.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import type { Signal } from '../../src/pdata/signal.js';
import { Cors } from '../../src/receiverhelper/cors.js';
import {
  admitDecode,
  type DecodeTicket,
  type InFlightReservation,
  reserveInFlight,
} from '../../src/receiverhelper/decode-admission.js';
import { BodyError, decompress, readRaw, tooLarge } from '../../src/receiverhelper/http-body.js';
import {
  type Http1Answer,
  Http1Connections,
  type Http1Request,
  type Http1Site,
} from '../../src/receiverhelper/http1-connection.js';
import type { RequestHead } from '../../src/receiverhelper/http1-head.js';
import { lingerAfterEarlyAnswer } from '../../src/receiverhelper/linger.js';
import { Code, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { authenticateHttp } from '../../src/receiverhelper/server-auth.js';
import { markAnswer, traceAnswer } from '../../src/telemetry/answer-trace.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { HttpConfig } from './config.js';
import { deliver, type Outcome } from './deliver.js';
import { type SuccessAnswer, SuccessAnswers } from './success-answer.js';
import { CONTENT_TYPE, type WireCodec, type WireEncoding } from './wire.js';

export interface Route {
  signal: Signal;
  consumer: Consumer<any>;
}

const TEXT = 'text/plain; charset=utf-8';
const UNSUPPORTED_MEDIA = `415 unsupported media type, supported: [${CONTENT_TYPE.json}, ${CONTENT_TYPE.proto}]`;

/** What to answer: the ready full-success answer, or a status with its body. */
type Reply =
  | { success: SuccessAnswer }
  | {
      status: number;
      contentType: string;
      body: Uint8Array;
      retryAfterMs?: number;
      /** Close the connection after the answer, draining what the client still sends (linger.ts). */
      close?: boolean;
    };

/** Response headers the lean path leaves to node:http (it writes them itself or they change framing). */
const NODE_OWNED_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'retry-after',
  'transfer-encoding',
  'allow',
]);

/** `application/x-protobuf` or `application/json`, parameters (charset) ignored. */
export function wireEncodingOf(contentType: string | undefined): WireEncoding | undefined {
  if (!contentType) return undefined;
  const semi = contentType.indexOf(';');
  const t = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (t === CONTENT_TYPE.proto) return 'proto';
  if (t === CONTENT_TYPE.json) return 'json';
  return undefined;
}

/**
 * node's `req.headersDistinct` of a lean-path head (lowercased names, every value in order), or
 * undefined for a name an object already has (`__proto__`, `constructor` ...: left to node).
 */
function headersDistinct(head: RequestHead): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < head.names.length; i++) {
    const name = head.names[i];
    if (name in Object.prototype) return undefined;
    const seen = out[name];
    if (seen === undefined) out[name] = [head.values[i]];
    else seen.push(head.values[i]);
  }
  return out;
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
  /** The same answers as the lean path writes them (response_headers first, as node:http orders them). */
  private readonly leanSuccesses = new Map<SuccessAnswer, Http1Answer>();
  /** Connections read by the lean HTTP/1.1 path (undefined: node:http reads every connection). */
  private leanConnections: Http1Connections | undefined;

  constructor(
    private readonly cfg: HttpConfig,
    private readonly routes: Map<string, Route>,
    private readonly codec: WireCodec,
    private readonly metrics: ReceiverMetrics,
    private readonly logger: Logger,
    /** Read the common request shape on the lean path (TSUNAGI_HTTP_LEAN=0 turns it off). */
    private readonly lean = process.env.TSUNAGI_HTTP_LEAN !== '0',
  ) {
    this.cors = cfg.cors ? new Cors(cfg.cors) : undefined;
    this.encodings = new Set(cfg.compression_algorithms);
    this.limit = cfg.max_request_body_size;
    this.extraHeaders = Object.entries(cfg.response_headers);
    this.successes = new SuccessAnswers(codec);
    for (const signal of ['traces', 'metrics', 'logs'] as const)
      for (const enc of ['proto', 'json'] as const) {
        const a = this.successes.get(signal, enc);
        this.leanSuccesses.set(a, {
          status: 200,
          headers: [
            ...this.extraHeaders,
            ['Content-Type', a.headers['Content-Type'] as string],
            ['Content-Length', a.headers['Content-Length'] as number],
          ],
          body: a.body,
        });
      }
  }

  /**
   * Whether requests may take the lean path: not with what reads node's request object (CORS,
   * an authenticator) or response headers node:http itself manages.
   */
  private leanAllowed(): boolean {
    return (
      this.lean &&
      this.cors === undefined &&
      this.auth === undefined &&
      this.extraHeaders.every(([k]) => !NODE_OWNED_HEADERS.has(k.toLowerCase()))
    );
  }

  /** Puts the lean path in front of node's connection listener (plain: 'connection', TLS: 'secureConnection'). */
  private installLean(server: Server): void {
    const event = this.cfg.tls ? 'secureConnection' : 'connection';
    const nodeListeners = server.listeners(event) as ((socket: Socket) => void)[];
    const site: Http1Site = {
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
      keepAlive: () => this.cfg.keep_alives_enabled && !this.closing,
      take: (head, socket) => this.take(head, socket),
      handOff: (socket) => {
        for (const l of nodeListeners) l.call(server, socket);
      },
      internalError: (err) => {
        this.logger.error({ err: errorMessage(err) }, 'otlp/http: internal error');
        const body = Buffer.from(`internal error: ${errorMessage(err)}\n`);
        return {
          status: 500,
          headers: [...this.extraHeaders, ['Content-Type', TEXT], ['Content-Length', body.length]],
          body,
        };
      },
    };
    const connections = new Http1Connections(site);
    server.removeAllListeners(event);
    server.on(event, (socket: Socket) => connections.accept(socket));
    this.leanConnections = connections;
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
    if (this.leanAllowed()) this.installLean(server);
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

  /** Requests answered by the lean HTTP/1.1 path (tests, diagnostics); undefined when it is off. */
  leanAnswered(): number | undefined {
    return this.leanConnections?.answered;
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
      const timer = setTimeout(() => {
        server.closeAllConnections();
        this.leanConnections?.closeAll();
      }, graceMs);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
      this.leanConnections?.closeIdle();
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
    let raw: Buffer;
    try {
      // a compressed body is needed only until inflated: always pooled
      raw = await readRaw(req, this.limit, pooled || ce !== '', reading);
    } catch (err) {
      reading.release();
      if (!(err instanceof BodyError)) throw err;
      return this.nodeReply(req, res, this.bodyRefusal(err, enc));
    }
    const ctx: RequestContext = { clientAddress: `${req.socket.remoteAddress}:${req.socket.remotePort}` };
    if (this.cfg.include_metadata) ctx.metadata = req.headersDistinct as Record<string, string[]>;
    if (authData) ctx.auth = authData;
    const reply = await this.process(route, enc, ce, raw, pooled, reading, ctx, url);
    this.nodeReply(req, res, reply);
  }

  /** Writes `reply` through node:http. */
  private nodeReply(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if ('success' in reply) {
      const a = reply.success;
      if (this.closing) res.shouldKeepAlive = false;
      res.writeHead(200, a.headers);
      // a string body goes out in one write with the header block (a buffer: a writev of two)
      res.end(a.body, 'latin1');
      return;
    }
    if (reply.close) {
      res.shouldKeepAlive = false;
      lingerAfterEarlyAnswer(req);
    }
    if (reply.retryAfterMs !== undefined)
      res.setHeader('Retry-After', String(Math.ceil(reply.retryAfterMs / 1000)));
    this.send(res, reply.status, reply.contentType, reply.body);
  }

  /** The answer to a body that could not be read or inflated (413 and 429 close the connection). */
  private bodyRefusal(err: BodyError, enc: WireEncoding): Reply {
    const code = err.httpStatus === 400 ? Code.INVALID_ARGUMENT : Code.RESOURCE_EXHAUSTED;
    return {
      status: err.httpStatus,
      contentType: CONTENT_TYPE[enc],
      body: this.codec.status(enc, code, err.message, err.retryAfterMs),
      retryAfterMs: err.retryAfterMs,
      close: err.httpStatus !== 400,
    };
  }

  /**
   * The rest of a request once its raw body is read, for both HTTP paths: inflate, decode, hand
   * to the pipeline; the answer to write. Releases `reading` (and gives `raw` back when pooled).
   */
  private async process(
    route: Route,
    enc: WireEncoding,
    ce: string,
    raw: Buffer,
    pooled: boolean,
    reading: InFlightReservation,
    ctx: RequestContext,
    url: string,
  ): Promise<Reply> {
    let ticket: DecodeTicket | undefined;
    try {
      let body = raw;
      if (ce !== '') {
        try {
          const inflated = await decompress(ce, raw, this.limit, reading);
          // the inflater's output would live as long as the unread items: copy it into the pool
          body = pooled ? pooledCopy([inflated]) : inflated;
        } catch (err) {
          if (!(err instanceof BodyError)) throw err;
          return this.bodyRefusal(err, enc);
        } finally {
          giveBuffer(raw); // the inflater is done with it, whatever the outcome
        }
      }
      markAnswer('body');

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
        return this.statusReply(enc, r.httpStatus, r.code, errorMessage(err), r.retryAfterMs);
      } finally {
        reading.release();
      }
      let out: Outcome;
      try {
        out = await deliver(route.signal, data, route.consumer, ctx, this.metrics);
      } finally {
        // whoever keeps the data longer (batch, queues) holds the lease itself
        lease?.release();
      }
      markAnswer('accepted');
      if (out.ok && out.rejected === 0 && out.message === '')
        return { success: this.successes.get(route.signal, enc) };
      if (out.ok)
        return {
          status: 200,
          contentType: CONTENT_TYPE[enc],
          body: this.codec.response(route.signal, enc, out.rejected, out.message),
        };
      return this.statusReply(enc, out.httpStatus, out.code, out.message, out.retryAfterMs);
    } finally {
      reading.release();
      ticket?.release();
    }
  }

  private statusReply(
    enc: WireEncoding,
    httpStatus: number,
    code: number,
    message: string,
    retryAfterMs?: number,
  ): Reply {
    return {
      status: httpStatus,
      contentType: CONTENT_TYPE[enc],
      body: this.codec.status(enc, code, message, retryAfterMs),
      retryAfterMs,
    };
  }

  // --- the lean HTTP/1.1 path (src/receiverhelper/http1-connection.ts) ---

  /** This request on the lean path, or undefined: node's server gets the connection and answers as always. */
  private take(head: RequestHead, socket: Socket): Http1Request | undefined {
    if (head.method !== 'POST') return undefined;
    const url = head.target;
    const q = url.indexOf('?');
    const route = this.routes.get(q < 0 ? url : url.slice(0, q));
    if (route === undefined) return undefined;
    const enc = wireEncodingOf(head.contentType);
    if (enc === undefined) return undefined;
    let ce = (head.contentEncoding ?? '').trim().toLowerCase();
    if (ce === 'identity') ce = '';
    if (!this.encodings.has(ce)) return undefined;
    const n = head.contentLength;
    if (n > this.limit) return undefined;
    let metadata: Record<string, string[]> | undefined;
    if (this.cfg.include_metadata) {
      metadata = headersDistinct(head);
      if (metadata === undefined) return undefined;
    }
    const pooled = this.codec.leases(route.signal, enc);
    const reading = reserveInFlight();
    // node's path reserves as the body arrives and refuses midway (429): leave that case to it
    if (!reading.grow(n)) {
      reading.release();
      return undefined;
    }
    const inPool = pooled || ce !== '';
    const body = inPool ? takeBuffer(n) : Buffer.allocUnsafe(n);
    return {
      body,
      run: () =>
        traceAnswer(async () => {
          const ctx: RequestContext = { clientAddress: `${socket.remoteAddress}:${socket.remotePort}` };
          if (metadata !== undefined) ctx.metadata = metadata;
          return this.leanAnswer(await this.process(route, enc, ce, body, pooled, reading, ctx, url));
        }),
      abort: () => {
        if (inPool) giveBuffer(body);
        reading.release();
      },
    };
  }

  /** `reply` as the lean path writes it: node:http's headers in node:http's order. */
  private leanAnswer(reply: Reply): Http1Answer {
    if ('success' in reply) return this.leanSuccesses.get(reply.success) as Http1Answer;
    const headers: [string, string | number][] = [...this.extraHeaders];
    if (reply.retryAfterMs !== undefined)
      headers.push(['Retry-After', String(Math.ceil(reply.retryAfterMs / 1000))]);
    headers.push(['Content-Type', reply.contentType], ['Content-Length', reply.body.length]);
    return { status: reply.status, headers, body: reply.body, end: reply.close ? 'linger' : undefined };
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
