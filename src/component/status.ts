// What the service knows about itself for a live status view (the zpages
// extension): the pipeline topology, per-component counts and last errors,
// and the state some components expose through an optional `status()`.
// Nothing here is computed on the data path: counts are plain numbers the
// self-metrics already keep (telemetry/component-tallies.ts), and `status()`
// is only called when someone looks (about once a second while a page is open).
import type { Signal } from '../pdata/signal.js';
import type { ComponentKind } from './kind.js';

/** One lane of an exporter's sending queue (exporterhelper). */
export interface QueueStatus {
  signal: Signal;
  /** In `sizer` units, as otelcol_exporter_queue_size. */
  size: number;
  capacity: number;
  sizer: 'requests' | 'items' | 'bytes';
  /** Batches queued plus being sent (or waiting out a retry backoff). */
  batches: number;
  /** Batches taken by a worker (sending or retrying). */
  inFlight: number;
  persistent: boolean;
  /** Persistent queue: payload bytes of the batches stored and not yet sent. */
  storedBytes?: number;
  /** Memory queue: OTLP bytes held, against the exporter's byte bound. */
  memoryBytes?: number;
  memoryBytesLimit?: number;
}

export interface MemoryLimiterStatus {
  state: 'normal' | 'soft' | 'hard';
  /** What the limiter decides on, at the last check: the V8 heap in use plus external memory (ArrayBuffers). */
  usedBytes: number;
  softLimitBytes: number;
  hardLimitBytes: number;
  checkIntervalMs: number;
  /** Items refused since start. */
  refusedItems: number;
}

/** A file a file_log receiver has open. */
export interface FileStatus {
  path: string;
  /** Next byte to read. */
  offset: number;
  /** Bytes the pipeline accepted (the checkpoint). */
  ackedOffset: number;
  /** File size at the last look. */
  size: number;
  /** size − ackedOffset: what is still to read or to be accepted. */
  lagBytes: number;
}

/** What a component may report through its optional `status()` (only the parts that apply). */
export interface ComponentStatus {
  queues?: QueueStatus[];
  memoryLimiter?: MemoryLimiterStatus;
  files?: FileStatus[];
  /** Anything else worth showing, as short key/values. */
  details?: Record<string, string | number | boolean>;
}

export interface StatusReporting {
  status(): ComponentStatus;
}

export function reportsStatus(c: unknown): c is StatusReporting {
  return typeof (c as { status?: unknown } | undefined)?.status === 'function';
}

/** Counts since start, per component (per pipeline for processors). */
export interface ComponentCounts {
  /**
   * Items that came in: a receiver's received (accepted + refused + bad), a
   * processor's incoming, an exporter's taken into its queue (or sent, without one).
   */
  in: number;
  /** Items passed on: a receiver's accepted, a processor's outgoing, an exporter's sent. */
  out: number;
  /** A receiver's items the pipeline refused; an exporter's items its full queue refused. */
  refused: number;
  /** A receiver's bad input; an exporter's items dropped after failed sends. */
  failed: number;
  /** Errors seen (failed send attempts included, which are not counted in `failed` until given up). */
  errors: number;
  lastError?: { at: number; message: string };
}

export interface PipelineInfo {
  /** `signal[/name]`. */
  id: string;
  signal: Signal;
  receivers: string[];
  processors: string[];
  /** Exporter and connector IDs, as listed. */
  exporters: string[];
  /** True if a processor or an exporter of it modifies data (fan-out copies for it). */
  mutatesData: boolean;
}

export interface ComponentInfo {
  /** Unique in the snapshot: `kind:id`, and `processor:id@pipeline` for processors. */
  key: string;
  id: string;
  kind: ComponentKind;
  type: string;
  /** Processors: the pipeline this instance runs in. */
  pipeline?: string;
  counts?: ComponentCounts;
  status?: ComponentStatus;
}

export interface ProcessInfo {
  pid: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** user + system CPU time since start. */
  cpuSeconds: number;
  uptimeSeconds: number;
}

export interface ServiceInfo {
  name: string;
  version: string;
  /** epoch ms */
  startedAt: number;
  state: string;
  runtime: { node: string; os: string; arch: string };
  /**
   * Which config is in force: 1 for the one the process started with, one more
   * per applied reload. Absent while the service does not reload configs.
   */
  configGeneration?: number;
  /** The last reload attempt (epoch ms, applied or refused, every error), when there was one. */
  lastReload?: { at: number; ok: boolean; errors: string[] };
}

export interface StatusSnapshot {
  /** epoch ms when taken */
  at: number;
  service: ServiceInfo;
  process: ProcessInfo;
  pipelines: PipelineInfo[];
  /** Connector IDs in use: each is an exporter of some pipelines and a receiver of others. */
  connectors: string[];
  extensions: string[];
  components: ComponentInfo[];
  featureGates: { id: string; enabled: boolean; description: string; stage: string }[];
}

/** What extensions that show the service's state get (ExtensionServices.status). */
export interface StatusSource {
  snapshot(): StatusSnapshot;
}
