// Builds the component graph from a validated config: one receiver per ID
// (fanning out to every pipeline of each signal that uses it), a processor
// chain per pipeline, one exporter per ID shared by all its pipelines, and one
// connector instance per connector ID and signal pair in use.
//
// Connectors join pipelines: a connector listed as an exporter of pipeline P
// and as a receiver of pipeline Q consumes P's data into Q's head. So the
// pipelines are built downstream first (Q before P), each connector instance
// just before the first pipeline that feeds it, and `stages` keeps that order:
// it is the start order (a connector and the pipelines it feeds run before the
// pipelines that feed it); shutdown walks it the other way, so data in flight
// drains through.
//
// Hot reload builds the next graph against the running one (`previous`): a
// component whose config as written and whose wiring did not change is taken
// over as it runs (reuse.ts says which); only the rest is created anew.
// Receivers feed their pipelines through a switch, so a receiver that is kept
// is pointed at the next graph's heads without being touched.
import { randomUUID } from 'node:crypto';
import type { BatchingRequest, Downstream } from '../component/batching.js';
import type {
  Component,
  ComponentKind,
  ComponentSettings,
  ConnectorNext,
  Exporter,
  ExtensionServices,
} from '../component/component.js';
import type { Consumer, ConsumersBySignal } from '../component/consumer.js';
import { supports } from '../config/connectors.js';
import type { PipelineConfig, ServiceConfig } from '../config/validate.js';
import { countItems } from '../pdata/count.js';
import type { Signal } from '../pdata/signal.js';
import type { Logger } from '../telemetry/logger.js';
import type { ConnectorMetrics, ProcessorMetrics, SelfMetrics } from '../telemetry/self-metrics.js';
import { type Branch, fanOut } from './fanout.js';
import { sameEntry } from './reuse.js';
import { Gate, SwitchConsumer } from './switch.js';

export interface Node {
  id: string;
  kind: ComponentKind;
  component: Component;
  /** For processors: the pipeline this instance belongs to. */
  pipeline?: string;
  /** Receivers and exporters: the signals it was created for (a change rebuilds it). */
  signals?: Signal[];
}

export interface PipelineStage {
  kind: 'pipeline';
  id: string;
  /** In pipeline order (first processor first). */
  processors: Node[];
  /** The built chain as the stages before it see it (taken over whole by a reload that keeps it). */
  head: Head;
  def: PipelineConfig;
}

export interface ConnectorStage {
  kind: 'connector';
  node: Node;
  from: Signal;
  to: Signal;
  /** Pipelines that list the connector as an exporter and feed this instance. */
  upstream: string[];
  /** Pipelines this instance delivers to. */
  downstream: string[];
  instance: ConnectorInstance;
}

export type Stage = PipelineStage | ConnectorStage;

export interface Graph {
  /** In service.extensions order. */
  extensions: Node[];
  exporters: Node[];
  /** Pipelines and connector instances, each after every stage it feeds: the start order. */
  stages: Stage[];
  receivers: Node[];
  /** Per receiver, per signal: the switch it was created with and the fan-out this graph points it at. */
  receiverInputs: Map<string, Map<Signal, { input: SwitchConsumer<Signal>; target: Consumer<Signal> }>>;
  /** Nodes taken over from the previous graph (running; not started again). */
  reused: Set<Component>;
  /**
   * Exporters rebuilt under the ID of a running one that keeps a persistent queue: the
   * new instance opens the same store, so it starts only once the old one stopped;
   * until then what the new pipelines send it waits at this gate.
   */
  handovers: Map<string, Gate>;
}

/** The running graph and the config it was built from, for a reload to take over from. */
export interface PreviousGraph {
  config: ServiceConfig;
  graph: Graph;
}

export function emptyGraph(): Graph {
  return {
    extensions: [],
    exporters: [],
    stages: [],
    receivers: [],
    receiverInputs: new Map(),
    reused: new Set(),
    handovers: new Map(),
  };
}

export interface BuildOptions {
  logger: Logger;
  metrics: SelfMetrics;
  services: ExtensionServices;
}

/** This process's `service.instance.id` when the config sets none (the collector makes one per start too). */
const PROCESS_INSTANCE_ID = randomUUID();

function componentSettings(
  id: string,
  kind: ComponentKind,
  opts: BuildOptions & { serviceInstanceId: string },
  extra: Record<string, string> = {},
): ComponentSettings {
  return {
    id,
    kind,
    logger: opts.logger.child({ 'otelcol.component.id': id, 'otelcol.component.kind': kind, ...extra }),
    metrics: opts.metrics,
    serviceInstanceId: opts.serviceInstanceId,
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

/** A connector's delivery, counting what it hands on (its `out` on the status page). */
function countedNext(
  signal: Signal,
  next: ConnectorNext<Signal>,
  m: ConnectorMetrics,
): ConnectorNext<Signal> {
  const count = (c: Consumer<Signal>): Consumer<Signal> => ({
    consume(data, ctx) {
      m.produced(countItems(signal, data));
      return c.consume(data, ctx);
    },
  });
  const all = count(next);
  return {
    pipelineIds: next.pipelineIds,
    consume: (data, ctx) => all.consume(data, ctx),
    to: (sel) => count(next.to(sel)),
  };
}

/** A connector's intake, counting what it gets (its `in`) and what it refuses. */
function countedConnector(signal: Signal, c: Consumer<Signal>, m: ConnectorMetrics): Consumer<Signal> {
  return {
    consume(data, ctx) {
      const n = countItems(signal, data);
      m.consumed(n);
      return c.consume(data, ctx).catch((e: unknown) => {
        m.refused(n, e);
        throw e;
      });
    },
  };
}

/** A built pipeline, as the stages before it see it. */
export interface Head {
  signal: Signal;
  consumer: Consumer<Signal>;
  /** True if anything after its entry modifies data (fan-out gives it a copy). */
  mutates: boolean;
  /** Asks the stages at its end to batch (batching.ts): its exporters, and through pass-through connectors theirs. */
  requestBatching(req: BatchingRequest): boolean;
}

/** A connector instance as the pipelines feeding it see it. */
export interface ConnectorInstance {
  consumer: Consumer<Signal>;
  mutates: boolean;
  acceptBatching(req: BatchingRequest): boolean;
}

/** Pipelines in build order: every pipeline after the pipelines its connectors deliver to. */
function downstreamFirst(cfg: ServiceConfig): PipelineConfig[] {
  const order: PipelineConfig[] = [];
  const state = new Map<string, 'active' | 'done'>();
  const visit = (p: PipelineConfig) => {
    if (state.has(p.id)) return; // 'active' only on a cycle, which validate refuses
    state.set(p.id, 'active');
    for (const q of feeds(cfg, p)) visit(q.pipeline);
    state.set(p.id, 'done');
    order.push(p);
  };
  for (const p of cfg.pipelines.values()) visit(p);
  return order;
}

/** The pipelines `p` delivers to through each connector it exports to (supported pairs only). */
function feeds(cfg: ServiceConfig, p: PipelineConfig): { connector: string; pipeline: PipelineConfig }[] {
  const out: { connector: string; pipeline: PipelineConfig }[] = [];
  for (const id of p.exporters) {
    const c = cfg.connectors.get(id);
    if (!c) continue;
    for (const q of cfg.pipelines.values())
      if (q.receivers.includes(id) && supports(c.factory, p.signal, q.signal))
        out.push({ connector: id, pipeline: q });
  }
  return out;
}

/** Delivery into the heads of `ids` (pipelines of one signal), to all or to a named subset. */
function connectorNext(
  connectorId: string,
  signal: Signal,
  ids: string[],
  heads: ReadonlyMap<string, Head>,
): ConnectorNext<Signal> {
  const fanTo = (sel: readonly string[]) =>
    fanOut(
      signal,
      sel.map((pid) => {
        const h = heads.get(pid)!;
        return { id: pid, consumer: h.consumer, mutates: h.mutates };
      }),
    );
  const all = fanTo(ids);
  return {
    pipelineIds: ids,
    consume: (data, ctx) => all.consume(data, ctx),
    to(sel) {
      const unique = [...new Set(sel)];
      const unknown = unique.filter((pid) => !ids.includes(pid));
      if (unique.length === 0 || unknown.length > 0)
        throw new Error(
          `connector "${connectorId}" cannot deliver to ${unknown.length ? unknown.join(', ') : 'no pipeline'}: it feeds ${ids.join(', ')}`,
        );
      return fanTo(unique);
    },
  };
}

export function buildGraph(cfg: ServiceConfig, opts: BuildOptions, previous?: PreviousGraph): Graph {
  const graph = emptyGraph();
  const settingsOpts = {
    ...opts,
    serviceInstanceId: cfg.telemetry.resource['service.instance.id'] ?? PROCESS_INSTANCE_ID,
  };
  const prevCfg = previous?.config;
  const prev = previous?.graph;
  const sameSignals = (a: readonly Signal[] | undefined, b: readonly Signal[]) =>
    !!a && a.length === b.length && a.every((s) => b.includes(s));
  const reuse = (n: Node): Node => {
    graph.reused.add(n.component);
    return n;
  };

  for (const id of cfg.serviceExtensions) {
    const e = cfg.extensions.get(id)!;
    const old = prev?.extensions.find((n) => n.id === id);
    if (old && sameEntry(prevCfg!.extensions.get(id), e)) {
      graph.extensions.push(reuse(old));
      continue;
    }
    const component = e.factory.create(
      componentSettings(id, 'extension', settingsOpts),
      e.config,
      opts.services,
    );
    graph.extensions.push({ id, kind: 'extension', component });
  }

  // Exporters: one instance per ID, created with the union of its pipelines' signals.
  const exporterSignals = new Map<string, Set<Signal>>();
  for (const p of cfg.pipelines.values())
    for (const id of p.exporters) {
      if (!cfg.exporters.has(id)) continue; // a connector
      const s = exporterSignals.get(id) ?? new Set<Signal>();
      exporterSignals.set(id, s);
      s.add(p.signal);
    }
  const exporters = new Map<string, Exporter>();
  const reusedExporters = new Set<string>();
  for (const [id, signalSet] of exporterSignals) {
    const e = cfg.exporters.get(id)!;
    const signals = [...signalSet];
    const old = prev?.exporters.find((n) => n.id === id);
    if (old && sameEntry(prevCfg!.exporters.get(id), e) && sameSignals(old.signals, signals)) {
      graph.exporters.push(reuse(old));
      exporters.set(id, old.component as Exporter);
      reusedExporters.add(id);
      continue;
    }
    const component = e.factory.create(componentSettings(id, 'exporter', settingsOpts), e.config, signals);
    exporters.set(id, component);
    graph.exporters.push({ id, kind: 'exporter', component, signals });
    if (old && (persistentQueue(prevCfg!.exporters.get(id)?.config) || persistentQueue(e.config)))
      graph.handovers.set(id, new Gate(id));
  }

  const heads = new Map<string, Head>();
  const instances = new Map<string, ConnectorInstance>();
  const reusedInstances = new Set<ConnectorInstance>();
  const reusedPipelines = new Set<string>();

  /** The instance of connector `id` for from → to, created (with its stage) on first use. */
  const connectorInstance = (id: string, from: Signal, to: Signal): ConnectorInstance => {
    const key = `${id}\u0000${from}\u0000${to}`;
    const existing = instances.get(key);
    if (existing) return existing;
    const c = cfg.connectors.get(id)!;
    const downstream = [...cfg.pipelines.values()].filter((q) => q.signal === to && q.receivers.includes(id));
    const upstream = [...cfg.pipelines.values()].filter((p) => p.signal === from && p.exporters.includes(id));
    const ids = downstream.map((q) => q.id);
    // Kept when its config did not change and it delivers to the same pipelines, all kept.
    const old = prev?.stages.find(
      (s): s is ConnectorStage =>
        s.kind === 'connector' && s.node.id === id && s.from === from && s.to === to,
    );
    if (
      old &&
      sameEntry(prevCfg!.connectors.get(id), c) &&
      old.downstream.length === ids.length &&
      old.downstream.every((pid, i) => pid === ids[i] && reusedPipelines.has(pid))
    ) {
      instances.set(key, old.instance);
      reusedInstances.add(old.instance);
      graph.stages.push({ ...old, node: reuse(old.node), upstream: upstream.map((p) => p.id) });
      return old.instance;
    }
    const counts = opts.metrics.connector(id);
    const next = countedNext(to, connectorNext(id, to, ids, heads), counts);
    const settings = componentSettings(id, 'connector', settingsOpts, {
      'otelcol.signal': from,
      'otelcol.signal.output': to,
    });
    const component = c.factory.create(settings, c.config, from, to, next);
    const passThrough = c.factory.passThrough;
    const instance: ConnectorInstance = {
      consumer: countedConnector(from, component, counts),
      // What it hands on goes to the downstream heads unchanged: their mutations are its own.
      mutates: c.factory.mutatesData || (passThrough && ids.some((pid) => heads.get(pid)!.mutates)),
      // Pass-through: the answer is the downstream pipelines', so are their batching abilities.
      // Aggregating: it accepts at once by itself and never makes a sender wait.
      acceptBatching(req) {
        if (!passThrough) return true;
        let all = true;
        for (const pid of ids) all = heads.get(pid)!.requestBatching(req) && all;
        return all;
      },
    };
    instances.set(key, instance);
    graph.stages.push({
      kind: 'connector',
      node: { id, kind: 'connector', component },
      from,
      to,
      upstream: upstream.map((p) => p.id),
      downstream: ids,
      instance,
    });
    return instance;
  };

  // Pipelines, downstream first; each built from the end: exporter fan-out, then processors in reverse.
  for (const p of downstreamFirst(cfg)) {
    const signal = p.signal;
    const batchers: ((req: BatchingRequest) => boolean)[] = [];
    const branches: Branch<Signal>[] = [];
    let endKept = true; // every exporter and connector instance at its end is kept
    for (const id of p.exporters) {
      const exp = exporters.get(id);
      if (exp) {
        const gate = graph.handovers.get(id);
        branches.push({
          id,
          mutates: cfg.exporters.get(id)!.factory.mutatesData ?? false,
          consumer: gate
            ? { consume: (data, ctx) => gate.pass(() => exp.consume(signal, data, ctx)) }
            : { consume: (data, ctx) => exp.consume(signal, data, ctx) },
        });
        batchers.push((req) => exp.acceptBatching?.(signal, req) ?? false);
        endKept &&= reusedExporters.has(id);
        continue;
      }
      // A connector: one branch per receiver-side signal it makes from this one.
      const tos = new Set(feeds(cfg, { ...p, exporters: [id] }).map((f) => f.pipeline.signal));
      for (const to of tos) {
        const inst = connectorInstance(id, signal, to);
        branches.push({ id, mutates: inst.mutates, consumer: inst.consumer });
        batchers.push((req) => inst.acceptBatching(req));
        endKept &&= reusedInstances.has(inst);
      }
    }
    // Kept whole when its processors (as written, in order) and everything at its end are the same.
    const old = prev?.stages.find((s): s is PipelineStage => s.kind === 'pipeline' && s.id === p.id);
    if (
      old &&
      endKept &&
      sameList(old.def.processors, p.processors) &&
      sameList(old.def.exporters, p.exporters) &&
      p.processors.every((id) => sameEntry(prevCfg!.processors.get(id), cfg.processors.get(id)))
    ) {
      for (const n of old.processors) reuse(n);
      graph.stages.push({ ...old, def: p });
      heads.set(p.id, old.head);
      reusedPipelines.add(p.id);
      continue;
    }
    let next: Consumer<Signal> = fanOut(signal, branches);
    // What a processor of this pipeline may ask of the stages at its end (batching.ts);
    // processors in between pass data through, so only the exporters (and connectors) decide.
    const requestBatching = (req: BatchingRequest) => {
      let all = true;
      for (const b of batchers) all = b(req) && all;
      return all;
    };
    const downstream: Downstream = { requestBatching };
    let mutates = branches.some((b) => b.mutates);
    const chain: Node[] = [];
    const counters = p.processors.map((id) => opts.metrics.processor(id, p.id));
    // One count per hop: what processor i emits is what processor i+1 receives.
    if (counters.length > 0) next = counted(signal, next, counters[counters.length - 1], undefined);
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const id = p.processors[i];
      const e = cfg.processors.get(id)!;
      const settings: ComponentSettings = {
        ...componentSettings(id, 'processor', settingsOpts, {
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
    const head: Head = { signal, consumer: next, mutates, requestBatching };
    graph.stages.push({ kind: 'pipeline', id: p.id, processors: chain, head, def: p });
    heads.set(p.id, head);
  }

  // Receivers: one per ID, one consumer per signal it serves, each behind a switch.
  const receiverIds = new Set<string>();
  for (const p of cfg.pipelines.values())
    for (const id of p.receivers) if (cfg.receivers.has(id)) receiverIds.add(id);
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
    const signals = [...bySignal.keys()];
    const targets = new Map<Signal, Consumer<Signal>>();
    for (const [signal, branches] of bySignal) targets.set(signal, fanOut(signal, branches));
    const old = prev?.receivers.find((n) => n.id === id);
    const oldInputs = prev?.receiverInputs.get(id);
    if (old && oldInputs && sameEntry(prevCfg!.receivers.get(id), e) && sameSignals(old.signals, signals)) {
      // Kept: the same switches, pointed at this graph's pipelines when the reload applies.
      const inputs = new Map<Signal, { input: SwitchConsumer<Signal>; target: Consumer<Signal> }>();
      for (const [signal, target] of targets)
        inputs.set(signal, { input: oldInputs.get(signal)!.input, target });
      graph.receiverInputs.set(id, inputs);
      graph.receivers.push(reuse(old));
      continue;
    }
    const inputs = new Map<Signal, { input: SwitchConsumer<Signal>; target: Consumer<Signal> }>();
    const next: ConsumersBySignal = {};
    for (const [signal, target] of targets) {
      const input = new SwitchConsumer(target);
      inputs.set(signal, { input, target });
      (next as Record<Signal, Consumer<Signal>>)[signal] = input;
    }
    graph.receiverInputs.set(id, inputs);
    const component = e.factory.create(componentSettings(id, 'receiver', settingsOpts), e.config, next);
    graph.receivers.push({ id, kind: 'receiver', component, signals });
  }
  return graph;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when an exporter's parsed config keeps its queue on a storage extension (exporterhelper's `sending_queue.storage`). */
function persistentQueue(config: unknown): boolean {
  const q = (config as { sending_queue?: { storage?: unknown } } | undefined)?.sending_queue;
  return q?.storage !== undefined && q.storage !== null;
}

/** The stages that feed `stage` (must stop before it): connectors into a pipeline, pipelines into a connector. */
export function feedersOf(graph: Graph, stage: Stage): Stage[] {
  if (stage.kind === 'connector')
    return graph.stages.filter((s) => s.kind === 'pipeline' && stage.upstream.includes(s.id));
  return graph.stages.filter((s) => s.kind === 'connector' && s.downstream.includes(stage.id));
}
