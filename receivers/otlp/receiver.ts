// The `otlp` receiver: a gRPC and/or an HTTP server feeding the pipelines of
// each signal this receiver is used in.
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer, ConsumersBySignal } from '../../src/component/consumer.js';
import { serverAuthenticator } from '../../src/config/auth.js';
import { SIGNALS, type Signal } from '../../src/pdata/signal.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpGrpcServer } from './grpc-server.js';
import { OtlpHttpServer, type Route } from './http-server.js';
import { warmOtlpCodecs } from './warm-up.js';
import type { WireCodec } from './wire.js';

/** How long shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 5000;

export class OtlpReceiver implements Component {
  private readonly grpc: OtlpGrpcServer | undefined;
  private readonly http: OtlpHttpServer | undefined;
  private readonly cfg: OtlpReceiverConfig;
  private readonly codec: WireCodec;
  private readonly signals: Signal[];

  constructor(
    settings: ComponentSettings,
    cfg: OtlpReceiverConfig,
    next: ConsumersBySignal,
    codec: WireCodec,
  ) {
    this.cfg = cfg;
    this.codec = codec;
    const consumers = new Map<Signal, Consumer<any>>();
    for (const s of SIGNALS) if (next[s]) consumers.set(s, next[s]!);
    this.signals = [...consumers.keys()];
    const logger = settings.logger;
    const { grpc, http } = cfg.protocols;
    if (grpc) {
      const metrics = settings.metrics.receiver(settings.id, 'grpc');
      this.grpc = new OtlpGrpcServer(grpc, consumers, codec, metrics, logger);
    }
    if (http) {
      const metrics = settings.metrics.receiver(settings.id, 'http');
      const paths: Record<Signal, string> = {
        traces: http.traces_url_path,
        metrics: http.metrics_url_path,
        logs: http.logs_url_path,
      };
      // Only the signals some pipeline uses get a path (others answer 404, as in the collector).
      const routes = new Map<string, Route>();
      for (const [signal, consumer] of consumers) routes.set(paths[signal], { signal, consumer });
      this.http = new OtlpHttpServer(http, routes, codec, metrics, logger);
    }
  }

  async start(host: Host): Promise<void> {
    // before listening: the first requests' answers would otherwise wait for V8 compiling
    // and running cold the code every request runs (warm-up.ts)
    warmOtlpCodecs(this.codec, this.signals);
    const { grpc, http } = this.cfg.protocols;
    const grpcAuth = serverAuthenticator(host, grpc?.auth);
    const httpAuth = serverAuthenticator(host, http?.auth);
    await this.grpc?.start(grpcAuth);
    try {
      await this.http?.start(httpAuth);
    } catch (err) {
      await this.grpc?.shutdown(0);
      throw err;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.grpc?.shutdown(SHUTDOWN_GRACE_MS), this.http?.shutdown(SHUTDOWN_GRACE_MS)]);
  }

  /** Where the servers listen (ports resolved): for tests and the startup log. */
  endpoints(): { grpc?: number; http?: string } {
    return { grpc: this.grpc?.boundPort(), http: this.http?.address() };
  }
}
