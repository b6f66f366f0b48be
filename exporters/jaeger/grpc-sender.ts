// protocol: grpc — jaeger.api_v2.CollectorService/PostSpans, one call per
// resource (Jaeger batch), with the collector's gRPC retry rules.
import * as grpc from '@grpc/grpc-js';
import { errorMessage, permanentError, retryableError } from '../../src/component/errors.js';
import { loadTlsClient } from '../../src/config/tls-client.js';
import { GRPC_GZIP, RETRYABLE_GRPC_CODES } from '../../src/exporterhelper/grpc-status.js';
import type { SendFunctions } from '../../src/exporterhelper/index.js';
import { MAX_RESPONSE_BYTES } from '../../src/exporterhelper/response-body.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { JBatch } from '../../src/translator/jaeger/model.js';
import { encodePostSpansRequest } from '../../src/translator/jaeger/proto-codec.js';
import { sendPerResource } from './batches.js';
import type { JaegerExporterConfig } from './config.js';

const PATH = '/jaeger.api_v2.CollectorService/PostSpans';

export class GrpcSender implements SendFunctions {
  private client: grpc.Client | undefined;
  private readonly metadata = new grpc.Metadata();

  constructor(
    private readonly cfg: JaegerExporterConfig,
    private readonly logger: Logger,
  ) {
    for (const [k, v] of Object.entries(cfg.headers)) this.metadata.set(k.toLowerCase(), v);
  }

  async start(): Promise<void> {
    let target = this.cfg.endpoint.replace(/\/$/, '');
    let secure = !this.cfg.tls.insecure;
    if (target.startsWith('https://')) [target, secure] = [target.slice(8), true];
    else if (target.startsWith('http://')) [target, secure] = [target.slice(7), false];
    let creds = grpc.credentials.createInsecure();
    if (secure) {
      const t = await loadTlsClient(this.cfg.tls);
      creds = grpc.credentials.createSsl(t.ca ?? null, t.key ?? null, t.cert ?? null, {
        rejectUnauthorized: t.rejectUnauthorized,
        ...(t.rejectUnauthorized ? {} : { checkServerIdentity: () => undefined }),
      });
    }
    const opts: grpc.ChannelOptions = {
      'grpc.primary_user_agent': 'Tsunagi/0.1.0',
      // a PostSpans answer is empty: at most 64 KiB of any answer (src/exporterhelper/response-body.ts)
      'grpc.max_receive_message_length': MAX_RESPONSE_BYTES,
    };
    if (this.cfg.compression === 'gzip') opts['grpc.default_compression_algorithm'] = GRPC_GZIP;
    if (this.cfg.tls.server_name_override)
      opts['grpc.ssl_target_name_override'] = this.cfg.tls.server_name_override;
    this.client = new grpc.Client(target, creds, opts);
  }

  async shutdown(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }

  async send<S extends Signal>(_signal: S, data: SignalDataMap[S], abort: AbortSignal): Promise<void> {
    await sendPerResource(data as TracesData, (b) => this.postSpans(b, abort), this.logger);
  }

  private postSpans(batch: JBatch, abort: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(retryableError('jaeger exporter is not started'));
    let body: Buffer;
    try {
      body = encodePostSpansRequest(batch);
    } catch (e) {
      return Promise.reject(
        permanentError(`failed to encode Jaeger batch: ${errorMessage(e)}`, { cause: e }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const call = client.makeUnaryRequest<Buffer, Buffer>(
        PATH,
        (b) => b,
        (b) => b,
        body,
        this.metadata,
        {},
        (err) => {
          abort.removeEventListener('abort', onAbort);
          if (!err) return resolve();
          const msg = `rpc error: code = ${grpc.status[err.code] ?? err.code} desc = ${err.details || errorMessage(err)}`;
          reject(
            RETRYABLE_GRPC_CODES.has(err.code)
              ? retryableError(msg, { cause: err })
              : permanentError(msg, { cause: err }),
          );
        },
      );
      const onAbort = () => call.cancel();
      if (abort.aborted) onAbort();
      else abort.addEventListener('abort', onAbort, { once: true });
    });
  }
}
