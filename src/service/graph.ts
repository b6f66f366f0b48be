// Builds the component graph from a validated config: one receiver per ID
// (fanning out to every pipeline of each signal that uses it), a processor
// chain per pipeline, one exporter per ID shared by all its pipelines.

import type { Downstream } from '../component/batching.js';
import type {
  Component,
  ComponentKind,
  ComponentSettings,
  Exporter,
  ExtensionServices,
} from '../component/component.js';
import type { Consumer, ConsumersBySignal } from '../component/consumer.js';
import type { ServiceConfig } from '../config/validate.js';
import { countItems } from '../pdata/count.js';
import type { Signal } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { ProcessorMetrics, SelfMetrics } from '../telemetry/self-metrics.js';
import { type Branch, fanOut } from './fanout.js';

export interface Node {
  id: string;
  kind: ComponentKind;
  component: Component;
  /** For processors: the pipeline this instance belongs to. */
  pipeline?: string;
}

export interface Graph {
  /** In service.extensions order. */
  extensions: Node[];
  exporters: Node[];
  /** Per pipeline, in pipeline order (first processor first). */
  processors: Node[][];
  receivers: Node[];
}

export interface BuildOptions {
  logger: Logger;
  metrics: SelfMetrics;
  services: ExtensionServices;
}

export function componentSettings(
  id: string,
  kind: ComponentKind,
  opts: BuildOptions,
  extra: Record<string, string> = {},
): ComponentSettings {
  return {
    id,
    kind,
    logger: opts.logger.child({ 'otelcol.component.id': id, 'otelcol.component.kind': kind, ...extra }),
    metrics: opts.metrics,
  };
}

/** Counts the items crossing one hop of a processor chain: `from`'s outgoing, `to`'s incoming. */
function counted(
  signal: Signal,
  consumer: Consumer<Signal>,
  from: ProcessorMetrics | undefined,
  to: ProcessorMetrics | undefined,
): Consumer<Signal> {
  return {
    consume(data, ctx) {
      const n = countItems(signal, data);
      from?.outgoing(signal, n);
      to?.incoming(signal, n);
      return consumer.consume(data, ctx);
    },
  };
}

export function buildGraph(cfg: ServiceConfig, opts: BuildOptions): Graph {
  const graph: Graph = { extensions: [], exporters: [], processors: [], receivers: [] };

  for (const id of cfg.serviceExtensions) {
    const e = cfg.extensions.get(id)!;
    const component = e.factory.create(componentSettings(id, 'extension', opts), e.config, opts.services);
    graph.extensions.push({ id, kind: 'extension', component });
  }

  // Exporters: one instance per ID, created with the union of its pipelines' signals.
  const exporterSignals = new Map<string, Set<Signal>>();
  for (const p of cfg.pipelines.values())
    for (const id of p.exporters) {
      const s = exporterSignals.get(id) ?? new Set<Signal>();
      exporterSignals.set(id, s);
      s.add(p.signal);
    }
  const exporters = new Map<string, Exporter>();
  for (const [id, signals] of exporterSignals) {
    const e = cfg.exporters.get(id)!;
    const component = e.factory.create(componentSettings(id, 'exporter', opts), e.config, [...signals]);
    exporters.set(id, component);
    graph.exporters.push({ id, kind: 'exporter', component });
  }

  // Pipelines, built from the end: exporter fan-out, then processors in reverse.
  const heads = new Map<string, { signal: Signal; consumer: Consumer<Signal>; mutates: boolean }>();
  for (const p of cfg.pipelines.values()) {
    const signal = p.signal;
    const branches: Branch<Signal>[] = p.exporters.map((id) => {
      const exp = exporters.get(id)!;
      return {
        id,
        mutates: cfg.exporters.get(id)!.factory.mutatesData ?? false,
        consumer: { consume: (data, ctx) => exp.consume(signal, data, ctx) },
      };
    });
    let next: Consumer<Signal> = fanOut(signal, branches);
    // What a processor of this pipeline may ask of the exporters at its end (batching.ts);
    // processors in between pass data through, so only the exporters decide.
    const downstream: Downstream = {
      requestBatching(req) {
        let all = true;
        for (const id of p.exporters)
          all = (exporters.get(id)!.acceptBatching?.(signal, req) ?? false) && all;
        return all;
      },
    };
    let mutates = branches.some((b) => b.mutates);
    const chain: Node[] = [];
    const counters = p.processors.map((id) => opts.metrics.processor(id));
    // One count per hop: what processor i emits is what processor i+1 receives.
    if (counters.length > 0) next = counted(signal, next, counters[counters.length - 1], undefined);
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const id = p.processors[i];
      const e = cfg.processors.get(id)!;
      const settings: ComponentSettings = {
        ...componentSettings(id, 'processor', opts, {
          'otelcol.pipeline.id': p.id,
          'otelcol.signal': signal,
        }),
        downstream,
      };
      const proc = e.factory.create(settings, e.config, signal, next);
      chain.unshift({ id, kind: 'processor', component: proc, pipeline: p.id });
      next = counted(signal, proc, i > 0 ? counters[i - 1] : undefined, counters[i]);
      mutates ||= e.factory.mutatesData;
    }
    graph.processors.push(chain);
    heads.set(p.id, { signal, consumer: next, mutates });
  }

  // Receivers: one per ID, one consumer per signal it serves.
  const receiverIds = new Set<string>();
  for (const p of cfg.pipelines.values()) for (const id of p.receivers) receiverIds.add(id);
  for (const id of receiverIds) {
    const e = cfg.receivers.get(id)!;
    const bySignal = new Map<Signal, Branch<Signal>[]>();
    for (const p of cfg.pipelines.values()) {
      if (!p.receivers.includes(id)) continue;
      const h = heads.get(p.id)!;
      const list = bySignal.get(h.signal) ?? [];
      bySignal.set(h.signal, list);
      list.push({ id: p.id, consumer: h.consumer, mutates: h.mutates });
    }
    const next: ConsumersBySignal = {};
    for (const [signal, branches] of bySignal)
      (next as Record<Signal, Consumer<Signal>>)[signal] = fanOut(signal, branches);
    const component = e.factory.create(componentSettings(id, 'receiver', opts), e.config, next);
    graph.receivers.push({ id, kind: 'receiver', component });
  }
  return graph;
}
