// The collector's rules for connectors (connector/README.md in
// opentelemetry-collector, service/internal/graph): a connector ID is the
// exporter of one or more pipelines and the receiver of one or more others;
// each exporter-side pipeline must feed at least one receiver-side pipeline
// through a signal pair the connector supports, and each receiver-side
// pipeline must be fed by one; pipelines joined by connectors must not form a
// cycle. Every violation is reported at the YAML path of the use.
import type { ConnectorFactory } from '../component/component.js';
import type { Signal } from '../pdata/signal.js';
import { type ConfigIssue, didYouMean, joinPath } from './issues.js';

export interface PipelineRefs {
  id: string;
  signal: Signal;
  receivers: string[];
  exporters: string[];
}

interface Use {
  pipeline: PipelineRefs;
  /** Index in the pipeline's receivers or exporters list. */
  index: number;
}

export interface ConnectorDefinition {
  factory: ConnectorFactory;
  config: unknown;
}

const usePath = (u: Use, side: 'receivers' | 'exporters') =>
  joinPath('service', 'pipelines', u.pipeline.id, side, u.index);

export function supports(f: ConnectorFactory, from: Signal, to: Signal): boolean {
  return f.pairs.some(([a, b]) => a === from && b === to);
}

const pairList = (f: ConnectorFactory) => f.pairs.map(([a, b]) => `${a} → ${b}`).join(', ');

function usesOf(id: string, pipelines: Iterable<PipelineRefs>, side: 'receivers' | 'exporters'): Use[] {
  const out: Use[] = [];
  for (const p of pipelines) {
    const index = p[side].indexOf(id);
    if (index >= 0) out.push({ pipeline: p, index });
  }
  return out;
}

/**
 * Checks how each defined connector is used in the pipelines. `connectors`
 * holds the connectors whose type and config are valid (others were reported
 * where they are defined).
 */
export function checkConnectorUse(
  pipelines: ReadonlyMap<string, PipelineRefs>,
  connectors: ReadonlyMap<string, ConnectorDefinition>,
  errors: ConfigIssue[],
  warnings: string[],
): void {
  for (const [id, { factory, config }] of connectors) {
    const asExporter = usesOf(id, pipelines.values(), 'exporters');
    const asReceiver = usesOf(id, pipelines.values(), 'receivers');
    if (asExporter.length === 0 && asReceiver.length === 0) {
      warnings.push(`connectors::${id}: connector is configured but not used in any pipeline`);
      continue;
    }
    if (asReceiver.length === 0) {
      for (const u of asExporter)
        errors.push({
          path: usePath(u, 'exporters'),
          message: `connector "${id}" is used as an exporter but no pipeline lists it as a receiver (a connector is the exporter of one pipeline and the receiver of another)`,
        });
      continue;
    }
    if (asExporter.length === 0) {
      for (const u of asReceiver)
        errors.push({
          path: usePath(u, 'receivers'),
          message: `connector "${id}" is used as a receiver but no pipeline lists it as an exporter (a connector is the exporter of one pipeline and the receiver of another)`,
        });
      continue;
    }
    for (const e of asExporter)
      if (!asReceiver.some((r) => supports(factory, e.pipeline.signal, r.pipeline.signal)))
        errors.push({
          path: usePath(e, 'exporters'),
          message: `connector "${id}" cannot take ${e.pipeline.signal} to any pipeline it is a receiver of (${asReceiver.map((r) => r.pipeline.id).join(', ')}): it connects ${pairList(factory)}`,
        });
    for (const r of asReceiver)
      if (!asExporter.some((e) => supports(factory, e.pipeline.signal, r.pipeline.signal)))
        errors.push({
          path: usePath(r, 'receivers'),
          message: `connector "${id}" cannot make ${r.pipeline.signal} from any pipeline it is an exporter of (${asExporter.map((e) => e.pipeline.id).join(', ')}): it connects ${pairList(factory)}`,
        });
    checkPipelineReferences(id, factory, config, pipelines, asExporter, asReceiver, errors);
  }
  checkCycles(pipelines, connectors, errors);
}

/** The pipelines a routing table names must be ones the connector feeds, of a signal it can deliver. */
function checkPipelineReferences(
  id: string,
  factory: ConnectorFactory,
  config: unknown,
  pipelines: ReadonlyMap<string, PipelineRefs>,
  asExporter: Use[],
  asReceiver: Use[],
  errors: ConfigIssue[],
): void {
  if (!factory.pipelineReferences) return;
  const fed = new Set(asReceiver.map((u) => u.pipeline.id));
  const inSignals = [...new Set(asExporter.map((u) => u.pipeline.signal))];
  for (const ref of factory.pipelineReferences(config))
    ref.pipelines.forEach((pid, i) => {
      const path = joinPath('connectors', id, ...ref.path, i);
      const p = pipelines.get(pid);
      if (!p)
        errors.push({
          path,
          message: `pipeline "${pid}" is not configured${didYouMean(pid, fed)}`,
        });
      else if (!fed.has(pid))
        errors.push({
          path,
          message: `pipeline "${pid}" does not list connector "${id}" as a receiver`,
        });
      else
        for (const s of inSignals)
          if (!supports(factory, s, p.signal))
            errors.push({
              path,
              message: `connector "${id}" takes ${s} and cannot deliver it to ${p.signal} pipeline "${pid}"`,
            });
    });
}

/**
 * Pipelines joined by connectors form a graph (P → Q when a connector is an
 * exporter of P and a receiver of Q for a supported pair); data must never come
 * back to a pipeline it already went through. Each cycle is reported once, at
 * the pipeline it is listed from, with every pipeline and connector on it.
 */
function checkCycles(
  pipelines: ReadonlyMap<string, PipelineRefs>,
  connectors: ReadonlyMap<string, ConnectorDefinition>,
  errors: ConfigIssue[],
): void {
  const edges = new Map<string, { via: string; to: string }[]>();
  for (const p of pipelines.values()) {
    const out: { via: string; to: string }[] = [];
    for (const c of p.exporters) {
      const def = connectors.get(c);
      if (!def) continue;
      for (const q of pipelines.values())
        if (q.receivers.includes(c) && supports(def.factory, p.signal, q.signal))
          out.push({ via: c, to: q.id });
    }
    edges.set(p.id, out);
  }
  const state = new Map<string, 'active' | 'done'>();
  const stack: { pipeline: string; via?: string }[] = [];
  const seen = new Set<string>();
  const visit = (id: string, via?: string) => {
    stack.push({ pipeline: id, via });
    state.set(id, 'active');
    for (const e of edges.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 'active') {
        const start = stack.findIndex((f) => f.pipeline === e.to);
        const cycle = [...stack.slice(start + 1).map((f) => ({ ...f })), { pipeline: e.to, via: e.via }];
        report(cycle);
      } else if (s === undefined) visit(e.to, e.via);
    }
    stack.pop();
    state.set(id, 'done');
  };
  // `cycle`: the hops after the first pipeline, ending back at it.
  const report = (cycle: { pipeline: string; via?: string }[]) => {
    const first = cycle[cycle.length - 1].pipeline;
    const key = [...cycle.map((h) => `${h.via}>${h.pipeline}`)].sort().join('|');
    if (seen.has(key)) return;
    seen.add(key);
    const text = [first, ...cycle.map((h) => `[${h.via}] → ${h.pipeline}`)].join(' → ');
    errors.push({
      path: joinPath('service', 'pipelines', first),
      message: `cycle through connectors: ${text} (data would travel around it forever)`,
    });
  };
  for (const id of pipelines.keys()) if (!state.has(id)) visit(id);
}
