import type { z } from 'zod';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { AuthenticatorRole } from './auth-types.js';
import type { BatchingRequest, Downstream } from './batching.js';
import type { Consumer, ConsumersBySignal, RequestContext } from './consumer.js';
import type { ComponentKind } from './kind.js';
import type { ComponentStatus, StatusSource } from './status.js';

export type { ComponentKind } from './kind.js';

/** What every component gets at creation. */
export interface ComponentSettings {
  /** The full component ID from the config, `type[/name]`. */
  id: string;
  kind: ComponentKind;
  /** Structured logger bound to this component (pino). */
  logger: Logger;
  /** The process's self-telemetry (otelcol_* metrics). */
  metrics: SelfMetrics;
  /** Processors only: the stages after this one in its pipeline (batching.ts). */
  downstream?: Downstream;
  /**
   * The service's own `service.instance.id` (its telemetry resource; a UUID made at
   * start when the config sets none). Connectors that must tell collector instances
   * apart in what they emit (span_metrics' `collector.instance.id`) read it.
   */
  serviceInstanceId?: string;
}

/** Runtime services a component may use once started. */
export interface Host {
  /** A started extension by its ID (e.g. the `file_storage` a component's `storage:` key names). */
  getExtension(id: string): Extension | undefined;
}

export interface Component {
  start(host: Host): Promise<void>;
  /**
   * Stop accepting, drain what is held (flush, queue) within the service's
   * deadline, release resources. `deadlineAt` (epoch ms), when given, is when
   * the service gives up waiting: whatever could not be drained by then must
   * have been counted and logged as dropped before it.
   */
  shutdown(deadlineAt?: number): Promise<void>;
  /**
   * Optional: state worth showing on the status page (queue depth, files and
   * offsets, limiter state). Called only while someone looks, about once a
   * second; must be cheap and must not touch the data path.
   */
  status?(): ComponentStatus;
}

interface FactoryBase<C> {
  /** The YAML type name (new snake_case spelling where the collector renamed it). */
  type: string;
  /** Older names still accepted; using one logs a deprecation line. */
  deprecatedTypes?: readonly string[];
  /** One line for `tsunagi components`. */
  description: string;
  /**
   * Validates the user's YAML map and fills defaults. Must reject unknown keys
   * (z.strictObject) so misspellings are errors, never silently ignored.
   */
  configSchema: z.ZodType<C>;
}

export interface ReceiverFactory<C = any> extends FactoryBase<C> {
  kind: 'receiver';
  signals: readonly Signal[];
  /** Called once per receiver ID, with a consumer for each signal some pipeline uses it for. */
  create(settings: ComponentSettings, config: C, next: ConsumersBySignal): Component;
}

export interface Processor<S extends Signal> extends Component, Consumer<S> {}

export interface ProcessorFactory<C = any> extends FactoryBase<C> {
  kind: 'processor';
  signals: readonly Signal[];
  /** True if consume() modifies the data it gets; fan-out then hands it a private copy. */
  mutatesData: boolean;
  /** Called once per pipeline the processor appears in (processors are not shared across pipelines). */
  create<S extends Signal>(
    settings: ComponentSettings,
    config: C,
    signal: S,
    next: Consumer<S>,
  ): Processor<S>;
}

export interface Exporter extends Component {
  consume<S extends Signal>(signal: S, data: SignalDataMap[S], ctx?: RequestContext): Promise<void>;
  /**
   * A batch processor before this exporter asks it to merge `signal`'s data into
   * batches of this shape where it is already accepted (batching.ts). Return true
   * if it will, or if its answers never wait for batching anyway; absent = false.
   * Called while the graph is built, before start().
   */
  acceptBatching?(signal: Signal, req: BatchingRequest): boolean;
}

export interface ExporterFactory<C = any> extends FactoryBase<C> {
  kind: 'exporter';
  signals: readonly Signal[];
  /** True if consume() modifies the data it gets. */
  mutatesData?: boolean;
  /** Called once per exporter ID, shared by every pipeline that names it. */
  create(settings: ComponentSettings, config: C, signals: readonly Signal[]): Exporter;
}

export type Extension = Component;

export interface ExtensionFactory<C = any> extends FactoryBase<C> {
  kind: 'extension';
  /**
   * For authenticators: which `auth: { authenticator }` uses this config serves
   * (server = receivers, client = exporters); validate refuses any other use.
   */
  authenticatorRoles?(config: C): readonly AuthenticatorRole[];
  create(settings: ComponentSettings, config: C, services: ExtensionServices): Extension;
}

/** What the service gives extensions that observe it (health_check). */
export interface ExtensionServices {
  /** True when every pipeline is started and running. */
  pipelinesReady(): boolean;
  /** The service's live state for status pages (zpages); set by the service. */
  status?: StatusSource;
  /**
   * The running config's generation (1 at start, +1 per applied hot reload) and
   * the last reload's outcome (src/service/reload-status.ts; `at` in epoch ms). Absent outside the service.
   */
  reloadStatus?(): {
    configGeneration: number;
    lastReload?: { at: number; ok: boolean; applied: boolean; errors: string[] };
  };
  /**
   * The running config as a plain map in the collector's file layout (what each
   * component's YAML says after `${env:...}`, service.extensions and pipelines),
   * for agents that report it (opamp). Absent outside the service.
   */
  effectiveConfig?(): Record<string, unknown>;
  /** The own telemetry's resource attributes from service::telemetry::resource (strings only). */
  resourceAttributes?(): Record<string, string>;
  /** The component types this build offers, by kind (`receivers`: ['otlp', ...]). */
  availableComponents?(): Record<string, readonly string[]>;
  /**
   * Applies a remote config (opamp): `files` (YAML bodies) are merged on top of the
   * local config files, in the order given, then loaded, validated and applied
   * exactly like a hot reload (SIGHUP); an empty list returns to the local config.
   * `keepExtension` must still run in the result. Resolves with the outcome; an
   * invalid config leaves the running pipelines as they are. Absent when the
   * process cannot reload (tests that run a service without the CLI).
   */
  applyRemoteConfig?(files: readonly RemoteConfigFile[], keepExtension: string): Promise<RemoteConfigOutcome>;
}

export interface RemoteConfigFile {
  /** The name the server gave it (shown in errors). */
  name: string;
  body: string;
}

export interface RemoteConfigOutcome {
  /** The new config runs (possibly with errors of single components that failed to start). */
  applied: boolean;
  /** Every problem, one line each; empty when everything applied. */
  errors: string[];
}

/**
 * Where a connector delivers: the heads of the pipelines that list it as a
 * receiver, for one receiver-side signal. consume() fans out to all of them
 * (mutating pipelines get their own copy, as at a receiver) and resolves when
 * every one accepted.
 */
export interface ConnectorNext<S extends Signal> extends Consumer<S> {
  /** The pipelines of this signal that list the connector as a receiver, in config order. */
  readonly pipelineIds: readonly string[];
  /**
   * A consumer delivering to the named pipelines only (a non-empty subset of
   * pipelineIds, fanned out like consume()); throws for an ID not among them.
   * Meant to be called once per route at creation and kept.
   */
  to(pipelineIds: readonly string[]): Consumer<S>;
}

/**
 * A connector instance: the exporter of the pipelines that list it as an
 * exporter (consume() gets their data) and the receiver of those that list it
 * as a receiver (it delivers through its ConnectorNext). The accept promise
 * flows through it (DESIGN.md): a pass-through connector resolves when the
 * downstream pipelines accepted; an aggregating one when the data is in its
 * own state (never waiting on its flush timer).
 */
export interface Connector<S extends Signal> extends Component, Consumer<S> {}

/** A supported use: data of `from` in (exporter-side pipeline), data of `to` out (receiver-side pipeline). */
export type SignalPair = readonly [from: Signal, to: Signal];

export interface ConnectorFactory<C = any> extends FactoryBase<C> {
  kind: 'connector';
  /** The (exporter-side → receiver-side) signal pairs it connects; validate refuses any other use. */
  pairs: readonly SignalPair[];
  /** True if consume() modifies the data it gets; fan-out then hands it a private copy. */
  mutatesData: boolean;
  /**
   * True if it hands what it consumes (or parts of it) on to the downstream
   * pipelines (forward, routing): the graph then treats those pipelines as part of
   * the upstream one (a batch processor's request reaches their exporters; their
   * mutating processors make the connector's branch a mutating one). False for
   * connectors that emit data of their own (count, span_metrics): they accept at
   * once and never make senders wait, so a batch processor before them passes through.
   */
  passThrough: boolean;
  /**
   * The pipeline IDs its config names (a routing table), each with the YAML path
   * (relative to the connector) where it is named: validate checks that each is a
   * pipeline that lists this connector as a receiver.
   */
  pipelineReferences?(config: C): { path: (string | number)[]; pipelines: readonly string[] }[];
  /**
   * Called once per connector ID and supported pair in use: every exporter-side
   * pipeline of signal `from` feeds the same instance; `next` reaches every
   * receiver-side pipeline of signal `to`.
   */
  create<F extends Signal, T extends Signal>(
    settings: ComponentSettings,
    config: C,
    from: F,
    to: T,
    next: ConnectorNext<T>,
  ): Connector<F>;
}

export type AnyFactory =
  | ReceiverFactory
  | ProcessorFactory
  | ExporterFactory
  | ExtensionFactory
  | ConnectorFactory;

export interface Registry {
  receivers: ReceiverFactory[];
  processors: ProcessorFactory[];
  exporters: ExporterFactory[];
  extensions: ExtensionFactory[];
  connectors: ConnectorFactory[];
}
