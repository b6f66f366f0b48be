// jaeger.api_v2.CollectorService/PostSpans. The request is taken as raw bytes
// and decoded here, so a message that does not decode is INVALID_ARGUMENT
// (and counted) rather than a transport-level failure.
import * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import { admitDecode, type DecodeTicket } from '../../src/receiverhelper/decode-admission.js';
import { grpcServerCredentials, guardedServerOptions } from '../../src/receiverhelper/grpc-server.js';
import { grpcError, refusalOf, refusalOfDecodeError } from '../../src/receiverhelper/refusal.js';
import { decodePostSpansRequest } from '../../src/translator/jaeger/proto-codec.js';
import type { GrpcConfig } from './config.js';
import type { Ingest } from './ingest.js';

const EMPTY = Buffer.alloc(0);
const identity = (b: Buffer) => b;

export const postSpansDefinition: grpc.ServiceDefinition = {
  PostSpans: {
    path: '/jaeger.api_v2.CollectorService/PostSpans',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export class GrpcServer {
  private server: grpc.Server | undefined;

  constructor(
    private readonly cfg: GrpcConfig,
    private readonly ingest: Ingest,
  ) {}

  async start(): Promise<number> {
    const server = new grpc.Server(
      guardedServerOptions({
        maxReceiveMessageBytes: Math.floor(this.cfg.max_recv_msg_size_mib * 1024 * 1024),
        maxConcurrentStreams: this.cfg.max_concurrent_streams,
      }),
    );
    server.addService(postSpansDefinition, {
      PostSpans: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
        void this.postSpans(call, cb),
    });
    let creds = grpc.ServerCredentials.createInsecure();
    if (this.cfg.tls) {
      creds = grpcServerCredentials(await loadServerTls(this.cfg.tls));
    }
    const { host, port } = splitHostPort(this.cfg.endpoint);
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(addr, creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return bound;
  }

  private async postSpans(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
    const peer = call.getPeer();
    let batch: ReturnType<typeof decodePostSpansRequest>;
    let ticket: DecodeTicket | undefined;
    try {
      ticket = admitDecode(call.request.length);
      batch = decodePostSpansRequest(call.request, ticket.budget);
      ticket.decoded();
    } catch (err) {
      ticket?.release();
      this.ingest.bad(err, peer);
      const r = refusalOfDecodeError(err);
      return cb(grpcError(r.code, errorMessage(err), r.retryAfterMs));
    }
    const ctx: RequestContext = { clientAddress: peer };
    if (this.cfg.include_metadata) {
      const md: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) md[k] = [String(v)];
      ctx.metadata = md;
    }
    try {
      await this.ingest.push(batch, ctx);
      cb(null, EMPTY);
    } catch (err) {
      // Same answer as the OTLP receiver: RESOURCE_EXHAUSTED + RetryInfo only
      // when throttled with a delay, otherwise UNAVAILABLE (retryable) or
      // INVALID_ARGUMENT (permanent).
      const { code, retryAfterMs } = refusalOf(err);
      cb(grpcError(code, errorMessage(err), retryAfterMs));
    } finally {
      ticket.release();
    }
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 5000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
