// protocol: thrift_http — a TBinaryProtocol jaeger.Batch per resource, POSTed
// to the collector's /api/traces (application/x-thrift). 429/502/503/504 and
// network errors are retried (Retry-After honoured); other statuses are permanent.
import { Pool } from 'undici';
import { errorMessage, permanentError, retryableError } from '../../src/component/errors.js';
import { type LoadedTls, loadTlsClient } from '../../src/config/tls-client.js';
import { endpointOf, withEndpointAuth } from '../../src/exporterhelper/endpoint.js';
import type { SendFunctions } from '../../src/exporterhelper/index.js';
import { parseRetryAfter } from '../../src/exporterhelper/otlp-response.js';
import { readCappedText } from '../../src/exporterhelper/response-body.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { JBatch } from '../../src/translator/jaeger/model.js';
import { encodeBatchBinary } from '../../src/translator/jaeger/thrift-writer.js';
import { sendPerResource } from './batches.js';
import type { JaegerExporterConfig } from './config.js';

const RETRYABLE = new Set([429, 502, 503, 504]);

export class ThriftHttpSender implements SendFunctions {
  private pool: Pool | undefined;
  private tls: LoadedTls | undefined;
  private readonly url: URL;
  /** The endpoint as it may be printed (credentials masked). */
  private readonly target: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly cfg: JaegerExporterConfig,
    private readonly logger: Logger,
  ) {
    // credentials in the URL: sent as Basic auth, never printed (src/exporterhelper/endpoint.ts)
    const ep = endpointOf(cfg.endpoint);
    this.url = ep.url;
    this.target = ep.redacted;
    this.headers = withEndpointAuth(cfg.headers, ep);
  }

  async start(): Promise<void> {
    this.tls = await loadTlsClient(this.cfg.tls);
    const t = this.tls;
    this.pool = new Pool(this.url.origin, {
      connect: {
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: t.rejectUnauthorized,
        servername: t.servername,
        minVersion: t.minVersion,
        maxVersion: t.maxVersion,
      },
    });
  }

  async shutdown(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  async send<S extends Signal>(_signal: S, data: SignalDataMap[S], abort: AbortSignal): Promise<void> {
    await sendPerResource(data as TracesData, (b) => this.post(b, abort), this.logger);
  }

  private async post(batch: JBatch, abort: AbortSignal): Promise<void> {
    const pool = this.pool;
    if (!pool) throw retryableError('jaeger exporter is not started');
    let body: Buffer;
    try {
      body = encodeBatchBinary(batch);
    } catch (e) {
      throw permanentError(`failed to encode Jaeger batch: ${errorMessage(e)}`, { cause: e });
    }
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await pool.request({
        method: 'POST',
        path: this.url.pathname + this.url.search,
        headers: {
          ...this.headers,
          'content-type': 'application/x-thrift',
          'user-agent': 'Tsunagi/0.1.0',
        },
        body,
        signal: abort,
      });
    } catch (e) {
      throw retryableError(`failed to POST to ${this.target}: ${errorMessage(abort.reason ?? e)}`, {
        cause: e,
      });
    }
    // at most 64 KiB of any answer (src/exporterhelper/response-body.ts)
    const text = (await readCappedText(res.body)).slice(0, 1024);
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const msg = `${this.target} responded with HTTP ${res.statusCode}${text ? `: ${text.trim()}` : ''}`;
    if (RETRYABLE.has(res.statusCode))
      throw retryableError(msg, {
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
        throttled: res.statusCode === 429,
      });
    throw permanentError(msg);
  }
}
