// The request builder (pure): pdata → bulk documents (action line + source),
// each tied to the pdata item it came from; then cut into _bulk bodies under
// flush.bytes. Data streams and plain indices both get `create` (a 409 then
// means "already there").

import { UNLIMITED_BUDGET } from '../../src/codec/decode-budget.js';
import { decodeScope, newScope } from '../../src/codec/proto-common.js';
import { Reader } from '../../src/codec/proto-wire.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { TimeSlice } from '../../src/exporterhelper/time-slice.js';
import { anyValueToString, findAttr } from '../../src/pdata/attributes.js';
import { lazyItemCount, rawList } from '../../src/pdata/lazy.js';
import type {
  KeyValue,
  LogsData,
  Metric,
  MetricsData,
  ResourceLogs,
  TracesData,
} from '../../src/pdata/types.js';
import { type BulkChunk, BulkWriter } from './bulk-body.js';
import type { ElasticsearchConfig } from './config.js';
import {
  dsOtel,
  isRoutingAttr,
  logDocument,
  type MappingMode,
  resourceFragment,
  scopeFragment,
  spanDocument,
  spanEventDocument,
} from './documents.js';
import { quote } from './json.js';
import {
  dynamicTemplates,
  ecsMetricDocument,
  type MetricPoint,
  type MetricValue,
  metricValue,
  otelMetricDocument,
} from './metric-documents.js';
import { type DocType, type Route, Router } from './routing.js';
import {
  DocBuf,
  NeedsSlowPath,
  otelLogDocument,
  ScopeParts,
  scopeEntries,
  scopeLogsWire,
  stringAt,
} from './wire-logs.js';

/**
 * About how many bytes the _bulk bodies of a batch take (BulkWriter sizeHint): a log document
 * in otel mode is a few hundred bytes of fields plus its resource and scope.
 */
function logsSizeHint(data: LogsData): number {
  let n = 0;
  for (const rl of data.resourceLogs) {
    const lazy = lazyItemCount(rl);
    if (lazy !== undefined) n += lazy;
    else for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  }
  return n * 1024;
}

const MODES: ReadonlySet<string> = new Set(['otel', 'ecs', 'raw', 'bodymap', 'none']);

export interface ItemRef {
  rl: number;
  sl: number;
  /** The log record or span; WIRE_ITEM for a record written from wire bytes (then see `k`). */
  item: object;
  /** For WIRE_ITEM: the record's index in its scope's list. */
  k: number;
}

/** The item of a log record written from its wire bytes: not decoded, found again by index (subset.ts). */
export const WIRE_ITEM: object = Object.freeze({ wire: true });

/** The pdata items of a batch, as parallel arrays (no object per item on the hot path). */
export class RefList {
  readonly rl: number[] = [];
  readonly sl: number[] = [];
  readonly items: object[] = [];
  readonly ks: number[] = [];
  get length(): number {
    return this.items.length;
  }
  add(rl: number, sl: number, item: object): number {
    this.rl.push(rl);
    this.sl.push(sl);
    this.ks.push(-1);
    return this.items.push(item) - 1;
  }
  /** A log record written from wire bytes: the k-th record of scope `sl` of resource `rl`. */
  addWire(rl: number, sl: number, k: number): number {
    this.rl.push(rl);
    this.sl.push(sl);
    this.ks.push(k);
    return this.items.push(WIRE_ITEM) - 1;
  }
  truncate(n: number): void {
    this.rl.length = n;
    this.sl.length = n;
    this.ks.length = n;
    this.items.length = n;
  }
  get(i: number): ItemRef {
    return { rl: this.rl[i], sl: this.sl[i], item: this.items[i], k: this.ks[i] };
  }
}

export interface BuildResult {
  /** _bulk bodies under flush.bytes. */
  chunks: BulkChunk[];
  refs: RefList;
  rejected: { ref: number; reason: string }[];
}

export class BulkBuilder {
  private readonly router: Router;
  private readonly mode: MappingMode;
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly actions = new Map<string, string>();

  constructor(private readonly cfg: ElasticsearchConfig) {
    this.router = new Router(cfg);
    this.mode = cfg.mapping.mode;
    this.allowed = cfg.mapping.allowed_modes ? new Set(cfg.mapping.allowed_modes) : undefined;
  }

  private action(index: string, id?: string, pipeline?: string): string {
    if (id === undefined && pipeline === undefined) {
      let a = this.actions.get(index);
      if (a === undefined) {
        a = `{"create":{"_index":${quote(index)}}}`;
        if (this.actions.size < 1000) this.actions.set(index, a);
      }
      return a;
    }
    let a = `{"create":{"_index":${quote(index)}`;
    if (id !== undefined) a += `,"_id":${quote(id)}`;
    if (pipeline !== undefined) a += `,"pipeline":${quote(pipeline)}`;
    return `${a}}}`;
  }

  /**
   * The mapping mode of one scope: its `elastic.mapping.mode` attribute, else the client's
   * `X-Elastic-Mapping-Mode` metadata, else mapping.mode; an error when not allowed.
   */
  private modeFor(scopeAttrs: KeyValue[], ctx: RequestContext | undefined): MappingMode | { error: string } {
    const asked =
      attrText(scopeAttrs, 'elastic.mapping.mode') ??
      ctx?.metadata?.['x-elastic-mapping-mode']?.[0] ??
      this.mode;
    if (asked === this.mode) return this.mode;
    if (!MODES.has(asked)) return { error: `unknown mapping mode "${asked}"` };
    if (this.allowed && !this.allowed.has(asked))
      return { error: `mapping mode "${asked}" is not in mapping.allowed_modes` };
    return asked as MappingMode;
  }

  /** The route for an item: the scope-level one unless the item has its own routing attributes. */
  private routeFor(
    type: DocType,
    own: KeyValue[],
    scopeLists: KeyValue[][],
    base: Route | undefined,
    ts: bigint,
    mode: MappingMode,
  ): Route {
    if (base && !hasRoutingAttr(own)) return base;
    return this.router.route(type, [own, ...scopeLists], ts, mode);
  }

  /** Async only to give the event loop back between slices of a large batch (exporterhelper/time-slice.ts). */
  async logs(data: LogsData, ctx?: RequestContext, slice = new TimeSlice()): Promise<BuildResult> {
    const w = new BulkWriter(this.cfg.flush.bytes, logsSizeHint(data));
    const out: BuildResult = { chunks: w.chunks, refs: new RefList(), rejected: [] };
    const wire = this.mode === 'otel' && !this.cfg.logstash_format.enabled;
    for (let r = 0; r < data.resourceLogs.length; r++) {
      const rl = data.resourceLogs[r];
      const raw = wire ? rawList(rl) : undefined;
      if (raw !== undefined) {
        const m = w.mark();
        const refs = out.refs.length;
        if (await this.wireResourceLogs(r, rl, raw, w, out, ctx, slice)) continue;
        // Something the wire path leaves to the decoding path: this resource's documents again.
        w.reset(m);
        out.refs.truncate(refs);
      }
      await this.resourceLogs(r, rl, w, out, ctx, slice);
    }
    return out;
  }

  private async resourceLogs(
    r: number,
    rl: ResourceLogs,
    w: BulkWriter,
    out: BuildResult,
    ctx: RequestContext | undefined,
    slice: TimeSlice,
  ): Promise<void> {
    const dynId = this.cfg.logs_dynamic_id.enabled;
    const dynPipe = this.cfg.logs_dynamic_pipeline.enabled;
    const dateDependent = this.cfg.logstash_format.enabled;
    const resByMode = new Map<MappingMode, string>();
    for (let s = 0; s < rl.scopeLogs.length; s++) {
      const sl = rl.scopeLogs[s];
      const mode = this.modeFor(sl.scope.attributes, ctx);
      if (typeof mode === 'object') {
        for (const rec of sl.logRecords)
          out.rejected.push({ ref: out.refs.add(r, s, rec), reason: mode.error });
        continue;
      }
      let res = resByMode.get(mode);
      if (res === undefined) {
        res = resourceFragment(mode, rl.resource, rl.schemaUrl);
        resByMode.set(mode, res);
      }
      const scope = scopeFragment(mode, sl.scope, sl.schemaUrl);
      const tail = Buffer.from(`${res}${scope}}`);
      const lists = [sl.scope.attributes, rl.resource.attributes];
      const base = dateDependent ? undefined : this.router.route('logs', lists, 0n, mode);
      for (const rec of sl.logRecords) {
        if (slice.due()) await slice.next();
        const ref = out.refs.add(r, s, rec);
        const ts = rec.timeUnixNano || rec.observedTimeUnixNano;
        const route = this.routeFor('logs', rec.attributes, lists, base, ts, mode);
        const doc = logDocument(mode, rec, route.ds);
        if ('error' in doc) {
          out.rejected.push({ ref, reason: doc.error });
          continue;
        }
        const id = dynId ? attrText(rec.attributes, 'elasticsearch.document_id') : undefined;
        const pipe = dynPipe ? attrText(rec.attributes, 'elasticsearch.document_pipeline') : undefined;
        w.add(this.action(route.index, id, pipe), doc.source, route.index, ref, doc.open ? tail : undefined);
      }
    }
  }

  /**
   * The otel-mode documents of a ResourceLogs whose records are still the request's wire bytes,
   * written from those bytes (wire-logs.ts). False (nothing kept) when a scope asks for another
   * mode or a record needs its own route: the caller then builds this resource the decoding way.
   */
  private async wireResourceLogs(
    r: number,
    rl: ResourceLogs,
    raw: Uint8Array[],
    w: BulkWriter,
    out: BuildResult,
    ctx: RequestContext | undefined,
    slice: TimeSlice,
  ): Promise<boolean> {
    const doc = this.doc;
    let res: string | undefined;
    let s = 0;
    try {
      for (const seg of raw) {
        const entries = scopeEntries(seg);
        for (let e = 0; e < entries.length; e += 2, s++) {
          const parts = scopeLogsWire(seg, entries[e], entries[e + 1]);
          const sc =
            parts.scopeAt >= 0
              ? decodeScope(new Reader(seg.subarray(parts.scopeAt, entries[e + 1]), UNLIMITED_BUDGET))
              : newScope();
          const schemaUrl = parts.schemaAt >= 0 ? stringAt(seg, parts.schemaAt) : '';
          if (this.modeFor(sc.attributes, ctx) !== 'otel') return false;
          res ??= resourceFragment('otel', rl.resource, rl.schemaUrl);
          const route = this.router.route('logs', [sc.attributes, rl.resource.attributes], 0n, 'otel');
          const fixed = this.scopeParts(
            route.index,
            route.ds ? dsOtel(route.ds) : '',
            `${res}${scopeFragment('otel', sc, schemaUrl)}}`,
          );
          const recs = parts.records;
          for (let k = 0; k < recs.length; k += 2) {
            if (slice.due()) await slice.next();
            w.beginDoc(doc);
            const src = doc.len + fixed.srcOffset;
            otelLogDocument(doc, seg, recs[k], recs[k + 1], fixed);
            w.endDoc(doc, src, route.index, out.refs.addWire(r, s, k >> 1));
          }
        }
      }
    } catch (err) {
      // RangeError: a copy past a document's reserved room (wire-logs.ts reserve()); the slow path writes it
      if (err instanceof NeedsSlowPath || err instanceof RangeError) return false;
      throw err;
    }
    return true;
  }

  private readonly doc = new DocBuf();
  /** ScopeParts by index, data stream and tail: every request of a pod brings the same ones. */
  private readonly partsCache = new Map<string, ScopeParts>();

  private scopeParts(index: string, ds: string, tail: string): ScopeParts {
    const key = `${index.length}:${index}${ds.length}:${ds}${tail}`;
    let parts = this.partsCache.get(key);
    if (parts === undefined) {
      parts = new ScopeParts(this.actionBytes(index), ds, tail);
      if (this.partsCache.size >= 1000) this.partsCache.clear();
      this.partsCache.set(key, parts);
    }
    return parts;
  }
  private readonly actionCache = new Map<string, Buffer>();

  private actionBytes(index: string): Buffer {
    let a = this.actionCache.get(index);
    if (a === undefined) {
      a = Buffer.from(this.action(index));
      if (this.actionCache.size < 1000) this.actionCache.set(index, a);
    }
    return a;
  }

  async traces(data: TracesData, ctx?: RequestContext, slice = new TimeSlice()): Promise<BuildResult> {
    const w = new BulkWriter(this.cfg.flush.bytes);
    const out: BuildResult = { chunks: w.chunks, refs: new RefList(), rejected: [] };
    const dateDependent = this.cfg.logstash_format.enabled;
    for (let r = 0; r < data.resourceSpans.length; r++) {
      const rs = data.resourceSpans[r];
      for (let s = 0; s < rs.scopeSpans.length; s++) {
        const ss = rs.scopeSpans[s];
        const mode = this.modeFor(ss.scope.attributes, ctx);
        if (typeof mode === 'object') {
          for (const span of ss.spans)
            out.rejected.push({ ref: out.refs.add(r, s, span), reason: mode.error });
          continue;
        }
        const res = resourceFragment(mode, rs.resource, rs.schemaUrl);
        const scope = scopeFragment(mode, ss.scope, ss.schemaUrl);
        const lists = [ss.scope.attributes, rs.resource.attributes];
        const base = dateDependent ? undefined : this.router.route('traces', lists, 0n, mode);
        const evBase = dateDependent ? undefined : this.router.route('logs', lists, 0n, mode);
        for (const span of ss.spans) {
          if (slice.due()) await slice.next();
          const ref = out.refs.add(r, s, span);
          const route = this.routeFor('traces', span.attributes, lists, base, span.startTimeUnixNano, mode);
          const doc = spanDocument(mode, span, res, scope, route.ds);
          if ('error' in doc) {
            out.rejected.push({ ref, reason: doc.error });
            continue;
          }
          w.add(this.action(route.index), doc.source, route.index, ref);
          for (const ev of span.events) {
            // Span events are log documents, so they sit next to the service's logs in Kibana.
            const evRoute = this.routeFor('logs', ev.attributes, lists, evBase, ev.timeUnixNano, mode);
            const src = spanEventDocument(mode, ev, span, res, scope, evRoute.ds);
            w.add(this.action(evRoute.index), src, evRoute.index, ref);
          }
        }
      }
    }
    return out;
  }

  /**
   * Metrics: the points of one resource/scope that share index, timestamp, start
   * time, unit (otel) and attributes make one document; the document's ref is the
   * group of points it holds (see subsetMetrics), so a retry re-sends exactly them.
   */
  async metrics(data: MetricsData, ctx?: RequestContext, slice = new TimeSlice()): Promise<BuildResult> {
    const w = new BulkWriter(this.cfg.flush.bytes);
    const out: BuildResult = { chunks: w.chunks, refs: new RefList(), rejected: [] };
    const dateDependent = this.cfg.logstash_format.enabled;
    for (let r = 0; r < data.resourceMetrics.length; r++) {
      const rm = data.resourceMetrics[r];
      for (let s = 0; s < rm.scopeMetrics.length; s++) {
        const sm = rm.scopeMetrics[s];
        const asked = this.modeFor(sm.scope.attributes, ctx);
        if (typeof asked === 'object') {
          for (const m of sm.metrics)
            for (const p of pointsOf(m))
              out.rejected.push({ ref: out.refs.add(r, s, metricGroup([[m, p]])), reason: asked.error });
          continue;
        }
        // The collector writes metrics in otel mode or in its ECS shape (every other mode).
        const mode = asked === 'otel' ? 'otel' : 'ecs';
        const res = mode === 'otel' ? resourceFragment('otel', rm.resource, rm.schemaUrl) : '';
        const scope = mode === 'otel' ? scopeFragment('otel', sm.scope, sm.schemaUrl) : '';
        const lists = [sm.scope.attributes, rm.resource.attributes];
        const base = dateDependent ? undefined : this.router.route('metrics', lists, 0n, mode);
        const groups = new Map<
          string,
          {
            route: ReturnType<Router['route']>;
            p: MetricPoint;
            unit: string;
            fields: { name: string; value: MetricValue; m: Metric; p: MetricPoint }[];
          }
        >();
        for (const m of sm.metrics) {
          for (const p of pointsOf(m)) {
            if (slice.due()) await slice.next();
            const route = this.routeFor('metrics', p.attributes, lists, base, p.timeUnixNano, mode);
            const v = metricValue(m, p);
            if (typeof v === 'string') {
              out.rejected.push({ ref: out.refs.add(r, s, metricGroup([[m, p]])), reason: v });
              continue;
            }
            const unit = mode === 'otel' ? m.unit : '';
            const key = `${route.index}\x00${p.timeUnixNano}\x00${p.startTimeUnixNano}\x00${unit}\x00${attrsKey(p.attributes)}`;
            let g = groups.get(key);
            if (!g) {
              g = { route, p, unit, fields: [] };
              groups.set(key, g);
            }
            if (g.fields.some((f) => f.name === m.name)) {
              out.rejected.push({
                ref: out.refs.add(r, s, metricGroup([[m, p]])),
                reason: `metric with name '${m.name}' has already been serialized in document with timestamp ${isoTs(p.timeUnixNano)}`,
              });
              continue;
            }
            g.fields.push({ name: m.name, value: v, m, p });
          }
        }
        for (const g of groups.values()) {
          const ref = out.refs.add(r, s, metricGroup(g.fields.map((f) => [f.m, f.p])));
          const parts = {
            timeNs: g.p.timeUnixNano,
            startNs: g.p.startTimeUnixNano,
            unit: g.unit,
            attributes: g.p.attributes,
            ds: g.route.ds,
            resource: res,
            scope,
            fields: g.fields,
          };
          const source =
            mode === 'otel' ? otelMetricDocument(parts) : ecsMetricDocument(parts, rm.resource.attributes);
          const action = `{"create":{"_index":${quote(g.route.index)},"dynamic_templates":${dynamicTemplates(g.fields, mode === 'otel' ? 'metrics.' : '')}}}`;
          w.add(action, source, g.route.index, ref);
        }
      }
    }
    return out;
  }
}

/** A document's points: what a retry of that document must send again. */
export interface MetricGroup {
  points: [Metric, MetricPoint][];
}

function metricGroup(points: [Metric, MetricPoint][]): MetricGroup {
  return { points };
}

function pointsOf(m: Metric): MetricPoint[] {
  return (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
}

function attrsKey(kvs: KeyValue[]): string {
  if (kvs.length === 0) return '';
  const sorted = kvs.length > 1 ? [...kvs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : kvs;
  let k = '';
  for (const kv of sorted)
    k += `${kv.key}\x01${JSON.stringify(kv.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))}\x02`;
  return k;
}

function isoTs(ns: bigint): string {
  const ms = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${ms}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

function hasRoutingAttr(kvs: KeyValue[]): boolean {
  for (let i = 0; i < kvs.length; i++) if (isRoutingAttr(kvs[i].key)) return true;
  return false;
}

function attrText(kvs: KeyValue[], key: string): string | undefined {
  const kv = findAttr(kvs, key);
  const s = kv ? anyValueToString(kv.value) : '';
  return s || undefined;
}
