// OTLP metric and attribute names → Prometheus metric and label names, as the
// OpenTelemetry specification (compatibility/prometheus_and_openmetrics.md,
// "OTLP Metric points to Prometheus") and the collector's translator
// (prometheus/otlptranslator MetricNamer / LabelNamer, which the collector's
// prometheus and prometheus_remote_write exporters use) define them.

/** The kinds the name rules distinguish: `_total` for counters, `_ratio` for unit-"1" gauges. */
export type NameKind = 'counter' | 'gauge' | 'other';

/** OTLP (UCUM) unit → Prometheus unit word; "1" has no unit suffix. */
const UNIT_MAP: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** The unit after "/" (a rate) → the singular word used in `_per_<word>`. */
const PER_UNIT_MAP: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const own = (m: Record<string, string>, k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);

/** Characters allowed in a metric name token: [a-zA-Z0-9:] (an underscore separates tokens). */
function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 58 // a-z A-Z 0-9 :
  );
}

/** Splits on every character outside [a-zA-Z0-9:], dropping empty pieces (collapses "__", trims "_"). */
function nameTokens(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    if (isNameChar(s.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(s.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** Replaces characters outside [a-zA-Z0-9:_] with "_", collapses runs of "_" and trims a leading one. */
function cleanUpUnit(unit: string): string {
  const mapped = unit.replace(/[^a-zA-Z0-9:_]/g, '_').replace(/__+/g, '_');
  return mapped.startsWith('_') ? mapped.slice(1) : mapped;
}

/**
 * The main and "per" unit words of an OTLP unit, e.g. "By/s" → ["bytes", "per_second"].
 * Units in braces ("{packet}") are annotations: no suffix.
 */
export function unitSuffixes(unit: string): [main: string, per: string] {
  const slash = unit.indexOf('/');
  const mainOtel = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  let main = '';
  if (mainOtel !== '' && !/[{}]/.test(mainOtel)) main = own(UNIT_MAP, mainOtel) ?? mainOtel;
  let per = '';
  if (slash >= 0) {
    const perOtel = unit.slice(slash + 1).trim();
    if (perOtel !== '' && !/[{}]/.test(perOtel)) per = own(PER_UNIT_MAP, perOtel) ?? perOtel;
    if (per !== '') per = `per_${per}`;
  }
  return [main, per];
}

/** The unit as Prometheus metadata (OpenMetrics UNIT, remote write metadata): "By/s" → "bytes_per_second". */
export function prometheusUnit(unit: string): string {
  const [m, p] = unitSuffixes(unit);
  const main = cleanUpUnit(m);
  const per = cleanUpUnit(p);
  let u = main && per ? `${main}_${per}` : main || per;
  if (u.startsWith('_')) u = u.slice(1);
  if (u.endsWith('_')) u = u.slice(0, -1);
  return u;
}

/** A namespace prefix made of valid metric-name characters (the collector's escaping of it). */
export function cleanNamespace(namespace: string): string {
  return namespace
    .split(/[^a-zA-Z0-9:_]/)
    .filter((t) => t !== '')
    .join('_');
}

/**
 * The Prometheus metric name of an OTLP metric. With suffixes (the default,
 * `add_metric_suffixes: true` / translation strategy UnderscoreEscapingWithSuffixes):
 * invalid characters become "_" and runs of "_" collapse, the unit's words are
 * appended unless the name already holds them, `_total` is moved to the end of
 * counters and `_ratio` to the end of unit-"1" gauges. Without suffixes only
 * invalid characters are replaced. A leading digit gets a "_" prefix.
 */
export function buildMetricName(
  name: string,
  unit: string,
  kind: NameKind,
  namespace: string,
  withSuffixes: boolean,
): string {
  const ns = cleanNamespace(namespace);
  if (!withSuffixes) {
    const simple = name
      .split(/[^a-zA-Z0-9:_]/)
      .filter((t) => t !== '')
      .join('_');
    if (ns !== '') return `${ns}_${simple}`;
    return /^[0-9]/.test(simple) ? `_${simple}` : simple;
  }
  let tokens = nameTokens(name);
  const [mainRaw, perRaw] = unitSuffixes(unit);
  let main = cleanUpUnit(mainRaw);
  let per = cleanUpUnit(perRaw);
  if (tokens.includes(main)) main = '';
  if (per === 'per_') per = '';
  else {
    if (per.endsWith('_')) per = per.slice(0, -1);
    if (tokens.includes(per)) per = '';
  }
  if (per !== '' && main.endsWith('_')) main = main.slice(0, -1);
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);
  if (kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  if (ns !== '') tokens.unshift(ns);
  const out = tokens.join('_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * A Prometheus label name for an attribute key: characters outside [a-zA-Z0-9_]
 * become "_", a leading digit gets "key_", a single leading "_" gets "key"
 * ("__" names are kept: they are Prometheus's reserved labels).
 */
const labelCache = new Map<string, string>();

export function normalizeLabel(key: string): string {
  if (key === '') return key;
  const hit = labelCache.get(key);
  if (hit !== undefined) return hit;
  const out = normalizeLabelUncached(key);
  if (labelCache.size < 50_000) labelCache.set(key, out);
  return out;
}

function normalizeLabelUncached(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) return `key_${s}`;
  if (s.startsWith('_') && !s.startsWith('__')) return `key${s}`;
  return s;
}

/** True if a metric name is valid in the classic Prometheus scheme. */
export function isValidMetricName(name: string): boolean {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name);
}
