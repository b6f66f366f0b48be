// The scrape loop's appender and the collector's transaction in one: turns
// each scrape of a target into OTLP metrics, remembering series between
// scrapes for staleness markers, scrape_series_added and start times.
//
// Per sample, as Prometheus's scrape loop does (scrape/scrape.go): the
// target's labels are merged in (honor_labels, or conflicts renamed
// `exported_<name>`), metric_relabel_configs run, label limits apply, and a
// series that disappears gets a staleness marker. Then as the collector's
// receiver does (internal/transaction.go): external labels are set, target_info
// becomes resource attributes, otel_scope_* labels the scope, job/instance the
// resource, and samples are assembled into points.
import { parseGoFloat, parseSeries } from '../exposition/parser.js';
import type { Exposition, Metadata, Sample } from '../exposition/types.js';
import type { RelabelRule } from '../relabel/config.js';
import { type Labels, relabel } from '../relabel/relabel.js';
import { classify, REPORT_METADATA } from './classify.js';
import { FamilyState, GroupState, ResourceState, ScopeState, SeriesEntry } from './state.js';

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

/** A series seen in this scrape (or stale now), with its value and time. */
export interface Touched {
  families: FamilyState[];
  iter: number;
}

/** Scrapes a family's metadata outlives its last appearance (Prometheus's scrape cache keeps it 10). */
const METADATA_KEEP_SCRAPES = 10;

const NOT_ATTRIBUTES = new Set(['__name__', 'job', 'instance', '__scheme__', '__metrics_path__']);

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class TargetSeries {
  iter = 0;
  private readonly cache = new Map<string, SeriesEntry>();
  private readonly reportEntries = new Map<string, SeriesEntry>();
  private readonly groups = new Map<string, GroupState>();
  private readonly families = new Map<string, FamilyState>();
  private readonly scopes = new Map<string, ScopeState>();
  private readonly resources = new Map<string, ResourceState>();
  /** Series of the last scrape: the candidates for staleness markers. */
  private prevSeen: SeriesEntry[] = [];
  private epoch = 0;
  private readonly metadata = new Map<string, Metadata>();
  private readonly metadataIter = new Map<string, number>();
  private lastGcMs = 0;
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
    this.setMetadata(exp.metadata);
    const samples = exp.samples;
    const entries: SeriesEntry[] = new Array(samples.length);
    let added = 0;
    let seriesAdded = 0;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      let e = this.cache.get(s.series);
      if (e === undefined) {
        e = this.newEntry(s);
        this.cache.set(s.series, e);
        if (!e.dropped && e.error === undefined) seriesAdded++;
      }
      if (e.error !== undefined)
        return {
          ok: false,
          error: e.error,
          stats: { samplesScraped: i + 1, samplesPostRelabel: added, seriesAdded },
        };
      entries[i] = e;
      if (!e.dropped) added++;
    }
    const stats = { samplesScraped: samples.length, samplesPostRelabel: added, seriesAdded };
    if (this.opts.sampleLimit > 0 && added > this.opts.sampleLimit)
      return { ok: false, error: `sample limit exceeded (limit ${this.opts.sampleLimit})`, stats };
    const iter = this.begin();
    const seen: SeriesEntry[] = [];
    for (let i = 0; i < samples.length; i++) {
      const e = entries[i];
      if (e.dropped || e.lastSeenIter === iter) continue; // a repeated series keeps its first sample
      e.lastSeenIter = iter;
      e.lastSeenMs = scrapeMs;
      seen.push(e);
      const s = samples[i];
      const explicit = this.opts.honorTimestamps && s.timestampMs !== undefined;
      e.explicitTs = explicit;
      this.feed(e, explicit ? (s.timestampMs as number) : scrapeMs, s.value, false, s);
    }
    this.markStale(iter, scrapeMs, false);
    this.prevSeen = seen;
    return { ok: true, touched: { families: this.touched, iter }, stats };
  }

  /** A failed scrape: every series of the last scrape goes stale. */
  fail(scrapeMs: number): Touched {
    const iter = this.begin();
    this.markStale(iter, scrapeMs, false);
    this.prevSeen = [];
    return { families: this.touched, iter };
  }

  /** The target went away: staleness markers for everything, the report series included. */
  endOfRun(staleMs: number): Touched {
    const iter = this.begin();
    this.markStale(iter, staleMs, true);
    this.prevSeen = [];
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
      e.lastSeenIter = this.iter;
      e.lastSeenMs = scrapeMs;
      this.prevSeen.push(e);
      this.feed(e, scrapeMs, v, false, undefined);
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
    for (const e of this.prevSeen) {
      if (e.lastSeenIter === iter) continue;
      if (e.isReport && !includeReport) continue;
      if (e.explicitTs && !track) continue;
      this.feed(e, ms, 0, true, undefined);
    }
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

  private newEntry(s: Sample): SeriesEntry {
    const { labels: pairs } = parseSeries(s.series);
    const lset: Labels = new Map();
    lset.set('__name__', s.name);
    for (const [k, v] of pairs) {
      if (lset.has(k))
        return new SeriesEntry(false, `invalid sample: non-unique label names: "${k}"`, [], false);
      if (v !== '') lset.set(k, v);
    }
    this.mergeTargetLabels(lset);
    if (this.opts.metricRelabel.length > 0 && !relabel(lset, this.opts.metricRelabel))
      return new SeriesEntry(true, undefined, [], false);
    if (lset.size === 0) return new SeriesEntry(true, undefined, [], false);
    if (!lset.has('__name__'))
      return new SeriesEntry(false, 'metric name label __name__ is missing after relabeling', [], false);
    const limitError = this.checkLimits(lset);
    if (limitError) return new SeriesEntry(false, limitError, [], false);
    for (const [k, v] of this.opts.externalLabels) lset.set(k, v);
    return new SeriesEntry(false, undefined, [...lset].sort(byName), false);
  }

  private reportEntry(name: string): SeriesEntry {
    let e = this.reportEntries.get(name);
    if (e) return e;
    // mutateReportSampleLabels: the target's labels win over anything exposed
    const lset: Labels = new Map(this.target.labels);
    lset.set('__name__', name);
    for (const [k, v] of this.opts.externalLabels) lset.set(k, v);
    e = new SeriesEntry(false, undefined, [...lset].sort(byName), true);
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
    const exposed = new Map(lset);
    for (const [k, v] of target) {
      const existing = lset.get(k);
      if (existing !== undefined) {
        conflicts ??= [];
        conflicts.push([k, existing]);
      }
      lset.set(k, v);
    }
    if (!conflicts) return;
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
  private feed(e: SeriesEntry, timeMs: number, value: number, stale: boolean, s: Sample | undefined): void {
    if (e.epoch !== this.epoch) this.classifyEntry(e);
    if (e.group === undefined) {
      // target_info / otel_scope_info
      if (!stale) this.special(e, nameOf(e.labels));
      return;
    }
    const g = e.group as GroupState;
    const fam = g.family;
    if (fam.iter !== this.iter) {
      fam.iter = this.iter;
      fam.groups = [];
      this.touched.push(fam);
      fam.lastSeenMs = fam.scope.lastSeenMs = fam.scope.resource.lastSeenMs = timeMs;
    }
    if (g.iter !== this.iter) {
      g.begin(this.iter);
      fam.groups.push(g);
      g.timeMs = timeMs;
      g.lastSeenMs = timeMs;
    }
    if (stale) g.stale = true;
    switch (e.role) {
      case 'value':
        g.otlpName = e.otlpName;
        g.value = value;
        g.hasValue = true;
        g.timeMs = timeMs;
        break;
      case 'count':
        g.count = value;
        g.hasCount = true;
        g.timeMs = timeMs; // the count's timestamp is the point's (metricfamily.go)
        break;
      case 'sum':
        g.sum = value;
        g.hasSum = true;
        break;
      case 'created':
        if (!stale) g.createdSeconds = value;
        break;
      case 'bucket':
      case 'quantile':
        // no or a bad le / quantile label: the collector skips the sample ("failed to add datapoint")
        if (Number.isNaN(e.boundary)) break;
        g.bounds.push(e.boundary);
        g.boundValues.push(stale ? 0 : value);
        break;
    }
    if (s?.exemplar) g.exemplars.push(s.exemplar);
  }

  private special(e: SeriesEntry, name: string): void {
    const res = this.resourceFor(e.labels);
    if (res.infoIter !== this.iter) {
      res.infoIter = this.iter;
      res.info = [];
      res.scopeInfo.clear();
    }
    if (name === 'target_info') {
      for (const [k, v] of e.labels)
        if (k !== 'job' && k !== 'instance' && k !== '__name__') res.info.push([k, v]);
      return;
    }
    // otel_scope_info: its other labels are attributes of the scope it names
    let scopeName = '';
    let scopeVersion = '';
    let scopeSchema = '';
    const attrs: [string, string][] = [];
    for (const [k, v] of e.labels) {
      if (k === 'job' || k === 'instance' || k === '__name__') continue;
      if (k === 'otel_scope_name') scopeName = v;
      else if (k === 'otel_scope_version') scopeVersion = v;
      else if (k === 'otel_scope_schema_url') scopeSchema = v;
      else attrs.push([k, v]);
    }
    res.scopeInfo.set(`${scopeName}\u000f${scopeVersion}\u000f${scopeSchema}`, attrs);
  }

  private classifyEntry(e: SeriesEntry): void {
    e.epoch = this.epoch;
    const labels = e.labels;
    const name = nameOf(labels);
    if ((name === 'target_info' || name === 'otel_scope_info') && !e.isReport) {
      e.role = 'value';
      e.group = undefined;
      return;
    }
    const c = classify(name, this.metadata, e.isReport || REPORT_METADATA[name] !== undefined);
    e.role = c.role;
    e.otlpName = c.otlpName;
    const drop = c.kind === 'histogram' ? 'le' : c.kind === 'summary' ? 'quantile' : '';
    if (drop) {
      const b = labels.find((l) => l[0] === drop)?.[1];
      if ((c.role === 'bucket' || c.role === 'quantile') && b !== undefined) e.boundary = parseBoundary(b);
      else if (c.role === 'bucket' || c.role === 'quantile') e.boundary = Number.NaN;
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
          scopeAttrs.push([k.slice('otel_scope_'.length), v]);
        }
        continue;
      }
      attrs.push(k, v);
    }
    const res = this.resourceFor(labels);
    const scopeKey = `${res.job}\u00ff${res.instance}\u00ff${scopeName}\u000f${scopeVersion}\u000f${scopeSchema}\u000f${(scopeAttrs ?? []).join('\u0001')}`;
    let scope = this.scopes.get(scopeKey);
    if (!scope) {
      scope = new ScopeState(res, scopeName, scopeVersion, scopeSchema, scopeAttrs ?? []);
      this.scopes.set(scopeKey, scope);
    }
    const famKey = `${scopeKey}\u00fe${c.kind}\u00fe${c.familyKey}`;
    let fam = this.families.get(famKey);
    if (!fam) {
      fam = new FamilyState(scope, c.familyKey, c.kind, c.metadataName);
      this.families.set(famKey, fam);
    }
    const groupKey = `${famKey}\u00fd${attrs.join('\u0000')}`;
    let g = this.groups.get(groupKey);
    if (!g) {
      g = new GroupState(fam, attrs);
      this.groups.set(groupKey, g);
    }
    e.group = g;
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
      r = new ResourceState(job, instance);
      this.resources.set(key, r);
    }
    return r;
  }

  /** Forgets what was not seen for gcMs (the collector's JobsMap gc), at most once per gcMs. */
  private gc(nowMs: number): void {
    if (nowMs - this.lastGcMs < this.opts.gcMs) return;
    const before = nowMs - this.opts.gcMs;
    this.lastGcMs = nowMs;
    for (const [k, e] of this.cache)
      if (e.lastSeenMs < before && e.lastSeenIter !== this.iter) this.cache.delete(k);
    for (const [k, g] of this.groups) if (g.lastSeenMs < before) this.groups.delete(k);
    for (const [k, f] of this.families) if (f.lastSeenMs < before) this.families.delete(k);
    for (const [k, s] of this.scopes) if (s.lastSeenMs < before) this.scopes.delete(k);
    for (const [k, r] of this.resources) if (r.lastSeenMs < before) this.resources.delete(k);
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
