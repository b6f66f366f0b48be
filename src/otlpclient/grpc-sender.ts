// One OTLP/gRPC export: a unary Export call on a @grpc/grpc-js Client with the
// OTLP protobuf codec as (de)serializer. Status codes map to retryable or
// permanent like the collector's otlpexporter (shouldRetry), with the
// RetryInfo delay honoured.
import * as grpc from '@grpc/grpc-js';
import { errorMessage, permanentError, retryableError } from '../component/errors.js';
import { loadTlsClient } from '../config/tls-client.js';
import { GRPC_GZIP, RETRYABLE_GRPC_CODES } from '../exporterhelper/grpc-status.js';
import type { SendFunctions } from '../exporterhelper/index.js';
import { MalformedBatchError, sendIsolatingMalformed } from '../exporterhelper/isolate.js';
import { otlpBatchCodec } from '../exporterhelper/otlp-codec.js';
import {
  decodePartialSuccess,
  decodeRpcStatus,
  type PartialSuccess,
} from '../exporterhelper/otlp-response.js';
import { MAX_RESPONSE_BYTES } from '../exporterhelper/response-body.js';
import { ITEM_NAME, type Signal, type SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import { grpcTarget, type OtlpGrpcConfig } from './grpc-config.js';

const PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export class OtlpGrpcSender implements SendFunctions {
  private client: grpc.Client | undefined;
  private readonly metadata = new grpc.Metadata();

  constructor(
    private readonly cfg: OtlpGrpcConfig,
    private readonly logger: Logger,
  ) {
    for (const [k, v] of Object.entries(cfg.headers)) {
      const key = k.toLowerCase();
      // Binary metadata (-bin keys) carries bytes; the config gives them base64-encoded.
      this.metadata.set(key, key.endsWith('-bin') ? Buffer.from(v, 'base64') : v);
    }
    if (cfg.wait_for_ready) this.metadata.setOptions({ waitForReady: true });
  }

  async start(): Promise<void> {
    const { target, secure } = grpcTarget(this.cfg);
    let creds = grpc.credentials.createInsecure();
    if (secure) {
      const t = await loadTlsClient(this.cfg.tls);
      creds = grpc.credentials.createSsl(t.ca ?? null, t.key ?? null, t.cert ?? null, {
        rejectUnauthorized: t.rejectUnauthorized,
        ...(t.rejectUnauthorized ? {} : { checkServerIdentity: () => undefined }),
      });
    }
    const opts: grpc.ChannelOptions = {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [this.cfg.balancer_name]: {} }] }),
      'grpc.primary_user_agent': 'Tsunagi/0.1.0',
      // an Export answer is a few bytes: at most 64 KiB of any answer (src/exporterhelper/response-body.ts)
      'grpc.max_receive_message_length': MAX_RESPONSE_BYTES,
    };
    if (this.cfg.compression === 'gzip') opts['grpc.default_compression_algorithm'] = GRPC_GZIP;
    if (this.cfg.tls.server_name_override)
      opts['grpc.ssl_target_name_override'] = this.cfg.tls.server_name_override;
    if (this.cfg.authority) opts['grpc.default_authority'] = this.cfg.authority;
    const ka = this.cfg.keepalive;
    if (ka?.time) opts['grpc.keepalive_time_ms'] = ka.time;
    if (ka?.timeout) opts['grpc.keepalive_timeout_ms'] = ka.timeout;
    if (ka?.permit_without_stream) opts['grpc.keepalive_permit_without_calls'] = 1;
    this.client = new grpc.Client(target, creds, opts);
  }

  async shutdown(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }

  send<S extends Signal>(signal: S, data: SignalDataMap[S], abort: AbortSignal): Promise<void> {
    // a batch refused as malformed (INVALID_ARGUMENT): only the refused requests are dropped
    return sendIsolatingMalformed(signal, data, (d) => this.sendOnce(signal, d, abort));
  }

  private sendOnce<S extends Signal>(signal: S, data: SignalDataMap[S], abort: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(retryableError('otlp_grpc exporter is not started'));
    let body: Buffer;
    try {
      const u8 = otlpBatchCodec.encode(signal, data); // a Buffer: no copy (Buffer.from would copy it)
      body = Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    } catch (e) {
      return Promise.reject(permanentError(`failed to encode ${signal}: ${errorMessage(e)}`, { cause: e }));
    }
    return new Promise<void>((resolve, reject) => {
      const call = client.makeUnaryRequest<Buffer, PartialSuccess | undefined>(
        PATHS[signal],
        (b) => b,
        (buf) => decodePartialSuccess(signal, buf),
        body,
        this.metadata,
        // The server sees the attempt's deadline (grpc-timeout) too.
        this.cfg.timeout > 0 ? { deadline: Date.now() + this.cfg.timeout } : {},
        (err, ps) => {
          abort.removeEventListener('abort', onAbort);
          if (err) return reject(toConsumerError(err));
          if (ps && (ps.rejected > 0n || ps.errorMessage))
            this.logger.warn(
              { message: ps.errorMessage, [`dropped_${ITEM_NAME[signal]}`]: Number(ps.rejected) },
              'Partial success response',
            );
          resolve();
        },
      );
      const onAbort = () => call.cancel();
      if (abort.aborted) onAbort();
      else abort.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The collector's otlpexporter shouldRetry + throttle delay from RetryInfo. */
export function toConsumerError(err: grpc.ServiceError) {
  const details = err.metadata?.get('grpc-status-details-bin')?.[0];
  const st = Buffer.isBuffer(details) ? decodeRpcStatus(details) : undefined;
  const delay = st?.retryDelayMs;
  const msg = `rpc error: code = ${grpc.status[err.code] ?? err.code} desc = ${err.details || errorMessage(err)}`;
  if (RETRYABLE_GRPC_CODES.has(err.code)) return retryableError(msg, { retryAfterMs: delay, cause: err });
  if (err.code === grpc.status.INVALID_ARGUMENT) return new MalformedBatchError(msg);
  if (err.code === grpc.status.RESOURCE_EXHAUSTED && delay !== undefined)
    return retryableError(msg, { retryAfterMs: delay, throttled: true, cause: err });
  return permanentError(msg, { cause: err });
}
