// Writes the accumulated series in the Prometheus text exposition format 0.0.4
// or in OpenMetrics 1.0.0 (with exemplars and `_created`), the way
// client_golang's expfmt writes what the collector's exporter hands it: one
// HELP/TYPE per family (the first type seen wins; a series of another type
// under that name is dropped and logged), labels sorted, `target_info` per
// job/instance, timestamps only with send_timestamps.
import { normalizeLabel } from '../../src/translator/prometheus/normalize-name.js';
import type { PromExemplar } from '../../src/translator/prometheus/to-prometheus-series.js';
import { formatBound } from '../../src/translator/prometheus/to-prometheus-series.js';
import type { Entry, FamilyType } from './accumulator.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export interface ExpositionOptions {
  openMetrics: boolean;
  sendTimestamps: boolean;
  constLabels: [string, string][];
  /** Name of the target info family (namespace applied). */
  targetInfoName: string;
  /** Told once per family name whose series disagree on the type. */
  onConflict?: (family: string, kept: FamilyType, dropped: FamilyType) => void;
}

function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

function escapeHelp(v: string): string {
  return /[\\\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : v;
}

/** Float as Prometheus parses it: NaN, +Inf, -Inf, else JavaScript's shortest round-trip form. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function labelText(labels: [string, string][], extra?: [string, string]): string {
  if (labels.length === 0 && !extra) return '';
  let s = '{';
  let first = true;
  const add = (k: string, v: string) => {
    s += `${first ? '' : ','}${k}="${escapeLabelValue(v)}"`;
    first = false;
  };
  if (extra) {
    // `le` / `quantile` go in name order like every other label.
    let placed = false;
    for (const [k, v] of labels) {
      if (!placed && extra[0] < k) {
        add(extra[0], extra[1]);
        placed = true;
      }
      add(k, v);
    }
    if (!placed) add(extra[0], extra[1]);
  } else for (const [k, v] of labels) add(k, v);
  return `${s}}`;
}

/** Merges const_labels into a series' labels (a series' own label of the same name wins). */
function withConst(labels: [string, string][], constLabels: [string, string][]): [string, string][] {
  if (constLabels.length === 0) return labels;
  const have = new Set(labels.map(([k]) => k));
  const out = [...labels];
  for (const c of constLabels) if (!have.has(c[0])) out.push(c);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Picks, per bucket (sorted upper bounds, +Inf last), the last exemplar whose value falls in it. */
function bucketExemplars(bounds: number[], exemplars: PromExemplar[]): (PromExemplar | undefined)[] {
  const out: (PromExemplar | undefined)[] = new Array(bounds.length + 1).fill(undefined);
  for (const ex of exemplars) {
    let i = bounds.findIndex((b) => ex.value <= b);
    if (i < 0) i = bounds.length;
    out[i] = ex;
  }
  return out;
}

function exemplarText(ex: PromExemplar | undefined): string {
  if (!ex) return '';
  const labels = ex.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return ` # {${labels}} ${formatValue(ex.value)} ${formatSeconds(ex.timestampMs)}`;
}

function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

export function renderExposition(entries: Entry[], o: ExpositionOptions): string {
  const families = new Map<string, { type: FamilyType; help: string; entries: Entry[] }>();
  for (const e of entries) {
    let f = families.get(e.family);
    if (!f) {
      f = { type: e.type, help: e.help, entries: [] };
      families.set(e.family, f);
    } else if (f.type !== e.type) {
      o.onConflict?.(e.family, f.type, e.type);
      continue;
    }
    f.entries.push(e);
  }
  const parts: string[] = [];

  // target_info: one per job/instance, the resource attributes as labels (an info metric, written as a gauge).
  const targets = new Map<string, [string, string][]>();
  for (const e of entries) {
    if (!e.target) continue;
    const key = e.target.map(([k, v]) => `${k}\xff${v}`).join('\xfe');
    if (!targets.has(key)) targets.set(key, e.target);
  }
  if (targets.size > 0) {
    parts.push(`# HELP ${o.targetInfoName} Target metadata\n# TYPE ${o.targetInfoName} gauge\n`);
    for (const t of targets.values()) parts.push(`${o.targetInfoName}${labelText(t)} 1\n`);
  }

  for (const [name, f] of families) {
    const om = o.openMetrics;
    let familyName = name;
    if (om && f.type === 'counter' && name.endsWith('_total')) familyName = name.slice(0, -6);
    let out = '';
    out += `# HELP ${familyName} ${escapeHelp(f.help)}\n`;
    out += `# TYPE ${familyName} ${f.type === 'unknown' ? (om ? 'unknown' : 'untyped') : f.type}\n`;
    for (const e of f.entries) {
      const labels = withConst(e.labels, o.constLabels);
      const ts = o.sendTimestamps
        ? ` ${om ? formatSeconds(Number(e.timeNs / 1_000_000n)) : String(e.timeNs / 1_000_000n)}`
        : '';
      const created =
        om && e.startNs > 0n && (f.type === 'counter' || f.type === 'histogram' || f.type === 'summary')
          ? `${familyName}_created${labelText(labels)} ${formatSeconds(Number(e.startNs / 1_000_000n))}${ts}\n`
          : '';
      switch (f.type) {
        case 'counter': {
          const sample = om ? `${familyName}_total` : name;
          const ex = om ? exemplarText(e.exemplars[e.exemplars.length - 1]) : '';
          out += `${sample}${labelText(labels)} ${formatValue(e.value ?? 0)}${ts}${ex}\n${created}`;
          break;
        }
        case 'gauge':
        case 'unknown':
          out += `${name}${labelText(labels)} ${formatValue(e.value ?? 0)}${ts}\n`;
          break;
        case 'summary': {
          const s = e.summary;
          if (!s) break;
          for (const [q, v] of s.quantiles)
            out += `${name}${labelText(labels, ['quantile', formatBound(q)])} ${formatValue(v)}${ts}\n`;
          out += `${name}_sum${labelText(labels)} ${formatValue(s.sum)}${ts}\n`;
          out += `${name}_count${labelText(labels)} ${s.count}${ts}\n${created}`;
          break;
        }
        case 'histogram':
          out += histogramText(name, e, labels, ts, om) + created;
          break;
      }
    }
    parts.push(out);
  }
  if (o.openMetrics) parts.push('# EOF\n');
  return parts.join('');
}

function histogramText(name: string, e: Entry, labels: [string, string][], ts: string, om: boolean): string {
  let out = '';
  let count: bigint;
  let sum: number | undefined;
  if (e.histogram) {
    const h = e.histogram;
    // Bounds sorted and de-duplicated, as client_golang's const histogram keeps them.
    const seen = new Map<number, number>();
    h.bounds.forEach((b, i) => {
      if (!seen.has(b)) seen.set(b, i);
    });
    const bounds = [...seen.keys()].sort((a, b) => a - b);
    const ex = om ? bucketExemplars(bounds, e.exemplars) : [];
    let cum = 0n;
    bounds.forEach((b, i) => {
      cum += h.counts[seen.get(b) as number] ?? 0n;
      out += `${name}_bucket${labelText(labels, ['le', formatBound(b)])} ${cum}${ts}${exemplarText(ex[i])}\n`;
    });
    out += `${name}_bucket${labelText(labels, ['le', '+Inf'])} ${h.count}${ts}${exemplarText(ex[bounds.length])}\n`;
    count = h.count;
    sum = h.sum;
  } else if (e.expHistogram) {
    // A native histogram has no classic buckets in the text formats: only +Inf, sum and count.
    const h = e.expHistogram;
    out += `${name}_bucket${labelText(labels, ['le', '+Inf'])} ${h.count}${ts}\n`;
    count = h.count;
    sum = h.sum;
  } else return '';
  out += `${name}_sum${labelText(labels)} ${formatValue(sum ?? 0)}${ts}\n`;
  out += `${name}_count${labelText(labels)} ${count}${ts}\n`;
  return out;
}

export function constLabelPairs(constLabels: Record<string, string>): [string, string][] {
  return Object.entries(constLabels)
    .map(([k, v]): [string, string] => [normalizeLabel(k), v])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
