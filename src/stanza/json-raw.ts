// A JSON reader that keeps numbers as their source text and re-serialises
// values compactly, as github.com/valyala/fastjson (the collector's
// json_array_parser) does: nested objects become their compact text, numbers
// are read as int64 "best effort" (0 when not an integer in range).

export class JsonRawError extends Error {}

export type RawValue =
  | { t: 'str'; v: string }
  | { t: 'num'; raw: string }
  | { t: 'true' | 'false' | 'null' }
  | { t: 'arr'; items: RawValue[] }
  | { t: 'obj'; entries: [string, RawValue][] };

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }
  fail(what: string): never {
    throw new JsonRawError(`${what} at offset ${this.i}`);
  }
  value(depth: number): RawValue {
    if (depth > 300) this.fail('too deep nesting');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { t: 'str', v: this.string() };
    for (const lit of ['true', 'false', 'null'] as const)
      if (this.s.startsWith(lit, this.i)) {
        this.i += lit.length;
        return { t: lit };
      }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.s.slice(this.i, this.i + 400),
    );
    if (!m || m[0] === '' || m[0] === '-') this.fail('unexpected value');
    this.i += m[0].length;
    return { t: 'num', raw: m[0] };
  }
  string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const j = this.s.indexOf('"', this.i);
      if (j < 0) this.fail('unterminated string');
      let bs = 0;
      for (let k = j - 1; k >= start && this.s[k] === '\\'; k--) bs++;
      this.i = j + 1;
      if (bs % 2 === 0) break;
    }
    try {
      return JSON.parse(this.s.slice(start, this.i)) as string;
    } catch {
      this.i = start;
      return this.fail('invalid string');
    }
  }
  array(depth: number): RawValue {
    this.i++;
    const items: RawValue[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { t: 'arr', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'arr', items };
      if (c !== ',') this.fail('expected , or ]');
    }
  }
  object(depth: number): RawValue {
    this.i++;
    const entries: [string, RawValue][] = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { t: 'obj', entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail('expected :');
      entries.push([k, this.value(depth + 1)]);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'obj', entries };
      if (c !== ',') this.fail('expected , or }');
    }
  }
}

/** Parses one JSON document (surrounding whitespace allowed, nothing after it). */
export function parseRaw(s: string): RawValue {
  const r = new Reader(s);
  const v = r.value(0);
  r.ws();
  if (r.i !== s.length) r.fail('unexpected tail');
  return v;
}

/** Go strconv-style quoting fastjson uses when a string needs escapes. */
function quote(s: string): string {
  if (!/["\\\x00-\x1f]/.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The compact text fastjson's Value.String() gives (numbers as written). */
export function rawString(v: RawValue): string {
  switch (v.t) {
    case 'str':
      return quote(v.v);
    case 'num':
      return v.raw;
    case 'arr':
      return `[${v.items.map(rawString).join(',')}]`;
    case 'obj':
      return `{${v.entries.map(([k, x]) => `${quote(k)}:${rawString(x)}`).join(',')}}`;
    default:
      return v.t;
  }
}

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

/** fastfloat.ParseInt64BestEffort: the integer, or 0 if the text is not an int64. */
export function int64BestEffort(raw: string): number | bigint {
  if (!/^-?[0-9]+$/.test(raw)) return 0;
  const n = BigInt(raw);
  if (n > I64_MAX || n < I64_MIN) return 0;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
