// The tail sampling processor: groups spans by trace, holds them for
// decision_wait, asks the policies, and forwards the traces they keep.
//
// Acknowledgement: consume() resolves as soon as the spans are copied into the
// processor's memory; senders never wait for decision_wait. What waits here is
// in memory only: a kill -9 loses the traces awaiting a decision (as in the
// collector). On shutdown the pending traces are decided at once (unless
// drop_pending_traces_on_shutdown) and shutdown() resolves after the next
// consumer accepted what was sampled.
//
// Timing follows the collector's id batcher: one batch per tick (1 s), a trace
// joins the batch current at its first span and is decided when that batch is
// decision_wait old (between decision_wait - 1 tick and decision_wait after its
// first span). Below 1 s, the tick is decision_wait itself.

import { decodeTraces, decodeTracesLazy, encodeTraces } from '../../src/codec/otlp-proto.js';
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage, retryableError } from '../../src/component/errors.js';
import { limitOldGenerationGrowth } from '../../src/memory/old-generation.js';
import { rawList } from '../../src/pdata/lazy.js';
import type { Resource, ResourceSpans, TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import type { TailSamplingConfig } from './config.js';
import { DecisionCache } from './decision-cache.js';
import { decisionLabels, TailSamplingMetrics } from './metrics.js';
import { buildPolicies, type Policy } from './policies/build.js';
import { Decision, type TraceView } from './policies/types.js';
import { ChunkStore, InternTable } from './store.js';
import { DECIDED_NOT_SAMPLED, DECIDED_SAMPLED, RunTable, TraceTable } from './trace-table.js';
import { type Segment, SegmentTraceView } from './trace-view.js';
import { fieldBody, lenField, scanScopeList, writeHeader } from './wire.js';

/** The spans of one trace in one ResourceSpans of a request. */
class Group {
  n = 0;
  root = false;
  readonly scopes: number[] = [];
  readonly bufs: Uint8Array[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  add(scope: number, buf: Uint8Array, start: number, end: number, root: boolean): void {
    this.scopes.push(scope);
    this.bufs.push(buf);
    this.starts.push(start);
    this.ends.push(end);
    this.n++;
    if (root) this.root = true;
  }
}

export interface TailSamplingOptions {
  /** Tests: no timer; call tick() to advance. */
  manualTicks?: boolean;
  now?: () => number;
}

/** Most spans in one request to the next consumer; larger outputs are split. */
const MAX_OUTPUT_SPANS = 8192;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export class TailSamplingProcessor implements Processor<'traces'> {
  private readonly policies: Policy[];
  private readonly policyLabels: string[];
  private readonly traces = new TraceTable();
  private readonly runs = new RunTable();
  /** Per decision batch: the slots of the traces it decides (a slot may appear twice or be stale: checked at the tick). */
  private readonly batches = new Map<number, number[]>();
  private readonly store = new ChunkStore();
  private readonly resources = new InternTable();
  private readonly scopes = new InternTable();
  private readonly sampledCache: DecisionCache;
  private readonly notSampledCache: DecisionCache;
  private readonly metrics: TailSamplingMetrics;
  private readonly tickMs: number;
  private readonly numBatches: number;
  private readonly afterRootTicks: number;
  private readonly now: () => number;
  private readonly started: number;
  private tickCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inflight = new Set<Promise<void>>();
  /** Evictions since the last log line about them. */
  private evictedUnlogged = 0;
  private lastEvictLog = 0;
  private lastForwardErrorLog = 0;
  /** New trace IDs since the last tick (counted in bulk: a counter increment per trace costs). */
  private newTraces = 0;

  constructor(
    private readonly cfg: TailSamplingConfig,
    private readonly next: Consumer<'traces'>,
    private readonly logger: Logger,
    metrics: SelfMetrics,
    id: string,
    private readonly options: TailSamplingOptions = {},
  ) {
    this.policies = buildPolicies(cfg.policies ?? []);
    const name = id.includes('/') ? id.slice(id.indexOf('/') + 1) : '';
    this.policyLabels = this.policies.map((p) => (name ? `${name}.${p.name}` : p.name));
    this.sampledCache = new DecisionCache(cfg.decision_cache.sampled_cache_size);
    this.notSampledCache = new DecisionCache(cfg.decision_cache.non_sampled_cache_size);
    this.tickMs = cfg.decision_wait > 0 && cfg.decision_wait < 1000 ? cfg.decision_wait : 1000;
    this.numBatches = Math.max(1, Math.round(cfg.decision_wait / this.tickMs));
    this.afterRootTicks = Math.max(1, Math.round(cfg.decision_wait_after_root_received / this.tickMs));
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.metrics = new TailSamplingMetrics(metrics, id, {
      tracesOnMemory: () => this.traces.index.size,
      bytesHeld: () => this.store.allocatedBytes,
    });
  }

  private releaseHeapGrowth: (() => void) | undefined;

  async start(_host?: Host): Promise<void> {
    // the spans of decision_wait seconds: keep V8 from letting the old generation grow to
    // several times what is live (src/memory/old-generation.ts)
    this.releaseHeapGrowth ??= limitOldGenerationGrowth();
    if (this.options.manualTicks) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    this.releaseHeapGrowth?.();
    this.releaseHeapGrowth = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.stopped) {
      this.stopped = true;
      const pending = [...this.batches.keys()].sort((a, b) => a - b);
      if (this.cfg.drop_pending_traces_on_shutdown) {
        for (const b of pending) this.dropBatch(b);
      } else {
        for (const b of pending) this.decideBatch(b);
      }
    }
    this.flushNewTraces();
    while (this.inflight.size > 0) await Promise.all(this.inflight);
  }

  /** Traces in memory (undecided and decided-but-remembered). */
  get tracesInMemory(): number {
    return this.traces.index.size;
  }
  /** Chunk bytes allocated for held spans. */
  get heldBytes(): number {
    return this.store.allocatedBytes;
  }

  consume(data: TracesData, _ctx?: RequestContext): Promise<void> {
    if (this.stopped) return Promise.reject(retryableError('tail_sampling is shutting down'));
    try {
      for (const rs of data.resourceSpans) this.ingest(rs);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve();
  }

  // ------------------------------------------------------------------ ingest

  private readonly groups = new Map<string, Group>();

  private ingest(rs: ResourceSpans): void {
    // (not `...rs`: spreading would read, and so decode, the lazy scope list)
    const resPrefix = fieldBody(
      encodeTraces({ resourceSpans: [{ resource: rs.resource, schemaUrl: rs.schemaUrl, scopeSpans: [] }] }),
    );
    const resId = this.resources.acquire(resPrefix);
    const raw = rawList(rs);
    const segs = raw ?? [fieldBody(encodeTraces({ resourceSpans: [rs] }))];
    const groups = this.groups;
    groups.clear();
    const tempScopes: number[] = [];
    let scope = -1;
    const sink = {
      scope: (prefix: Uint8Array) => {
        scope = this.acquireScope(prefix, resId);
        tempScopes.push(scope);
      },
      span: (buf: Uint8Array, start: number, end: number, key: string, root: boolean) => {
        let g = groups.get(key);
        if (g === undefined) {
          g = new Group();
          groups.set(key, g);
        }
        g.add(scope, buf, start, end, root);
      },
    };
    try {
      for (const seg of segs) scanScopeList(seg, sink);
      for (const [key, g] of groups) this.ingestTrace(key, g, resId, resPrefix.length);
    } finally {
      groups.clear();
      for (const s of tempScopes) this.releaseScope(s);
      this.resources.release(resId);
    }
  }

  private acquireScope(prefix: Uint8Array, resId: number): number {
    const id = this.scopes.acquire(prefix, resId);
    if (this.scopes.created) this.resources.ref(resId);
    return id;
  }

  private releaseScope(id: number): void {
    const parent = this.scopes.release(id);
    if (parent >= 0) this.resources.release(parent);
  }

  private ingestTrace(key: string, g: Group, resId: number, resPrefixLen: number): void {
    const processor = this.metrics.processor;
    if (this.sampledCache.has(key)) {
      this.metrics.earlyReleasesFromCache.inc({ processor, sampled: 'true' }, g.n);
      this.forwardLate(g, resId);
      return;
    }
    if (this.notSampledCache.has(key)) {
      this.metrics.earlyReleasesFromCache.inc({ processor, sampled: 'false' }, g.n);
      return;
    }
    const t = this.traces;
    let slot = t.index.get(key);
    if (slot !== undefined && slot < 0) {
      // late spans of a decided trace follow its decision
      if (slot === DECIDED_SAMPLED) this.forwardLate(g, resId);
      return;
    }
    if (slot === undefined) {
      // num_traces 0 behaves as 1, as in the collector (each new trace evicts the previous one)
      while (t.index.size > 0 && t.index.size >= this.cfg.num_traces) this.evictOldest();
      slot = t.add(key, this.tickCount, this.now() - this.started);
      this.batchList(this.tickCount).push(slot);
      this.newTraces++;
    }
    t.spans[slot] += g.n;
    if (g.root && this.cfg.decision_wait_after_root_received > 0) {
      const earlier = this.tickCount + this.afterRootTicks - this.numBatches;
      if (earlier < t.batch[slot]) {
        t.batch[slot] = earlier;
        this.batchList(earlier).push(slot);
      }
    }
    // Copy the spans into the store, one run per scope (in order of first appearance).
    let rsSize = resPrefixLen;
    let done = 0;
    for (let i = 0; done < g.n; i++) {
      const sc = g.scopes[i];
      if (i > 0 && g.scopes.indexOf(sc) < i) continue; // this scope's run was written already
      let len = 0;
      for (let j = i; j < g.n; j++) if (g.scopes[j] === sc) len += g.ends[j] - g.starts[j];
      const chunk = this.store.reserve(t.store[slot], len);
      const target = this.store.target;
      const offset = this.store.offset;
      let at = offset;
      for (let j = i; j < g.n; j++)
        if (g.scopes[j] === sc) {
          target.set(g.bufs[j].subarray(g.starts[j], g.ends[j]), at);
          at += g.ends[j] - g.starts[j];
          done++;
        }
      const r = this.runs.add(chunk, offset, len, sc);
      if (t.lastRun[slot] < 0) t.firstRun[slot] = r;
      else this.runs.next[t.lastRun[slot]] = r;
      t.lastRun[slot] = r;
      this.scopes.ref(sc);
      rsSize += lenField(this.scopes.bytes(sc).length + len);
    }
    // Int32 columns: a trace of more than 2 GiB saturates rather than wraps
    t.size[slot] = Math.min(0x7fffffff, t.size[slot] + rsSize);
    t.wire[slot] = Math.min(0x7fffffff, t.wire[slot] + lenField(rsSize));
    if (this.cfg.maximum_trace_size_bytes > 0 && t.size[slot] > this.cfg.maximum_trace_size_bytes) {
      this.metrics.droppedTooLarge.inc({ processor });
      this.releaseTrace(slot);
      this.remember(key, DECIDED_NOT_SAMPLED);
    }
  }

  private batchList(b: number): number[] {
    let l = this.batches.get(b);
    if (l === undefined) {
      l = [];
      this.batches.set(b, l);
    }
    return l;
  }

  /**
   * num_traces reached: the oldest trace (by first arrival) leaves memory,
   * decided or not. An undecided one is lost: counted (the collector's
   * sampling_trace_dropped_too_early) and logged.
   */
  private evictOldest(): void {
    const [key, slot] = this.traces.index.entries().next().value as [string, number];
    this.traces.index.delete(key);
    if (slot < 0) return;
    this.releaseTrace(slot);
    this.metrics.droppedTooEarly.inc({ processor: this.metrics.processor });
    this.evictedUnlogged++;
    const now = this.now();
    if (now - this.lastEvictLog >= 10_000) {
      this.logger.warn(
        { evicted: this.evictedUnlogged, num_traces: this.cfg.num_traces },
        'Traces evicted before their sampling decision (num_traces reached): their spans are dropped',
      );
      this.evictedUnlogged = 0;
      this.lastEvictLog = now;
    }
  }

  /** Releases a pending trace's runs and its slot (its index entry is the caller's business). */
  private releaseTrace(slot: number): void {
    const runs = this.runs;
    for (let r = this.traces.firstRun[slot]; r >= 0; ) {
      const next = runs.next[r];
      this.store.release(runs.chunk[r]);
      this.releaseScope(runs.scope[r]);
      runs.free(r);
      r = next;
    }
    this.traces.freeSlot(slot);
  }

  /** Records a decision: in the cache when one is configured (and the table forgets the trace), else in the table. */
  private remember(key: string, outcome: number): void {
    const cache = outcome === DECIDED_SAMPLED ? this.sampledCache : this.notSampledCache;
    if (cache.enabled) {
      cache.put(key);
      this.traces.index.delete(key);
    } else {
      this.traces.index.set(key, outcome);
    }
  }

  // ------------------------------------------------------------------ decide

  /** One tick of the decision timer: decides the batch that is decision_wait old. */
  tick(): void {
    if (this.stopped) return;
    // the batch that just ended gets few more spans (late ones of its traces): compress it now
    this.store.sealOpen(this.tickCount);
    this.tickCount++;
    this.decideBatch(this.tickCount - this.numBatches);
    this.flushNewTraces();
  }

  private flushNewTraces(): void {
    if (this.newTraces === 0) return;
    this.metrics.newTraceIdReceived.inc({ processor: this.metrics.processor }, this.newTraces);
    this.newTraces = 0;
  }

  /** The slots of batch `b` that are still pending there (a slot may be listed twice, or reused). */
  private *pendingIn(b: number): Generator<number> {
    const slots = this.batches.get(b);
    this.batches.delete(b);
    if (slots === undefined) return;
    const t = this.traces;
    for (const s of slots) if (t.batch[s] === b && t.keys[s] !== '') yield s;
  }

  private dropBatch(b: number): void {
    for (const slot of this.pendingIn(b)) {
      this.traces.index.delete(this.traces.keys[slot]);
      this.releaseTrace(slot);
    }
    this.store.closeBatch(b);
  }

  private decideBatch(b: number): void {
    const t = this.traces;
    const runs = this.runs;
    const stats = new TickStats(this.policies.length);
    let out = new Output(this.scopes, this.resources);
    const decided: number[] = [];
    for (const slot of this.pendingIn(b)) {
      const key = t.keys[slot];
      const view = heldView(key, slot, t, runs, this.store, this.scopes, this.resources);
      const d = this.decide(view, stats);
      stats.global[decisionLabelIndex(d)]++;
      if (d === Decision.Sampled) {
        for (let r = t.firstRun[slot]; r >= 0; r = runs.next[r])
          out.add(runs.scope[r], this.store.bytes(runs.chunk[r], runs.offset[r], runs.length[r]));
        out.spans += t.spans[slot];
        if (out.spans >= MAX_OUTPUT_SPANS || out.bytes >= MAX_OUTPUT_BYTES) {
          this.forward(out.build(), out.spans);
          out = new Output(this.scopes, this.resources);
        }
      }
      // the slot stays valid (its batch no longer matches: set below) until its runs are released
      t.batch[slot] = -1;
      decided.push(slot);
      this.remember(key, d === Decision.Sampled ? DECIDED_SAMPLED : DECIDED_NOT_SAMPLED);
    }
    if (out.spans > 0) this.forward(out.build(), out.spans);
    // only now that the output is written may the chunks go
    for (const slot of decided) this.releaseTrace(slot);
    this.store.closeBatch(b);
    this.store.endOfTick();
    this.flushStats(stats);
  }

  /** The collector's makeDecision: every policy votes, then the precedence rules pick. */
  private decide(view: TraceView, stats: TickStats): Decision {
    let sampled = false;
    let invertSampled = false;
    let notSampled = false;
    let invertNotSampled = false;
    let dropped = false;
    for (let i = 0; i < this.policies.length; i++) {
      let d: Decision;
      try {
        d = this.policies[i].evaluator.evaluate(view);
      } catch (err) {
        stats.errors[i]++;
        this.logger.debug({ err: errorMessage(err), policy: this.policies[i].name }, 'Sampling policy error');
        continue;
      }
      stats.add(i, d, view.spanCount);
      if (d === Decision.Sampled) sampled = true;
      else if (d === Decision.NotSampled) notSampled = true;
      else if (d === Decision.InvertSampled) invertSampled = true;
      else if (d === Decision.InvertNotSampled) invertNotSampled = true;
      else if (d === Decision.Dropped) {
        dropped = true;
        break;
      }
      if (this.cfg.sample_on_first_match && d === Decision.Sampled) break;
    }
    if (dropped) return Decision.Dropped;
    if (invertNotSampled) return Decision.NotSampled;
    if (sampled) return Decision.Sampled;
    if (invertSampled && !notSampled) return Decision.Sampled;
    return Decision.NotSampled;
  }

  private flushStats(s: TickStats): void {
    const m = this.metrics;
    const processor = m.processor;
    for (let d = 0; d < 3; d++)
      if (s.global[d] > 0) m.globalCountTracesSampled.inc({ processor, ...LABELS[d] }, s.global[d]);
    for (let i = 0; i < this.policies.length; i++) {
      const policy = this.policyLabels[i];
      for (let d = 0; d < 3; d++) {
        if (s.traces[i * 3 + d] > 0)
          m.countTracesSampled.inc({ processor, policy, ...LABELS[d] }, s.traces[i * 3 + d]);
        if (s.spans[i * 3 + d] > 0)
          m.countSpansSampled.inc({ processor, policy, ...LABELS[d] }, s.spans[i * 3 + d]);
      }
      if (s.errors[i] > 0) m.evaluationError.inc({ processor, policy }, s.errors[i]);
    }
  }

  // ------------------------------------------------------------------ forward

  /** Spans of an already sampled trace: out at once (copied: the request's buffer is not ours). */
  private forwardLate(g: Group, resId: number): void {
    const out = new Output(this.scopes, this.resources);
    for (let i = 0; i < g.n; i++) out.add(g.scopes[i], g.bufs[i].subarray(g.starts[i], g.ends[i]), resId);
    out.spans = g.n;
    this.forward(out.build(), g.n);
  }

  private forward(buf: Uint8Array, spans: number): void {
    const data = decodeTracesLazy(buf, true);
    const p = this.next.consume(data).then(
      () => {},
      (err) => {
        this.metrics.forwardFailedSpans.inc({ processor: this.metrics.processor }, spans);
        const now = this.now();
        if (now - this.lastForwardErrorLog >= 10_000) {
          this.lastForwardErrorLog = now;
          this.logger.warn(
            { err: errorMessage(err), spans },
            'Error sending sampled spans to the next consumer; dropped',
          );
        }
      },
    );
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p));
  }
}

const LABELS = [
  decisionLabels(Decision.Sampled),
  decisionLabels(Decision.NotSampled),
  decisionLabels(Decision.Dropped),
];

function decisionLabelIndex(d: Decision): number {
  if (d === Decision.Sampled || d === Decision.InvertSampled) return 0;
  return d === Decision.Dropped ? 2 : 1;
}

/** Counts of one tick, turned into metric increments once (the collector does the same). */
class TickStats {
  readonly global = [0, 0, 0];
  readonly traces: number[];
  readonly spans: number[];
  readonly errors: number[];
  constructor(n: number) {
    this.traces = new Array(n * 3).fill(0);
    this.spans = new Array(n * 3).fill(0);
    this.errors = new Array(n).fill(0);
  }
  add(policy: number, d: Decision, spans: number): void {
    const i = policy * 3 + decisionLabelIndex(d);
    this.traces[i]++;
    this.spans[i] += spans;
  }
}

/**
 * An ExportTraceServiceRequest being assembled: span bytes grouped by resource,
 * then scope (in order of first appearance).
 */
class Output {
  private readonly byResource = new Map<number, Map<number, Uint8Array[]>>();
  spans = 0;
  bytes = 0;

  constructor(
    private readonly scopes: InternTable,
    private readonly resources: InternTable,
  ) {}

  add(scope: number, bytes: Uint8Array, res = this.scopes.parent(scope)): void {
    let byScope = this.byResource.get(res);
    if (byScope === undefined) {
      byScope = new Map();
      this.byResource.set(res, byScope);
    }
    let list = byScope.get(scope);
    if (list === undefined) {
      list = [];
      byScope.set(scope, list);
    }
    list.push(bytes);
    this.bytes += bytes.length;
  }

  /** The request's bytes, in a new buffer or (`into`) in a reusable one big enough for `size`. */
  build(into?: (size: number) => Uint8Array): Uint8Array {
    // sizes first, then one exact buffer
    let total = 0;
    const rsLens: number[] = [];
    const ssLens: number[] = [];
    for (const [res, byScope] of this.byResource) {
      let rsLen = this.resources.bytes(res).length;
      for (const [scope, list] of byScope) {
        let ssLen = this.scopes.bytes(scope).length;
        for (const b of list) ssLen += b.length;
        ssLens.push(ssLen);
        rsLen += lenField(ssLen);
      }
      rsLens.push(rsLen);
      total += lenField(rsLen);
    }
    const out = into ? into(total) : Buffer.allocUnsafe(total);
    let at = 0;
    let ri = 0;
    let si = 0;
    for (const [res, byScope] of this.byResource) {
      at = writeHeader(out, at, 0x0a, rsLens[ri++]);
      const rb = this.resources.bytes(res);
      out.set(rb, at);
      at += rb.length;
      for (const [scope, list] of byScope) {
        at = writeHeader(out, at, 0x12, ssLens[si++]);
        const sb = this.scopes.bytes(scope);
        out.set(sb, at);
        at += sb.length;
        for (const b of list) {
          out.set(b, at);
          at += b.length;
        }
      }
    }
    if (at !== total) throw new Error(`tail_sampling output: wrote ${at} of ${total} bytes`);
    return out;
  }
}

let scratchBuf = new Uint8Array(64 * 1024);
function scratch(size: number): Uint8Array {
  if (scratchBuf.length < size) scratchBuf = new Uint8Array(Math.max(size, scratchBuf.length * 2));
  return scratchBuf.subarray(0, size);
}

/** A resource prefix (resource and schema URL fields) decoded, once per interned resource. */
function decodeResourcePrefix(prefix: Uint8Array): Resource {
  const msg = new Uint8Array(lenField(prefix.length));
  msg.set(prefix, writeHeader(msg, 0, 0x0a, prefix.length));
  return decodeTraces(msg).resourceSpans[0].resource;
}

/**
 * A pending trace as the policies see it: spans read from the held bytes in
 * arrival order (one segment per run); decoded whole only if a policy asks.
 */
function heldView(
  key: string,
  slot: number,
  t: TraceTable,
  runs: RunTable,
  store: ChunkStore,
  scopes: InternTable,
  resources: InternTable,
): TraceView {
  return new SegmentTraceView(
    key,
    t.spans[slot],
    t.wire[slot],
    () => {
      const segs: Segment[] = [];
      for (let r = t.firstRun[slot]; r >= 0; r = runs.next[r])
        segs.push({
          resource: resources.derived(scopes.parent(runs.scope[r]), decodeResourcePrefix),
          spans: store.bytes(runs.chunk[r], runs.offset[r], runs.length[r]),
        });
      return segs;
    },
    () => {
      const out = new Output(scopes, resources);
      for (let r = t.firstRun[slot]; r >= 0; r = runs.next[r])
        out.add(runs.scope[r], store.bytes(runs.chunk[r], runs.offset[r], runs.length[r]));
      // decoded in a scratch buffer reused from trace to trace: the decoded IDs view it, and
      // nothing reads this trace's data after the next one is decoded
      return decodeTraces(out.build(scratch));
    },
  );
}
