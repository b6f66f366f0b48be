// OTLP metrics → remote write 1.0 requests (prompb WriteRequest, snappy), in one
// pass: each data point's series go straight from its attributes into one reused
// protobuf buffer (labels replayed from a per-scope plan, see label-plan.ts), and
// every max_batch_size_bytes of series is cut off and compressed as it fills, so
// the buffer holds one request at most. The translation is the specification's
// as src/translator/prometheus/to-prometheus-series.ts (otlpToSeries) models it;
// the tests check this encoder against that model.
//
// A series (metric name + labels) may come more than once in one OTLP request
// (two exports of an SDK merged into one batch, two scopes with the same labels).
// Remote write wants its samples in one time series in time order, so a pass
// that finds a repeated label set (by a 64-bit hash of its encoded labels)
// starts over in merge mode: everything is encoded into the buffer first, then
// series with equal labels (compared byte for byte) are merged, their samples
// sorted by time, before the requests are cut.
import { compressSync } from 'snappy';
import {
  type HistogramPointColumns,
  histogramPointColumns,
  numberPointColumns,
} from '../../src/pdata/lazy-points.js';
import type { KeyValue, Metric, MetricsData } from '../../src/pdata/types.js';
import { buildMetricName, prometheusUnit } from '../../src/translator/prometheus/normalize-name.js';
import { type ScopeLabelBase, scopeLabelBase } from '../../src/translator/prometheus/to-prometheus-labels.js';
import {
  type NativeHistogram,
  toNativeHistogram,
} from '../../src/translator/prometheus/to-prometheus-native-histogram.js';
import {
  formatBound,
  isMetricKind,
  type MetricKind,
  metadataType,
  metricKind,
  NO_RECORDED_VALUE,
  type PromExemplar,
  type PromMetadata,
  type SeriesSettings,
  targetInfo,
  toPromExemplars,
  withLabel,
} from '../../src/translator/prometheus/to-prometheus-series.js';
import { labelHash } from './label-hash.js';
import {
  encodeLabel,
  type LabelPlan,
  labelsHash,
  ScopeLabels,
  writeLabelPairs,
  writePlanLabels,
  writePlanLabelsFlat,
  writePlanLabelsFlatAround,
} from './label-plan.js';
import { ProtoWriter } from './proto-writer.js';
import {
  BUCKET_H1,
  BUCKET_H2,
  COUNT_H1,
  COUNT_H2,
  COUNT_LENGTH,
  cacheId,
  type HistogramLabels,
  HROW as HROW_SIZE,
  PREFIX_LENGTH,
  SeriesLabelCache,
  SUM_LENGTH,
} from './series-cache.js';

export interface EncoderSettings extends SeriesSettings {
  /** max_batch_size_bytes: a request ends before the series that would take it past this. */
  maxBytes: number;
  /** send_metadata: MetricMetadata per family, in requests after the series. */
  sendMetadata: boolean;
}

/** The remote write requests of one OTLP request. */
export interface EncodedRequests {
  /** snappy-compressed WriteRequests, each at most maxBytes before compression (a larger series goes alone). */
  bodies: Buffer[];
  /** Samples (native histograms included) in each body. */
  samples: number[];
  /** Series written (after merging repeats). */
  series: number;
  sampleCount: number;
  /** Data points that cannot be written, and why (a few reasons). */
  dropped: number;
  reasons: string[];
}

/** WriteRequest.timeseries (length-delimited). */
const SERIES_TAG = 0x0a;
const EXEMPLAR_FIELD = 3;
const HISTOGRAM_FIELD = 4;
const METADATA_FIELD = 3;
/** Prometheus's stale marker, little-endian: the NaN 0x7ff0000000000002, written as bits (never through a double). */
const STALE_BYTES = Uint8Array.of(0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The reused buffer is given back when a request made it grow past this. */
const KEEP_BUFFER_BYTES = 8 * 1024 * 1024;

/** Resources + scopes, and metric names, the encoder remembers at most. */
const CACHE_ENTRIES = 4096;

/** Thrown by a streaming pass that meets a label set again: the request is encoded once more, merging. */
const REPEATED = new Error('a series repeats in the request');
/** Ints per slot of WriteRequestEncoder.seen. */
const SLOT = 4;

export class WriteRequestEncoder {
  readonly w = new ProtoWriter(256 * 1024);
  /**
   * Streaming pass: the 64-bit label hashes seen, open addressing, SLOT ints per
   * slot [gen, h1, h2, -] (a slot is taken when its gen is the pass's): one slot
   * is one cache line's quarter, so a probe of a table of 100k series costs one
   * cache miss (three separate arrays cost three: the most expensive line of the pass).
   */
  seen = new Int32Array(4096 * SLOT);
  gen = 0;

  /**
   * Kept across requests (an exporter sees the same resources, scopes and metrics
   * in every export): the label plans of a resource + scope, and metric names as
   * normalized. Cleared when they grow past CACHE_ENTRIES (churning resources).
   */
  private readonly scopes = new Map<string, ScopeLabels>();
  private readonly names = new Map<string, string>();
  private readonly families = new Map<string, MetricNames>();
  /** The labels of series written from point columns, by their series ref (series-cache.ts). */
  readonly seriesLabels = new SeriesLabelCache();
  /** A histogram's label parts as the pass reads them (one object, refilled per point). */
  readonly parts: HistogramParts = {
    chunk: new Uint8Array(0),
    offset: 0,
    length: 0,
    sumLength: 0,
    countLength: 0,
    prefixLength: 0,
    sumH1: 0,
    sumH2: 0,
    countH1: 0,
    countH2: 0,
    bucketH1: 0,
    bucketH2: 0,
  };
  /** A histogram's label bytes when the label cache does not keep them. */
  scratch = new Uint8Array(1024);

  constructor(readonly settings: EncoderSettings) {}

  /** The label plans of every series of one resource + scope. */
  scopeLabels(base: ScopeLabelBase): ScopeLabels {
    let key = base.job === undefined ? '\u0001' : `${base.job}\u0001`;
    key += base.instance === undefined ? '\u0001' : `${base.instance}\u0001`;
    for (const [k, v] of base.promoted) key += `${k}\u0000${v}\u0000`;
    key += '\u0001';
    for (const [k, v] of base.scope) key += `${k}\u0000${v}\u0000`;
    let labels = this.scopes.get(key);
    if (!labels) {
      if (this.scopes.size >= CACHE_ENTRIES) this.scopes.clear();
      labels = new ScopeLabels(base, this.settings);
      this.scopes.set(key, labels);
    }
    return labels;
  }

  /** A metric's series names and the plans derived for them, remembered. */
  metricNames(name: string, kind: MetricKind): MetricNames {
    const key = `${kind}\u0000${name}`;
    let out = this.families.get(key);
    if (!out) {
      if (this.families.size >= CACHE_ENTRIES) this.families.clear();
      out = new MetricNames(name, kind);
      this.families.set(key, out);
    }
    return out;
  }

  /** buildMetricName, remembered. */
  metricName(name: string, unit: string, type: 'counter' | 'gauge' | 'other'): string {
    const key = `${type}\u0000${unit}\u0000${name}`;
    let out = this.names.get(key);
    if (out === undefined) {
      if (this.names.size >= CACHE_ENTRIES) this.names.clear();
      const s = this.settings;
      out = buildMetricName(name, unit, type, s.namespace, s.addMetricSuffixes);
      this.names.set(key, out);
    }
    return out;
  }

  encode(md: MetricsData): EncodedRequests {
    try {
      return new Pass(this, md, false).run();
    } catch (err) {
      if (err !== REPEATED) throw err;
      return new Pass(this, md, true).run();
    } finally {
      this.w.pos = 0;
      this.w.shrink(KEEP_BUFFER_BYTES, 0);
    }
  }
}

/** Where a series' parts are in the buffer (merge mode). */
interface SeriesRecord {
  body: number;
  labels: number;
  samples: number;
  exemplars: number;
  histograms: number;
  ts: number;
  /** Samples + histograms. */
  count: number;
}

class Pass {
  private readonly w: ProtoWriter;
  private readonly s: EncoderSettings;
  private readonly bodies: Buffer[] = [];
  private readonly perBody: number[] = [];
  private segStart = 0;
  private segSamples = 0;
  private series = 0;
  private sampleCount = 0;
  private dropped = 0;
  private readonly reasons: string[] = [];
  private readonly metadata = new Map<string, PromMetadata>();
  private readonly records: SeriesRecord[] = [];
  private filled = 0;
  private lastNs = -1n;
  private lastMs = 0;

  constructor(
    private readonly enc: WriteRequestEncoder,
    private readonly md: MetricsData,
    private readonly merging: boolean,
  ) {
    this.w = enc.w;
    this.s = enc.settings;
    this.w.pos = 0;
    enc.seriesLabels.beginPass();
    enc.gen = (enc.gen + 1) | 0;
    if (enc.gen === 0) {
      enc.seen.fill(0);
      enc.gen = 1;
    }
  }

  run(): EncodedRequests {
    const s = this.s;
    for (const rm of this.md.resourceMetrics) {
      const rattrs = rm.resource.attributes;
      let latestMs = -1;
      let firstBase: ScopeLabelBase | undefined;
      for (const sm of rm.scopeMetrics) {
        const base = scopeLabelBase(rattrs, sm.scope, sm.schemaUrl, s);
        firstBase ??= base;
        const labels = this.enc.scopeLabels(base);
        for (const m of sm.metrics) {
          const t = this.metric(m, labels);
          if (t > latestMs) latestMs = t;
        }
      }
      if (s.targetInfo && latestMs >= 0 && firstBase) this.targetInfo(rattrs, firstBase, latestMs);
    }
    if (this.merging) this.mergeAndCut();
    else this.cut(this.w.pos);
    if (s.sendMetadata) this.writeMetadata();
    return {
      bodies: this.bodies,
      samples: this.perBody,
      series: this.series,
      sampleCount: this.sampleCount,
      dropped: this.dropped,
      reasons: this.reasons,
    };
  }

  private drop(n: number, why: string): void {
    this.dropped += n;
    if (this.reasons.length < 5 && !this.reasons.includes(why)) this.reasons.push(why);
  }

  private ms(ns: bigint): number {
    if (ns !== this.lastNs) {
      this.lastNs = ns;
      this.lastMs = Number(ns / 1_000_000n);
    }
    return this.lastMs;
  }

  /** Writes one metric's series; returns its latest point time (ms), -1 without points. */
  private metric(m: Metric, scope: ScopeLabels): number {
    const s = this.s;
    const kind = metricKind(m);
    const body = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
    // a gauge's or counter's points kept as columns are written from them, never made
    const cols =
      body !== undefined && (kind === 'gauge' || kind === 'counter') ? numberPointColumns(body) : undefined;
    const hcols = body !== undefined && kind === 'histogram' ? histogramPointColumns(body) : undefined;
    const points = cols !== undefined || hcols !== undefined ? [] : (body?.dataPoints ?? []);
    const count = cols !== undefined ? cols.length : hcols !== undefined ? hcols.length : points.length;
    if (!isMetricKind(kind)) {
      if (count > 0) this.drop(count, kind);
      return -1;
    }
    const name = this.enc.metricName(
      m.name,
      m.unit,
      kind === 'counter' ? 'counter' : m.gauge ? 'gauge' : 'other',
    );
    if (name === '' || /^_+$/.test(name)) {
      this.drop(count, `metric name "${m.name}" normalizes to an invalid name`);
      return -1;
    }
    if (s.sendMetadata && !this.metadata.has(name))
      this.metadata.set(name, {
        type: metadataType(kind),
        family: name,
        help: m.description,
        unit: prometheusUnit(m.unit),
      });
    let latest = -1;
    const names = this.enc.metricNames(name, kind);
    if (cols !== undefined) {
      const refs = cols.refs;
      for (let i = 0; i < cols.length; i++) {
        const ts = this.ms(cols.timeUnixNano[i]);
        if (ts > latest) latest = ts;
        this.flatSeries(
          scope,
          names,
          cols.attrs[i],
          refs === undefined ? 0 : refs[i],
          cols.values[i],
          (cols.flags[i] & NO_RECORDED_VALUE) !== 0,
          ts,
        );
      }
      return latest;
    }
    if (hcols !== undefined) {
      for (let i = 0; i < hcols.length; i++) {
        const ts = this.ms(hcols.timeUnixNano[i]);
        if (ts > latest) latest = ts;
        this.histogramColumns(scope, names, hcols, i, ts);
      }
      return latest;
    }
    for (const p of points) {
      const ts = this.ms(p.timeUnixNano);
      if (ts > latest) latest = ts;
      const stale = (p.flags & NO_RECORDED_VALUE) !== 0;
      const plans = names.plansFor(scope.planFor(p.attributes));
      if (kind === 'gauge' || kind === 'counter') {
        const np = p as { asDouble?: number; asInt?: bigint; exemplars: PromExemplarSource };
        const value = np.asDouble ?? (np.asInt !== undefined ? Number(np.asInt) : 0);
        const exemplars =
          kind === 'counter' && np.exemplars.length > 0 && !stale ? toPromExemplars(np.exemplars) : undefined;
        this.numberSeries(plans.main, p.attributes, '', value, stale, ts, exemplars);
      } else if (kind === 'histogram') {
        this.histogram(plans, p as HistogramPoint, names, ts, stale);
      } else if (kind === 'summary') {
        const sp = p as SummaryPoint;
        this.numberSeries(plans.sum, p.attributes, '', sp.sum, stale, ts);
        this.numberSeries(plans.count, p.attributes, '', Number(sp.count), stale, ts);
        for (const q of sp.quantileValues)
          this.numberSeries(plans.quantile, p.attributes, formatBound(q.quantile), q.value, stale, ts);
      } else {
        const h = toNativeHistogram(p as Parameters<typeof toNativeHistogram>[0], ts, stale);
        if (typeof h === 'string') this.drop(1, h);
        else this.nativeSeries(plans.main, p.attributes, h);
      }
    }
    return latest;
  }

  /** _sum (when set), _count, then the cumulative _bucket{le} series and +Inf; exemplars on the first bucket holding them. */
  private histogram(
    plans: MetricPlans,
    p: HistogramPoint,
    names: MetricNames,
    ts: number,
    stale: boolean,
  ): void {
    const attrs = p.attributes;
    if (p.sum !== undefined) this.numberSeries(plans.sum, attrs, '', p.sum, stale, ts);
    this.numberSeries(plans.count, attrs, '', Number(p.count), stale, ts);
    const n = Math.min(p.explicitBounds.length, p.bucketCounts.length);
    const bounds = names.boundStrings(p.explicitBounds, n);
    // each exemplar goes to the bucket with the lowest bound that holds it (+Inf: index n)
    let target: number[] | undefined;
    let exemplars: PromExemplar[] | undefined;
    if (!stale && p.exemplars.length > 0) {
      exemplars = toPromExemplars(p.exemplars);
      target = exemplars.map((ex) => {
        if (Number.isNaN(ex.value)) return -1; // above no bound: in no bucket
        let best = n;
        let bestBound = Number.POSITIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const b = p.explicitBounds[i];
          // the lowest bound wins, the first of equal ones (an explicit +Inf before the implicit one)
          if (ex.value <= b && (b < bestBound || (b === bestBound && best === n))) {
            best = i;
            bestBound = b;
          }
        }
        return best;
      });
    }
    const mine = (i: number) => {
      if (!exemplars || !target) return undefined;
      const out = exemplars.filter((_, j) => target[j] === i);
      return out.length > 0 ? out : undefined;
    };
    // the running count as a number while it is exact (no bigint per bucket), as a bigint past 2^53
    let cumulative = 0;
    let big: bigint | undefined;
    for (let i = 0; i < n; i++) {
      const c = p.bucketCounts[i];
      if (big === undefined) {
        const next = cumulative + Number(c);
        if (c >= 0n && c <= MAX_SAFE && Number.isSafeInteger(next)) cumulative = next;
        else big = BigInt(cumulative) + c;
      } else big += c;
      const value = big === undefined ? cumulative : Number(big);
      this.numberSeries(plans.bucket, attrs, bounds[i], value, stale, ts, mine(i));
    }
    this.numberSeries(plans.bucket, attrs, '+Inf', Number(p.count), stale, ts, mine(n));
  }

  /** One series with one sample (and its exemplars). */
  private numberSeries(
    plan: LabelPlan,
    attrs: KeyValue[],
    extra: string,
    value: number,
    stale: boolean,
    ts: number,
    exemplars?: PromExemplar[],
  ): void {
    const w = this.w;
    const start = w.pos;
    const body = w.series(SERIES_TAG);
    const h1 = writePlanLabels(w, plan, attrs, extra);
    const h2 = labelsHash.h2;
    const labelsEnd = w.pos;
    w.sample(value, stale, ts);
    const samplesEnd = w.pos;
    if (exemplars) for (const ex of exemplars) writeExemplar(w, ex);
    const exemplarsEnd = w.pos;
    w.end2(body);
    this.finish(start, labelsEnd - body, samplesEnd - labelsEnd, exemplarsEnd - samplesEnd, 0, ts, h1, h2);
  }

  /**
   * numberSeries() for a point kept as columns: attributes flattened, no
   * exemplars. Its labels are copied as written last time for the same
   * attribute array, scope and metric (series-cache.ts), else written from the plan.
   */
  private flatSeries(
    scope: ScopeLabels,
    names: MetricNames,
    flat: readonly string[],
    ref: number,
    value: number,
    stale: boolean,
    ts: number,
  ): void {
    const w = this.w;
    const cache = this.enc.seriesLabels;
    const start = w.pos;
    const body = w.series(SERIES_TAG);
    let h1: number;
    let h2: number;
    const e = ref === 0 ? -1 : cache.find(ref, scope.cacheId, names.cacheId);
    if (e >= 0 && cache.histOf(e) < 0) {
      cache.write(w, e, 0, cache.lengthOf(e));
      h1 = cache.h1(e);
      h2 = cache.h2(e);
    } else {
      const plan = names.plansFor(scope.planForFlat(flat)).main;
      h1 = writePlanLabelsFlat(w, plan, flat, '');
      h2 = labelsHash.h2;
      if (ref !== 0) cache.store(ref, scope.cacheId, names.cacheId, w.buf, body, w.pos, h1, h2);
    }
    const labelsEnd = w.pos;
    w.sample(value, stale, ts);
    const samplesEnd = w.pos;
    w.end2(body);
    this.finish(start, labelsEnd - body, samplesEnd - labelsEnd, 0, 0, ts, h1, h2);
  }

  /**
   * histogram() for point i of histogram columns (no exemplars): the same
   * series, with the labels of its _sum, _count and _bucket series copied as
   * written last time for the same attribute array (series-cache.ts), only le
   * written between the bucket labels' two parts.
   */
  private histogramColumns(
    scope: ScopeLabels,
    names: MetricNames,
    cols: HistogramPointColumns,
    i: number,
    ts: number,
  ): void {
    const h = this.histogramLabels(scope, names, cols.attrs[i], cols.refs === undefined ? 0 : cols.refs[i]);
    const chunk = h.chunk;
    const stale = (cols.flags[i] & NO_RECORDED_VALUE) !== 0;
    const w = this.w;
    const sumAt = h.offset;
    const countAt = sumAt + h.sumLength;
    const prefixAt = countAt + h.countLength;
    const suffixAt = prefixAt + h.prefixLength;
    const suffixLength = h.length - h.sumLength - h.countLength - h.prefixLength;
    if (cols.hasSum[i] !== 0) {
      const start = w.pos;
      const body = w.series(SERIES_TAG);
      copy(w, chunk, sumAt, h.sumLength);
      this.closeSeries(start, body, cols.sum[i], stale, ts, h.sumH1, h.sumH2);
    }
    const count = cols.count[i];
    {
      const start = w.pos;
      const body = w.series(SERIES_TAG);
      copy(w, chunk, countAt, h.countLength);
      this.closeSeries(start, body, count, stale, ts, h.countH1, h.countH2);
    }
    const from = cols.bucketStart[i];
    const bounds = cols.explicitBounds[i];
    const n = Math.min(bounds.length, cols.bucketStart[i + 1] - from);
    const le = names.boundLabels(bounds, n);
    // the running count as in histogram(): a number while exact, a bigint past 2^53
    let cumulative = 0;
    let big: bigint | undefined;
    let prevPrefix = -1;
    let prevSuffix = -1;
    for (let j = 0; j <= n; j++) {
      let value: number;
      if (j < n) {
        const c = cols.bucketCounts[from + j];
        if (big === undefined) {
          const next = cumulative + c;
          if (Number.isSafeInteger(next)) cumulative = next;
          else big = BigInt(cumulative) + BigInt(c);
        } else big += BigInt(c);
        value = big === undefined ? cumulative : Number(big);
      } else value = count;
      const start = w.pos;
      const body = w.series(SERIES_TAG);
      const leBytes = le.bytes[j];
      if (prevSuffix < 0) {
        copy(w, chunk, prefixAt, h.prefixLength);
        w.raw(leBytes);
        copy(w, chunk, suffixAt, suffixLength);
      } else {
        // the parts around le are the previous bucket's, just written: copied within the buffer
        w.ensure(h.prefixLength + leBytes.length + suffixLength);
        w.buf.copyWithin(w.pos, prevPrefix, prevPrefix + h.prefixLength);
        w.pos += h.prefixLength;
        w.raw(leBytes);
        w.buf.copyWithin(w.pos, prevSuffix, prevSuffix + suffixLength);
        w.pos += suffixLength;
      }
      const sampleLength = this.closeSeries(
        start,
        body,
        value,
        stale,
        ts,
        (h.bucketH1 + le.h1[j]) | 0,
        (h.bucketH2 + le.h2[j]) | 0,
      );
      // where this series' parts are now (finish() may have moved it to the buffer's start): its sample ends it
      prevSuffix = w.pos - sampleLength - suffixLength;
      prevPrefix = prevSuffix - leBytes.length - h.prefixLength;
    }
  }

  /**
   * The labels of a histogram's series: as remembered for `ref` (series-cache.ts),
   * else written from the plans (after w.pos, then forgotten) and remembered, or
   * kept in the encoder's scratch bytes when they cannot be (no ref, a full cache).
   */
  private histogramLabels(
    scope: ScopeLabels,
    names: MetricNames,
    flat: readonly string[],
    ref: number,
  ): HistogramParts {
    const cache = this.enc.seriesLabels;
    const h = this.enc.parts;
    let e = ref === 0 ? -1 : cache.find(ref, scope.cacheId, names.cacheId);
    if (e < 0 || cache.histOf(e) < 0) {
      const w = this.w;
      const plans = names.plansFor(scope.planForFlat(flat));
      const at = w.pos;
      h.sumH1 = writePlanLabelsFlat(w, plans.sum, flat, '');
      h.sumH2 = labelsHash.h2;
      const countAt = w.pos;
      h.countH1 = writePlanLabelsFlat(w, plans.count, flat, '');
      h.countH2 = labelsHash.h2;
      const bucketAt = w.pos;
      h.bucketH1 = writePlanLabelsFlatAround(w, plans.bucket, flat);
      h.bucketH2 = labelsHash.h2;
      h.sumLength = countAt - at;
      h.countLength = bucketAt - countAt;
      h.prefixLength = labelsHash.extraAt - bucketAt;
      h.length = w.pos - at;
      e =
        ref === 0
          ? -1
          : cache.store(ref, scope.cacheId, names.cacheId, w.buf, at, w.pos, h.sumH1, h.sumH2, h);
      if (e < 0) {
        // not remembered: the bytes go to the scratch buffer, the writer's are overwritten next
        if (this.enc.scratch.length < h.length) this.enc.scratch = new Uint8Array(h.length * 2);
        this.enc.scratch.set(w.buf.subarray(at, w.pos));
        h.chunk = this.enc.scratch;
        h.offset = 0;
      }
      w.pos = at;
      if (e < 0) return h;
    }
    const x = cache.histOf(e) * HROW_SIZE;
    const hist = cache.hist;
    h.chunk = cache.chunkOf(e);
    h.offset = cache.offsetOf(e);
    h.length = cache.lengthOf(e);
    h.sumH1 = cache.h1(e);
    h.sumH2 = cache.h2(e);
    h.sumLength = hist[x + SUM_LENGTH];
    h.countLength = hist[x + COUNT_LENGTH];
    h.prefixLength = hist[x + PREFIX_LENGTH];
    h.countH1 = hist[x + COUNT_H1];
    h.countH2 = hist[x + COUNT_H2];
    h.bucketH1 = hist[x + BUCKET_H1];
    h.bucketH2 = hist[x + BUCKET_H2];
    return h;
  }

  /** After a series' labels: its sample, its length, and finish(); returns the sample's length (it ends the series). */
  private closeSeries(
    start: number,
    body: number,
    value: number,
    stale: boolean,
    ts: number,
    h1: number,
    h2: number,
  ): number {
    const w = this.w;
    const labelsEnd = w.pos;
    w.sample(value, stale, ts);
    const samplesEnd = w.pos;
    w.end2(body);
    this.finish(start, labelsEnd - body, samplesEnd - labelsEnd, 0, 0, ts, h1, h2);
    return samplesEnd - labelsEnd;
  }

  /** One series with one native histogram. */
  private nativeSeries(plan: LabelPlan, attrs: KeyValue[], h: NativeHistogram): void {
    const w = this.w;
    const start = w.pos;
    const body = w.series(SERIES_TAG);
    const h1 = writePlanLabels(w, plan, attrs, '');
    const h2 = labelsHash.h2;
    const labelsEnd = w.pos;
    writeHistogram(w, h);
    const end = w.pos;
    w.end2(body);
    this.finish(start, labelsEnd - body, 0, 0, end - labelsEnd, h.timestampMs, h1, h2);
  }

  /** target_info: one sample (value 1) at the resource's latest point time. */
  private targetInfo(rattrs: KeyValue[], base: ScopeLabelBase, ts: number): void {
    const t = targetInfo(rattrs, base, this.s);
    if (!t) return;
    const labels = withLabel(t.labels, '__name__', t.name);
    const w = this.w;
    const start = w.pos;
    const body = w.series(SERIES_TAG);
    const h1 = writeLabelPairs(w, 1, labels);
    const h2 = labelsHash.h2;
    const labelsEnd = w.pos;
    w.sample(1, false, ts);
    const samplesEnd = w.pos;
    w.end2(body);
    this.finish(start, labelsEnd - body, samplesEnd - labelsEnd, 0, 0, ts, h1, h2);
  }

  /**
   * A series was written at [start, w.pos) (its labels' hash: h1, h2): remember or
   * check its labels, and cut a request when it is full.
   */
  private finish(
    start: number,
    labels: number,
    samples: number,
    exemplars: number,
    histograms: number,
    ts: number,
    h1: number,
    h2: number,
  ): void {
    const w = this.w;
    const bodyLen = labels + samples + exemplars + histograms;
    const body = w.pos - bodyLen;
    this.sampleCount++;
    if (this.merging) {
      this.records.push({ body, labels, samples, exemplars, histograms, ts, count: 1 });
      return;
    }
    this.remember(h1, h2);
    this.series++;
    const max = this.s.maxBytes;
    if (w.pos - this.segStart > max && start > this.segStart) {
      this.emit(this.segStart, start, this.segSamples);
      // keep only the series that starts the next request: the buffer never holds more than one request
      w.buf.copyWithin(0, start, w.pos);
      w.pos -= start;
      this.segStart = 0;
      this.segSamples = 0;
    }
    this.segSamples++;
  }

  /** Adds a label hash to the set, or throws REPEATED when it is there already. */
  private remember(a: number, b: number): void {
    const enc = this.enc;
    if ((this.filled + 1) * 2 * SLOT > enc.seen.length) this.grow();
    const seen = enc.seen;
    const gen = enc.gen;
    const mask = seen.length / SLOT - 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const x = i * SLOT;
      if (seen[x] !== gen) {
        seen[x] = gen;
        seen[x + 1] = a;
        seen[x + 2] = b;
        this.filled++;
        return;
      }
      if (seen[x + 1] === a && seen[x + 2] === b) throw REPEATED;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const enc = this.enc;
    const { seen, gen } = enc;
    const out = new Int32Array(seen.length * 2);
    const mask = out.length / SLOT - 1;
    for (let x = 0; x < seen.length; x += SLOT) {
      if (seen[x] !== gen) continue;
      const a = seen[x + 1];
      const b = seen[x + 2];
      let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
      while (out[i * SLOT] === 1) i = (i + 1) & mask;
      out[i * SLOT] = 1;
      out[i * SLOT + 1] = a;
      out[i * SLOT + 2] = b;
    }
    enc.seen = out;
    enc.gen = 1;
  }

  /** Streaming: the last request's series; merge mode: nothing (cut after merging). */
  private cut(end: number): void {
    if (end > this.segStart) this.emit(this.segStart, end, this.segSamples);
    this.w.pos = 0;
    this.segStart = 0;
    this.segSamples = 0;
  }

  private emit(from: number, to: number, samples: number): void {
    // copyOutputData: an exact-size copy, not the compressor's worst-case buffer (5x the RSS, slower)
    this.bodies.push(compressSync(this.w.buf.subarray(from, to), { copyOutputData: true }));
    this.perBody.push(samples);
  }

  /**
   * Merge mode: series with byte-equal labels become one (in the order they first
   * came), samples and native histograms sorted by time, exemplars in the order
   * they came; then requests are cut as in the streaming pass.
   */
  private mergeAndCut(): void {
    const src = this.w.buf;
    const groups = new Map<string, SeriesRecord[]>();
    for (const r of this.records) {
      const key = src.toString('latin1', r.body, r.body + r.labels);
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    const out = new ProtoWriter(this.w.pos + 1024);
    let segStart = 0;
    let segSamples = 0;
    const flush = (upTo: number) => {
      if (upTo > segStart) {
        this.bodies.push(compressSync(out.buf.subarray(segStart, upTo), { copyOutputData: true }));
        this.perBody.push(segSamples);
      }
      segStart = upTo;
      segSamples = 0;
    };
    for (const g of groups.values()) {
      const start = out.pos;
      out.byte(SERIES_TAG);
      const body = out.begin2();
      const first = g[0];
      out.raw(src.subarray(first.body, first.body + first.labels));
      const byTime = g.length > 1 ? [...g].sort((a, b) => a.ts - b.ts) : g;
      for (const r of byTime) {
        const at = r.body + r.labels;
        if (r.samples > 0) out.raw(src.subarray(at, at + r.samples));
      }
      for (const r of g) {
        const at = r.body + r.labels + r.samples;
        if (r.exemplars > 0) out.raw(src.subarray(at, at + r.exemplars));
      }
      for (const r of byTime) {
        const at = r.body + r.labels + r.samples + r.exemplars;
        if (r.histograms > 0) out.raw(src.subarray(at, at + r.histograms));
      }
      out.end2(body);
      if (out.pos - segStart > this.s.maxBytes && start > segStart) flush(start);
      segSamples += g.length;
      this.series++;
    }
    flush(out.pos);
    this.w.pos = 0;
  }

  /** MetricMetadata, in requests of their own after the series (as the collector sends them). */
  private writeMetadata(): void {
    const w = this.w;
    w.pos = 0;
    let start = 0;
    for (const m of this.metadata.values()) {
      const before = w.pos;
      const s = w.open(METADATA_FIELD);
      if (m.type !== 0) {
        w.tag(1, 0);
        w.varint(m.type);
      }
      w.string(2, m.family);
      w.string(4, m.help);
      w.string(5, m.unit);
      w.end(s);
      if (w.pos - start > this.s.maxBytes && before > start) {
        this.emit(start, before, 0);
        start = before;
      }
    }
    if (w.pos > start) this.emit(start, w.pos, 0);
    w.pos = 0;
  }
}

type PromExemplarSource = Parameters<typeof toPromExemplars>[0];

interface HistogramPoint {
  attributes: KeyValue[];
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: PromExemplarSource;
}

interface SummaryPoint {
  count: bigint;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

interface MetricPlans {
  main: LabelPlan;
  sum: LabelPlan;
  count: LabelPlan;
  bucket: LabelPlan;
  quantile: LabelPlan;
}

/** The le labels of a histogram's buckets (the last is +Inf): encoded, and their hashes. */
interface BoundLabels {
  bytes: Uint8Array[];
  h1: number[];
  h2: number[];
}

/** A metric's __name__ values, the plans derived for them, and its bucket bounds as text. */
class MetricNames {
  /** Its identity in the series label cache. */
  readonly cacheId = cacheId();
  private lastPlan: LabelPlan | undefined;
  private plans!: MetricPlans;
  private bounds: number[] = [];
  private boundText: string[] = [];
  private leFor: string[] | undefined;
  private le: BoundLabels = { bytes: [], h1: [], h2: [] };

  constructor(
    private readonly name: string,
    private readonly kind: string,
  ) {}

  plansFor(plan: LabelPlan): MetricPlans {
    if (plan === this.lastPlan) return this.plans;
    const { name, kind } = this;
    const main = plan.withName(name);
    const parts = kind === 'histogram' || kind === 'summary';
    this.plans = {
      main,
      sum: parts ? plan.withName(`${name}_sum`) : main,
      count: parts ? plan.withName(`${name}_count`) : main,
      bucket: kind === 'histogram' ? plan.withName(`${name}_bucket`).withExtra('le') : main,
      quantile: kind === 'summary' ? main.withExtra('quantile') : main,
    };
    this.lastPlan = plan;
    return this.plans;
  }

  /**
   * The le labels of the bounds (and last, +Inf), encoded, with their hashes,
   * reused while the points share their bounds.
   */
  boundLabels(bounds: readonly number[], n: number): BoundLabels {
    const text = this.boundStrings(bounds as number[], n);
    if (this.leFor !== text) {
      const all = [...text, '+Inf'];
      const hashes = all.map((t) => labelHash('le', t));
      this.le = {
        bytes: all.map((t) => encodeLabel('le', t)),
        h1: hashes.map((x) => x[0]),
        h2: hashes.map((x) => x[1]),
      };
      this.leFor = text;
    }
    return this.le;
  }

  /** The bounds as Go's FormatFloat writes them, reused while the points share their bounds. */
  boundStrings(bounds: number[], n: number): string[] {
    let same = this.bounds.length === n;
    for (let i = 0; same && i < n; i++) same = Object.is(this.bounds[i], bounds[i]);
    if (!same) {
      this.bounds = bounds.slice(0, n);
      this.boundText = this.bounds.map(formatBound);
    }
    return this.boundText;
  }
}

/** A histogram's label parts: bytes chunk[offset, offset + length) as series-cache.ts lays them out. */
interface HistogramParts extends HistogramLabels {
  chunk: Uint8Array;
  offset: number;
  length: number;
}

/** Writes chunk[from, from + n) at w.pos. */
function copy(w: ProtoWriter, chunk: Uint8Array, from: number, n: number): void {
  w.ensure(n);
  // a native copy: a byte loop in JS took 3-4x as long for a series' ~170 bytes (and the
  // chunks are plain Uint8Arrays: Buffer's subarray() costs a FastBuffer constructor call)
  w.buf.set(chunk.subarray(from, from + n), w.pos);
  w.pos += n;
}

function writeExemplar(w: ProtoWriter, ex: PromExemplar): void {
  const s = w.open(EXEMPLAR_FIELD);
  writeLabelPairs(w, 1, ex.labels);
  if (ex.value !== 0) {
    w.tag(2, 1);
    w.double(ex.value);
  }
  if (ex.timestampMs !== 0) {
    w.tag(3, 0);
    w.int64(ex.timestampMs);
  }
  w.end(s);
}

function writeHistogram(w: ProtoWriter, h: NativeHistogram): void {
  const s = w.open(HISTOGRAM_FIELD);
  // countFloat is only set for a point with no recorded value: count and sum are the stale NaN
  const stale = h.countFloat !== undefined;
  if (stale) {
    w.tag(2, 1);
    w.raw(STALE_BYTES);
  } else if (h.count !== undefined && h.count !== 0n) {
    w.tag(1, 0);
    w.varint64(h.count);
  }
  if (stale) {
    w.tag(3, 1);
    w.raw(STALE_BYTES);
  } else if (h.sum !== 0) {
    w.tag(3, 1);
    w.double(h.sum);
  }
  if (h.schema !== 0) {
    w.tag(4, 0);
    w.sint32(h.schema);
  }
  w.tag(5, 1);
  w.double(h.zeroThreshold);
  if (h.zeroCount !== 0n) {
    w.tag(6, 0);
    w.varint64(h.zeroCount);
  }
  const spans = (field: number, list: { offset: number; length: number }[]) => {
    for (const sp of list) {
      const b = w.open(field);
      if (sp.offset !== 0) {
        w.tag(1, 0);
        w.sint32(sp.offset);
      }
      if (sp.length !== 0) {
        w.tag(2, 0);
        w.varint(sp.length);
      }
      w.end(b);
    }
  };
  const deltas = (field: number, list: bigint[]) => {
    if (list.length === 0) return;
    const b = w.open(field);
    for (const d of list) w.sint64(d);
    w.end(b);
  };
  spans(8, h.negativeSpans);
  deltas(9, h.negativeDeltas);
  spans(11, h.positiveSpans);
  deltas(12, h.positiveDeltas);
  if (h.timestampMs !== 0) {
    w.tag(15, 0);
    w.int64(h.timestampMs);
  }
  w.end(s);
}
