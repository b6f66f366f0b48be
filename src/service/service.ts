// The running service: builds the graph, starts it in dependency order
// (telemetry, extensions, exporters, then pipelines and connectors downstream
// first, receivers last) and shuts it down in reverse within a deadline:
// receivers first so nothing new arrives, then each pipeline's processors and
// each connector once everything feeding it has stopped, so batches and
// connector state flush downstream, then exporters so queues drain.
import type { Extension, Host } from '../component/component.js';
import { errorMessage } from '../component/errors.js';
import type { StatusSource } from '../component/status.js';
import type { ServiceConfig } from '../config/validate.js';
import type { Logger } from '../telemetry/logger.js';
import { ownResourceAttributes, PeriodicMetricsReader } from '../telemetry/periodic-reader.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { buildGraph, feedersOf, type Graph, type Node, type Stage } from './graph.js';
import { MetricsServer, registerTargetInfo } from './metrics-server.js';
import { registerProcessMetrics } from './process-metrics.js';
import { createStatusSource, type ReloadInfo } from './status.js';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export type ServiceState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ServiceOptions {
  logger: Logger;
  metrics: SelfMetrics;
  /** Deadline for the whole shutdown (default 30 s; the CLI reads TSUNAGI_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs?: number;
  /** service.name / service.version of the own telemetry's resource (OTLP push). */
  build?: { name: string; version: string };
}

export class StartError extends Error {
  constructor(
    readonly componentId: string,
    readonly kind: string,
    cause: unknown,
  ) {
    super(`failed to start ${kind} "${componentId}": ${errorMessage(cause)}`, { cause });
    this.name = 'StartError';
  }
}

export class Service {
  private state: ServiceState = 'created';
  private graph: Graph | undefined;
  private readonly started: Node[] = [];
  private readonly extensions = new Map<string, Extension>();
  private readonly metricsServers: MetricsServer[] = [];
  private readonly metricsReaders: PeriodicMetricsReader[] = [];
  private shutdownPromise: Promise<boolean> | undefined;
  private startPromise: Promise<void> | undefined;
  readonly host: Host = { getExtension: (id) => this.extensions.get(id) };
  /** What status pages read (ExtensionServices.status). */
  readonly statusSource: StatusSource;
  private reloadInfo: ReloadInfo = {};

  constructor(
    private readonly config: ServiceConfig,
    private readonly opts: ServiceOptions,
  ) {
    this.statusSource = createStatusSource({
      config: () => this.config,
      metrics: opts.metrics,
      nodes: () => this.started,
      reload: () => this.reloadInfo,
      state: () => this.state,
      build: opts.build ?? { name: 'tsunagi', version: 'unknown' },
      startedAt: Date.now(),
    });
  }

  /**
   * For hot reload: the config generation now in force and the last attempt's
   * outcome, shown by the status page (zpages) from its next sample on. Until
   * called the page shows neither.
   */
  reportReload(info: ReloadInfo): void {
    this.reloadInfo = { ...info };
  }

  get status(): ServiceState {
    return this.state;
  }

  /** True when every pipeline is started and running (health_check). */
  pipelinesReady(): boolean {
    return this.state === 'running';
  }

  /** Ports the /metrics endpoints are bound to (tests use port 0). */
  metricsPorts(): number[] {
    return this.metricsServers.map((s) => s.port());
  }

  /** Starts everything; on failure shuts down what started and throws a StartError. */
  start(): Promise<void> {
    if (this.state !== 'created')
      return Promise.reject(new Error(`cannot start a service that is ${this.state}`));
    this.state = 'starting';
    this.startPromise = this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    const { logger, metrics } = this.opts;
    const tel = this.config.telemetry;
    try {
      registerTargetInfo(metrics, tel.resource);
      if (tel.metrics.addresses.length || tel.metrics.periodic.length) registerProcessMetrics(metrics);
      for (const address of tel.metrics.addresses) {
        const server = new MetricsServer(metrics, address);
        try {
          await server.start();
        } catch (e) {
          throw new StartError(address, 'telemetry metrics endpoint', e);
        }
        this.metricsServers.push(server);
        logger.info({ address }, 'Serving internal metrics on /metrics');
      }
      if (tel.metrics.periodic.length) {
        const build = this.opts.build ?? { name: 'tsunagi', version: 'unknown' };
        const resource = {
          attributes: ownResourceAttributes(build, {
            attributes: tel.resource,
            removed: tel.resourceRemoved,
          }),
          schemaUrl: tel.schemaUrl,
        };
        for (const p of tel.metrics.periodic) {
          const reader = new PeriodicMetricsReader(p, metrics, resource, logger, build);
          reader.start();
          this.metricsReaders.push(reader);
          logger.info(
            { endpoint: p.endpoint, protocol: p.protocol, interval_ms: p.intervalMs },
            'Pushing internal metrics over OTLP',
          );
        }
      }
      this.graph = buildGraph(this.config, {
        logger,
        metrics,
        services: { pipelinesReady: () => this.pipelinesReady(), status: this.statusSource },
      });
      const g = this.graph;
      logger.info('Starting extensions...');
      for (const n of g.extensions) {
        await this.startNode(n);
        this.extensions.set(n.id, n.component);
      }
      logger.info('Starting pipelines...');
      for (const n of g.exporters) await this.startNode(n);
      // Stages are in dependency order (a connector after the pipelines it feeds);
      // each chain from its end, so a processor's successor runs before it.
      for (const stage of g.stages)
        if (stage.kind === 'connector') await this.startNode(stage.node);
        else for (let i = stage.processors.length - 1; i >= 0; i--) await this.startNode(stage.processors[i]);
      for (const n of g.receivers) await this.startNode(n);
    } catch (e) {
      logger.info('Start failed; shutting down the components that started');
      await this.stopAll();
      this.state = 'stopped';
      throw e;
    }
    if (this.shutdownPromise) return; // shutdown was requested while starting
    this.state = 'running';
    logger.info('Everything is ready. Begin running and processing data.');
  }

  private async startNode(n: Node): Promise<void> {
    try {
      await n.component.start(this.host);
    } catch (e) {
      throw new StartError(n.pipeline ? `${n.id}" in pipeline "${n.pipeline}` : n.id, n.kind, e);
    }
    this.started.push(n);
  }

  /**
   * Graceful shutdown within the deadline. Resolves true if everything
   * stopped in time and without error. Safe to call more than once.
   */
  shutdown(): Promise<boolean> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<boolean> {
    const { logger } = this.opts;
    if (this.state === 'created') {
      this.state = 'stopped';
      return true;
    }
    // A shutdown requested while starting waits for the start to settle first.
    await this.startPromise?.catch(() => {});
    if (this.state === 'stopped') return true; // the start failed and already cleaned up
    this.state = 'stopping';
    logger.info('Starting shutdown...');
    const timeoutMs = this.opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.stopAll(Date.now() + timeoutMs), deadline]);
    clearTimeout(timer);
    this.state = 'stopped';
    if (result === 'timeout') {
      logger.error({ timeout_ms: timeoutMs }, 'Shutdown deadline exceeded; data still held may be lost');
      return false;
    }
    logger.info('Shutdown complete.');
    return result;
  }

  /** Stops started components: receivers, pipelines and connectors (upstream first), exporters, extensions, then telemetry. */
  private async stopAll(deadlineAt?: number): Promise<boolean> {
    const started = new Set(this.started);
    const g: Graph = this.graph ?? { extensions: [], exporters: [], stages: [], receivers: [] };
    const isStarted = (n: Node) => started.has(n);
    let ok = true;
    const stop = async (n: Node) => {
      try {
        // half a second before the service gives up: time to count and log what is dropped
        await n.component.shutdown(deadlineAt === undefined ? undefined : deadlineAt - 500);
      } catch (e) {
        ok = false;
        this.opts.logger.error(
          { 'otelcol.component.id': n.id, 'otelcol.component.kind': n.kind, error: errorMessage(e) },
          'Component shutdown failed',
        );
      }
    };
    // Receivers stop listening at once, but their in-flight requests wait for
    // their ack, which a batch only gives once it flushes: so the processors
    // must drain while the receivers are still finishing, not after.
    const receiversStopped = Promise.all(g.receivers.filter(isStarted).map(stop));
    await new Promise((resolve) => setImmediate(resolve));
    // Pipelines not joined by connectors drain concurrently, each chain first to last so
    // a flushing processor still has its successor running; a pipeline (or connector)
    // stops only once everything feeding it stopped, so what they flush still gets through.
    const stopped = new Map<Stage, Promise<void>>();
    const stopStage = (stage: Stage): Promise<void> => {
      let done = stopped.get(stage);
      if (!done) {
        done = (async () => {
          await Promise.all(feedersOf(g, stage).map(stopStage));
          if (stage.kind === 'connector') {
            if (isStarted(stage.node)) await stop(stage.node);
          } else for (const n of stage.processors) if (isStarted(n)) await stop(n);
        })();
        stopped.set(stage, done);
      }
      return done;
    };
    await Promise.all(g.stages.map(stopStage));
    await receiversStopped;
    await Promise.all(g.exporters.filter(isStarted).map(stop));
    for (const n of [...g.extensions].reverse()) if (isStarted(n)) await stop(n);
    this.started.length = 0;
    this.extensions.clear();
    // Last: the final push carries the counts of the whole drain.
    await Promise.all(this.metricsReaders.splice(0).map((r) => r.shutdown()));
    await Promise.all(this.metricsServers.map((s) => s.shutdown()));
    return ok;
  }
}
