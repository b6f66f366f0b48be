// The `zipkin` receiver: an HTTP server taking POSTed spans. As in the
// collector, a path containing `api/v1/spans` is Zipkin v1 (Thrift when the
// Content-Type is application/x-thrift, else JSON) and any other path is v2
// (protobuf when application/x-protobuf, else JSON). Answers: 202 once the
// pipeline accepted the spans, 400 with the decoder's message for bad input,
// and for a pipeline refusal the mapping every receiver uses
// (src/receiverhelper/refusal.ts: 400 permanent, 429 + Retry-After throttled,
// 503 otherwise; the collector answers 500 there).
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type DecodeBudget, DecodeLimitError, defaultBudget } from '../../src/codec/decode-budget.js';
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import { countSpans } from '../../src/pdata/count.js';
import type { TracesData } from '../../src/pdata/types.js';
import { Cors } from '../../src/receiverhelper/cors.js';
import {
  admitDecode,
  type DecodeTicket,
  reserveInFlight,
} from '../../src/receiverhelper/decode-admission.js';
import { BodyError, decompress, readRaw, tooLarge } from '../../src/receiverhelper/http-body.js';
import { lingerAfterEarlyAnswer } from '../../src/receiverhelper/linger.js';
import { refusalOf, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { BurstLogger } from '../../src/telemetry/burst-logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { ZipkinReceiverConfig } from './config.js';
import { ZipkinDecodeError } from './model.js';
import { v1JsonToTraces, v1ThriftToTraces } from './v1.js';
import { decodeV2Json, decodeV2Proto } from './v2-decode.js';
import { v2ToTraces } from './v2-to-otlp.js';

export type Transport = 'http_v1_thrift' | 'http_v1_json' | 'http_v2_json' | 'http_v2_proto';
const SHUTDOWN_GRACE_MS = 5000;

export class ZipkinReceiver implements Component {
  private server: Server | undefined;
  private readonly cors: Cors | undefined;
  private readonly encodings: Set<string>;
  private readonly metrics = new Map<Transport, ReceiverMetrics>();
  private readonly badInput: BurstLogger;
  private readonly refusals: BurstLogger;
  private closing = false;
  /** The bound port (after start). */
  port = 0;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: ZipkinReceiverConfig,
    private readonly next: Consumer<'traces'>,
  ) {
    this.cors = cfg.cors ? new Cors(cfg.cors) : undefined;
    this.encodings = new Set(cfg.compression_algorithms);
    for (const t of ['http_v1_thrift', 'http_v1_json', 'http_v2_json', 'http_v2_proto'] as const) {
      this.metrics.set(t, settings.metrics.receiver(settings.id, t));
    }
    this.badInput = new BurstLogger(settings.logger);
    this.refusals = new BurstLogger(settings.logger);
  }

  async start(_host: Host): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => {
        this.settings.logger.error({ err: errorMessage(err) }, 'zipkin: internal error');
        if (!res.headersSent) text(res, 500, `internal error: ${errorMessage(err)}`);
        else res.destroy();
      });
    };
    const c = this.cfg;
    const requestTimeout = c.read_timeout;
    const headersTimeout =
      requestTimeout > 0 ? Math.min(c.read_header_timeout, requestTimeout) : c.read_header_timeout;
    const opts = { requestTimeout, headersTimeout, keepAlive: c.keep_alives_enabled };
    const server = c.tls
      ? createHttpsServer({ ...opts, ...(await loadServerTls(c.tls)) }, onRequest)
      : createHttpServer(opts, onRequest);
    server.keepAliveTimeout = c.idle_timeout;
    const { host, port } = splitHostPort(c.endpoint);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`zipkin receiver: cannot listen on ${c.endpoint}: ${err.message}`)),
      );
      server.listen({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => resolve());
    });
    server.on('error', (err) => this.settings.logger.error({ err: err.message }, 'zipkin: server error'));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    this.settings.logger.info({ endpoint: c.endpoint, port: this.port }, 'Zipkin receiver listening');
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.closing = true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(this.cfg.response_headers)) res.setHeader(k, v);
    if (!this.cfg.keep_alives_enabled || this.closing) res.shouldKeepAlive = false;
    if (this.cors) {
      if (Cors.isPreflight(req)) return this.cors.preflight(req, res);
      this.cors.decorate(req, res);
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      req.resume();
      return text(res, 405, 'method not allowed, supported: [POST]');
    }
    const path = (req.url ?? '/').split('?')[0];
    const v1 = path.includes('api/v1/spans');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const transport: Transport = v1
      ? type === 'application/x-thrift'
        ? 'http_v1_thrift'
        : 'http_v1_json'
      : type === 'application/x-protobuf'
        ? 'http_v2_proto'
        : 'http_v2_json';
    const metrics = this.metrics.get(transport)!;
    let ce = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (ce === 'identity') ce = '';
    if (!this.encodings.has(ce)) {
      req.resume();
      res.shouldKeepAlive = false;
      return text(res, 400, `unsupported Content-Encoding: ${ce}`);
    }
    const limit = this.cfg.max_request_body_size;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      res.shouldKeepAlive = false;
      lingerAfterEarlyAnswer(req);
      return text(res, 413, tooLarge(limit).message);
    }
    // The body's bytes, then its decoded form, count as in flight until answered; the decode
    // runs under the budget the process's decode admission gives it
    // (src/receiverhelper/decode-admission.ts).
    const reading = reserveInFlight();
    let ticket: DecodeTicket | undefined;
    try {
      let body: Buffer;
      try {
        const raw = await readRaw(req, limit, false, reading);
        body = ce === '' ? raw : await decompress(ce, raw, limit, reading);
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        if (err.httpStatus !== 400) {
          res.shouldKeepAlive = false;
          lingerAfterEarlyAnswer(req);
        }
        if (err.retryAfterMs !== undefined)
          res.setHeader('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
        return text(res, err.httpStatus, err.message);
      }
      const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      let td: TracesData;
      try {
        ticket = admitDecode(body.length);
        td = decode(transport, body, this.cfg.parse_string_tags, ticket.budget);
        ticket.decoded();
      } catch (err) {
        const r = refusalOfDecodeError(err);
        if (r.httpStatus === 400) {
          metrics.failed('traces', 1, err);
          this.badInput.warn('Bad Zipkin input refused', { transport, peer, error: errorMessage(err) });
        } else if (r.retryAfterMs !== undefined)
          res.setHeader('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
        return text(res, r.httpStatus, errorMessage(err));
      } finally {
        // the body is garbage once decoded (the decoded form is held by the ticket)
        reading.release();
      }
      await this.deliver(req, res, transport, td, peer);
    } finally {
      reading.release();
      ticket?.release();
    }
  }

  /** Hands decoded spans to the pipeline and answers with its outcome. */
  private async deliver(
    req: IncomingMessage,
    res: ServerResponse,
    transport: Transport,
    td: TracesData,
    peer: string,
  ): Promise<void> {
    const metrics = this.metrics.get(transport)!;
    const n = countSpans(td);
    const ctx: RequestContext = { clientAddress: peer };
    if (this.cfg.include_metadata) ctx.metadata = req.headersDistinct as Record<string, string[]>;
    try {
      if (n > 0) await this.next.consume(td, ctx);
      metrics.accepted('traces', n);
      res.writeHead(202);
      res.end();
    } catch (err) {
      metrics.refused('traces', n, err);
      this.refusals.warn('Zipkin spans refused by the pipeline', {
        transport,
        spans: n,
        error: errorMessage(err),
      });
      const r = refusalOf(err);
      if (r.retryAfterMs !== undefined)
        res.setHeader('Retry-After', String(Math.ceil(r.retryAfterMs / 1000)));
      text(res, r.httpStatus, errorMessage(err));
    }
  }
}

/** `budget`: what the decoded request may cost (src/codec/decode-budget.ts); a fresh default one if not given. */
export function decode(
  transport: Transport,
  body: Buffer,
  parseStringTags: boolean,
  budget: DecodeBudget = defaultBudget(),
): TracesData {
  try {
    switch (transport) {
      case 'http_v1_thrift':
        return v1ThriftToTraces(body, budget);
      case 'http_v1_json':
        return v1JsonToTraces(body, parseStringTags, budget);
      case 'http_v2_proto':
        return v2ToTraces(decodeV2Proto(body, budget), parseStringTags);
      default:
        return v2ToTraces(decodeV2Json(body, budget), parseStringTags);
    }
  } catch (err) {
    if (err instanceof ZipkinDecodeError || err instanceof DecodeLimitError) throw err;
    // anything a decoder did not foresee is still bad input, never a crash
    throw new ZipkinDecodeError(`cannot decode ${transport}: ${errorMessage(err)}`);
  }
}

function text(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  const body = Buffer.from(`${message}\n`);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}
