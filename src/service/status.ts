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

export interface StatusDeps {
  config: ServiceConfig;
  metrics: SelfMetrics;
  /** The components started so far (the service's start order). */
  nodes(): readonly Node[];
  state(): string;
  build: { name: string; version: string };
  startedAt: number;
  /** Config generation and last reload (hot reload keeps them; 1 and none until then). */
  reload?(): Pick<ServiceInfo, 'configGeneration' | 'lastReload'>;
}

/** IDs used in pipelines that are neither receivers nor exporters: connectors (validate saw them defined). */
export function connectorIds(cfg: ServiceConfig): string[] {
  const out = new Set<string>();
  for (const p of cfg.pipelines.values()) {
    for (const id of p.exporters) if (!cfg.exporters.has(id)) out.add(id);
    for (const id of p.receivers) if (!cfg.receivers.has(id)) out.add(id);
  }
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

export function createStatusSource(deps: StatusDeps): StatusSource {
  const { config: cfg, metrics } = deps;
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
              : undefined;
    return entry?.factory.type ?? id.split('/')[0];
  };

  // Every component once (processors once per pipeline), in drawing order.
  const skeleton: Omit<ComponentInfo, 'counts' | 'status'>[] = [];
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

  return {
    snapshot(): StatusSnapshot {
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
      const reload = deps.reload?.() ?? { configGeneration: 1 };
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
