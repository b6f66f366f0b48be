// The scrape loop's appender and the collector's transaction in one: turns
// each scrape of a target into OTLP points, remembering series between
// scrapes for staleness markers, scrape_series_added and start times.
//
// Per sample, as Prometheus's scrape loop does (scrape/scrape.go): the
// target's labels are merged in (honor_labels, or conflicts renamed
// `exported_<name>`), metric_relabel_configs run, label limits apply, and a
// series that disappears gets a staleness marker. Then as the collector's
// receiver does (internal/transaction.go): external labels are set, target_info
// becomes resource attributes, otel_scope_* labels the scope, job/instance the
// resource, and samples are assembled into points.
//
// Cost: a series seen before is one map lookup by its text (none while the
// exposition keeps its order); its labels are worked out once (and again only
// when the family metadata changes). What is kept per series is a few columns
// of a table (series-table.ts), and holds no slice of the scraped body.
import { parseGoFloat, parseSeries } from '../exposition/parser.js';
import type { Exposition, Metadata, ParsedExemplar } from '../exposition/types.js';
import type { RelabelRule } from '../relabel/config.js';
import { type Labels, relabel } from '../relabel/relabel.js';
import { classify, REPORT_METADATA } from './classify.js';
import {
  BUCKET,
  COUNT,
  CREATED,
  DROPPED,
  EXPLICIT_TS,
  QUANTILE,
  REPORT,
  roleCode,
  SeriesTable,
  SUM,
  VALUE,
} from './series-table.js';
import {
  DistributionState,
  FamilyState,
  GroupNumbers,
  GroupState,
  HAS_COUNT,
  HAS_SUM,
  HAS_VALUE,
  ResourceState,
  ScopeState,
  Special,
  STALE,
} from './state.js';

export interface TargetIdentity {
  /** The target's labels after relabeling, without `__` labels; includes job and instance. */
  labels: ReadonlyMap<string, string>;
  /** The labels discovery gave the target, before relabel_configs (for the resource). */
  discovered: ReadonlyMap<string, string>;
}

export interface SeriesOptions {
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  metricRelabel: readonly RelabelRule[];
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  externalLabels: readonly [string, string][];
  /** Forget series, points and resources not seen for this long (the collector's gc interval). */
  gcMs: number;
}

/** Values of the series Prometheus reports about each scrape. */
export interface ScrapeReport {
  up: boolean;
  durationSeconds: number;
  /** extra_scrape_metrics */
  extra?: { timeoutSeconds: number; sampleLimit: number; bodySizeBytes: number };
}

export interface ScrapeStats {
  samplesScraped: number;
  samplesPostRelabel: number;
  seriesAdded: number;
}

/** The families with points in the current scrape. */
export interface Touched {
  families: FamilyState[];
  iter: number;
}

/** Scrapes a family's metadata outlives its last appearance (Prometheus's scrape cache keeps it 10). */
const METADATA_KEEP_SCRAPES = 10;

const NOT_ATTRIBUTES = new Set(['__name__', 'job', 'instance', '__scheme__', '__metrics_path__']);

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * A copy of a string that does not keep the string it was sliced from alive
 * (V8 slices point into their parent: a cached label would pin a whole
 * scraped body). Runs once per new series.
 */
function detach(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s));
}

/** A 53-bit FNV-1a style hash of string parts (point identity, as the collector's 64-bit series hash). */
function hashParts(parts: readonly string[]): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0xff, 0x01000193);
    b = Math.imul(b ^ 0xff, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

export class TargetSeries {
  iter = 0;
  private readonly table = new SeriesTable();
  /** Series numbers by series text. */
  private readonly cache = new Map<string, number>();
  private readonly reportEntries = new Map<string, number>();
  private readonly groups = new Map<number, GroupState>();
  /** The doubles of the groups (state.ts GroupNumbers). */
  private readonly numbers = new GroupNumbers();
  private readonly families = new Map<string, FamilyState>();
  private readonly scopes = new Map<string, ScopeState>();
  private readonly resources = new Map<string, ResourceState>();
  /** Series of the last scrape: the candidates for staleness markers (may be lastOrder itself). */
  private prevSeen: Int32Array = new Int32Array(0);
  /** The report series (up, scrape_*) of the last scrape: staleness candidates after prevSeen. */
  private prevReport: number[] = [];
  /** The series of the last exposition, in sample order (never written to: a new order is a new array). */
  private lastOrder: Int32Array = new Int32Array(0);
  /** Their series texts: the parser's hint for the next scrape (see parseExposition). */
  lastKeys: string[] = [];
  private epoch = 0;
  private readonly metadata = new Map<string, Metadata>();
  private readonly metadataIter = new Map<string, number>();
  private lastGcMs = 0;
  private iterTimes: [number, number][] = [];
  private readonly interned = new Map<string, string>();
  private touched: FamilyState[] = [];
  private readonly targetJob: string;
  private readonly targetInstance: string;

  constructor(
    readonly target: TargetIdentity,
    private readonly opts: SeriesOptions,
  ) {
    this.targetJob = target.labels.get('job') ?? '';
    this.targetInstance = target.labels.get('instance') ?? '';
  }

  /** Number of series remembered (for tests and the bench). */
  get cachedSeries(): number {
    return this.cache.size;
  }

  /** The metadata of the current scrape, for help and unit. */
  metadataFor(name: string | undefined): Metadata | undefined {
    if (name === undefined) return undefined;
    return REPORT_METADATA[name] ?? this.metadata.get(name);
  }

  /**
   * A successful fetch: appends the exposition, or returns why the whole
   * scrape is invalid (nothing appended then; call fail()).
   */
  append(
    exp: Exposition,
    scrapeMs: number,
  ): { ok: true; touched: Touched; stats: ScrapeStats } | { ok: false; error: string; stats: ScrapeStats } {
    if (this.lastGcMs === 0) this.lastGcMs = scrapeMs;
    this.setMetadata(exp.metadata);
    const series = exp.series;
    const n = series.length;
    const t = this.table;
    const keys = t.keys;
    let added = 0;
    let seriesAdded = 0;
    // Expositions list their series in the same order scrape after scrape:
    // comparing with the previous scrape's series at the same position is a
    // pointer comparison (the parser hands back the previous string), cheaper
    // than hashing the text for a map lookup. While the order is the same, the
    // previous scrape's series list serves as this one's.
    const last = this.lastOrder;
    let entries = last;
    let sameOrder = true;
    for (let i = 0; i < n; i++) {
      const key = series[i];
      let e = i < last.length && keys[last[i]] === key ? last[i] : -1;
      if (e < 0 || !sameOrder) {
        if (sameOrder) {
          sameOrder = false;
          entries = new Int32Array(n);
          entries.set(last.subarray(0, i));
        }
        if (e < 0) e = this.cache.get(key) ?? -1;
        if (e < 0) {
          e = t.add(detach(key), false);
          this.resolve(e);
          this.cache.set(keys[e], e);
          if ((t.flags[e] & DROPPED) === 0 && !t.errors.has(e)) seriesAdded++;
        }
        entries[i] = e;
      }
      if (t.errors.size > 0 && t.errors.has(e))
        return {
          ok: false,
          error: t.errors.get(e) as string,
          stats: { samplesScraped: i + 1, samplesPostRelabel: added, seriesAdded },
        };
      if ((t.flags[e] & DROPPED) === 0) added++;
    }
    if (sameOrder && n !== last.length) {
      sameOrder = false;
      entries = last.slice(0, n);
    }
    if (!sameOrder) {
      this.lastOrder = entries;
      const lastKeys = new Array<string>(n);
      for (let i = 0; i < n; i++) lastKeys[i] = keys[entries[i]];
      this.lastKeys = lastKeys;
    }
    const stats = { samplesScraped: n, samplesPostRelabel: added, seriesAdded };
    if (this.opts.sampleLimit > 0 && added > this.opts.sampleLimit)
      return { ok: false, error: `sample limit exceeded (limit ${this.opts.sampleLimit})`, stats };
    const iter = this.begin();
    // the series fed, in order: the series list itself unless some are dropped or repeated
    let seen = entries;
    let seenCount = 0;
    let allFed = true;
    const { values, timestampsMs, exemplars } = exp;
    const honor = this.opts.honorTimestamps;
    const flags = t.flags;
    const lastSeen = t.lastSeen;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if ((flags[e] & DROPPED) !== 0 || lastSeen[e] === iter) {
        // a repeated series keeps its first sample
        if (allFed) {
          allFed = false;
          seen = new Int32Array(n);
          seen.set(entries.subarray(0, i));
          seenCount = i;
        }
        continue;
      }
      lastSeen[e] = iter;
      if (!allFed) seen[seenCount++] = e;
      const ts = timestampsMs === undefined ? Number.NaN : timestampsMs[i];
      const explicit = honor && !Number.isNaN(ts);
      if (explicit) flags[e] |= EXPLICIT_TS;
      else flags[e] &= ~EXPLICIT_TS;
      this.feed(e, explicit ? ts : scrapeMs, values[i], false, exemplars?.get(i));
    }
    this.markStale(iter, scrapeMs, false);
    this.prevSeen = allFed ? seen : seen.subarray(0, seenCount);
    this.prevReport = [];
    this.settle();
    return { ok: true, touched: { families: this.touched, iter }, stats };
  }

  /** A failed scrape: every series of the last scrape goes stale. */
  fail(scrapeMs: number): Touched {
    const iter = this.begin();
    this.markStale(iter, scrapeMs, false);
    this.prevSeen = new Int32Array(0);
    this.prevReport = [];
    this.settle();
    return { families: this.touched, iter };
  }

  /** The target went away: staleness markers for everything, the report series included. */
  endOfRun(staleMs: number): Touched {
    const iter = this.begin();
    this.markStale(iter, staleMs, true);
    this.prevSeen = new Int32Array(0);
    this.prevReport = [];
    this.settle();
    return { families: this.touched, iter };
  }

  /** Adds the up / scrape_* series for the current scrape (after append or fail). */
  report(scrapeMs: number, r: ScrapeReport, stats: ScrapeStats | undefined): void {
    const values: [string, number][] = [
      ['up', r.up ? 1 : 0],
      ['scrape_duration_seconds', r.durationSeconds],
      ['scrape_samples_scraped', stats?.samplesScraped ?? 0],
      ['scrape_samples_post_metric_relabeling', stats?.samplesPostRelabel ?? 0],
      ['scrape_series_added', stats?.seriesAdded ?? 0],
    ];
    if (r.extra)
      values.push(
        ['scrape_timeout_seconds', r.extra.timeoutSeconds],
        ['scrape_sample_limit', r.extra.sampleLimit],
        ['scrape_body_size_bytes', r.extra.bodySizeBytes],
      );
    for (const [name, v] of values) {
      const e = this.reportEntry(name);
      this.table.lastSeen[e] = this.iter;
      this.prevReport.push(e);
      this.feed(e, scrapeMs, v, false, undefined);
    }
    this.settle();
  }

  /**
   * After the feeds of a scrape: the touched families' groups, and their
   * buckets, cut to this scrape's (they are filled in place; see FamilyState).
   */
  private settle(): void {
    for (const fam of this.touched) {
      const groups = fam.groups;
      if (groups.length !== fam.count) groups.length = fam.count;
      if (fam.kind === 'histogram' || fam.kind === 'summary')
        for (let i = 0; i < groups.length; i++) {
          const g = groups[i];
          if (g instanceof DistributionState) g.settle();
        }
    }
  }

  private begin(): number {
    const iter = ++this.iter;
    this.touched = [];
    return iter;
  }

  /** Staleness markers for the series of the last scrape that this one did not have. */
  private markStale(iter: number, ms: number, includeReport: boolean): void {
    const track = this.opts.trackTimestampsStaleness;
    const { flags, lastSeen } = this.table;
    const stale = (e: number) => {
      if (lastSeen[e] === iter) return;
      if ((flags[e] & REPORT) !== 0 && !includeReport) return;
      if ((flags[e] & EXPLICIT_TS) !== 0 && !track) return;
      this.feed(e, ms, 0, true, undefined);
    };
    const prev = this.prevSeen;
    for (let i = 0; i < prev.length; i++) stale(prev[i]);
    const report = this.prevReport;
    for (let i = 0; i < report.length; i++) stale(report[i]);
    this.gc(ms);
  }

  /**
   * Metadata is remembered across scrapes (like Prometheus's scrape cache),
   * so the staleness markers of a family that vanished keep its type. A
   * change of type or unit, or metadata forgotten after 10 scrapes without
   * it, reclassifies the cached series.
   */
  private setMetadata(md: ReadonlyMap<string, Metadata>): void {
    const iter = this.iter + 1;
    let changed = false;
    for (const [name, m] of md) {
      const old = this.metadata.get(name);
      if (!old || old.type !== m.type || old.unit !== m.unit) changed = true;
      this.metadata.set(name, m);
      this.metadataIter.set(name, iter);
    }
    if (this.metadata.size > md.size)
      for (const [name, seen] of this.metadataIter)
        if (iter - seen > METADATA_KEEP_SCRAPES) {
          this.metadata.delete(name);
          this.metadataIter.delete(name);
          changed = true;
        }
    if (changed) this.epoch++;
  }

  /** The final labels of a series from its text: dropped, an error, or the sorted labels. */
  private labelsOf(key: string): { dropped: true } | { error: string } | { labels: [string, string][] } {
    const { name, labels: pairs } = parseSeries(key);
    const lset: Labels = new Map();
    lset.set('__name__', name);
    for (const [k, v] of pairs) {
      if (lset.has(k)) return { error: `invalid sample: non-unique label names: "${k}"` };
      if (v !== '') lset.set(k, v);
    }
    this.mergeTargetLabels(lset);
    if (this.opts.metricRelabel.length > 0 && !relabel(lset, this.opts.metricRelabel))
      return { dropped: true };
    if (lset.size === 0) return { dropped: true };
    if (!lset.has('__name__')) return { error: 'metric name label __name__ is missing after relabeling' };
    const limitError = this.checkLimits(lset);
    if (limitError) return { error: limitError };
    for (const [k, v] of this.opts.externalLabels) lset.set(k, v);
    return { labels: [...lset].sort(byName) };
  }

  /** Works out what a series is: dropped, invalid, or its point (classification against the metadata). */
  private resolve(e: number, labels?: [string, string][]): void {
    let ls = labels;
    if (!ls) {
      const r = this.labelsOf(this.table.keys[e]);
      if ('dropped' in r) {
        this.table.flags[e] |= DROPPED;
        return;
      }
      if ('error' in r) {
        this.table.errors.set(e, r.error);
        return;
      }
      ls = r.labels;
    }
    this.classifyEntry(e, ls);
  }

  private reportEntry(name: string): number {
    let e = this.reportEntries.get(name);
    if (e !== undefined) return e;
    // mutateReportSampleLabels: the target's labels win over anything exposed
    const lset: Labels = new Map(this.target.labels);
    lset.set('__name__', name);
    for (const [k, v] of this.opts.externalLabels) lset.set(k, v);
    e = this.table.add(name, true);
    this.table.labels.set(e, [...lset].sort(byName));
    this.reportEntries.set(name, e);
    return e;
  }

  /** mutateSampleLabels: honor_labels keeps exposed values; otherwise the target's win and exposed ones become exported_*. */
  private mergeTargetLabels(lset: Labels): void {
    const target = this.target.labels;
    if (this.opts.honorLabels) {
      for (const [k, v] of target) if (!lset.has(k)) lset.set(k, v);
      return;
    }
    let conflicts: [string, string][] | undefined;
    let exposed: Labels | undefined;
    for (const [k, v] of target) {
      const existing = lset.get(k);
      if (existing !== undefined) {
        exposed ??= new Map(lset);
        conflicts ??= [];
        conflicts.push([k, existing]);
      }
      lset.set(k, v);
    }
    if (!conflicts || !exposed) return;
    conflicts.sort((a, b) => a[0].length - b[0].length);
    const renamed: string[] = [];
    for (const c of conflicts) {
      let name = c[0];
      for (;;) {
        name = `exported_${name}`;
        if (!exposed.has(name) && !target.has(name) && !renamed.includes(name)) break;
      }
      renamed.push(name);
      c[0] = name;
    }
    for (const [k, v] of conflicts) lset.set(k, v);
  }

  private checkLimits(lset: Labels): string | undefined {
    const o = this.opts;
    const metric = (lset.get('__name__') ?? '').slice(0, 50);
    if (o.labelLimit > 0 && lset.size > o.labelLimit)
      return `label_limit exceeded (metric: ${metric}, number of labels: ${lset.size}, limit: ${o.labelLimit})`;
    if (o.labelNameLengthLimit === 0 && o.labelValueLengthLimit === 0) return undefined;
    for (const [k, v] of lset) {
      if (o.labelNameLengthLimit > 0 && k.length > o.labelNameLengthLimit)
        return `label_name_length_limit exceeded (metric: ${metric}, label name: ${k.slice(0, 50)}, length: ${k.length}, limit: ${o.labelNameLengthLimit})`;
      if (o.labelValueLengthLimit > 0 && v.length > o.labelValueLengthLimit)
        return `label_value_length_limit exceeded (metric: ${metric}, label name: ${k.slice(0, 50)}, value: ${JSON.stringify(v.slice(0, 50))}, length: ${v.length}, limit: ${o.labelValueLengthLimit})`;
    }
    return undefined;
  }

  /** Adds one sample (or its staleness marker) to its point. */
  private feed(
    e: number,
    timeMs: number,
    value: number,
    stale: boolean,
    ex: ParsedExemplar | undefined,
  ): void {
    const t = this.table;
    if (t.epoch[e] !== this.epoch) {
      if ((t.flags[e] & REPORT) !== 0) this.classifyEntry(e, t.labels.get(e) as [string, string][]);
      else this.resolve(e, t.labels.get(e));
    }
    if (t.special[e] !== Special.None) {
      if (!stale) this.special(e);
      return;
    }
    const g = t.groups[e] as GroupState;
    const fam = g.family;
    if (fam.iter !== this.iter) {
      fam.iter = this.iter;
      fam.count = 0;
      this.touched.push(fam);
      fam.lastSeenIter = fam.scope.lastSeenIter = fam.scope.resource.lastSeenIter = this.iter;
    }
    if (g.iter !== this.iter) {
      g.begin(this.iter);
      const c = fam.count++;
      if (c < fam.groups.length) fam.groups[c] = g;
      else fam.groups.push(g);
      g.timeMs = timeMs;
      g.lastSeenIter = this.iter;
    }
    if (stale) g.flags |= STALE;
    switch (t.role[e]) {
      case VALUE:
        g.otlpName = t.otlpNames[e];
        g.value = value;
        g.flags |= HAS_VALUE;
        g.timeMs = timeMs;
        break;
      case COUNT:
        (g as DistributionState).count = value;
        g.flags |= HAS_COUNT;
        g.timeMs = timeMs; // the count's timestamp is the point's (metricfamily.go)
        break;
      case SUM:
        (g as DistributionState).sum = value;
        g.flags |= HAS_SUM;
        break;
      case CREATED:
        if (!stale) g.createdSeconds = value;
        break;
      case BUCKET:
      case QUANTILE: {
        // no or a bad le / quantile label: the collector skips the sample ("failed to add datapoint")
        const boundary = t.boundary[e];
        if (Number.isNaN(boundary)) break;
        (g as DistributionState).addBucket(boundary, stale ? 0 : value);
        break;
      }
    }
    if (ex) {
      g.exemplars ??= [];
      g.exemplars.push(ex);
    }
  }

  private special(e: number): void {
    const labels = this.table.labels.get(e) as [string, string][];
    const res = this.resourceFor(labels);
    if (res.infoIter !== this.iter) {
      res.infoIter = this.iter;
      res.info = [];
      res.scopeInfo.clear();
    }
    if (this.table.special[e] === Special.TargetInfo) {
      for (const [k, v] of labels)
        if (k !== 'job' && k !== 'instance' && k !== '__name__') res.info.push([k, v]);
      return;
    }
    // otel_scope_info: its other labels are attributes of the scope it names
    let scopeName = '';
    let scopeVersion = '';
    let scopeSchema = '';
    const attrs: [string, string][] = [];
    for (const [k, v] of labels) {
      if (k === 'job' || k === 'instance' || k === '__name__') continue;
      if (k === 'otel_scope_name') scopeName = v;
      else if (k === 'otel_scope_version') scopeVersion = v;
      else if (k === 'otel_scope_schema_url') scopeSchema = v;
      else attrs.push([k, v]);
    }
    res.scopeInfo.set(`${scopeName}\u000f${scopeVersion}\u000f${scopeSchema}`, attrs);
  }

  private classifyEntry(e: number, labels: [string, string][]): void {
    const t = this.table;
    t.epoch[e] = this.epoch;
    const name = nameOf(labels);
    const isReport = (t.flags[e] & REPORT) !== 0;
    if ((name === 'target_info' || name === 'otel_scope_info') && !isReport) {
      t.special[e] = name === 'target_info' ? Special.TargetInfo : Special.ScopeInfo;
      t.labels.set(
        e,
        labels.map(([k, v]) => [detach(k), detach(v)]),
      );
      t.groups[e] = undefined;
      return;
    }
    t.special[e] = Special.None;
    const c = classify(name, this.metadata, isReport || REPORT_METADATA[name] !== undefined);
    t.role[e] = roleCode(c.role);
    t.otlpNames[e] = this.intern(c.otlpName);
    const drop = c.kind === 'histogram' ? 'le' : c.kind === 'summary' ? 'quantile' : '';
    if (c.role === 'bucket' || c.role === 'quantile') {
      const b = labels.find((l) => l[0] === drop)?.[1];
      t.boundary[e] = b === undefined ? Number.NaN : parseBoundary(b);
    }
    const attrs: string[] = [];
    let scopeName = '';
    let scopeVersion = '';
    let scopeSchema = '';
    let scopeAttrs: [string, string][] | undefined;
    for (const [k, v] of labels) {
      if (NOT_ATTRIBUTES.has(k) || k === drop || v === '') continue;
      if (k.startsWith('otel_scope_')) {
        if (k === 'otel_scope_name') scopeName = v;
        else if (k === 'otel_scope_version') scopeVersion = v;
        else if (k === 'otel_scope_schema_url') scopeSchema = v;
        else {
          scopeAttrs ??= [];
          scopeAttrs.push([detach(k.slice('otel_scope_'.length)), detach(v)]);
        }
        continue;
      }
      attrs.push(this.intern(k), this.intern(v));
    }
    const res = this.resourceFor(labels);
    const scopeKey = `${res.job}\u00ff${res.instance}\u00ff${scopeName}\u000f${scopeVersion}\u000f${scopeSchema}\u000f${(scopeAttrs ?? []).join('\u0001')}`;
    let scope = this.scopes.get(scopeKey);
    if (!scope) {
      scope = new ScopeState(
        res,
        detach(scopeName),
        detach(scopeVersion),
        detach(scopeSchema),
        scopeAttrs ?? [],
      );
      this.scopes.set(scopeKey, scope);
    }
    const famKey = `${scopeKey}\u00fe${c.kind}\u00fe${c.familyKey}`;
    let fam = this.families.get(famKey);
    if (!fam) {
      fam = new FamilyState(scope, detach(c.familyKey), c.kind, c.metadataName && detach(c.metadataName));
      this.families.set(famKey, fam);
    }
    const id = hashParts([famKey, ...attrs]);
    let g = this.groups.get(id);
    if (!g || g.family !== fam) {
      const distribution = c.kind === 'histogram' || c.kind === 'summary';
      // kept for as long as the series lives: an exact-size copy (a pushed-to array has slack)
      const own = attrs.slice();
      g = distribution
        ? new DistributionState(fam, own, this.numbers)
        : new GroupState(fam, own, this.numbers);
      this.groups.set(id, g);
    }
    t.groups[e] = g;
  }

  private resourceFor(labels: [string, string][]): ResourceState {
    let job = this.targetJob;
    let instance = this.targetInstance;
    for (const [k, v] of labels) {
      if (k === 'job') job = v;
      else if (k === 'instance') instance = v;
    }
    const key = `${job}\u00ff${instance}`;
    let r = this.resources.get(key);
    if (!r) {
      r = new ResourceState(detach(job), detach(instance));
      this.resources.set(key, r);
    }
    return r;
  }

  /**
   * Forgets what was not seen for gcMs (the collector's JobsMap gc), checked
   * at most once per gcMs. Times are kept as scrape iterations (small integers
   * cost no memory of their own); gcIters maps them back to time.
   */
  private gc(nowMs: number): void {
    this.iterTimes.push([this.iter, nowMs]);
    if (nowMs - this.lastGcMs < this.opts.gcMs) return;
    this.lastGcMs = nowMs;
    const limit = nowMs - this.opts.gcMs;
    // the oldest iteration that is still recent
    let keepFrom = this.iter;
    for (const [it, ms] of this.iterTimes)
      if (ms >= limit) {
        keepFrom = it;
        break;
      }
    this.iterTimes = this.iterTimes.filter(([it]) => it >= keepFrom);
    const t = this.table;
    const lastSeen = t.lastSeen;
    // the last exposition's series are looked up before the cache: a forgotten one
    // must not come back through them with its old point (and start time), nor its
    // number, given to a new series, be taken for it
    if (this.lastOrder.some((e) => lastSeen[e] < keepFrom)) {
      this.lastOrder = new Int32Array(0);
      this.lastKeys = [];
    }
    for (const [k, e] of this.cache)
      if (lastSeen[e] < keepFrom) {
        this.cache.delete(k);
        t.release(e);
      }
    // a forgotten group's series are forgotten too (they were last seen no later): its slot is free
    for (const [k, g] of this.groups)
      if (g.lastSeenIter < keepFrom) {
        this.groups.delete(k);
        this.numbers.release(g.slot);
      }
    for (const [k, f] of this.families) if (f.lastSeenIter < keepFrom) this.families.delete(k);
    for (const [k, s] of this.scopes) if (s.lastSeenIter < keepFrom) this.scopes.delete(k);
    for (const [k, r] of this.resources) if (r.lastSeenIter < keepFrom) this.resources.delete(k);
    if (this.interned.size > 2 * this.cache.size + 1000) this.interned.clear();
  }

  /** One copy of each label name and value (they repeat across series), detached from the scraped body. */
  private intern(s: string): string {
    let v = this.interned.get(s);
    if (v === undefined) {
      v = detach(s);
      this.interned.set(v, v);
    }
    return v;
  }
}

function nameOf(labels: [string, string][]): string {
  for (const [k, v] of labels) if (k === '__name__') return v;
  return '';
}

/** The le / quantile label as Go's ParseFloat reads it; NaN when it does not parse. */
function parseBoundary(v: string): number {
  return parseGoFloat(v) ?? Number.NaN;
}
