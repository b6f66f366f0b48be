// Parser for the Prometheus text format (0.0.4) and OpenMetrics 1.0 text,
// with the rules Prometheus's own parsers apply (model/textparse): a line
// that does not parse fails the whole scrape. The text format is lenient
// about blanks and has integer millisecond timestamps; OpenMetrics has single
// spaces, float second timestamps, exemplars and must end with `# EOF`.
//
// The series part of each sample (`name{labels}`) is validated here but
// returned as written: the scrape caches what it derived from it, so labels
// are unescaped (parseSeries) only for series it has not seen before.
import {
  type Exposition,
  type Metadata,
  type MetricType,
  type ParsedExemplar,
  ParseError,
  Sample,
} from './types.js';

const TEXT_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};
const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
};

/** Exemplar label sets longer than this (in code points, names and values) are invalid (OpenMetrics). */
const EXEMPLAR_MAX_RUNES = 128;

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isLabelStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isLabelChar = (c: number) => isLabelStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number) => c === 32 || c === 9;

const SPECIAL_FLOATS: Record<string, number> = {
  nan: Number.NaN,
  '+nan': Number.NaN,
  '-nan': Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/** Go's strconv.ParseFloat as Prometheus calls it (no hex floats, no underscores); undefined if invalid. */
export function parseGoFloat(s: string): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let plain = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // digits . + - e E
    if (!((c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45 || c === 101 || c === 69)) {
      plain = false;
      break;
    }
  }
  if (plain) {
    const v = Number(s);
    if (Number.isNaN(v)) return undefined;
    return v;
  }
  const special = SPECIAL_FLOATS[s.toLowerCase()];
  return special;
}

export function parseExposition(body: string, format: 'text' | 'openmetrics'): Exposition {
  return new Parser(body, format === 'openmetrics').parse();
}

class Parser {
  private pos = 0;
  private line = 0;
  private end = 0;
  private readonly samples: Sample[] = [];
  private readonly metadata = new Map<string, Metadata>();
  private sawEof = false;

  constructor(
    private readonly s: string,
    private readonly om: boolean,
  ) {}

  private fail(message: string): never {
    throw new ParseError(message, this.line);
  }

  parse(): Exposition {
    const s = this.s;
    const len = s.length;
    let start = 0;
    while (start < len) {
      this.line++;
      let end = s.indexOf('\n', start);
      if (end < 0) end = len;
      if (this.sawEof) this.fail('unexpected data after # EOF');
      this.pos = start;
      this.end = end;
      this.parseLine();
      start = end + 1;
    }
    if (this.om && !this.sawEof) this.fail('data does not end with # EOF');
    return { samples: this.samples, metadata: this.metadata, format: this.om ? 'openmetrics' : 'text' };
  }

  private parseLine(): void {
    const s = this.s;
    if (!this.om) while (this.pos < this.end && isBlank(s.charCodeAt(this.pos))) this.pos++;
    if (this.pos === this.end) return; // blank line
    if (s.charCodeAt(this.pos) === 35 /* # */) this.parseComment();
    else this.parseSample();
  }

  private parseComment(): void {
    const s = this.s;
    const text = s.slice(this.pos + 1, this.end);
    if (this.om) {
      if (text === ' EOF') {
        this.sawEof = true;
        return;
      }
      const m = /^ (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/s.exec(text);
      if (!m) this.fail(`invalid comment or metadata line: ${JSON.stringify(clip(text))}`);
      this.metadataLine(m[1], m[2], m[3] ?? '');
      return;
    }
    const m = /^[ \t]*(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*?))?[ \t]*$/s.exec(text);
    if (!m) return; // any other comment
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(m[2]))
      this.fail(`invalid metric name in # ${m[1]}: "${clip(m[2])}"`);
    this.metadataLine(m[1], m[2], m[3] ?? '');
  }

  private metadataLine(kind: string, name: string, rest: string): void {
    let md = this.metadata.get(name);
    if (!md) {
      md = { type: 'unknown', help: '', unit: '' };
      this.metadata.set(name, md);
    }
    if (kind === 'TYPE') {
      const t = (this.om ? OM_TYPES : TEXT_TYPES)[rest];
      if (t === undefined) this.fail(`invalid metric type "${clip(rest)}"`);
      md.type = t;
    } else if (kind === 'HELP') {
      md.help = unescapeHelp(rest, this.om);
    } else {
      if (rest !== '' && !name.endsWith(`_${rest}`))
        this.fail(`unit "${clip(rest)}" not a suffix of metric "${name}"`);
      md.unit = rest;
    }
  }

  private parseSample(): void {
    const s = this.s;
    const lineStart = this.pos;
    let p = this.pos;
    const end = this.end;
    if (!isNameStart(s.charCodeAt(p)))
      this.fail(`invalid metric name start: ${JSON.stringify(clip(s.slice(p, end)))}`);
    p++;
    while (p < end && isNameChar(s.charCodeAt(p))) p++;
    const name = s.slice(lineStart, p);
    let seriesEnd = p;
    let q = p;
    if (!this.om) while (q < end && isBlank(s.charCodeAt(q))) q++;
    if (q < end && s.charCodeAt(q) === 123 /* { */) {
      seriesEnd = this.scanLabels(q + 1, false);
      p = seriesEnd;
    }
    const series = s.slice(lineStart, seriesEnd);
    // value
    p = this.separator(p, 'value');
    let v = p;
    while (v < end && !isBlank(s.charCodeAt(v))) v++;
    const value = parseGoFloat(s.slice(p, v));
    if (value === undefined) this.fail(`bad value "${clip(s.slice(p, v))}" for metric ${name}`);
    p = v;
    let timestampMs: number | undefined;
    let exemplar: ParsedExemplar | undefined;
    if (p < end) {
      p = this.separator(p, 'timestamp');
      if (p < end && s.charCodeAt(p) === 35 /* # */) {
        if (!this.om) this.fail(`invalid timestamp "#" for metric ${name}`);
      } else if (p < end) {
        let t = p;
        while (t < end && !isBlank(s.charCodeAt(t))) t++;
        timestampMs = this.timestamp(s.slice(p, t), name);
        p = t;
        if (p < end) p = this.separator(p, 'exemplar');
      }
      if (p < end) {
        if (!this.om || s.charCodeAt(p) !== 35)
          this.fail(`unexpected "${clip(s.slice(p, end))}" after the sample of ${name}`);
        exemplar = this.parseExemplar(p + 1, name);
        p = end;
      }
    }
    this.samples.push(new Sample(series, name, value, timestampMs, exemplar));
  }

  /** After a token: text allows any run of blanks (and trailing ones), OpenMetrics exactly one space. */
  private separator(p: number, what: string): number {
    const s = this.s;
    if (p >= this.end) this.fail(`expected ${what}, found end of line`);
    if (this.om) {
      if (s.charCodeAt(p) !== 32)
        this.fail(`expected a space before the ${what}, found "${clip(s.slice(p, this.end))}"`);
      p++;
      if (p >= this.end || s.charCodeAt(p) === 32) this.fail(`expected ${what} after a single space`);
      return p;
    }
    if (!isBlank(s.charCodeAt(p)))
      this.fail(`expected blank before the ${what}, found "${clip(s.slice(p, this.end))}"`);
    while (p < this.end && isBlank(s.charCodeAt(p))) p++;
    if (p >= this.end && what === 'value') this.fail('expected value, found end of line');
    return p;
  }

  private timestamp(tok: string, name: string): number {
    if (this.om) {
      const f = parseGoFloat(tok);
      if (f === undefined || !Number.isFinite(f))
        this.fail(`invalid timestamp "${clip(tok)}" for metric ${name}`);
      return Math.trunc(f * 1000);
    }
    if (!/^[+-]?\d+$/.test(tok)) this.fail(`invalid timestamp "${clip(tok)}" for metric ${name}`);
    return Number(tok);
  }

  /**
   * Validates a label block starting after `{`; returns the index after `}`.
   * Collects the pairs when `collect` is set (exemplars).
   */
  private scanLabels(p: number, collect: boolean, out?: [string, string][]): number {
    const s = this.s;
    const end = this.end;
    const om = this.om;
    const skip = () => {
      if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
    };
    skip();
    let first = true;
    for (;;) {
      if (p >= end) this.fail('unexpected end of line in label set');
      if (s.charCodeAt(p) === 125 /* } */) {
        if (om && !first && s.charCodeAt(p - 1) === 44) this.fail('unexpected "," before "}" in label set');
        return p + 1;
      }
      const nameStart = p;
      if (!isLabelStart(s.charCodeAt(p))) this.fail(`invalid label name start in "${clip(s.slice(p, end))}"`);
      p++;
      while (p < end && isLabelChar(s.charCodeAt(p))) p++;
      const labelName = s.slice(nameStart, p);
      skip();
      if (s.charCodeAt(p) !== 61 /* = */) this.fail(`expected "=" after label name ${labelName}`);
      p++;
      skip();
      if (s.charCodeAt(p) !== 34 /* " */) this.fail(`expected '"' to start the value of label ${labelName}`);
      p++;
      const valueStart = p;
      let escaped = false;
      for (;;) {
        if (p >= end) this.fail(`unterminated value of label ${labelName}`);
        const c = s.charCodeAt(p);
        if (c === 92 /* \ */) {
          escaped = true;
          p += 2;
          continue;
        }
        if (c === 34) break;
        p++;
      }
      if (p > end) this.fail(`unterminated value of label ${labelName}`);
      if (collect && out) {
        const raw = s.slice(valueStart, p);
        out.push([labelName, escaped ? unescapeLabel(raw) : raw]);
      }
      p++; // closing quote
      skip();
      first = false;
      const c = s.charCodeAt(p);
      if (c === 44 /* , */) {
        p++;
        skip();
        continue;
      }
      if (c !== 125) this.fail(`expected "," or "}" after the value of label ${labelName}`);
    }
  }

  private parseExemplar(p: number, name: string): ParsedExemplar {
    const s = this.s;
    const end = this.end;
    if (s.charCodeAt(p) !== 32 || s.charCodeAt(p + 1) !== 123)
      this.fail(`invalid exemplar for metric ${name}: expected " {"`);
    const labels: [string, string][] = [];
    p = this.scanLabels(p + 2, true, labels);
    let runes = 0;
    for (const [k, v] of labels) runes += [...k].length + [...v].length;
    if (runes > EXEMPLAR_MAX_RUNES)
      this.fail(
        `exemplar labels have ${runes} UTF-8 characters, exceeding the limit of ${EXEMPLAR_MAX_RUNES}`,
      );
    p = this.separator(p, 'exemplar value');
    let v = p;
    while (v < end && s.charCodeAt(v) !== 32) v++;
    const value = parseGoFloat(s.slice(p, v));
    if (value === undefined) this.fail(`bad exemplar value "${clip(s.slice(p, v))}" for metric ${name}`);
    let timestampMs: number | undefined;
    if (v < end) {
      p = this.separator(v, 'exemplar timestamp');
      const tok = s.slice(p, end);
      const f = parseGoFloat(tok);
      if (f === undefined || !Number.isFinite(f))
        this.fail(`invalid exemplar timestamp "${clip(tok)}" for metric ${name}`);
      timestampMs = Math.trunc(f * 1000);
    }
    return { labels, value, timestampMs };
  }
}

/** Label values: `\\`, `\"` and `\n` are escapes; any other `\x` stays as written (as in Prometheus). */
export function unescapeLabel(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1];
      if (n === '\\' || n === '"') {
        out += n;
        i++;
        continue;
      }
      if (n === 'n') {
        out += '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function unescapeHelp(raw: string, om: boolean): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1];
      if (n === '\\' || n === 'n' || (om && n === '"')) {
        out += n === 'n' ? '\n' : n;
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/**
 * Splits a series validated by the parser (`name{a="b",...}`) into its name
 * and unescaped label pairs, in exposition order.
 */
export function parseSeries(series: string): { name: string; labels: [string, string][] } {
  const brace = series.indexOf('{');
  if (brace < 0) return { name: series, labels: [] };
  let name = series.slice(0, brace);
  const last = name.length - 1;
  if (last >= 0 && isBlank(name.charCodeAt(last))) name = name.trimEnd();
  const labels: [string, string][] = [];
  const s = series;
  let p = brace + 1;
  const end = s.length;
  const skip = () => {
    while (p < end && isBlank(s.charCodeAt(p))) p++;
  };
  for (;;) {
    skip();
    if (p >= end || s.charCodeAt(p) === 125) break;
    const ns = p;
    while (p < end && isLabelChar(s.charCodeAt(p))) p++;
    const ln = s.slice(ns, p);
    skip();
    p++; // =
    skip();
    p++; // "
    const vs = p;
    let escaped = false;
    while (p < end) {
      const c = s.charCodeAt(p);
      if (c === 92) {
        escaped = true;
        p += 2;
        continue;
      }
      if (c === 34) break;
      p++;
    }
    const raw = s.slice(vs, p);
    labels.push([ln, escaped ? unescapeLabel(raw) : raw]);
    p++; // "
    skip();
    if (s.charCodeAt(p) === 44) p++;
  }
  return { name, labels };
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
