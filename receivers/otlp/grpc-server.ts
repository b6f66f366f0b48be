// OTLP/gRPC on @grpc/grpc-js. The three Export methods are registered with
// (de)serializers that call the OTLP codec directly (no protobufjs on the hot
// path). The request deserializer never throws: grpc-js would turn that into
// INTERNAL, while a malformed message must be INVALID_ARGUMENT with the
// decoder's message, so a decode failure travels to the handler as a value.
import * as grpc from '@grpc/grpc-js';
import { leaseBuffer, pooledCopy } from '../../src/codec/buffer-pool.js';
import type { ServerAuthenticator } from '../../src/component/auth.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { Signal, SignalData } from '../../src/pdata/signal.js';
import { admitDecode, type DecodeTicket } from '../../src/receiverhelper/decode-admission.js';
import { grpcServerCredentials, guardedServerOptions } from '../../src/receiverhelper/grpc-server.js';
import { grpcError, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { grpcAuthData, grpcAuthInterceptor } from '../../src/receiverhelper/server-auth.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { GrpcConfig } from './config.js';
import { deliver } from './deliver.js';
import type { WireCodec } from './wire.js';

export const GRPC_SERVICES: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
};

type Decoded =
  | { data: SignalData; lease: Lease | undefined; ticket: DecodeTicket; error?: undefined }
  | { data?: undefined; lease?: undefined; ticket?: undefined; error: unknown };
interface Answer {
  rejected: number;
  message: string;
}

const passThrough = (b: Buffer) => b;
const toBuffer = (b: Uint8Array) =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function exportMethod(signal: Signal, codec: WireCodec): grpc.ServiceDefinition {
  const pooled = codec.leases(signal, 'proto');
  return {
    Export: {
      path: `/${GRPC_SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: (buf: Buffer): Decoded => {
        // Lazy items keep their bytes until exported: in a pooled copy, given back when the
        // last holder let go (the handler releases its own hold once the pipeline answered),
        // while grpc-js's buffer dies young.
        // The decoded request is budgeted and counts as in flight until answered
        // (src/receiverhelper/decode-admission.ts).
        let ticket: DecodeTicket;
        try {
          ticket = admitDecode(buf.length);
        } catch (error) {
          return { error };
        }
        const body = pooled ? pooledCopy([buf]) : buf;
        const lease = pooled ? leaseBuffer(body) : undefined;
        try {
          const data = codec.decode(signal, 'proto', body, lease, ticket.budget);
          ticket.decoded();
          return { data, lease, ticket };
        } catch (error) {
          lease?.release();
          return { error };
        }
      },
      responseSerialize: (a: Answer) => toBuffer(codec.response(signal, 'proto', a.rejected, a.message)),
      responseDeserialize: passThrough,
    },
  };
}

/** gRPC metadata as the RequestContext wants it: lower-case keys, string values (binary as base64). */
function metadataOf(md: grpc.Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, vs] of Object.entries(md.toJSON()))
    out[k] = vs.map((v) => (typeof v === 'string' ? v : v.toString('base64')));
  return out;
}

function serverOptions(cfg: GrpcConfig): grpc.ServerOptions {
  const o = guardedServerOptions({
    maxReceiveMessageBytes: cfg.max_recv_msg_size_mib * 1024 * 1024,
    maxConcurrentStreams: cfg.max_concurrent_streams,
  });
  const sp = cfg.keepalive?.server_parameters;
  if (sp?.max_connection_idle) o['grpc.max_connection_idle_ms'] = sp.max_connection_idle;
  if (sp?.max_connection_age) o['grpc.max_connection_age_ms'] = sp.max_connection_age;
  if (sp?.max_connection_age_grace) o['grpc.max_connection_age_grace_ms'] = sp.max_connection_age_grace;
  if (sp?.time) o['grpc.keepalive_time_ms'] = sp.time;
  if (sp?.timeout) o['grpc.keepalive_timeout_ms'] = sp.timeout;
  return o;
}

export class OtlpGrpcServer {
  private server: grpc.Server | undefined;
  private port = 0;

  constructor(
    private readonly cfg: GrpcConfig,
    private readonly consumers: Map<Signal, Consumer<any>>,
    private readonly codec: WireCodec,
    private readonly metrics: ReceiverMetrics,
    private readonly logger: Logger,
  ) {}

  async start(auth?: ServerAuthenticator): Promise<void> {
    const options = serverOptions(this.cfg);
    // Authentication first: a refused call's message is never read.
    if (auth) options.interceptors = [grpcAuthInterceptor(auth), ...(options.interceptors ?? [])];
    const server = new grpc.Server(options);
    for (const [signal, consumer] of this.consumers)
      server.addService(exportMethod(signal, this.codec), { Export: this.handler(signal, consumer) });
    let creds = grpc.ServerCredentials.createInsecure();
    if (this.cfg.tls) {
      const tls = await loadServerTls(this.cfg.tls).catch((err) => {
        throw new Error(`otlp receiver: gRPC on ${this.cfg.endpoint}: ${errorMessage(err)}`);
      });
      creds = grpcServerCredentials(tls);
    }
    const target =
      this.cfg.transport === 'unix' ? `unix:${this.cfg.endpoint}` : bindTarget(this.cfg.endpoint);
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(target, creds, (err, port) => {
        if (err)
          reject(new Error(`otlp receiver: cannot listen for gRPC on ${this.cfg.endpoint}: ${err.message}`));
        else resolve(port);
      });
    });
    this.server = server;
    this.logger.info({ endpoint: this.cfg.endpoint, port: this.port }, 'Starting GRPC server');
  }

  /** The bound port (resolved when the endpoint said 0). */
  boundPort(): number {
    return this.port;
  }

  /** Stops accepting, lets in-flight calls finish for up to graceMs, then cancels the rest. */
  async shutdown(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private handler(signal: Signal, consumer: Consumer<any>): grpc.handleUnaryCall<Decoded, Answer> {
    const { metrics, logger } = this;
    const includeMetadata = this.cfg.include_metadata;
    return (call, callback) => {
      const { data, error, lease, ticket } = call.request;
      if (data === undefined) {
        logger.debug({ err: errorMessage(error) }, 'otlp/grpc: bad request');
        const r = refusalOfDecodeError(error);
        callback(grpcError(r.code, errorMessage(error), r.retryAfterMs));
        return;
      }
      const ctx: RequestContext = { clientAddress: call.getPeer() };
      if (includeMetadata) ctx.metadata = metadataOf(call.metadata);
      const auth = grpcAuthData(call.metadata);
      if (auth) ctx.auth = auth;
      deliver(signal, data, consumer, ctx, metrics)
        .finally(() => {
          lease?.release();
          ticket.release();
        })
        .then(
          (out) => {
            if (out.ok) return callback(null, { rejected: out.rejected, message: out.message });
            callback(grpcError(out.code, out.message, out.retryAfterMs));
          },
          (err) => callback({ code: grpc.status.INTERNAL, details: errorMessage(err) }),
        );
    };
  }
}

/** grpc-js wants host:port; an empty host means every interface. */
function bindTarget(endpoint: string): string {
  return endpoint.startsWith(':') ? `0.0.0.0${endpoint}` : endpoint;
}
