// The running service: builds the graph, starts it in dependency order
// (telemetry, extensions, exporters, then pipelines and connectors downstream
// first, receivers last) and shuts it down in reverse within a deadline:
// receivers first so nothing new arrives, then each pipeline's processors and
// each connector once everything feeding it has stopped, so batches and
// connector state flush downstream, then exporters so queues drain.
//
// reload() applies a new config to the running service by difference
// (graph.ts builds the next graph keeping what did not change): new parts
// start first, kept receivers are switched over, then the parts no longer
// wanted drain exactly as at shutdown. See README.md, "Hot reload".
import { isDeepStrictEqual } from 'node:util';
import type { Extension, Host, RemoteConfigFile, RemoteConfigOutcome } from '../component/component.js';
import { errorMessage } from '../component/errors.js';
import type { StatusSource } from '../component/status.js';
import type { ServiceConfig } from '../config/validate.js';
import { youngGenerationMayGrow } from '../memory/young-generation.js';
import type { Logger } from '../telemetry/logger.js';
import { ownResourceAttributes, PeriodicMetricsReader } from '../telemetry/periodic-reader.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { effectiveConfigMap } from './effective-config.js';
import { buildGraph, emptyGraph, feedersOf, type Graph, type Node, type Stage } from './graph.js';
import { MetricsServer, registerTargetInfo } from './metrics-server.js';
import { registerProcessMetrics } from './process-metrics.js';
import { countReload, type LastReload, type ReloadStatus, registerReloadMetrics } from './reload-status.js';
import { sameEntry } from './reuse.js';
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
  /** The component types the build offers, by kind (reported by opamp). */
  availableComponents?: Record<string, readonly string[]>;
}

/** Applies remote config files through the reload path (the CLI's Reloader). */
export type RemoteConfigHandler = (
  files: readonly RemoteConfigFile[],
  keepExtension: string,
) => Promise<RemoteConfigOutcome>;

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
  private readonly started = new Set<Node>();
  private generation = 1;
  private lastReload: LastReload | undefined;
  /** Reloads run one after another; shutdown waits for the one running. */
  private reloads: Promise<unknown> = Promise.resolve();
  private readonly extensions = new Map<string, Extension>();
  private readonly metricsServers: MetricsServer[] = [];
  private readonly metricsReaders: PeriodicMetricsReader[] = [];
  private shutdownPromise: Promise<boolean> | undefined;
  private startPromise: Promise<void> | undefined;
  private remoteConfigHandler: RemoteConfigHandler | undefined;
  readonly host: Host = { getExtension: (id) => this.extensions.get(id) };
  /** What status pages read (ExtensionServices.status). */
  readonly statusSource: StatusSource;

  constructor(
    private config: ServiceConfig,
    private readonly opts: ServiceOptions,
  ) {
    registerReloadMetrics(opts.metrics, () => this.reloadStatus());
    this.statusSource = createStatusSource({
      config: () => this.config,
      metrics: opts.metrics,
      nodes: () => [...this.started],
      // the page shows reload rows once there was a reload (its own choice: absent until then)
      reload: () => {
        const last = this.lastReload;
        if (!last) return {};
        return {
          configGeneration: this.generation,
          lastReload: { at: last.at, ok: last.ok, errors: last.errors },
        };
      },
      state: () => this.state,
      build: opts.build ?? { name: 'tsunagi', version: 'unknown' },
      startedAt: Date.now(),
    });
  }

  /** The running config's generation and the last reload's outcome (status page, metrics). */
  reloadStatus(): ReloadStatus {
    return { configGeneration: this.generation, lastReload: this.lastReload };
  }

  /**
   * Sets the generation and last outcome shown (status page, metrics) as
   * another reload path would report them; reload() keeps them itself.
   */
  reportReload(info: ReloadInfo): void {
    if (info.configGeneration !== undefined) this.generation = info.configGeneration;
    if (info.lastReload) this.lastReload = { ...info.lastReload, applied: info.lastReload.ok };
  }

  /** Lets extensions apply remote config (opamp) through the caller's validate-then-apply path. */
  setRemoteConfigHandler(handler: RemoteConfigHandler): void {
    this.remoteConfigHandler = handler;
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
      this.graph = buildGraph(this.config, this.buildOptions());
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
    // start-up's long synchronous stretch is over: V8's young generation may grow to its cap
    youngGenerationMayGrow();
  }

  private buildOptions() {
    const { logger, metrics } = this.opts;
    return {
      logger,
      metrics,
      services: {
        pipelinesReady: () => this.pipelinesReady(),
        status: this.statusSource,
        reloadStatus: () => this.reloadStatus(),
        effectiveConfig: () => effectiveConfigMap(this.config),
        resourceAttributes: () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(this.config.telemetry.resource ?? {}))
            if (typeof v === 'string') out[k] = v;
          return out;
        },
        availableComponents: () => this.opts.availableComponents ?? {},
        applyRemoteConfig: (files: readonly RemoteConfigFile[], keepExtension: string) =>
          this.remoteConfigHandler
            ? this.remoteConfigHandler(files, keepExtension)
            : Promise.resolve({ applied: false, errors: ['this process cannot apply remote configuration'] }),
      },
    };
  }

  private async startNode(n: Node): Promise<void> {
    try {
      await n.component.start(this.host);
    } catch (e) {
      throw new StartError(n.pipeline ? `${n.id}" in pipeline "${n.pipeline}` : n.id, n.kind, e);
    }
    this.started.add(n);
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
    // A shutdown requested while starting (or reloading) waits for that to settle first.
    await this.startPromise?.catch(() => {});
    await this.reloads;
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

  /** Shuts one component down; false (and logged) if it failed. */
  private async stopNode(n: Node, deadlineAt?: number): Promise<boolean> {
    try {
      // half a second before the service gives up: time to count and log what is dropped
      await n.component.shutdown(deadlineAt === undefined ? undefined : deadlineAt - 500);
      return true;
    } catch (e) {
      this.opts.logger.error(
        { 'otelcol.component.id': n.id, 'otelcol.component.kind': n.kind, error: errorMessage(e) },
        'Component shutdown failed',
      );
      return false;
    } finally {
      this.started.delete(n);
    }
  }

  /**
   * Drains `stages` of graph `g` (all of them at shutdown; those a reload
   * drops): pipelines not joined by connectors concurrently, each chain first
   * to last so a flushing processor still has its successor running; a
   * pipeline (or connector) stops only once everything feeding it stopped, so
   * what they flush still gets through.
   */
  private async stopStages(g: Graph, stages: readonly Stage[], deadlineAt?: number): Promise<boolean> {
    const isStarted = (n: Node) => this.started.has(n);
    let ok = true;
    const stop = async (n: Node) => {
      ok = (await this.stopNode(n, deadlineAt)) && ok;
    };
    const stopped = new Map<Stage, Promise<void>>();
    const stopStage = (stage: Stage): Promise<void> => {
      let done = stopped.get(stage);
      if (!done) {
        done = (async () => {
          await Promise.all(
            feedersOf(g, stage)
              .filter((f) => stages.includes(f))
              .map(stopStage),
          );
          if (stage.kind === 'connector') {
            if (isStarted(stage.node)) await stop(stage.node);
          } else for (const n of stage.processors) if (isStarted(n)) await stop(n);
        })();
        stopped.set(stage, done);
      }
      return done;
    };
    await Promise.all(stages.map(stopStage));
    return ok;
  }

  /** Stops started components: receivers, pipelines and connectors (upstream first), exporters, extensions, then telemetry. */
  private async stopAll(deadlineAt?: number): Promise<boolean> {
    const g: Graph = this.graph ?? emptyGraph();
    const isStarted = (n: Node) => this.started.has(n);
    let ok = true;
    const stop = async (n: Node) => {
      ok = (await this.stopNode(n, deadlineAt)) && ok;
    };
    // Receivers stop listening at once, but their in-flight requests wait for
    // their ack, which a batch only gives once it flushes: so the processors
    // must drain while the receivers are still finishing, not after.
    const receiversStopped = Promise.all(g.receivers.filter(isStarted).map(stop));
    await new Promise((resolve) => setImmediate(resolve));
    ok = (await this.stopStages(g, g.stages, deadlineAt)) && ok;
    await receiversStopped;
    await Promise.all(g.exporters.filter(isStarted).map(stop));
    for (const n of [...g.extensions].reverse()) if (isStarted(n)) await stop(n);
    this.started.clear();
    this.extensions.clear();
    // Last: the final push carries the counts of the whole drain.
    await Promise.all(this.metricsReaders.splice(0).map((r) => r.shutdown()));
    await Promise.all(this.metricsServers.map((s) => s.shutdown()));
    return ok;
  }

  /**
   * Records a reload refused before it reached the service (the new config
   * did not load or validate): the running pipelines are untouched.
   */
  noteRefusedReload(errors: string[]): void {
    this.lastReload = { at: Date.now(), ok: false, applied: false, errors };
    countReload(this.opts.metrics, 'refused');
  }

  /**
   * Applies a validated config to the running service by difference. Resolves
   * with the outcome (also kept as `reloadStatus().lastReload`); `notes` are
   * problems the caller already found and left out (refused fragments), which
   * make the outcome not ok while the rest applies. Never rejects.
   */
  reload(next: ServiceConfig, notes: string[] = []): Promise<LastReload> {
    const run = this.reloads.then(() => this.doReload(next, notes));
    this.reloads = run.catch(() => {});
    return run;
  }

  private async doReload(next: ServiceConfig, notes: string[]): Promise<LastReload> {
    const { logger } = this.opts;
    const refuse = (errors: string[]): LastReload => {
      for (const e of errors)
        logger.error({ error: e }, 'Config reload refused; the running pipelines are kept');
      this.noteRefusedReload([...notes, ...errors]);
      return this.lastReload!;
    };
    if (this.state !== 'running' || !this.graph) return refuse([`the service is ${this.state}, not running`]);
    const errors: string[] = [];
    for (const id of next.serviceExtensions)
      if (
        this.config.serviceExtensions.includes(id) &&
        !sameEntry(this.config.extensions.get(id), next.extensions.get(id))
      )
        errors.push(
          `extensions::${id}: an extension's config cannot change while running; restart to apply it`,
        );
    if (errors.length) return refuse(errors);
    if (!isDeepStrictEqual(this.config.telemetry, next.telemetry)) {
      logger.warn(
        'service::telemetry changed: it applies at the next restart; the rest of the config applies now',
      );
      next = { ...next, telemetry: this.config.telemetry };
    }

    const old = this.graph;
    let graph: Graph;
    try {
      graph = buildGraph(next, this.buildOptions(), { config: this.config, graph: old });
    } catch (e) {
      return refuse([`building the new pipelines failed: ${errorMessage(e)}`]);
    }
    const isNew = (n: Node) => !graph.reused.has(n.component);

    // 1. Start what is new, downstream first, while the old graph carries all traffic.
    //    A failure here stops what started and leaves the running graph as it was.
    const fresh: Node[] = [];
    const addedExtensions: string[] = [];
    try {
      for (const n of graph.extensions.filter(isNew)) {
        await this.startNode(n);
        fresh.push(n);
        this.extensions.set(n.id, n.component);
        addedExtensions.push(n.id);
      }
      for (const n of graph.exporters.filter(isNew)) {
        if (graph.handovers.has(n.id)) continue; // starts once its predecessor stopped (step 3)
        await this.startNode(n);
        fresh.push(n);
      }
      for (const stage of graph.stages)
        if (stage.kind === 'connector') {
          if (isNew(stage.node)) {
            await this.startNode(stage.node);
            fresh.push(stage.node);
          }
        } else
          for (let i = stage.processors.length - 1; i >= 0; i--)
            if (isNew(stage.processors[i])) {
              await this.startNode(stage.processors[i]);
              fresh.push(stage.processors[i]);
            }
    } catch (e) {
      for (const n of fresh.reverse()) await this.stopNode(n);
      for (const id of addedExtensions) this.extensions.delete(id);
      return refuse([errorMessage(e)]);
    }

    // 2. Switch: kept receivers now feed the new pipelines; requests already past
    //    a switch finish in the pipelines they entered.
    for (const inputs of graph.receiverInputs.values())
      for (const { input, target } of inputs.values()) input.target = target;
    const oldConfig = this.config;
    this.config = next;
    this.graph = graph;
    const applyErrors: string[] = [];

    // 3. What the new graph does not keep drains as at shutdown: receivers stop
    //    listening, pipelines and connectors drain upstream first, then exporters
    //    (a memory queue drains to its old endpoint; a persistent one stays on
    //    disk for its successor). New receivers start once the old ones freed their ports.
    const deadlineAt = Date.now() + (this.opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    const kept = graph.reused;
    const gone = (n: Node) => !kept.has(n.component) && this.started.has(n);
    const keptHeads = new Set(graph.stages.flatMap((s) => (s.kind === 'pipeline' ? [s.head] : [])));
    const keptInstances = new Set(graph.stages.flatMap((s) => (s.kind === 'connector' ? [s.instance] : [])));
    const oldStages = old.stages.filter((s) =>
      s.kind === 'pipeline' ? !keptHeads.has(s.head) : !keptInstances.has(s.instance),
    );
    const startLogged = async (n: Node) => {
      try {
        await this.startNode(n);
        return true;
      } catch (e) {
        const msg = errorMessage(e);
        applyErrors.push(msg);
        logger.error({ error: msg }, 'Config reload: a component failed to start');
        return false;
      }
    };
    const receiversSwapped = Promise.all(
      old.receivers.filter(gone).map((n) => this.stopNode(n, deadlineAt)),
    ).then(async () => {
      for (const n of graph.receivers.filter(isNew)) await startLogged(n);
    });
    await new Promise((resolve) => setImmediate(resolve));
    await this.stopStages(old, oldStages, deadlineAt);
    await Promise.all(
      old.exporters.filter(gone).map(async (n) => {
        await this.stopNode(n, deadlineAt);
        const gate = graph.handovers.get(n.id);
        const successor = graph.exporters.find((e) => e.id === n.id);
        if (!gate || !successor) return;
        if (await startLogged(successor)) gate.open();
        else gate.fail(applyErrors[applyErrors.length - 1]);
      }),
    );
    await receiversSwapped;
    const nextExtensions = new Set(graph.extensions.map((n) => n.id));
    for (const n of [...old.extensions].reverse())
      if (gone(n)) {
        await this.stopNode(n, deadlineAt);
        if (!nextExtensions.has(n.id)) this.extensions.delete(n.id);
      }

    this.generation++;
    const errors_ = [...notes, ...applyErrors];
    this.lastReload = {
      at: Date.now(),
      ok: errors_.length === 0,
      applied: true,
      errors: errors_,
    };
    countReload(this.opts.metrics, 'applied');
    logger.info(
      {
        generation: this.generation,
        kept: kept.size,
        started: fresh.length,
        stopped_receivers: old.receivers.filter((n) => !kept.has(n.component)).length,
        stopped_pipelines: oldStages.length,
        previous_pipelines: oldConfig.pipelines.size,
        pipelines: next.pipelines.size,
      },
      'Config reloaded',
    );
    return this.lastReload;
  }
}
