import type { BatchingRequest } from '../../src/component/batching.js';
import type { ComponentSettings, Exporter, ExporterFactory, Host } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { QueuedExporter } from '../../src/exporterhelper/index.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import {
  type LoadBalancingConfig,
  loadBalancingConfigSchema,
  type RoutingKey,
  routingKeyFor,
} from './config.js';
import { DnsResolver, dnsServersFromEnv } from './dns-resolver.js';
import { K8sResolver } from './k8s-resolver.js';
import { LoadBalancer } from './load-balancer.js';
import { type Resolver, StaticResolver } from './resolver.js';

export function createResolver(settings: ComponentSettings, cfg: LoadBalancingConfig): Resolver {
  const r = cfg.resolver;
  if (r.static) return new StaticResolver(r.static.hostnames);
  if (r.dns)
    return new DnsResolver({
      hostname: r.dns.hostname,
      port: r.dns.port,
      intervalMs: r.dns.interval,
      timeoutMs: r.dns.timeout,
      servers: dnsServersFromEnv(),
      logger: settings.logger.child({ resolver: 'dns' }),
    });
  if (r.k8s)
    return new K8sResolver({
      service: r.k8s.service,
      ports: r.k8s.ports,
      timeoutMs: r.k8s.timeout,
      returnHostnames: r.k8s.return_hostnames,
      logger: settings.logger.child({ resolver: 'k8s service' }),
    });
  throw new Error('no resolvers specified for the exporter'); // the schema refuses this already
}

/**
 * The exporter the pipelines call: the exporter's own timeout / retry_on_failure /
 * sending_queue (off unless configured) around the load balancer's routing.
 */
export class LoadBalancingExporter implements Exporter {
  readonly lb: LoadBalancer;
  private readonly outer: QueuedExporter;

  constructor(
    settings: ComponentSettings,
    private readonly cfg: LoadBalancingConfig,
    signals: readonly Signal[],
    resolver?: Resolver,
  ) {
    const keys = new Map<Signal, RoutingKey>(signals.map((s) => [s, routingKeyFor(cfg, s)]));
    this.lb = new LoadBalancer(settings, cfg, signals, resolver ?? createResolver(settings, cfg), keys);
    this.outer = new QueuedExporter(settings, cfg, signals, {
      send: (signal, data, _abort, ctx) => this.lb.route(signal, data, ctx),
    });
  }

  acceptBatching(signal: Signal, req: BatchingRequest): boolean {
    // the exporter's own queue when it has one (the per-backend queues are then off), else theirs
    return this.cfg.sending_queue.enabled
      ? this.outer.acceptBatching(signal, req)
      : this.lb.acceptBatching(signal, req);
  }

  async start(host: Host): Promise<void> {
    await this.lb.start(host);
    await this.outer.start(host);
  }

  consume<S extends Signal>(signal: S, data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    return this.outer.consume(signal, data, ctx);
  }

  async shutdown(deadlineAt?: number): Promise<void> {
    await this.outer.shutdown(deadlineAt);
    await this.lb.shutdown(deadlineAt);
  }
}

export const factory: ExporterFactory<LoadBalancingConfig> = {
  kind: 'exporter',
  type: 'load_balancing',
  deprecatedTypes: ['loadbalancing'],
  description:
    'Routes traces, logs and metrics by trace ID / service / … to a consistent backend over OTLP/gRPC',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: loadBalancingConfigSchema,
  create: (settings, config, signals) => new LoadBalancingExporter(settings, config, signals),
};
