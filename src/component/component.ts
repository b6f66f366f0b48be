import type { z } from 'zod';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { BatchingRequest, Downstream } from './batching.js';
import type { Consumer, ConsumersBySignal, RequestContext } from './consumer.js';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'extension' | 'connector';

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
  create(settings: ComponentSettings, config: C, services: ExtensionServices): Extension;
}

/** What the service gives extensions that observe it (health_check). */
export interface ExtensionServices {
  /** True when every pipeline is started and running. */
  pipelinesReady(): boolean;
}

export type AnyFactory = ReceiverFactory | ProcessorFactory | ExporterFactory | ExtensionFactory;

export interface Registry {
  receivers: ReceiverFactory[];
  processors: ProcessorFactory[];
  exporters: ExporterFactory[];
  extensions: ExtensionFactory[];
}
