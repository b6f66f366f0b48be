// The scrape's fast paths (the parser's typed value arrays, lazy timestamps
// and the previous scrape's series handed back, the previous scrape's entry
// list reused while the order holds, the staleness candidates kept without
// copying, per-series state as columns of a table, point groups and buckets
// filled in place) against the implementation they replaced: the parser of
// ./reference/parser.ts and the object-per-series appender of
// ./reference/object-target-series.ts, the one oracle. Seeded sequences of
// varied expositions — escapes, non-ASCII and empty label values, NaN/±Inf,
// histograms and summaries, exemplars and _created (OpenMetrics), explicit
// timestamps, repeated series, reordered lines, series that disappear and
// come back, failed scrapes, series forgotten by gc and the end of the run —
// give the same OTLP, point by point. The oracle makes its gauge, sum and
// histogram points as objects, so the columns' points
// (src/pdata/lazy-points.ts) are checked against them.
import { describe, expect, it } from 'vitest';
import { histogramPointColumns, numberPointColumns } from '../../../src/pdata/lazy-points.js';
import type { MetricsData } from '../../../src/pdata/types.js';
import { parseExposition } from '../exposition/parser.js';
import type { Exposition } from '../exposition/types.js';
import { TargetSeries as ObjectSeries } from './reference/object-target-series.js';
import { parseExposition as referenceParse } from './reference/parser.js';
import { TargetSeries, type Touched } from './target-series.js';
import { TEST_BUILD, TEST_DISCOVERED, TEST_SERIES_OPTIONS, TEST_TARGET } from './test-target.js';
import { type BuildOptions, buildMetrics } from './to-otlp.js';

const TARGET = TEST_TARGET;
const DISCOVERED = TEST_DISCOVERED;
const OPTIONS = TEST_SERIES_OPTIONS;
const BUILD = TEST_BUILD;

/** mulberry32: a small seeded generator. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LABEL_VALUES = [
  'GET',
  '',
  'a\\"quoted\\"',
  'back\\\\slash',
  'new\\nline',
  '日本語',
  'x'.repeat(300),
  'pod-7d9f8b6c5d',
];
const VALUES = ['0', '1', '42', '3.25', '1e-3', 'NaN', '+Inf', '-Inf', '17', '123456789012'];

interface Line {
  /** The family the line belongs to (lines of a family stay together). */
  family: string;
  text: string;
}

/** One target's possible lines, by family; each scrape keeps a random subset. */
function universe(r: () => number, om: boolean): { meta: string[]; lines: Line[] } {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const meta: string[] = [];
  const lines: Line[] = [];
  meta.push('# TYPE req counter', '# HELP req Requests.');
  for (let i = 0; i < 6; i++) {
    const ls = `{code="${200 + i}",path="${pick(LABEL_VALUES)}"}`;
    lines.push({ family: 'req', text: `req_total${ls} ${Math.floor(r() * 100)}` });
    if (om && r() < 0.5) lines.push({ family: 'req', text: `req_created${ls} 1700000000.5` });
  }
  meta.push('# TYPE temp gauge');
  for (let i = 0; i < 5; i++)
    lines.push({ family: 'temp', text: `temp{zone="${i}",v="${pick(LABEL_VALUES)}"} ${pick(VALUES)}` });
  meta.push(`# TYPE lat histogram`);
  for (let s = 0; s < 2; s++) {
    let c = 0;
    for (const le of ['0.1', '1', '10', '+Inf']) {
      c += Math.floor(r() * 5);
      const ex = om && r() < 0.3 ? ` # {trace_id="0123456789abcdef0123456789abcdef"} 0.5 1700000000.1` : '';
      lines.push({ family: 'lat', text: `lat_bucket{s="${s}",le="${le}"} ${c}${ex}` });
    }
    lines.push({ family: 'lat', text: `lat_sum{s="${s}"} ${c * 0.3}` });
    lines.push({ family: 'lat', text: `lat_count{s="${s}"} ${c}` });
  }
  meta.push('# TYPE rpc summary');
  for (const q of ['0.5', '0.9', '0.99'])
    lines.push({ family: 'rpc', text: `rpc{quantile="${q}"} ${pick(VALUES)}` });
  lines.push({ family: 'rpc', text: 'rpc_sum 12.5' }, { family: 'rpc', text: 'rpc_count 7' });
  for (let i = 0; i < 4; i++) lines.push({ family: 'untyped', text: `untyped_${i} ${pick(VALUES)}` });
  lines.push({ family: 'target_info', text: 'target_info{region="eu",zone="b"} 1' });
  if (om) meta.push('# TYPE target_info info');
  return { meta, lines };
}

/** One scrape's exposition: a subset of the universe, sometimes reordered, with timestamps and repeats. */
function exposition(
  r: () => number,
  u: { meta: string[]; lines: Line[] },
  om: boolean,
  tsMs: number,
  partial = 0.7,
) {
  const keep = r() < 0.6 ? 1 : partial; // most scrapes keep every series
  const families = new Map<string, string[]>();
  for (const l of u.lines) {
    if (r() > keep) continue;
    let text = l.text;
    if (r() < 0.1 && !text.includes(' # ')) text += om ? ` ${(tsMs - 500) / 1000}` : ` ${tsMs - 500}`;
    const list = families.get(l.family) ?? [];
    list.push(text);
    if (r() < 0.05) list.push(text); // a repeated series: the first sample counts
    families.set(l.family, list);
  }
  if (r() < 0.2) for (const list of families.values()) list.sort(() => r() - 0.5); // reordered within families
  const order = [...families.keys()];
  if (r() < 0.2) order.reverse();
  const out = [...u.meta];
  for (const f of order) out.push(...(families.get(f) ?? []));
  if (om) out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** The reference parser's result in the shape the appenders take (typed arrays). */
function referenceExposition(
  body: string,
  format: 'text' | 'openmetrics',
  previous: readonly string[],
): Exposition {
  const e = referenceParse(body, format, previous);
  return { ...e, values: Float64Array.from(e.values), timestampsMs: Float64Array.from(e.timestampsMs) };
}

/**
 * One seeded sequence through this implementation and the oracle: the OTLP of
 * each scrape, [this one's, the oracle's].
 */
function run(seed: number, om: boolean, options = OPTIONS, partial = 0.7) {
  const r = rng(seed);
  const u = universe(r, om);
  const fast = new TargetSeries({ labels: TARGET, discovered: DISCOVERED }, options);
  const ref = new ObjectSeries({ labels: TARGET, discovered: DISCOVERED }, options);
  const refAsSeries = ref as unknown as TargetSeries; // buildMetrics reads metadataFor() only
  // the oracle's points are made as objects (no columns, src/pdata/lazy-points.ts)
  const REF_BUILD: BuildOptions = { ...BUILD, eagerPoints: true };
  const format = om ? 'openmetrics' : 'text';
  const outputs: [MetricsData, MetricsData][] = [];
  let t = 1_700_000_000_000;
  for (let scrape = 0; scrape < 12; scrape++) {
    t += 10_000;
    if (r() < 0.1) {
      const a = fast.fail(t);
      fast.report(t, { up: false, durationSeconds: 0.01 }, undefined);
      const b = ref.fail(t);
      ref.report(t, { up: false, durationSeconds: 0.01 }, undefined);
      outputs.push([
        buildMetrics(a, fast, DISCOVERED, BUILD),
        buildMetrics(b as unknown as Touched, refAsSeries, DISCOVERED, REF_BUILD),
      ]);
      continue;
    }
    const body = exposition(r, u, om, t, partial);
    const a = fast.append(parseExposition(body, format, fast.lastKeys), t);
    const b = ref.append(referenceExposition(body, format, ref.lastKeys), t);
    expect(a.ok).toBe(b.ok);
    expect(a.stats).toEqual(b.stats);
    if (!a.ok || !b.ok) throw new Error(`scrape ${scrape} failed: ${'error' in a ? a.error : ''}`);
    fast.report(t, { up: true, durationSeconds: 0.01 }, a.stats);
    ref.report(t, { up: true, durationSeconds: 0.01 }, b.stats);
    outputs.push([
      buildMetrics(a.touched, fast, DISCOVERED, BUILD),
      buildMetrics(b.touched as unknown as Touched, refAsSeries, DISCOVERED, REF_BUILD),
    ]);
  }
  outputs.push([
    buildMetrics(fast.endOfRun(t + 10_000), fast, DISCOVERED, BUILD),
    buildMetrics(ref.endOfRun(t + 10_000) as unknown as Touched, refAsSeries, DISCOVERED, REF_BUILD),
  ]);
  return outputs;
}

describe('scrape fast paths = the previous implementation (seeded sequences)', () => {
  for (const om of [false, true])
    it(`${om ? 'OpenMetrics' : 'text format'}: 40 sequences of 12 scrapes and the end of the run`, () => {
      let points = 0;
      let lazy = 0;
      let lazyHistograms = 0;
      for (let seed = 1; seed <= 40; seed++)
        for (const [fast, ref] of run(seed * 7919 + (om ? 1 : 0), om)) {
          for (const rm of fast.resourceMetrics)
            for (const sm of rm.scopeMetrics)
              for (const m of sm.metrics) {
                if (numberPointColumns(m.gauge ?? m.sum ?? {})) lazy++;
                if (m.histogram && histogramPointColumns(m.histogram)) lazyHistograms++;
              }
          expect(fast).toEqual(ref);
          for (const rm of fast.resourceMetrics)
            for (const sm of rm.scopeMetrics)
              for (const m of sm.metrics)
                points += (m.gauge ?? m.sum ?? m.histogram ?? m.summary)?.dataPoints.length ?? 0;
        }
      expect(points).toBeGreaterThan(1000); // the sequences do produce points
      expect(lazy).toBeGreaterThan(500); // ... and gauges and sums kept as columns
      expect(lazyHistograms).toBeGreaterThan(100); // ... and histograms
    });

  it('series forgotten by gc and their numbers given to new series (gc every 15 s): the same output', () => {
    // scrapes 10 s apart keep ~30 % of the series now and then: with a 15 s gc, series not
    // seen for 2 scrapes are forgotten, and the series table gives their numbers to new ones
    const options = { ...OPTIONS, gcMs: 15_000 };
    let points = 0;
    for (let seed = 1; seed <= 40; seed++)
      for (const om of [false, true])
        for (const [fast, ref] of run(seed * 104_729 + (om ? 1 : 0), om, options, 0.3)) {
          expect(fast).toEqual(ref);
          for (const rm of fast.resourceMetrics)
            for (const sm of rm.scopeMetrics)
              for (const m of sm.metrics)
                points += (m.gauge ?? m.sum ?? m.histogram ?? m.summary)?.dataPoints.length ?? 0;
        }
    expect(points).toBeGreaterThan(1000);
  });

  it('parses to the same samples, values and timestamps as the previous parser', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const om = seed % 2 === 0;
      const r = rng(seed);
      const u = universe(r, om);
      const body = exposition(r, u, om, 1_700_000_000_000);
      const format = om ? 'openmetrics' : 'text';
      const a = parseExposition(body, format);
      const b = referenceParse(body, format);
      expect(a.series).toEqual(b.series);
      expect([...a.values]).toEqual(b.values);
      const ts = a.timestampsMs;
      expect(a.series.map((_, i) => (ts === undefined ? Number.NaN : ts[i]))).toEqual(b.timestampsMs);
      expect(a.exemplars).toEqual(b.exemplars);
      expect(a.metadata).toEqual(b.metadata);
    }
  });
});
