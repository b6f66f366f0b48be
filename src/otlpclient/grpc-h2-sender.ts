// OTLP/gRPC Export calls made directly on a node:http2 session: the unary gRPC
// protocol (PROTOCOL-HTTP2.md in grpc/grpc) is one POST whose body is the
// request message behind a 5-byte frame header, answered by one message and
// the grpc-status / grpc-message / grpc-status-details-bin trailers. A
// @grpc/grpc-js call costs about twice the CPU of this (its channel, resolver,
// load-balancing, retry and interceptor layers run per call), which the
// load-balancing exporter pays once per backend for every request it splits.
//
// Used where the target is one address and nothing needs grpc-js's channel:
// an IP literal or localhost, no keepalive pings, no wait_for_ready
// (h2Eligible). Everything else a config can say is kept: TLS (CA, client
// certificate, insecure_skip_verify, server_name_override), headers and -bin
// headers, the auth extension's per-call headers, authority, gzip, the
// deadline (grpc-timeout; the abort signal cancels), and the answers mapped to
// errors exactly as the grpc-js sender maps them (toConsumerError).
//
// Plaintext targets without an auth extension go on the lean HTTP/2 client (h2/,
// grpc-lean-call.ts) instead of node:http2: the same header block and message, the
// answer read by the same UnaryAnswer, at about half node:http2's CPU per call.
// TSUNAGI_GRPC_LEAN=0 turns it off (every call on node:http2). TLS and per-call
// authenticator headers stay on node:http2.
import * as http2 from 'node:http2';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { giveBuffer } from '../codec/buffer-pool.js';
import type { ClientAuthenticator } from '../component/auth.js';
import type { Host } from '../component/component.js';
import type { RequestContext } from '../component/consumer.js';
import { errorMessage, permanentError, retryableError } from '../component/errors.js';
import { clientAuthenticator } from '../config/auth.js';
import { type LoadedTls, loadTlsClient } from '../config/tls-client.js';
import { authHeaders } from '../exporterhelper/client-auth.js';
import type { SendFunctions } from '../exporterhelper/index.js';
import { sendIsolatingMalformed } from '../exporterhelper/isolate.js';
import { otlpBatchCodec } from '../exporterhelper/otlp-codec.js';
import { decodePartialSuccess } from '../exporterhelper/otlp-response.js';
import { ITEM_NAME, type Signal, type SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import { serviceError, UnaryAnswer } from './grpc-answer.js';
import { grpcTarget, type OtlpGrpcConfig } from './grpc-config.js';
import { leanUnaryCall } from './grpc-lean-call.js';
import { toConsumerError } from './grpc-sender.js';
import { H2Client } from './h2/client.js';
import { encodeHeaderBlock } from './h2/hpack-encoder.js';

const gzipAsync = promisify(gzip);

const PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const USER_AGENT = 'Tsunagi/0.1.0 grpc-node-http2';

/** host and port of a host:port target ([v6]:port included). */
function splitTarget(target: string): { host: string; port: string } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  return { host: m[1] ?? m[2], port: m[3] };
}

/**
 * The config needs nothing grpc-js's channel adds over one HTTP/2 connection: one address
 * (an IP literal or localhost, so round_robin and pick_first pick the same), no keepalive
 * pings, no wait_for_ready, no dns:/// target.
 */
export function h2Eligible(cfg: OtlpGrpcConfig): boolean {
  if (cfg.wait_for_ready || cfg.keepalive?.time || cfg.keepalive?.permit_without_stream) return false;
  const { target } = grpcTarget(cfg);
  const t = splitTarget(target);
  return t !== undefined && (isIP(t.host) !== 0 || t.host === 'localhost');
}

const headerString = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export class OtlpGrpcH2Sender implements SendFunctions {
  private session: http2.ClientHttp2Session | undefined;
  private auth: ClientAuthenticator | undefined;
  private authority = '';
  private origin = '';
  private tls: LoadedTls | undefined;
  private readonly headers: Record<string, string> = {};
  /** Per signal: the headers of every call (configured ones included), built once in start(). */
  private baseHeaders = {} as Record<Signal, http2.OutgoingHttpHeaders>;
  /** The lean client (plaintext, no authenticator, not turned off) and its header blocks per signal. */
  private lean: H2Client | undefined;
  private leanBlocks = {} as Record<Signal, Buffer>;
  private stopped = false;

  constructor(
    private readonly cfg: OtlpGrpcConfig,
    private readonly logger: Logger,
  ) {
    for (const [k, v] of Object.entries(cfg.headers)) {
      const key = k.toLowerCase();
      // -bin values are bytes, base64 on the wire; the config gives them base64 already
      this.headers[key] = key.endsWith('-bin') ? Buffer.from(v, 'base64').toString('base64') : v;
    }
  }

  async start(host?: Host): Promise<void> {
    if (this.cfg.auth)
      this.auth = clientAuthenticator(host ?? { getExtension: () => undefined }, this.cfg.auth);
    const { target, secure } = grpcTarget(this.cfg);
    if (secure) this.tls = await loadTlsClient(this.cfg.tls);
    this.origin = `${secure ? 'https' : 'http'}://${target}`;
    this.authority = this.cfg.authority ?? this.cfg.tls.server_name_override ?? target;
    for (const signal of Object.keys(PATHS) as Signal[]) {
      const h: http2.OutgoingHttpHeaders = {
        ':method': 'POST',
        ':path': PATHS[signal],
        ':authority': this.authority,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': USER_AGENT,
        'grpc-accept-encoding': 'identity,gzip',
      };
      // The server sees the attempt's deadline too.
      if (this.cfg.timeout > 0) h['grpc-timeout'] = `${Math.max(1, Math.ceil(this.cfg.timeout))}m`;
      for (const [k, v] of Object.entries(this.headers)) h[k] = v;
      if (this.cfg.compression === 'gzip') h['grpc-encoding'] = 'gzip';
      this.baseHeaders[signal] = h;
      // node:http2 adds :scheme after the other pseudo-headers; the lean block says the same
      const fields = Object.entries(h).map(([k, v]) => [k, String(v)] as const);
      fields.splice(3, 0, [':scheme', 'http']);
      this.leanBlocks[signal] = encodeHeaderBlock(fields);
    }
    const t = splitTarget(target);
    if (!secure && !this.auth && t && process.env.TSUNAGI_GRPC_LEAN !== '0')
      this.lean = new H2Client(t.host, Number(t.port));
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.lean?.close();
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) await new Promise<void>((r) => s.close(() => r()));
  }

  /** The connection, (re)opened when there is none usable. */
  private connect(): http2.ClientHttp2Session {
    const cur = this.session;
    if (cur && !cur.closed && !cur.destroyed) return cur;
    const t = this.tls;
    const opts: http2.SecureClientSessionOptions = {
      // the answers are small; a big window lets large requests go out without waiting
      settings: { enablePush: false, initialWindowSize: 1 << 20 },
      maxHeaderListPairs: 256,
    };
    if (t) {
      Object.assign(opts, {
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: t.rejectUnauthorized,
        minVersion: t.minVersion,
        maxVersion: t.maxVersion,
        ALPNProtocols: ['h2'],
      });
      const host = splitTarget(grpcTarget(this.cfg).target)?.host ?? '';
      const sni = t.servername ?? (isIP(host) === 0 ? host : undefined);
      if (sni) opts.servername = sni;
      if (!t.rejectUnauthorized) opts.checkServerIdentity = () => undefined;
    }
    const s = http2.connect(this.origin, opts);
    // errors reach the streams (each call fails with UNAVAILABLE); the session only has to go
    s.on('error', (err) => {
      this.logger.debug({ error: errorMessage(err) }, 'gRPC connection failed');
      if (this.session === s) this.session = undefined;
    });
    s.on('goaway', () => {
      if (this.session === s) this.session = undefined;
    });
    s.on('close', () => {
      if (this.session === s) this.session = undefined;
    });
    // no open call keeps the process alive, as with grpc-js's idle channel
    s.unref();
    this.session = s;
    return s;
  }

  send<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void> {
    // a batch refused as malformed (INVALID_ARGUMENT): only the refused requests are dropped
    return sendIsolatingMalformed(signal, data, (d) => this.sendOnce(signal, d, abort, ctx));
  }

  private async sendOnce<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx: RequestContext | undefined,
  ): Promise<void> {
    if (this.stopped || this.origin === '') throw retryableError('otlp_grpc exporter is not started');
    // the call's headers: the same every call unless an authenticator adds its own (node:http2
    // copies the object it is given, so one per signal is reused)
    let headers: http2.OutgoingHttpHeaders = this.baseHeaders[signal];
    if (this.auth) {
      const h: http2.OutgoingHttpHeaders = { ...headers };
      // the authenticator's headers, the configured ones winning on a shared key (as the grpc-js sender)
      for (const [k, v] of Object.entries(authHeaders(this.auth, {}, {}, ctx))) h[k.toLowerCase()] = v;
      for (const [k, v] of Object.entries(this.headers)) h[k] = v;
      if (this.cfg.compression === 'gzip') h['grpc-encoding'] = 'gzip';
      headers = h;
    }
    let body: Uint8Array;
    try {
      if (this.cfg.compression === 'gzip') {
        const plain = otlpBatchCodec.encode(signal, data, 0, true);
        const msg = await gzipAsync(plain);
        giveBuffer(plain); // zlib is done with it
        body = Buffer.allocUnsafe(5 + msg.length);
        body.set(msg, 5);
        body[0] = 1;
      } else {
        // 5 free bytes for the frame header; a pooled buffer, given back once written (call())
        body = otlpBatchCodec.encode(signal, data, 5, true);
        body[0] = 0;
      }
    } catch (e) {
      throw permanentError(`failed to encode ${signal}: ${errorMessage(e)}`, { cause: e });
    }
    const len = body.length - 5;
    body[1] = len >>> 24;
    body[2] = (len >>> 16) & 0xff;
    body[3] = (len >>> 8) & 0xff;
    body[4] = len & 0xff;
    if (abort.aborted) throw toConsumerError(serviceError(grpc.status.CANCELLED, 'Cancelled on client'));
    const answer = this.lean
      ? await leanUnaryCall(this.lean, this.leanBlocks[signal], body, abort, () => giveBuffer(body))
      : await this.call(headers, body, abort);
    const ps = decodePartialSuccess(signal, answer);
    if (ps && (ps.rejected > 0n || ps.errorMessage))
      this.logger.warn(
        { message: ps.errorMessage, [`dropped_${ITEM_NAME[signal]}`]: Number(ps.rejected) },
        'Partial success response',
      );
  }

  /**
   * One call: resolves with the answer message, rejects with the ConsumerError of a failed one.
   * `body` goes back to the buffer pool once its write completed (the session wrote it to the
   * socket); after a failed write it is left to the GC.
   */
  private call(headers: http2.OutgoingHttpHeaders, body: Uint8Array, abort: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.connect().request(headers, { endStream: false });
      } catch (e) {
        reject(toConsumerError(serviceError(grpc.status.UNAVAILABLE, errorMessage(e))));
        return;
      }
      let settled = false;
      const fail = (e: grpc.ServiceError) => {
        if (settled) return;
        settled = true;
        abort.removeEventListener('abort', onAbort);
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(toConsumerError(e));
      };
      const onAbort = () => fail(serviceError(grpc.status.CANCELLED, 'Cancelled on client'));
      abort.addEventListener('abort', onAbort, { once: true });
      const answer = new UnaryAnswer();
      stream.on('response', (h) => answer.headers((n) => headerString(h[n])));
      stream.on('trailers', (h) => answer.trailers((n) => headerString(h[n])));
      stream.on('data', (c: Buffer) => {
        const tooLarge = answer.data(c);
        if (tooLarge) fail(tooLarge);
      });
      stream.on('error', (err) => fail(serviceError(grpc.status.UNAVAILABLE, errorMessage(err))));
      stream.on('close', () => {
        if (settled) return;
        const failed = answer.closed(stream.rstCode);
        if (failed) return fail(failed);
        settled = true;
        abort.removeEventListener('abort', onAbort);
        const msg = answer.message();
        if (msg instanceof Promise) msg.then(resolve, (e) => reject(toConsumerError(e)));
        else resolve(msg);
      });
      stream.write(body, (err) => {
        if (!err) giveBuffer(body);
      });
      stream.end();
    });
  }
}
