// Scrape → remote write without point objects: the prometheus receiver keeps a
// gauge's, sum's or histogram's points as columns (src/pdata/lazy-points.ts) and the remote
// write encoder writes its series straight from them. For seeded sequences of
// varied expositions (escapes, non-ASCII, empty and long label values, label
// names that collide once normalized, NaN/±Inf, explicit timestamps,
// histograms (bounds differing between points, counts past 2^53), summaries, series that go stale, failed scrapes, the end of the
// run) and varied exporter settings, the requests written from the columns are
// byte for byte the ones written from the same scrape's points as objects.
import { uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { WriteRequestEncoder } from '../exporters/prometheus_remote_write/write-request-encoder.js';
import { parseExposition } from '../receivers/prometheus/exposition/parser.js';
import { relabelSchema } from '../receivers/prometheus/relabel/config.js';
import { type SeriesOptions, TargetSeries } from '../receivers/prometheus/translate/target-series.js';
import {
  TEST_BUILD,
  TEST_DISCOVERED,
  TEST_SERIES_OPTIONS,
  TEST_TARGET,
} from '../receivers/prometheus/translate/test-target.js';
import { buildMetrics } from '../receivers/prometheus/translate/to-otlp.js';
import { cloneData } from '../src/pdata/clone.js';
import { histogramPointColumns, numberPointColumns } from '../src/pdata/lazy-points.js';
import type { MetricsData } from '../src/pdata/types.js';

const TARGET = TEST_TARGET;
const DISCOVERED = TEST_DISCOVERED;
const OPTIONS = TEST_SERIES_OPTIONS;
const BUILD = TEST_BUILD;

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick };
}

const VALUES = ['GET', '', 'a\\"q\\"', 'back\\\\slash', 'new\\nline', '日本語', 'x'.repeat(200), 'p-7d9f'];
const NUMBERS = ['0', '-0', '1', '3.25', '1e-3', 'NaN', '+Inf', '-Inf', '123456789012', '-7'];

function exposition(r: ReturnType<typeof rng>, tsMs: number): string {
  const keep = r.next() < 0.5 ? 1 : 0.7;
  const out: string[] = ['# TYPE req_total counter', '# HELP req_total Requests.'];
  const line = (s: string) => {
    if (r.next() < keep) out.push(r.next() < 0.1 ? `${s} ${tsMs - 500}` : s);
  };
  for (let i = 0; i < 8; i++)
    line(`req_total{code="${200 + i}",path="${r.pick(VALUES)}",_x="${r.pick(VALUES)}",key_x="k"} ${i * 3}`);
  out.push('# TYPE temp gauge', '# UNIT temp celsius');
  for (let i = 0; i < 6; i++) line(`temp{zone="${i}",v="${r.pick(VALUES)}"} ${r.pick(NUMBERS)}`);
  for (let i = 0; i < 3; i++) line(`untyped_${i}{a="${r.pick(VALUES)}"} ${r.pick(NUMBERS)}`);
  out.push('# TYPE lat histogram');
  for (let s = 0; s < 2; s++) {
    let c = 0;
    for (const le of ['0.1', '1', '10', '+Inf']) {
      c += Math.floor(r.next() * 5);
      line(`lat_bucket{s="${s}",le="${le}"} ${c}`);
    }
    line(`lat_sum{s="${s}"} ${c * 0.3}`);
    line(`lat_count{s="${s}"} ${c}`);
  }
  // histograms whose points have different bounds, label values of every kind, counts past 2^53
  out.push('# TYPE big histogram', '# HELP big Big counts.');
  for (let s = 0; s < 3; s++) {
    const bounds = s === 1 ? ['0.5', '+Inf'] : ['1', '2.5', '1e3', '+Inf'];
    const v = r.pick(VALUES);
    let c = 0;
    for (const le of bounds) {
      c += r.pick([0, 1, 7, 2 ** 53, 1e17]);
      line(`big_bucket{v="${v}",le="${le}",s="${s}"} ${r.next() < 0.05 ? r.pick(NUMBERS) : c}`);
    }
    line(`big_sum{v="${v}",s="${s}"} ${r.pick(NUMBERS)}`);
    line(`big_count{v="${v}",s="${s}"} ${c}`);
  }
  out.push('# TYPE rpc summary');
  for (const q of ['0.5', '0.99']) line(`rpc{quantile="${q}"} ${r.pick(NUMBERS)}`);
  line('rpc_sum 12.5');
  line('rpc_count 7');
  line('target_info{region="eu"} 1');
  return `${out.join('\n')}\n`;
}

/** The remote write requests' bytes. */
/** Remote-write settings of the fixed-shape cases (the seeded case draws its own). */
const FIXED_SETTINGS = {
  namespace: '',
  addMetricSuffixes: true,
  targetInfo: true,
  resourceToTelemetry: { enabled: false, exclude_service_attributes: false },
  scopeLabels: true,
  emptyScopeLabels: false,
  extraLabels: [] as [string, string][],
  maxBytes: 3_000_000,
  sendMetadata: false,
};

const bytes = (bodies: Buffer[]) => bodies.map((b) => (uncompressSync(b) as Buffer).toString('base64'));

function lazyBodies(md: MetricsData): number {
  let n = 0;
  for (const rm of md.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics)
        if (numberPointColumns(m.gauge ?? m.sum ?? {}) || (m.histogram && histogramPointColumns(m.histogram)))
          n++;
  return n;
}

describe('scrape → remote write: series written from point columns = from point objects', () => {
  it('gives byte-identical requests on seeded sequences of varied expositions', () => {
    let lazy = 0;
    let requests = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const settings = {
        namespace: r.pick(['', 'ns']),
        addMetricSuffixes: r.next() < 0.7,
        targetInfo: r.next() < 0.8,
        resourceToTelemetry: { enabled: r.next() < 0.3, exclude_service_attributes: r.next() < 0.5 },
        scopeLabels: r.next() < 0.8,
        emptyScopeLabels: false,
        extraLabels: r.pick<[string, string][]>([[], [['cluster', 'c1']], [['zone', 'ext']]]),
        maxBytes: r.pick([300, 3000, 3_000_000]),
        sendMetadata: r.next() < 0.5,
      };
      const fromColumns = new WriteRequestEncoder(settings);
      const fromObjects = new WriteRequestEncoder(settings);
      const series = new TargetSeries({ labels: TARGET, discovered: DISCOVERED }, OPTIONS);
      let t = 1_700_000_000_000;
      for (let scrape = 0; scrape < 10; scrape++) {
        t += 10_000;
        let md: MetricsData;
        if (r.next() < 0.1) {
          const touched = series.fail(t);
          series.report(t, { up: false, durationSeconds: 0.01 }, undefined);
          md = buildMetrics(touched, series, DISCOVERED, BUILD);
        } else {
          const res = series.append(parseExposition(exposition(r, t), 'text', series.lastKeys), t);
          if (!res.ok) throw new Error(res.error);
          series.report(t, { up: true, durationSeconds: 0.01 }, res.stats);
          md = buildMetrics(res.touched, series, DISCOVERED, BUILD);
        }
        const before = lazyBodies(md);
        lazy += before;
        const a = fromColumns.encode(md);
        // encoding did not make the points
        expect(lazyBodies(md)).toBe(before);
        const objects = cloneData('metrics', md); // reads every point: plain objects from here on
        expect(lazyBodies(objects)).toBe(0);
        const b = fromObjects.encode(objects);
        expect(bytes(a.bodies), `seed ${seed} scrape ${scrape}`).toEqual(bytes(b.bodies));
        expect({ ...a, bodies: [] }).toEqual({ ...b, bodies: [] });
        requests += a.bodies.length;
      }
      const end = buildMetrics(series.endOfRun(t + 10_000), series, DISCOVERED, BUILD);
      const a = fromColumns.encode(end);
      expect(bytes(a.bodies)).toEqual(bytes(fromObjects.encode(cloneData('metrics', end)).bodies));
    }
    expect(lazy).toBeGreaterThan(300);
    expect(requests).toBeGreaterThan(300);
  });

  it('stays byte-identical over many scrapes while series come and go (the label cache is swept and compacted)', () => {
    const r = rng(99);
    const settings = FIXED_SETTINGS;
    const fromColumns = new WriteRequestEncoder(settings);
    const fromObjects = new WriteRequestEncoder(settings);
    const series = new TargetSeries({ labels: TARGET, discovered: DISCOVERED }, { ...OPTIONS, gcMs: 30_000 });
    let t = 1_700_000_000_000;
    let maxCached = 0;
    for (let scrape = 0; scrape < 300; scrape++) {
      t += 10_000;
      // a window of 20 series that moves by one every scrape: new series every time, old ones gone
      const lines = ['# TYPE moving counter', '# TYPE h histogram'];
      for (let i = scrape; i < scrape + 20; i++) {
        lines.push(`moving{id="${i}",v="${VALUES[i % VALUES.length]}"} ${r.pick(NUMBERS)}`);
        if (i % 4 === 0)
          lines.push(
            `h_bucket{id="${i}",le="1"} 1`,
            `h_bucket{id="${i}",le="+Inf"} 2`,
            `h_count{id="${i}"} 2`,
          );
      }
      const res = series.append(parseExposition(`${lines.join('\n')}\n`, 'text', series.lastKeys), t);
      if (!res.ok) throw new Error(res.error);
      series.report(t, { up: true, durationSeconds: 0.01 }, res.stats);
      const md = buildMetrics(res.touched, series, DISCOVERED, BUILD);
      const a = fromColumns.encode(md);
      const b = fromObjects.encode(cloneData('metrics', md));
      expect(bytes(a.bodies), `scrape ${scrape}`).toEqual(bytes(b.bodies));
      maxCached = Math.max(maxCached, fromColumns.seriesLabels.size);
    }
    // series unused for a sweep interval are dropped: far fewer than the ~400 seen
    expect(maxCached).toBeLessThan(150);
    expect(maxCached).toBeGreaterThan(20);
  });

  it('stays byte-identical when labels change, series vanish and return, the order shuffles, and a hot reload changes relabeling', () => {
    const r = rng(4242);
    const settings = FIXED_SETTINGS;
    // one exporter (its label cache) across reloads of the receiver, as when only the receiver's config changed
    const fromColumns = new WriteRequestEncoder(settings);
    const fromObjects = new WriteRequestEncoder(settings);
    const rules = (yaml: unknown[]) => yaml.map((x) => relabelSchema.parse(x));
    // each "reload" is a new scrape loop state with other options / target labels
    const configs: { target: Map<string, string>; options: SeriesOptions }[] = [
      { target: TARGET, options: OPTIONS },
      {
        target: TARGET,
        options: {
          ...OPTIONS,
          metricRelabel: rules([
            { source_labels: ['v'], regex: '(.*)x', target_label: 'v', replacement: '${1}y' },
            { action: 'labeldrop', regex: 'gone' },
          ]),
        },
      },
      {
        target: new Map([...TARGET, ['instance', '10.0.0.8:9100']]),
        options: { ...OPTIONS, honorLabels: true },
      },
      {
        target: TARGET,
        options: {
          ...OPTIONS,
          metricRelabel: rules([{ action: 'drop', source_labels: ['id'], regex: '3' }]),
        },
      },
    ];
    let hits = 0;
    let t = 1_700_000_000_000;
    for (const [reload, cfg] of configs.entries()) {
      const series = new TargetSeries({ labels: cfg.target, discovered: DISCOVERED }, cfg.options);
      for (let scrape = 0; scrape < 25; scrape++) {
        t += 10_000;
        const lines = ['# TYPE c counter', '# TYPE g gauge', '# TYPE h histogram'];
        for (let id = 0; id < 12; id++) {
          // id 5 is away for scrapes 6-9 and comes back; id 7's labels change every 4 scrapes
          if (id === 5 && scrape >= 6 && scrape < 10) continue;
          const v = id === 7 ? `x${Math.floor(scrape / 4)}` : VALUES[id % VALUES.length];
          lines.push(`c_total{id="${id}",v="${v}x",gone="g"} ${r.pick(NUMBERS)}`);
          lines.push(`g{id="${id}",job="exposed",v="${v}"} ${r.pick(NUMBERS)}`);
          if (id % 3 === 0)
            lines.push(
              `h_bucket{id="${id}",v="${v}",le="1"} 1`,
              `h_bucket{id="${id}",v="${v}",le="+Inf"} ${id === 5 ? 3 : 2}`,
              `h_sum{id="${id}",v="${v}"} 1.5`,
              `h_count{id="${id}",v="${v}"} ${id === 5 ? 3 : 2}`,
            );
        }
        // the families in another order now and then (column positions move between scrapes)
        const body = r.next() < 0.3 ? [lines[0], lines[1], lines[2], ...lines.slice(3).reverse()] : lines;
        const res = series.append(parseExposition(`${body.join('\n')}\n`, 'text', series.lastKeys), t);
        if (!res.ok) throw new Error(res.error);
        series.report(t, { up: true, durationSeconds: 0.01 }, res.stats);
        const md = buildMetrics(res.touched, series, DISCOVERED, BUILD);
        const before = fromColumns.seriesLabels.size;
        const a = fromColumns.encode(md);
        if (fromColumns.seriesLabels.size === before && scrape > 0) hits++;
        const b = fromObjects.encode(cloneData('metrics', md));
        expect(bytes(a.bodies), `reload ${reload} scrape ${scrape}`).toEqual(bytes(b.bodies));
      }
    }
    // most scrapes were written from the cache alone (nothing new to remember)
    expect(hits).toBeGreaterThan(40);
  });
});
