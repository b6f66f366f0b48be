// Parser for the Prometheus text format (0.0.4) and OpenMetrics 1.0 text,
// with the rules Prometheus's own parsers apply (model/textparse): a line
// that does not parse fails the whole scrape. The text format is lenient
// about blanks and has integer millisecond timestamps; OpenMetrics has single
// spaces, float second timestamps, exemplars and must end with `# EOF`.
//
// The series part of each sample (`name{labels}`) is validated here but
// returned as written: the scrape caches what it derived from it, so labels
// are unescaped (parseSeries) only for series it has not seen before.
import { type Exposition, type Metadata, type MetricType, type ParsedExemplar, ParseError } from './types.js';

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

/**
 * A series in its usual form (no blanks, no trailing comma), valid in both
 * formats: matched by one sticky regex, the fast path of a scrape. Anything
 * else goes through the character-by-character parser and its messages.
 */
const SERIES =
  /[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})?/y;

/** Matched against '' after a parse, to release the body from V8's last-match state. */
const NOTHING = /^$/;

/**
 * A string that holds no reference to the one it was sliced from (V8 slices
 * longer than 12 characters point into their parent).
 */
function flat(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s));
}

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

/**
 * A value token from `s[start, end)`: plain integers of up to 15 digits (most
 * counters and bucket counts) are read without making a string; anything
 * else goes through parseGoFloat. Undefined if invalid.
 */
function valueAt(s: string, start: number, end: number): number | undefined {
  const n = end - start;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = start;
    for (; i < end; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === end) return v;
  }
  return parseGoFloat(s.slice(start, end));
}

/** A copy of `a` (or nothing) in a buffer of `size`, the rest filled with `fill`. */
function grow(a: Float64Array | undefined, size: number, fill: number): Float64Array {
  const out = new Float64Array(size);
  const from = a?.length ?? 0;
  if (a) out.set(a);
  if (fill !== 0) out.fill(fill, from);
  return out;
}

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

/**
 * `previous`: the series of the last scrape of the same target, in order. A
 * line whose series is the one at the same position (the usual case) is not
 * parsed again: it was validated then, and the previous string is returned,
 * which makes the scrape cache's lookup a pointer comparison. When every series
 * is the previous one at its position, the result's `series` is `previous`
 * itself (not copied, never modified).
 */
export function parseExposition(
  body: string | Buffer,
  format: 'text' | 'openmetrics',
  previous?: readonly string[],
): Exposition {
  if (typeof body === 'string') return new Parser(body, format === 'openmetrics', previous).parse();
  return new Parser('', format === 'openmetrics', previous).parseBytes(body);
}

/**
 * A body parsed as it arrives: write() its bytes in pieces of any size (cut
 * anywhere, even inside a UTF-8 sequence), then end(). The result and the
 * errors are parseExposition()'s on the whole body; a parse error is thrown by
 * the write() (or end()) that meets it.
 */
export class ExpositionStream {
  private readonly parser: Parser;

  constructor(format: 'text' | 'openmetrics', previous?: readonly string[]) {
    this.parser = new Parser('', format === 'openmetrics', previous);
  }

  write(chunk: Buffer): void {
    this.parser.feed(chunk);
  }

  end(): Exposition {
    return this.parser.finishFeed();
  }
}

/**
 * A body is decoded to text at most this many bytes at a time (cut at line
 * ends), not as one string. Small enough that a piece is an ordinary young
 * string (V8 puts strings over 128 KiB in the large-object space, freed only
 * by a full GC: a scrape's pieces of 1 MiB stayed resident until the next
 * one), large enough that a piece holds hundreds of lines.
 */
export const DECODE_BYTES = 60 * 1024;

class Parser {
  private pos = 0;
  private line = 0;
  private end = 0;
  /**
   * The samples' series. While every one so far is the previous scrape's at the
   * same position (the usual case) this is `previous` itself, never written to:
   * a scrape of an unchanged target makes no array of its own (100k series made
   * an array of 800 KB each scrape, held until the scrape was delivered and so
   * promoted to the old generation: a full GC sooner). At the first series that
   * differs it becomes a copy, sized for the previous scrape's count.
   */
  private series: string[];
  /** Whether `series` is still `previous` (see above). */
  private shared: boolean;
  /** Samples so far (series[0, count)). */
  private count = 0;
  /** Values, in a buffer sized for the previous scrape's count (grown by doubling). */
  private values: Float64Array;
  /** Made at the first line with a timestamp (most expositions have none). */
  private timestamps: Float64Array | undefined;
  private exemplars: Map<number, ParsedExemplar> | undefined;
  private readonly metadata = new Map<string, Metadata>();
  private sawEof = false;

  constructor(
    private s: string,
    private readonly om: boolean,
    private readonly previous: readonly string[] | undefined,
  ) {
    this.values = new Float64Array(Math.max(64, (previous?.length ?? 0) + 8));
    this.shared = previous !== undefined;
    this.series = previous === undefined ? [] : (previous as string[]);
  }

  /** Appends sample `series` (its index is this.count before the push). */
  private push(series: string, value: number, timestampMs: number): void {
    const i = this.count++;
    if (i === this.values.length) this.values = grow(this.values, i * 2, 0);
    this.values[i] = value;
    let ts = this.timestamps;
    if (ts !== undefined || !Number.isNaN(timestampMs)) {
      if (ts === undefined || ts.length <= i) ts = this.timestamps = grow(ts, this.values.length, Number.NaN);
      ts[i] = timestampMs;
    }
    if (this.shared) {
      // the same text at the same position: the previous string stands (equal keys either way)
      if (i < this.series.length && this.series[i] === series) return;
      this.unshare(i);
    }
    if (i < this.series.length) this.series[i] = series;
    else this.series.push(series);
  }

  /** `series` becomes an array of its own holding the first `n` series. */
  private unshare(n: number): void {
    const prev = this.series;
    const own = new Array<string>(prev.length);
    for (let j = 0; j < n; j++) own[j] = prev[j];
    this.series = own;
    this.shared = false;
  }

  private fail(message: string): never {
    throw new ParseError(message, this.line);
  }

  parse(): Exposition {
    this.parseLines();
    return this.finish();
  }

  /**
   * A body as bytes: decoded (UTF-8, exactly as a whole-body decode would) and parsed a
   * piece of at most DECODE_BYTES at a time (or one longer line), cut after a newline —
   * a newline byte is never inside a UTF-8 sequence — so a scrape never holds its
   * whole body as a string as well as bytes.
   */
  parseBytes(body: Buffer): Exposition {
    this.parseRegion(body, 0, body.length);
    this.s = '';
    return this.finish();
  }

  /** Lines not yet ended by a newline: the bytes after the last one fed (copies). */
  private carry: Buffer[] = [];

  /** The next bytes of a body that arrives in pieces (see ExpositionStream). */
  feed(c: Buffer): void {
    const nl = c.lastIndexOf(10);
    if (nl < 0) {
      if (c.length > 0) this.carry.push(Buffer.from(c));
      return;
    }
    if (this.carry.length > 0) {
      this.carry.push(c.subarray(0, nl + 1));
      const head = Buffer.concat(this.carry);
      this.carry = [];
      this.parseRegion(head, 0, head.length);
    } else this.parseRegion(c, 0, nl + 1);
    if (nl + 1 < c.length) this.carry.push(Buffer.from(c.subarray(nl + 1)));
  }

  /** The end of a body fed in pieces. */
  finishFeed(): Exposition {
    if (this.carry.length > 0) {
      const rest = Buffer.concat(this.carry);
      this.carry = [];
      this.parseRegion(rest, 0, rest.length);
    }
    this.s = '';
    return this.finish();
  }

  /** body[from, to): whole lines (or the body's last one), decoded and parsed in pieces. */
  private parseRegion(body: Buffer, from: number, end: number): void {
    while (from < end) {
      let to = end;
      if (to - from > DECODE_BYTES) {
        // the last line end within the limit; a longer line goes whole
        let nl = body.lastIndexOf(10, from + DECODE_BYTES - 1);
        if (nl < from) nl = body.indexOf(10, from + DECODE_BYTES);
        if (nl >= 0 && nl < end) to = nl + 1;
      }
      this.s = body.toString('utf8', from, to);
      this.parseLines();
      from = to;
    }
  }

  /** The lines of this.s (a whole body, or pieces that end with a newline). */
  private parseLines(): void {
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
  }

  private finish(): Exposition {
    if (this.om && !this.sawEof) this.fail('data does not end with # EOF');
    // V8 keeps the subject of the last regex match (RegExp.input): a match on the
    // body, or a slice of it, would pin the whole body until the next match anywhere
    NOTHING.test('');
    const n = this.count;
    if (this.shared && n < this.series.length) this.unshare(n);
    this.series.length = n;
    return {
      series: this.series,
      values: this.values.subarray(0, n),
      timestampsMs: this.timestamps?.subarray(0, n),
      exemplars: this.exemplars,
      metadata: this.metadata,
      format: this.om ? 'openmetrics' : 'text',
    };
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

  private metadataLine(kind: string, rawName: string, rest: string): void {
    // the scrape keeps metadata until the next one: copies, not slices pinning the whole body
    const name = flat(rawName);
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
      md.help = flat(unescapeHelp(rest, this.om));
    } else {
      if (rest !== '' && !name.endsWith(`_${rest}`))
        this.fail(`unit "${clip(rest)}" not a suffix of metric "${name}"`);
      md.unit = flat(rest);
    }
  }

  private parseSample(): void {
    const s = this.s;
    const lineStart = this.pos;
    let p = this.pos;
    const end = this.end;
    if (!isNameStart(s.charCodeAt(p)))
      this.fail(`invalid metric name start: ${JSON.stringify(clip(s.slice(p, end)))}`);
    let seriesEnd: number;
    const known = this.previous?.[this.count];
    if (known !== undefined) {
      const after = lineStart + known.length;
      if (after < end && s.charCodeAt(after) === 32 && s.slice(lineStart, after) === known) {
        const vStart = after + 1;
        let v = vStart;
        while (v < end && !isBlank(s.charCodeAt(v))) v++;
        if (v === end && v > vStart) {
          const value = valueAt(s, vStart, v);
          if (value !== undefined) {
            this.push(known, value, Number.NaN);
            return;
          }
        }
      }
    }
    SERIES.lastIndex = lineStart;
    if (
      SERIES.test(s) &&
      s.charCodeAt(SERIES.lastIndex) === 32 &&
      s.charCodeAt(SERIES.lastIndex + 1) !== 123
    ) {
      // the common shape, checked by one compiled regex: name{a="b",...} then a space
      seriesEnd = SERIES.lastIndex;
      p = seriesEnd;
      // and most often just a value after it
      const vStart = p + 1;
      let v = vStart;
      while (v < end && !isBlank(s.charCodeAt(v))) v++;
      if (v === end && v > vStart) {
        const value = valueAt(s, vStart, v);
        if (value !== undefined) {
          this.push(s.slice(lineStart, seriesEnd), value, Number.NaN);
          return;
        }
      }
    } else {
      p++;
      while (p < end && isNameChar(s.charCodeAt(p))) p++;
      seriesEnd = p;
      let q = p;
      if (!this.om) while (q < end && isBlank(s.charCodeAt(q))) q++;
      if (q < end && s.charCodeAt(q) === 123 /* { */) {
        seriesEnd = this.scanLabels(q + 1, undefined);
        p = seriesEnd;
      }
    }
    // value
    p = this.separator(p, 'value', lineStart);
    let v = p;
    while (v < end && !isBlank(s.charCodeAt(v))) v++;
    const value = valueAt(s, p, v);
    if (value === undefined)
      this.fail(`bad value "${clip(s.slice(p, v))}" for metric ${nameAt(s, lineStart)}`);
    p = v;
    let timestampMs = Number.NaN;
    if (p < end) {
      p = this.separator(p, 'timestamp', lineStart);
      if (p < end && s.charCodeAt(p) === 35 /* # */) {
        if (!this.om) this.fail(`invalid timestamp "#" for metric ${nameAt(s, lineStart)}`);
      } else if (p < end) {
        let t = p;
        while (t < end && !isBlank(s.charCodeAt(t))) t++;
        timestampMs = this.timestamp(s.slice(p, t), nameAt(s, lineStart));
        p = t;
        if (p < end) p = this.separator(p, 'exemplar', lineStart);
      }
      if (p < end) {
        if (!this.om || s.charCodeAt(p) !== 35)
          this.fail(`unexpected "${clip(s.slice(p, end))}" after the sample of ${nameAt(s, lineStart)}`);
        this.exemplars ??= new Map();
        this.exemplars.set(this.count, this.parseExemplar(p + 1, nameAt(s, lineStart)));
        p = end;
      }
    }
    this.push(s.slice(lineStart, seriesEnd), value, timestampMs);
  }

  /** After a token: text allows any run of blanks (and trailing ones), OpenMetrics exactly one space. */
  private separator(p: number, what: string, _lineStart = 0): number {
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
   * Collects the unescaped pairs into `out` when given (exemplars). Label
   * values are found with indexOf, the hot path of a scrape.
   */
  private scanLabels(p: number, out: [string, string][] | undefined): number {
    const s = this.s;
    const end = this.end;
    const om = this.om;
    if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
    let first = true;
    for (;;) {
      if (p >= end) this.fail('unexpected end of line in label set');
      let c = s.charCodeAt(p);
      if (c === 125 /* } */) {
        // `{}`, or (text format only) a trailing comma
        if (om && !first) this.fail('unexpected "," before "}" in label set');
        return p + 1;
      }
      const nameStart = p;
      if (!isLabelStart(c)) this.fail(`invalid label name start in "${clip(s.slice(p, end))}"`);
      p++;
      while (p < end && isLabelChar(s.charCodeAt(p))) p++;
      const nameEnd = p;
      if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) !== 61 /* = */)
        this.fail(`expected "=" after label name ${s.slice(nameStart, nameEnd)}`);
      p++;
      if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) !== 34 /* " */)
        this.fail(`expected '"' to start the value of label ${s.slice(nameStart, nameEnd)}`);
      const valueStart = p + 1;
      let close = s.indexOf('"', valueStart);
      let escaped = false;
      // a quote preceded by an odd number of backslashes is part of the value
      while (close >= 0 && close < end && s.charCodeAt(close - 1) === 92) {
        let b = close - 1;
        while (b >= valueStart && s.charCodeAt(b) === 92) b--;
        if ((close - 1 - b) % 2 === 0) break;
        escaped = true;
        close = s.indexOf('"', close + 1);
      }
      if (close < 0 || close >= end) this.fail(`unterminated value of label ${s.slice(nameStart, nameEnd)}`);
      if (out) {
        const raw = s.slice(valueStart, close);
        out.push([s.slice(nameStart, nameEnd), escaped || raw.includes('\\') ? unescapeLabel(raw) : raw]);
      }
      p = close + 1;
      if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
      c = s.charCodeAt(p);
      if (c === 125) return p + 1;
      if (c !== 44 /* , */)
        this.fail(`expected "," or "}" after the value of label ${s.slice(nameStart, nameEnd)}`);
      p++;
      if (!om) while (p < end && isBlank(s.charCodeAt(p))) p++;
      first = false;
    }
  }

  private parseExemplar(p: number, name: string): ParsedExemplar {
    const s = this.s;
    const end = this.end;
    if (s.charCodeAt(p) !== 32 || s.charCodeAt(p + 1) !== 123)
      this.fail(`invalid exemplar for metric ${name}: expected " {"`);
    const labels: [string, string][] = [];
    p = this.scanLabels(p + 2, labels);
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

/** The metric name of the line starting at `i` (for messages). */
function nameAt(s: string, i: number): string {
  let j = i;
  while (j < s.length && isNameChar(s.charCodeAt(j))) j++;
  return s.slice(i, j);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
