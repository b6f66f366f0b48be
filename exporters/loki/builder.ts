// The request builder (pure): pdata logs → Loki push requests, partitioned by
// tenant, grouped into streams by label set, entries ordered per stream, split
// under the configured request size, with Loki's limits checked per record so
// a bad record fails alone with a clear reason.
import type { RequestContext } from '../../src/component/consumer.js';
import { TimeSlice } from '../../src/exporterhelper/time-slice.js';
import { anyValueToString, findAttr } from '../../src/pdata/attributes.js';
import { hexOf } from '../../src/pdata/ids.js';
import { rawList } from '../../src/pdata/lazy.js';
import type { KeyValue, LogRecord, LogsData } from '../../src/pdata/types.js';
import type { LokiConfig } from './config.js';
import {
  type CardinalityGuard,
  HINT_ATTRIBUTE_LABELS,
  HINT_FORMAT,
  HINT_RESOURCE_LABELS,
  HINT_TENANT,
  hintList,
  isHint,
  LOKI_DEFAULT_RESOURCE_LABELS,
  labelsString,
  levelOf,
  normalizeLabelName,
  pushFlat,
} from './labels.js';
import { bodyLine, fullLine, type LineFormat } from './line.js';
import { Arena, type WireEntry, wireEntries } from './wire-entries.js';

/** An entry of a stream: built by the general path, or written from wire bytes (wire-entries.ts). */
export type LokiEntry = TextEntry | WireEntry;

/** An entry built by the general path: its line and structured metadata as strings. */
export interface TextEntry {
  /** Unix time: whole seconds and the nanoseconds past them (Loki's Timestamp; exact as numbers, no BigInt per entry). */
  sec: number;
  nanos: number;
  line: string;
  /** Structured metadata as flat name/value pairs, in three shared parts (resource, scope, own). */
  smResource: string[];
  smScope: string[];
  smOwn: string[];
  /** Where the record came from (for retrying a subset): resource, scope, record index in it. */
  rl: number;
  sl: number;
  idx: number;
  /** Set only on a WireEntry. */
  wire?: undefined;
}

export interface LokiStream {
  labels: string;
  entries: LokiEntry[];
}

export interface LokiRequest {
  tenant: string;
  streams: LokiStream[];
  /** Number of entries. */
  count: number;
}

export interface RejectedRecord {
  rl: number;
  sl: number;
  rec: LogRecord;
  reason: string;
}

export interface BuildResult {
  requests: LokiRequest[];
  rejected: RejectedRecord[];
}

export type BuilderConfig = Pick<
  LokiConfig,
  | 'tenant_id'
  | 'tenant'
  | 'labels'
  | 'default_labels_enabled'
  | 'structured_metadata'
  | 'format'
  | 'max_request_size'
  | 'limits'
>;

const DEFAULT_SET = new Set(LOKI_DEFAULT_RESOURCE_LABELS);
const NS_PER_MS = 1_000_000n;
/** Stream keys remembered at most (cleared when full). */
const STREAM_KEYS_MAX = 10_000;
const NS_PER_S = 1_000_000_000n;

export class LokiRequestBuilder {
  private readonly defaultLabels: ReadonlySet<string>;
  private readonly resourceMap: Record<string, string>;
  private readonly attrMap: Record<string, string>;
  private readonly hasAttrMap: boolean;
  /** streamKey()'s cache. */
  private readonly streamKeys = new Map<string, string>();

  /**
   * `fromWire`: entries may be written straight from records still kept as their OTLP
   * bytes (wire-entries.ts); only the protobuf encoder reads such entries.
   */
  constructor(
    private readonly cfg: BuilderConfig,
    private readonly guard: CardinalityGuard,
    private readonly fromWire = false,
  ) {
    this.defaultLabels = cfg.labels.default_resource_attributes ? DEFAULT_SET : new Set();
    this.resourceMap = cfg.labels.resource;
    this.attrMap = cfg.labels.attributes;
    this.hasAttrMap = Object.keys(this.attrMap).length > 0;
  }

  /** Async only to give the event loop back between slices of a large batch (exporterhelper/time-slice.ts). */
  async build(
    data: LogsData,
    ctx?: RequestContext,
    nowMs = Date.now(),
    slice = new TimeSlice(),
  ): Promise<BuildResult> {
    const cfg = this.cfg;
    const lim = cfg.limits;
    const rejected: RejectedRecord[] = [];
    const byTenant = new Map<string, Map<string, LokiEntry[]>>();
    const labelVerdict = new Map<string, string | undefined>();
    const now = BigInt(nowMs) * NS_PER_MS;
    const oldest =
      lim.reject_old_samples_max_age > 0 ? now - BigInt(lim.reject_old_samples_max_age) * NS_PER_MS : 0n;
    const newest = now + BigInt(Math.round(lim.creation_grace_period)) * NS_PER_MS;
    const sm = cfg.structured_metadata;
    /** The fast path's bytes for this batch (wire-entries.ts), made on first use. */
    let arena: Arena | undefined;

    for (let r = 0; r < data.resourceLogs.length; r++) {
      const rlogs = data.resourceLogs[r];
      const rattrs = rlogs.resource.attributes;
      const res = this.resourcePart(rattrs, ctx);
      let streams = byTenant.get(res.tenant);
      if (!streams) {
        streams = new Map();
        byTenant.set(res.tenant, streams);
      }
      const format: LineFormat = res.format ?? cfg.format ?? (sm ? 'raw' : 'json');
      const streamKeyByLevel = new Map<string, string>();
      const keyOf = (level: string | undefined): string => {
        const lk = level ?? '';
        let k = streamKeyByLevel.get(lk);
        if (k === undefined) {
          k = this.streamKey(res.labels, level);
          streamKeyByLevel.set(lk, k);
        }
        return k;
      };
      const verdictOf = (key: string, level: string | undefined): string | undefined => {
        if (!labelVerdict.has(key))
          labelVerdict.set(
            key,
            this.checkLabels(key, res.labels.length + (level ? 1 : 0), undefined, res.labels),
          );
        return labelVerdict.get(key);
      };

      const raw =
        this.fromWire && sm && format === 'raw' && !this.hasAttrMap && !res.attrHint
          ? rawList(rlogs)
          : undefined;
      if (raw) {
        if (slice.due()) await slice.next();
        arena ??= new Arena();
        const wire = wireEntries(
          raw,
          {
            rl: r,
            smResource: res.sm,
            now,
            oldest,
            newest,
            maxLineSize: lim.max_line_size,
            levelEnabled: cfg.default_labels_enabled.level,
            levelOk: (level) => verdictOf(keyOf(level), level) === undefined,
          },
          arena,
        );
        if (wire) {
          // entries of one resource nearly always share a level: its stream key once per run
          let lastLevel: string | undefined | null = null;
          let lastKey = '';
          for (const w of wire) {
            if (w.level !== lastLevel) {
              lastLevel = w.level;
              lastKey = keyOf(w.level);
            }
            const key = lastKey;
            let list = streams.get(key);
            if (!list) {
              list = [];
              streams.set(key, list);
            }
            list.push(w);
          }
          continue;
        }
      }

      for (let s = 0; s < rlogs.scopeLogs.length; s++) {
        const slogs = rlogs.scopeLogs[s];
        const scope = slogs.scope;
        const smScope: string[] = [];
        if (sm) {
          if (scope.name) smScope.push('scope_name', scope.name);
          if (scope.version) smScope.push('scope_version', scope.version);
          for (const kv of scope.attributes) pushFlat(smScope, normalizeLabelName(kv.key), kv.value);
        }
        const recs = slogs.logRecords;
        for (let i = 0; i < recs.length; i++) {
          if (slice.due()) await slice.next();
          const rec = recs[i];
          const attrs = rec.attributes;
          // Record-attribute labels (configured, or hinted by loki.attribute.labels).
          let attrLabels: [string, string][] | undefined;
          let labelKeys: Set<string> | undefined;
          const recHint =
            res.attrHint || attrs.length === 0 ? undefined : findAttr(attrs, HINT_ATTRIBUTE_LABELS);
          const hinted = recHint ? hintList(recHint.value) : res.attrHint;
          if (this.hasAttrMap || hinted) {
            for (let a = 0; a < attrs.length; a++) {
              const key = attrs[a].key;
              const mapped = this.attrMap[key];
              const isLabel = mapped !== undefined || hinted?.includes(key);
              if (!isLabel) continue;
              const value = anyValueToString(attrs[a].value);
              if (value === '' || !this.guard.allow(key, value)) continue;
              if (!attrLabels) {
                attrLabels = [];
                labelKeys = new Set();
              }
              attrLabels.push([mapped || normalizeLabelName(key), value]);
              labelKeys!.add(key);
            }
          }
          const level = cfg.default_labels_enabled.level
            ? levelOf(rec.severityNumber, rec.severityText)
            : undefined;
          let key: string;
          if (attrLabels) {
            const pairs = res.labels.slice();
            if (level) pairs.push(['level', level]);
            for (const p of attrLabels) pairs.push(p);
            key = labelsString(pairs);
          } else key = keyOf(level);

          // Timestamp: the record's, else observed, else now (Loki's OTLP rule).
          const ts = rec.timeUnixNano || rec.observedTimeUnixNano || now;
          const traceId = rec.traceId.length ? hexOf(rec.traceId) : '';
          const spanId = rec.spanId.length ? hexOf(rec.spanId) : '';
          const skipAttr = (k: string) => isHint(k) || (labelKeys?.has(k) ?? false);

          let line: string;
          let smOwn: string[];
          if (sm) {
            line = bodyLine(rec.body, format);
            smOwn = [];
            for (let a = 0; a < attrs.length; a++) {
              const kv = attrs[a];
              if (skipAttr(kv.key)) continue;
              pushFlat(smOwn, normalizeLabelName(kv.key), kv.value);
            }
            if (rec.severityText) smOwn.push('severity_text', rec.severityText);
            if (rec.severityNumber) smOwn.push('severity_number', String(rec.severityNumber));
            if (traceId) smOwn.push('trace_id', traceId);
            if (spanId) smOwn.push('span_id', spanId);
            if (rec.observedTimeUnixNano && rec.observedTimeUnixNano !== ts)
              smOwn.push('observed_timestamp', rec.observedTimeUnixNano.toString());
          } else {
            line = fullLine(rec.body, format === 'raw' ? 'logfmt' : format, {
              traceId,
              spanId,
              severity: rec.severityText || level || '',
              attributes: attrs,
              resource: rattrs,
              scopeName: scope.name,
              scopeVersion: scope.version,
              skipAttr,
              skipResource: res.skipResource,
            });
            smOwn = EMPTY;
          }

          // Loki's validation, per record.
          let reason: string | undefined;
          if (ts < oldest)
            reason = `entry for stream ${key} has timestamp too old: ${isoOf(ts)}, oldest acceptable timestamp is: ${isoOf(oldest)} (reject_old_samples_max_age)`;
          else if (ts > newest)
            reason = `entry for stream ${key} has timestamp too new: ${isoOf(ts)} (creation_grace_period)`;
          else if (lim.max_line_size > 0 && line.length * 3 > lim.max_line_size) {
            const bytes = Buffer.byteLength(line);
            if (bytes > lim.max_line_size)
              reason = `max entry size ${lim.max_line_size} bytes exceeded for stream ${key} while adding an entry with length ${bytes} bytes`;
          }
          if (reason === undefined) {
            let v = labelVerdict.get(key);
            if (!labelVerdict.has(key)) {
              v = this.checkLabels(
                key,
                res.labels.length + (level ? 1 : 0) + (attrLabels?.length ?? 0),
                attrLabels,
                res.labels,
              );
              labelVerdict.set(key, v);
            }
            reason = v;
          }
          if (reason !== undefined) {
            rejected.push({ rl: r, sl: s, rec, reason });
            continue;
          }

          let list = streams.get(key);
          if (!list) {
            list = [];
            streams.set(key, list);
          }
          list.push({
            sec: Number(ts / NS_PER_S),
            nanos: Number(ts % NS_PER_S),
            line,
            smResource: res.sm,
            smScope,
            smOwn,
            rl: r,
            sl: s,
            idx: i,
          });
        }
      }
    }
    return { requests: this.split(byTenant), rejected };
  }

  /**
   * labelsString of a resource's labels and the level, remembered across batches: every
   * request of a pod carries the same resource, so the same few keys come back (sorting and
   * escaping them again was a tenth of the builder's garbage).
   */
  private streamKey(labels: [string, string][], level: string | undefined): string {
    // length-prefixed, so no two different inputs give the same cache key
    let id = level === undefined ? '-' : `${level.length}:${level}`;
    for (let i = 0; i < labels.length; i++) {
      const [n, v] = labels[i];
      id += `|${n.length}:${n}${v.length}:${v}`;
    }
    let k = this.streamKeys.get(id);
    if (k === undefined) {
      const pairs = labels.slice();
      if (level) pairs.push(['level', level]);
      k = labelsString(pairs);
      if (this.streamKeys.size >= STREAM_KEYS_MAX) this.streamKeys.clear();
      this.streamKeys.set(id, k);
    }
    return k;
  }

  /** What one resource contributes: tenant, labels, structured metadata, hints. */
  private resourcePart(rattrs: KeyValue[], ctx?: RequestContext) {
    const cfg = this.cfg;
    let tenant = cfg.tenant_id ?? '';
    const t = cfg.tenant;
    if (t) {
      if (t.source === 'static') tenant = t.value;
      else if (t.source === 'attribute') tenant = anyValueToString(findAttr(rattrs, t.value)?.value);
      else tenant = ctx?.metadata?.[t.value.toLowerCase()]?.[0] ?? '';
    }
    let resHint: string[] | undefined;
    let attrHint: string[] | undefined;
    let format: LineFormat | undefined;
    for (const kv of rattrs) {
      if (!isHint(kv.key)) continue;
      if (kv.key === HINT_RESOURCE_LABELS) resHint = hintList(kv.value);
      else if (kv.key === HINT_ATTRIBUTE_LABELS) attrHint = hintList(kv.value);
      else if (kv.key === HINT_TENANT) {
        const name = anyValueToString(kv.value);
        const v = findAttr(rattrs, name);
        if (v) tenant = anyValueToString(v.value);
      } else if (kv.key === HINT_FORMAT) {
        const f = anyValueToString(kv.value);
        if (f === 'json' || f === 'logfmt' || f === 'raw') format = f;
      }
    }
    const labels: [string, string][] = [];
    const labelKeys = new Set<string>();
    const smRes: string[] = [];
    for (const kv of rattrs) {
      if (isHint(kv.key)) continue;
      const mapped = this.resourceMap[kv.key];
      const isDefault = this.defaultLabels.has(kv.key);
      const isConfigured = mapped !== undefined || resHint?.includes(kv.key);
      if (isDefault || isConfigured) {
        const value = anyValueToString(kv.value);
        if (value !== '' && (isDefault || this.guard.allow(kv.key, value))) {
          labels.push([mapped || normalizeLabelName(kv.key), value]);
          labelKeys.add(kv.key);
          continue;
        }
      }
      if (cfg.structured_metadata) pushFlat(smRes, normalizeLabelName(kv.key), kv.value);
    }
    // Loki's OTLP ingestion labels a resource without service.name as unknown_service.
    if (this.defaultLabels.has('service.name') && !labelKeys.has('service.name'))
      labels.push(['service_name', 'unknown_service']);
    const d = cfg.default_labels_enabled;
    if (d.job || d.instance || d.exporter) {
      const name = anyValueToString(findAttr(rattrs, 'service.name')?.value);
      const ns = anyValueToString(findAttr(rattrs, 'service.namespace')?.value);
      const inst = anyValueToString(findAttr(rattrs, 'service.instance.id')?.value);
      if (d.job && name) labels.push(['job', ns ? `${ns}/${name}` : name]);
      if (d.instance && inst) labels.push(['instance', inst]);
      if (d.exporter) labels.push(['exporter', 'OTLP']);
    }
    return {
      tenant,
      labels,
      sm: smRes,
      attrHint,
      format,
      skipResource: (k: string) => isHint(k) || labelKeys.has(k),
    };
  }

  private checkLabels(
    key: string,
    count: number,
    attrLabels: [string, string][] | undefined,
    resLabels: [string, string][],
  ): string | undefined {
    const lim = this.cfg.limits;
    if (count === 0) return 'error at least one label pair is required per stream (missing_labels)';
    if (count > lim.max_label_names_per_series)
      return `entry for stream ${key} has ${count} label names; limit ${lim.max_label_names_per_series} (max_label_names_per_series)`;
    const check = (pairs: [string, string][]) => {
      for (const [n, v] of pairs) {
        if (n.length > lim.max_label_name_length)
          return `label name too long: ${n} for stream ${key} (max_label_name_length ${lim.max_label_name_length})`;
        if (Buffer.byteLength(v) > lim.max_label_value_length)
          return `label value too long: ${n} for stream ${key} (max_label_value_length ${lim.max_label_value_length})`;
      }
      return undefined;
    };
    return check(resLabels) ?? (attrLabels ? check(attrLabels) : undefined);
  }

  /** Orders each stream's entries by time and cuts requests under max_request_size. */
  private split(byTenant: Map<string, Map<string, LokiEntry[]>>): LokiRequest[] {
    const max = this.cfg.max_request_size;
    const out: LokiRequest[] = [];
    for (const [tenant, streams] of byTenant) {
      let req: LokiRequest = { tenant, streams: [], count: 0 };
      let size = 0;
      for (const [labels, entries] of streams) {
        sortByTime(entries);
        let cur: LokiStream | undefined;
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i];
          const es = entrySize(e);
          if (req.count > 0 && size + es + labels.length > max) {
            out.push(req);
            req = { tenant, streams: [], count: 0 };
            size = 0;
            cur = undefined;
          }
          if (!cur) {
            cur = { labels, entries: [] };
            req.streams.push(cur);
            size += labels.length + 8;
          }
          cur.entries.push(e);
          req.count++;
          size += es;
        }
      }
      if (req.count > 0) out.push(req);
    }
    return out;
  }
}

const EMPTY: string[] = [];

/** Approximate encoded size of an entry (UTF-16 length stands in for bytes). */
export function entrySize(e: LokiEntry): number {
  if (e.wire !== undefined) return e.size;
  let n = e.line.length + 20;
  n += pairsSize(e.smResource) + pairsSize(e.smScope) + pairsSize(e.smOwn);
  return n;
}

function pairsSize(p: string[]): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) n += p[i].length + 3;
  return n;
}

/** Orders entries by time, stably (Array.prototype.sort is), if they are not in order already. */
function sortByTime(entries: LokiEntry[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (byTime(entries[i], entries[i - 1]) < 0) {
      entries.sort(byTime);
      return;
    }
  }
}

function byTime(a: LokiEntry, b: LokiEntry): number {
  return a.sec - b.sec || a.nanos - b.nanos;
}

function isoOf(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString();
}
