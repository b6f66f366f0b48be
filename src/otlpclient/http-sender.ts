// One OTLP/HTTP export: encode, compress, POST over a keep-alive undici Pool,
// and turn the answer into the helper's outcome (429/502/503/504 retryable
// with Retry-After, anything else permanent with the google.rpc.Status message;
// partial_success logged as a warning).
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { compressSync as snappyCompress } from 'snappy';
import { Pool } from 'undici';
import { giveBuffer } from '../codec/buffer-pool.js';
import { otlpJson } from '../codec/otlp-json.js';
import { errorMessage, permanentError, retryableError } from '../component/errors.js';
import { type LoadedTls, loadTlsClient } from '../config/tls-client.js';
import { endpointOf, withEndpointAuth } from '../exporterhelper/endpoint.js';
import type { SendFunctions } from '../exporterhelper/index.js';
import { MalformedBatchError, sendIsolatingMalformed } from '../exporterhelper/isolate.js';
import { encodeChunks, otlpBatchCodec } from '../exporterhelper/otlp-codec.js';
import {
  decodePartialSuccess,
  decodeRpcStatus,
  type PartialSuccess,
  parseRetryAfter,
  partialSuccessFromJson,
} from '../exporterhelper/otlp-response.js';
import { readCapped } from '../exporterhelper/response-body.js';
import { ITEM_NAME, type Signal, type SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { OtlpHttpConfig } from './http-config.js';

const gzipAsync = promisify(gzip);
const USER_AGENT = 'Tsunagi/0.1.0';
const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ERROR_BODY = 64 * 1024;

/** The URL of each signal: its override, else endpoint + /v1/<signal>. */
export function signalUrl(cfg: OtlpHttpConfig, signal: Signal): string | undefined {
  const override = cfg[`${signal}_endpoint`];
  if (override) return override;
  if (!cfg.endpoint) return undefined;
  return `${cfg.endpoint.replace(/\/+$/, '')}/v1/${signal}`;
}

export class OtlpHttpSender implements SendFunctions {
  private readonly pools = new Map<string, Pool>();
  private tls: LoadedTls | undefined;
  private readonly contentType: string;

  constructor(
    private readonly cfg: OtlpHttpConfig,
    private readonly logger: Logger,
  ) {
    this.contentType = cfg.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  }

  async start(): Promise<void> {
    this.tls = await loadTlsClient(this.cfg.tls);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  send<S extends Signal>(signal: S, data: SignalDataMap[S], abort: AbortSignal): Promise<void> {
    // a batch refused as malformed (400): only the refused requests are dropped
    return sendIsolatingMalformed(signal, data, (d) => this.sendOnce(signal, d, abort));
  }

  private async sendOnce<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
  ): Promise<void> {
    const configured = signalUrl(this.cfg, signal);
    if (!configured) throw permanentError(`no endpoint configured for ${signal}`);
    // credentials in the URL: sent as Basic auth, never printed (src/exporterhelper/endpoint.ts)
    const ep = endpointOf(configured);
    const url = ep.url;
    const target = ep.redacted;
    let body: Uint8Array | Uint8Array[];
    try {
      body =
        this.cfg.encoding === 'json'
          ? Buffer.from(otlpJson[signal].encode(data))
          : this.cfg.compression !== 'none'
            ? otlpBatchCodec.encode(signal, data, 0, true) // pooled: given back once compressed
            : encodeChunks(signal, data); // uncompressed: written as pieces, not copied together
    } catch (e) {
      throw permanentError(`failed to encode ${signal}: ${errorMessage(e)}`, { cause: e });
    }
    const headers: Record<string, string> = {
      ...withEndpointAuth(this.cfg.headers, ep),
      'content-type': this.contentType,
      'user-agent': USER_AGENT,
    };
    if (this.cfg.compression !== 'none') {
      const plain = body as Uint8Array;
      body = this.cfg.compression === 'gzip' ? await gzipAsync(plain) : snappyCompress(plain);
      giveBuffer(plain); // compressed: nothing reads it any more (a no-op unless pooled)
      headers['content-encoding'] = this.cfg.compression;
    }
    if (Array.isArray(body)) {
      let length = 0;
      for (const c of body) length += c.length;
      headers['content-length'] = String(length);
    }
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool(url.origin).request({
        method: 'POST',
        path: url.pathname + url.search,
        headers,
        // undici writes an iterable body piece by piece (its dispatch options document
        // Iterable bodies; request()'s type leaves them out)
        body: body as Uint8Array,
        signal: abort,
      });
    } catch (e) {
      throw retryableError(
        `failed to make an HTTP request to ${target}: ${errorMessage(abort.reason ?? e)}`,
        {
          cause: e,
        },
      );
    }
    // at most 64 KiB of any answer (src/exporterhelper/response-body.ts)
    const raw = (await readCapped(res.body)).bytes;
    const ctype = String(res.headers['content-type'] ?? '');
    if (res.statusCode >= 200 && res.statusCode < 300) {
      this.partialSuccess(signal, raw, ctype);
      return;
    }
    const detail = errorDetail(raw.subarray(0, MAX_ERROR_BODY), ctype);
    const msg = `request to ${target} responded with HTTP Status Code ${res.statusCode}${detail ? `, Message=${detail}` : ''}`;
    if (RETRYABLE.has(res.statusCode))
      throw retryableError(msg, {
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
        throttled: res.statusCode === 429,
      });
    if (res.statusCode === 400) throw new MalformedBatchError(msg);
    throw permanentError(msg);
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      const t = this.tls;
      p = new Pool(origin, {
        connections: this.cfg.max_conns_per_host || null,
        keepAliveTimeout: this.cfg.idle_conn_timeout,
        pipelining: this.cfg.disable_keep_alives ? 0 : 1,
        connect: t && {
          ca: t.ca,
          cert: t.cert,
          key: t.key,
          rejectUnauthorized: t.rejectUnauthorized,
          servername: t.servername,
          minVersion: t.minVersion,
          maxVersion: t.maxVersion,
        },
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  private partialSuccess(signal: Signal, raw: Buffer, ctype: string): void {
    let ps: PartialSuccess | undefined;
    try {
      ps = ctype.includes('json')
        ? partialSuccessFromJson(signal, raw.toString('utf8'))
        : decodePartialSuccess(signal, raw);
    } catch {
      return; // an unreadable success body is still a success
    }
    if (ps && (ps.rejected > 0n || ps.errorMessage))
      this.logger.warn(
        { message: ps.errorMessage, [`dropped_${ITEM_NAME[signal]}`]: Number(ps.rejected) },
        'Partial success response',
      );
  }
}

/** The error text of a response body: google.rpc.Status (proto or JSON) message, else the text. */
function errorDetail(raw: Buffer, ctype: string): string {
  if (raw.length === 0) return '';
  if (ctype.includes('protobuf')) {
    const st = decodeRpcStatus(raw);
    if (st?.message) return st.message;
  }
  const text = raw.toString('utf8');
  if (ctype.includes('json')) {
    try {
      const j = JSON.parse(text) as { message?: unknown };
      if (typeof j.message === 'string') return j.message;
    } catch {
      // fall through to the raw text
    }
  }
  return text.trim().slice(0, 1024);
}
