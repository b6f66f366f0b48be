// The service's StatusSource (component/status.ts): topology from the
// validated config, counts from the self-metrics' tallies, and the state of
// every started component that implements `status()`. Built per call, only
// when an extension asks (the status page, about once a second while open).
import type { ComponentKind } from '../component/component.js';
import { errorMessage } from '../component/errors.js';
import {
  type ComponentInfo,
  type PipelineInfo,
  reportsStatus,
  type ServiceInfo,
  type StatusSnapshot,
  type StatusSource,
} from '../component/status.js';
import type { ServiceConfig } from '../config/validate.js';
import { tallyKey } from '../telemetry/component-tallies.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { Node } from './graph.js';

/** What the status page shows of hot reload; absent until something reloads configs. */
export type ReloadInfo = Pick<ServiceInfo, 'configGeneration' | 'lastReload'>;

export interface StatusDeps {
  /** The config in force: read on every snapshot, so a reload that swaps it redraws the page. */
  config(): ServiceConfig;
  metrics: SelfMetrics;
  /** The components started so far (the service's start order). */
  nodes(): readonly Node[];
  state(): string;
  build: { name: string; version: string };
  startedAt: number;
  /** Config generation and last reload outcome, when the service has them (Service.reportReload). */
  reload?(): ReloadInfo;
}

/** Connector IDs used in the pipelines, in first-use order. */
export function connectorIds(cfg: ServiceConfig): string[] {
  const out = new Set<string>();
  for (const p of cfg.pipelines.values())
    for (const id of [...p.exporters, ...p.receivers]) if (cfg.connectors.has(id)) out.add(id);
  return [...out];
}

export function pipelineInfos(cfg: ServiceConfig): PipelineInfo[] {
  return [...cfg.pipelines.values()].map((p) => ({
    id: p.id,
    signal: p.signal,
    receivers: [...p.receivers],
    processors: [...p.processors],
    exporters: [...p.exporters],
    mutatesData:
      p.processors.some((id) => cfg.processors.get(id)?.factory.mutatesData) ||
      p.exporters.some((id) => cfg.exporters.get(id)?.factory.mutatesData === true),
  }));
}

/** What does not change while a config is in force: drawn once per config. */
interface Topology {
  pipelines: PipelineInfo[];
  connectors: string[];
  /** Every component once (processors once per pipeline), in drawing order. */
  skeleton: Omit<ComponentInfo, 'counts' | 'status'>[];
}

function topology(cfg: ServiceConfig): Topology {
  const pipelines = pipelineInfos(cfg);
  const connectors = connectorIds(cfg);
  const typeOf = (kind: ComponentKind, id: string): string => {
    const entry =
      kind === 'receiver'
        ? cfg.receivers.get(id)
        : kind === 'processor'
          ? cfg.processors.get(id)
          : kind === 'exporter'
            ? cfg.exporters.get(id)
            : kind === 'extension'
              ? cfg.extensions.get(id)
              : cfg.connectors.get(id);
    return entry?.factory.type ?? id.split('/')[0];
  };
  const skeleton: Topology['skeleton'] = [];
  const add = (kind: ComponentKind, id: string, pipeline?: string) =>
    skeleton.push({ key: tallyKey(kind, id, pipeline), id, kind, type: typeOf(kind, id), pipeline });
  const seen = new Set<string>();
  for (const p of pipelines)
    for (const id of p.receivers)
      if (cfg.receivers.has(id) && !seen.has(`r:${id}`)) {
        seen.add(`r:${id}`);
        add('receiver', id);
      }
  for (const p of pipelines) for (const id of p.processors) add('processor', id, p.id);
  for (const id of connectors) add('connector', id);
  for (const p of pipelines)
    for (const id of p.exporters)
      if (cfg.exporters.has(id) && !seen.has(`e:${id}`)) {
        seen.add(`e:${id}`);
        add('exporter', id);
      }
  for (const id of cfg.serviceExtensions) add('extension', id);
  return { pipelines, connectors, skeleton };
}

export function createStatusSource(deps: StatusDeps): StatusSource {
  const { metrics } = deps;
  let drawn: { cfg: ServiceConfig; topo: Topology } | undefined;
  const current = (): { cfg: ServiceConfig; topo: Topology } => {
    const cfg = deps.config();
    if (drawn?.cfg !== cfg) drawn = { cfg, topo: topology(cfg) };
    return drawn;
  };

  return {
    snapshot(): StatusSnapshot {
      const { cfg, topo } = current();
      const { pipelines, connectors, skeleton } = topo;
      // the started instances by key (connectors may have several, one per signal pair: the first reports)
      const nodes = new Map<string, Node>();
      for (const n of deps.nodes()) {
        const key = tallyKey(n.kind, n.id, n.kind === 'processor' ? n.pipeline : undefined);
        if (!nodes.has(key)) nodes.set(key, n);
      }
      const components: ComponentInfo[] = skeleton.map((c) => {
        const info: ComponentInfo = { ...c };
        const t = metrics.tallies.get(c.key);
        if (t)
          info.counts = {
            in: t.in,
            out: t.out,
            refused: t.refused,
            failed: t.failed,
            errors: t.errors,
            lastError: t.lastError,
          };
        const node = nodes.get(c.key);
        if (node && reportsStatus(node.component)) {
          try {
            info.status = node.component.status();
          } catch (e) {
            info.status = { details: { status_error: errorMessage(e) } };
          }
        }
        return info;
      });
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      const reload = deps.reload?.() ?? {};
      return {
        at: Date.now(),
        service: {
          name: deps.build.name,
          version: deps.build.version,
          startedAt: deps.startedAt,
          state: deps.state(),
          runtime: { node: process.version, os: process.platform, arch: process.arch },
          ...reload,
        },
        process: {
          pid: process.pid,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          heapTotalBytes: mem.heapTotal,
          externalBytes: mem.external,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          uptimeSeconds: process.uptime(),
        },
        pipelines,
        connectors,
        extensions: [...cfg.serviceExtensions],
        components,
        // Tsunagi has no feature gates (the collector's --feature-gates is not a flag here).
        featureGates: [],
      };
    },
  };
}
