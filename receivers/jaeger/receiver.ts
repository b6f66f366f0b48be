// The `jaeger` receiver: starts one server per protocol named in the config.

import type { ServerAuthenticator } from '../../src/component/auth.js';
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { serverAuthenticator } from '../../src/config/auth.js';
import type { JaegerReceiverConfig } from './config.js';
import { DropLog } from './drop-log.js';
import { GrpcServer } from './grpc-server.js';
import { HttpServer } from './http-server.js';
import { Ingest } from './ingest.js';
import { UdpServer } from './udp-server.js';

type Proto = 'grpc' | 'thrift_http' | 'thrift_compact' | 'thrift_binary';

export class JaegerReceiver implements Component {
  /** Bound ports by protocol, known after start (useful with port 0). */
  readonly ports: Partial<Record<Proto, number>> = {};
  private readonly servers: {
    name: Proto;
    /** The `auth` of this protocol, if it has one. */
    auth?: { authenticator: string };
    start(auth?: ServerAuthenticator): Promise<number>;
    shutdown(): Promise<void>;
  }[] = [];
  private readonly udp: UdpServer[] = [];
  private readonly dropLogs: DropLog[] = [];

  constructor(settings: ComponentSettings, config: JaegerReceiverConfig, next: Consumer<'traces'>) {
    const p = config.protocols ?? {};
    const dropCounter = settings.metrics.counter(
      'otelcol_receiver_jaeger_udp_dropped_datagrams_total',
      'Agent UDP datagrams dropped because the receive queue was full.',
      ['receiver', 'transport'],
    );
    if (p.thrift_compact) {
      const s = new UdpServer(
        p.thrift_compact,
        'compact',
        new Ingest(settings, 'udp_thrift_compact', next),
        this.onDrop(settings, dropCounter, 'udp_thrift_compact', p.thrift_compact),
      );
      this.udp.push(s);
      this.servers.push({ name: 'thrift_compact', start: () => s.start(), shutdown: () => s.shutdown() });
    }
    if (p.thrift_binary) {
      const s = new UdpServer(
        p.thrift_binary,
        'binary',
        new Ingest(settings, 'udp_thrift_binary', next),
        this.onDrop(settings, dropCounter, 'udp_thrift_binary', p.thrift_binary),
      );
      this.udp.push(s);
      this.servers.push({ name: 'thrift_binary', start: () => s.start(), shutdown: () => s.shutdown() });
    }
    if (p.thrift_http) {
      const s = new HttpServer(p.thrift_http, new Ingest(settings, 'collector_http', next));
      this.servers.push({
        name: 'thrift_http',
        auth: p.thrift_http.auth,
        start: (auth) => s.start(auth),
        shutdown: () => s.shutdown(),
      });
    }
    if (p.grpc) {
      const s = new GrpcServer(p.grpc, new Ingest(settings, 'grpc', next));
      this.servers.push({
        name: 'grpc',
        auth: p.grpc.auth,
        start: (auth) => s.start(auth),
        shutdown: () => s.shutdown(),
      });
    }
  }

  /** Counts a dropped datagram and logs it, rate-limited (drop-log.ts). */
  private onDrop(
    settings: ComponentSettings,
    counter: { inc(labels: Record<string, string>, n: number): void },
    transport: string,
    cfg: { queue_size: number; workers: number },
  ): (n: number) => void {
    const log = new DropLog(settings.logger, { transport, queue_size: cfg.queue_size, workers: cfg.workers });
    this.dropLogs.push(log);
    return (n) => {
      counter.inc({ receiver: settings.id, transport }, n);
      log.drop(n);
    };
  }

  async start(host?: Host): Promise<void> {
    const none: Host = { getExtension: () => undefined };
    const auths = this.servers.map((s) => serverAuthenticator(host ?? none, s.auth));
    try {
      for (const [i, s] of this.servers.entries()) this.ports[s.name] = await s.start(auths[i]);
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.shutdown()));
    for (const l of this.dropLogs) l.close();
  }

  /** UDP datagrams received and dropped (queue full), summed over both agent ports. */
  udpStats(): { received: number; dropped: number } {
    let received = 0;
    let dropped = 0;
    for (const u of this.udp) {
      received += u.received;
      dropped += u.dropped;
    }
    return { received, dropped };
  }
}
