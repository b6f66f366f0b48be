// OTTL converters (pkg/ottl/ottlfuncs README): type conversion and checks,
// string functions, hashes, IDs, time, JSON and key/value parsing. Each one
// follows the README's argument list and error behaviour; literal arguments
// (patterns, formats, cases) are validated and compiled at config time.
import { createHash, randomUUID } from 'node:crypto';
import type { AnyValue, KeyValue } from '../../pdata/types.js';
import { compileGoRegex } from '../../regexp/go.js';
import { valuesEqual } from '../compare.js';
import { fail } from '../errors.js';
import type { Getter } from '../paths.js';
import { type Bound, type ConverterDef, type Param, register } from '../registry.js';
import {
  asString,
  fromAny,
  hex,
  ODuration,
  OTime,
  PMap,
  PSlice,
  toAny,
  typeName,
  type Value,
} from '../values.js';
import { expectInt, expectMap, expectString, floatLike, isList, parseGoFloat, stringLike } from './args.js';
import { compileTimeParser, formatTime, parseGoDuration } from './time.js';

const g = (b: Bound) => b as Getter;
const P = (name: string, kind: Param['kind'] = 'getter', optional = false): Param => ({
  name,
  kind,
  optional,
});

function conv(
  name: string,
  params: Param[],
  build: ConverterDef['build'],
  contexts?: ConverterDef['contexts'],
): ConverterDef {
  return { kind: 'converter', name, params, build, contexts };
}

/** A converter of one getter argument. */
function unary(name: string, fn: (v: Value) => Value): ConverterDef {
  return conv(name, [P('value')], ([a]) => {
    const get = g(a);
    return (c) => fn(get(c));
  });
}

function expectTime(v: Value): OTime {
  if (v instanceof OTime) return v;
  return fail(`expected time.Time but got ${typeName(v)}`);
}

function expectDuration(v: Value): ODuration {
  if (v instanceof ODuration) return v;
  return fail(`expected time.Duration but got ${typeName(v)}`);
}

function hash(algo: string): (v: Value) => Value {
  return (v) => createHash(algo).update(expectString(v)).digest('hex');
}

/** Words of an identifier-like string, split on separators and case changes (for snake/camel case). */
function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}
const snake = (s: string) =>
  words(s)
    .map((w) => w.toLowerCase())
    .join('_');
const camel = (s: string) =>
  words(s)
    .map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase())
    .join('');

function jsonToAny(v: unknown): AnyValue {
  if (v === null) return {};
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'number':
      return { doubleValue: v };
    case 'boolean':
      return { boolValue: v };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonToAny) } };
  return { kvlistValue: { values: jsonToKvs(v as Record<string, unknown>) } };
}

function jsonToKvs(o: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key in o) out.push({ key, value: jsonToAny(o[key]) });
  return out;
}

function toList(v: Value): Value[] {
  if (v instanceof PSlice) return v.values.map(fromAny);
  if (Array.isArray(v)) return v;
  return fail(`expected a slice but got ${typeName(v)}`);
}

/** Go's strings.Trim: removes leading and trailing characters contained in `cutset`. */
function trimSet(s: string, cutset: string): string {
  const set = new Set(cutset);
  let a = 0;
  let b = s.length;
  while (a < b && set.has(s[a])) a++;
  while (b > a && set.has(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Splits key/value pairs, keeping quoted values ("a b" or 'a b') together. */
function splitPairs(s: string, pairDelim: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; ) {
    const ch = s[i];
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
      i++;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      i++;
    } else if (s.startsWith(pairDelim, i)) {
      if (cur !== '') out.push(cur);
      cur = '';
      i += pairDelim.length;
    } else {
      cur += ch;
      i++;
    }
  }
  if (quote) fail(`never reached the end of a quoted value in ${JSON.stringify(s)}`);
  if (cur !== '') out.push(cur);
  return out;
}

const unquote = (s: string) =>
  s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0] ? s.slice(1, -1) : s;

function fnv64a(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s)) {
    h ^= BigInt(b);
    h = BigInt.asUintN(64, h * 0x100000001b3n);
  }
  return BigInt.asIntN(64, h);
}

function hexOf(v: Value): Value {
  const buf = Buffer.alloc(8);
  if (typeof v === 'number') {
    buf.writeDoubleBE(v);
    return buf.toString('hex');
  }
  if (typeof v === 'bigint') {
    buf.writeBigInt64BE(v);
    return buf.toString('hex');
  }
  if (typeof v === 'string') return Buffer.from(v).toString('hex');
  if (typeof v === 'boolean') return v ? '01' : '00';
  if (v instanceof Uint8Array) return hex(v);
  return null;
}

function idConverter(name: string, size: number): ConverterDef {
  return unary(name, (v) => {
    if (v instanceof Uint8Array) {
      if (v.length !== size)
        return fail(`${name === 'TraceID' ? 'traces' : 'span'} ids must be ${size} bytes`);
      return v.slice();
    }
    if (typeof v === 'string') {
      if (v.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(v))
        return fail(`${name} string must be ${size * 2} hex characters, got ${JSON.stringify(v)}`);
      return Uint8Array.from(Buffer.from(v, 'hex'));
    }
    return fail(`expected bytes or a hex string but got ${typeName(v)}`);
  });
}

const timePart = (name: string, fn: (d: Date, t: OTime) => number) =>
  unary(name, (v) => {
    const t = expectTime(v);
    return BigInt(fn(new Date(Number(t.ns / 1_000_000n)), t));
  });

const durationPart = (name: string, fn: (ns: bigint) => Value) =>
  unary(name, (v) => fn(expectDuration(v).ns));

register(
  unary('Bool', (v) => {
    switch (typeof v) {
      case 'boolean':
        return v;
      case 'number':
        return v !== 0;
      case 'bigint':
        return v !== 0n;
      case 'string':
        if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
        if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
        return null;
    }
    return null;
  }),
  unary('Int', (v) => {
    switch (typeof v) {
      case 'bigint':
        return v;
      case 'number':
        return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : null;
      case 'boolean':
        return v ? 1n : 0n;
      case 'string': {
        if (!/^[+-]?\d+$/.test(v)) return null;
        const n = BigInt(v);
        return n === BigInt.asIntN(64, n) ? n : null;
      }
    }
    return null;
  }),
  unary('Double', (v) => {
    switch (typeof v) {
      case 'number':
        return v;
      case 'bigint':
        return Number(v);
      case 'boolean':
        return v ? 1 : 0;
      case 'string':
        return parseGoFloat(v) ?? null;
    }
    return null;
  }),
  unary('String', (v) =>
    v === null || v === undefined ? null : v instanceof Uint8Array ? hex(v) : asString(v),
  ),
  unary('IsString', (v) => typeof v === 'string'),
  unary('IsInt', (v) => typeof v === 'bigint'),
  unary('IsDouble', (v) => typeof v === 'number'),
  unary('IsBool', (v) => typeof v === 'boolean'),
  unary('IsMap', (v) => v instanceof PMap),
  unary('IsList', (v) => isList(v)),
  unary('IsEmpty', (v) => {
    if (v === null || v === undefined) return true;
    if (v instanceof PMap) return v.kvs.length === 0;
    if (v instanceof PSlice) return v.values.length === 0;
    if (Array.isArray(v) || v instanceof Uint8Array)
      return v.length === 0 || (v instanceof Uint8Array && v.every((b) => b === 0));
    if (v instanceof OTime || v instanceof ODuration) return v.ns === 0n;
    return v === '' || v === 0 || v === 0n || v === false;
  }),
  conv('IsMatch', [P('target'), P('pattern', 'string')], ([t, p]) => {
    const get = g(t);
    let rx: RegExp;
    try {
      rx = compileGoRegex(p as string).re;
    } catch (err) {
      throw new Error(
        `the pattern supplied to IsMatch is not a valid regexp pattern: ${(err as Error).message}`,
      );
    }
    return (c) => {
      const v = get(c);
      if (typeof v === 'string') return rx.test(v);
      if (v === null || v === undefined) return false;
      return rx.test(stringLike(v) as string);
    };
  }),
  unary('Len', (v) => {
    if (typeof v === 'string') return BigInt(Buffer.byteLength(v));
    if (v instanceof PMap) return BigInt(v.kvs.length);
    if (v instanceof PSlice) return BigInt(v.values.length);
    if (Array.isArray(v)) return BigInt(v.length);
    return fail(`unimplemented type for Len: ${typeName(v)}`);
  }),
  conv('Concat', [P('vals', 'getterList'), P('delimiter')], ([vals, delim]) => {
    const items = vals as Getter[];
    const d = g(delim);
    return (c) => {
      const sep = expectString(d(c), 'delimiter');
      let out = '';
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out += sep;
        out += stringLike(items[i](c)) ?? '<nil>';
      }
      return out;
    };
  }),
  conv('Split', [P('target'), P('delimiter')], ([t, d]) => {
    const get = g(t);
    const del = g(d);
    return (c) => {
      const s = expectString(get(c), 'target');
      const sep = expectString(del(c), 'delimiter');
      return s.split(sep);
    };
  }),
  conv(
    'Substring',
    [P('target'), P('start'), P('length'), P('utf8_safe', 'bool', true)],
    ([t, s, l, safe]) => {
      const get = g(t);
      const gs = g(s);
      const gl = g(l);
      return (c) => {
        const buf = Buffer.from(expectString(get(c), 'target'));
        let start = Number(expectInt(gs(c), 'start'));
        const length = Number(expectInt(gl(c), 'length'));
        if (start < 0) return fail(`invalid start for substring function, ${start} cannot be negative`);
        if (length <= 0)
          return fail(`invalid length for substring function, ${length} cannot be negative or zero`);
        if (start + length > buf.length)
          return fail(
            `invalid range for substring function, ${start + length} cannot be greater than the length of target string(${buf.length})`,
          );
        let end = start + length;
        if (safe === true) {
          while (start < buf.length && (buf[start] & 0xc0) === 0x80) start++;
          while (end > start && end < buf.length && (buf[end] & 0xc0) === 0x80) end--;
        }
        return buf.subarray(start, end).toString();
      };
    },
  ),
  conv('ConvertCase', [P('target'), P('to_case', 'string')], ([t, to]) => {
    const get = g(t);
    const fns: Record<string, (s: string) => string> = {
      lower: (s) => s.toLowerCase(),
      upper: (s) => s.toUpperCase(),
      snake,
      camel,
    };
    const fn = fns[to as string];
    if (!fn) throw new Error(`invalid case: ${String(to)}, allowed cases are: lower, upper, snake, camel`);
    return (c) => fn(expectString(get(c), 'target'));
  }),
  unary('ToLowerCase', (v) => expectString(v).toLowerCase()),
  unary('ToUpperCase', (v) => expectString(v).toUpperCase()),
  unary('ToSnakeCase', (v) => snake(expectString(v))),
  unary('ToCamelCase', (v) => camel(expectString(v))),
  unary('SHA1', hash('sha1')),
  unary('SHA256', hash('sha256')),
  unary('SHA512', hash('sha512')),
  unary('MD5', hash('md5')),
  unary('FNV', (v) => fnv64a(expectString(v))),
  unary('Hex', hexOf),
  unary('Log', (v) => {
    const f = floatLike(v);
    if (f === null) return fail('cannot take log of nil');
    if (f <= 0) return fail(`cannot take log of ${f}`);
    return Math.log(f);
  }),
  idConverter('TraceID', 16),
  idConverter('SpanID', 8),
  conv(
    'IsRootSpan',
    [],
    () => (c) => {
      const p = c.span.parentSpanId;
      return p.length === 0 || p.every((b) => b === 0);
    },
    ['span'],
  ),
  conv('Trim', [P('target'), P('replacement', 'string', true)], ([t, r]) => {
    const get = g(t);
    const cutset = (r as string | undefined) ?? ' ';
    return (c) => trimSet(expectString(get(c), 'target'), cutset);
  }),
  conv('TrimPrefix', [P('value'), P('prefix')], ([v, p]) => {
    const gv = g(v);
    const gp = g(p);
    return (c) => {
      const s = expectString(gv(c), 'value');
      const pre = expectString(gp(c), 'prefix');
      return s.startsWith(pre) ? s.slice(pre.length) : s;
    };
  }),
  conv('TrimSuffix', [P('value'), P('suffix')], ([v, p]) => {
    const gv = g(v);
    const gp = g(p);
    return (c) => {
      const s = expectString(gv(c), 'value');
      const suf = expectString(gp(c), 'suffix');
      return suf !== '' && s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s;
    };
  }),
  conv('HasPrefix', [P('value'), P('prefix')], ([v, p]) => {
    const gv = g(v);
    const gp = g(p);
    return (c) => expectString(gv(c), 'value').startsWith(expectString(gp(c), 'prefix'));
  }),
  conv('HasSuffix', [P('value'), P('suffix')], ([v, p]) => {
    const gv = g(v);
    const gp = g(p);
    return (c) => expectString(gv(c), 'value').endsWith(expectString(gp(c), 'suffix'));
  }),
  unary('ParseJSON', (v) => {
    const s = expectString(v, 'target');
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (err) {
      return fail(`could not parse JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(parsed)) return new PSlice(parsed.map(jsonToAny));
    if (parsed !== null && typeof parsed === 'object')
      return new PMap(jsonToKvs(parsed as Record<string, unknown>));
    return fail(
      `could not convert parsed value of type ${parsed === null ? 'null' : typeof parsed} to JSON object`,
    );
  }),
  conv(
    'ParseKeyValue',
    [P('target'), P('delimiter', 'string', true), P('pair_delimiter', 'string', true)],
    ([t, d, pd]) => {
      const get = g(t);
      const delim = (d as string | undefined) ?? '=';
      const pairDelim = (pd as string | undefined) ?? ' ';
      if (delim === '') throw new Error('delimiter cannot be set to an empty string');
      if (pairDelim === '') throw new Error('pair delimiter cannot be set to an empty string');
      if (delim === pairDelim)
        throw new Error(`pair delimiter "${pairDelim}" cannot be equal to delimiter "${delim}"`);
      return (c) => {
        const s = expectString(get(c), 'target');
        if (s === '') return fail('cannot parse from empty target');
        const kvs: KeyValue[] = [];
        for (const pair of splitPairs(s, pairDelim)) {
          const at = pair.indexOf(delim);
          if (at < 0) return fail(`cannot split ${JSON.stringify(pair)} into 2 items, got 1 item(s)`);
          const key = unquote(pair.slice(0, at).trim());
          const value = unquote(pair.slice(at + delim.length).trim());
          const existing = kvs.find((kv) => kv.key === key);
          if (existing) existing.value = { stringValue: value };
          else kvs.push({ key, value: { stringValue: value } });
        }
        return new PMap(kvs);
      };
    },
  ),
  conv('ExtractPatterns', [P('target'), P('pattern', 'string')], ([t, p]) => {
    const get = g(t);
    let rx: ReturnType<typeof compileGoRegex>;
    try {
      rx = compileGoRegex(p as string);
    } catch (err) {
      throw new Error(
        `the pattern supplied to ExtractPatterns is not a valid pattern: ${(err as Error).message}`,
      );
    }
    if (!rx.names.some((n) => n !== undefined))
      throw new Error('at least 1 named capture group must be supplied in the given regex');
    return (c) => {
      const s = expectString(get(c), 'target');
      const m = rx.re.exec(s);
      const kvs: KeyValue[] = [];
      if (m)
        rx.names.forEach((name, i) => {
          if (name !== undefined) kvs.push({ key: name, value: { stringValue: m[i] ?? '' } });
        });
      return new PMap(kvs);
    };
  }),
  unary('Keys', (v) => new PSlice(expectMap(v).kvs.map((kv) => ({ stringValue: kv.key }) as AnyValue))),
  unary('Values', (v) => new PSlice(expectMap(v).kvs.map((kv) => kv.value))),
  conv('ContainsValue', [P('target'), P('item')], ([t, i]) => {
    const gt = g(t);
    const gi = g(i);
    return (c) => {
      const item = gi(c);
      return toList(gt(c)).some((x) => valuesEqual(x, item));
    };
  }),
  conv('Index', [P('target'), P('value')], ([t, v]) => {
    const gt = g(t);
    const gv = g(v);
    return (c) => {
      const target = gt(c);
      const value = gv(c);
      if (typeof target === 'string') {
        const i = target.indexOf(expectString(value, 'value'));
        return i < 0 ? -1n : BigInt(Buffer.byteLength(target.slice(0, i)));
      }
      return BigInt(toList(target).findIndex((x) => valuesEqual(x, value)));
    };
  }),
  conv('Coalesce', [P('values', 'getterList')], ([vals]) => {
    const items = vals as Getter[];
    if (items.length === 0) throw new Error('at least one value is required');
    return (c) => {
      for (const it of items) {
        const v = it(c);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    };
  }),
  conv('Base64Encode', [P('value'), P('variant', 'string', true)], ([v, variant]) => {
    const gv = g(v);
    const kinds: Record<string, (b: Buffer) => string> = {
      base64: (b) => b.toString('base64'),
      'base64-raw': (b) => b.toString('base64').replace(/=+$/, ''),
      'base64-url': (b) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
      'base64-raw-url': (b) => b.toString('base64url'),
    };
    const fn = kinds[(variant as string | undefined) ?? 'base64'];
    if (!fn) throw new Error(`unsupported base64 variant ${String(variant)}`);
    return (c) => fn(Buffer.from(expectString(gv(c), 'value')));
  }),
  unary('Base64Decode', (v) => decodeBase64(expectString(v), 'base64')),
  conv('Decode', [P('value'), P('encoding', 'string')], ([v, enc]) => {
    const gv = g(v);
    const e = (enc as string).toLowerCase();
    const base64 = ['base64', 'base64-raw', 'base64-url', 'base64-raw-url'].includes(e);
    let decoder: InstanceType<typeof TextDecoder> | undefined;
    if (!base64) {
      try {
        decoder = new TextDecoder(e);
      } catch {
        throw new Error(`no charmap defined for encoding '${enc as string}'`);
      }
    }
    return (c) => {
      const x = gv(c);
      if (base64) return decodeBase64(expectString(x, 'value'), e);
      const bytes = x instanceof Uint8Array ? x : Buffer.from(expectString(x, 'value'), 'latin1');
      return (decoder as InstanceType<typeof TextDecoder>).decode(bytes);
    };
  }),
  conv('ParseInt', [P('target'), P('base')], ([t, b]) => {
    const gt = g(t);
    const gb = g(b);
    return (c) => {
      const s = expectString(gt(c), 'target');
      const base = Number(expectInt(gb(c), 'base'));
      return parseGoInt(s, base);
    };
  }),
  conv('Now', [], () => () => new OTime(BigInt(Date.now()) * 1_000_000n)),
  conv('UUID', [], () => () => randomUUID()),
  conv('Unix', [P('seconds'), P('nanoseconds', 'getter', true)], ([s, n]) => {
    const gs = g(s);
    const gn = n as Getter | undefined;
    return (c) =>
      new OTime(expectInt(gs(c), 'seconds') * 1_000_000_000n + (gn ? expectInt(gn(c), 'nanoseconds') : 0n));
  }),
  unary('UnixNano', (v) => expectTime(v).ns),
  unary('UnixMicro', (v) => floorDiv(expectTime(v).ns, 1_000n)),
  unary('UnixMilli', (v) => floorDiv(expectTime(v).ns, 1_000_000n)),
  unary('UnixSeconds', (v) => floorDiv(expectTime(v).ns, 1_000_000_000n)),
  conv(
    'Time',
    [P('time'), P('format', 'string'), P('location', 'string', true), P('locale', 'string', true)],
    ([t, f, loc, locale]) => {
      const gt = g(t);
      if ((f as string) === '') throw new Error('format cannot be empty');
      if (locale !== undefined && !/^en(-|$)/i.test(locale as string))
        throw new Error(`unsupported locale ${JSON.stringify(locale)}: only English names are supported`);
      const parser = compileTimeParser(f as string, loc as string | undefined);
      return (c) => new OTime(parser.parse(expectString(gt(c), 'time')));
    },
  ),
  conv('FormatTime', [P('time'), P('format', 'string')], ([t, f]) => {
    const gt = g(t);
    const format = f as string;
    formatTime(0n, format); // validates the directives at config time
    return (c) => formatTime(expectTime(gt(c)).ns, format);
  }),
  unary('Duration', (v) => new ODuration(parseGoDuration(expectString(v, 'duration')))),
  conv('TruncateTime', [P('time'), P('duration')], ([t, d]) => {
    const gt = g(t);
    const gd = g(d);
    return (c) => {
      const time = expectTime(gt(c));
      const dur = expectDuration(gd(c)).ns;
      if (dur <= 0n) return time;
      return new OTime(time.ns - (((time.ns % dur) + dur) % dur));
    };
  }),
  timePart('Year', (d) => d.getUTCFullYear()),
  timePart('Month', (d) => d.getUTCMonth() + 1),
  timePart('Day', (d) => d.getUTCDate()),
  timePart('Hour', (d) => d.getUTCHours()),
  timePart('Minute', (d) => d.getUTCMinutes()),
  timePart('Second', (d) => d.getUTCSeconds()),
  timePart('Weekday', (d) => d.getUTCDay()),
  timePart('Nanosecond', (_d, t) => Number(((t.ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n)),
  durationPart('Hours', (ns) => Number(ns) / 3600e9),
  durationPart('Minutes', (ns) => Number(ns) / 60e9),
  durationPart('Seconds', (ns) => Number(ns) / 1e9),
  durationPart('Milliseconds', (ns) => ns / 1_000_000n),
  durationPart('Microseconds', (ns) => ns / 1_000n),
  durationPart('Nanoseconds', (ns) => ns),
  conv('Sort', [P('target'), P('order', 'string', true)], ([t, o]) => {
    const gt = g(t);
    const order = (o as string | undefined) ?? 'asc';
    if (order !== 'asc' && order !== 'desc')
      throw new Error(`invalid arguments: ${order}. Order should be either "asc" or "desc"`);
    return (c) => {
      const list = toList(gt(c));
      const allNum = list.every((x) => typeof x === 'bigint' || typeof x === 'number');
      const allStr = list.every((x) => typeof x === 'string');
      if (
        !allNum &&
        !allStr &&
        !list.every((x) => ['string', 'bigint', 'number', 'boolean'].includes(typeof x))
      )
        return fail('sort with unsupported type');
      const key = (x: Value) => (allNum ? Number(x) : (stringLike(x) ?? ''));
      const sorted = [...list].sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
      if (order === 'desc') sorted.reverse();
      return sorted;
    };
  }),
  conv(
    'SliceToMap',
    [P('target'), P('key_path', 'stringList', true), P('value_path', 'stringList', true)],
    ([t, kp, vp]) => {
      const gt = g(t);
      const keyPath = kp as string[] | undefined;
      const valuePath = vp as string[] | undefined;
      const dig = (v: Value, path: string[]): Value => {
        let cur = v;
        for (const k of path) {
          if (!(cur instanceof PMap)) return null;
          const kv = cur.kvs.find((x) => x.key === k);
          cur = kv ? fromAny(kv.value) : null;
        }
        return cur;
      };
      return (c) => {
        const kvs: KeyValue[] = [];
        toList(gt(c)).forEach((item, i) => {
          const key = keyPath ? dig(item, keyPath) : String(i);
          if (typeof key !== 'string')
            fail(`provided object does not contain a string value at the key path`);
          kvs.push({ key, value: toAny(valuePath ? dig(item, valuePath) : item) });
        });
        return new PMap(kvs);
      };
    },
  ),
  conv('Format', [P('format'), P('vals', 'getterList')], ([f, vals]) => {
    const gf = g(f);
    const items = vals as Getter[];
    return (c) =>
      goSprintf(
        expectString(gf(c), 'format'),
        items.map((it) => it(c)),
      );
  }),
);

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function decodeBase64(s: string, variant: string): string {
  const ok = variant.includes('url') ? /^[A-Za-z0-9_-]*=*$/ : /^[A-Za-z0-9+/]*=*$/;
  if (!ok.test(s)) return fail(`illegal base64 data in ${JSON.stringify(s)}`);
  return Buffer.from(s, variant.includes('url') ? 'base64url' : 'base64').toString();
}

/** strconv.ParseInt(s, base, 64), including base 0 prefixes and underscores. */
function parseGoInt(s: string, base: number): bigint {
  if (base < 0 || base === 1 || base > 36) return fail(`invalid base ${base}`);
  let t = s;
  let neg = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let b = base;
  if (b === 0) {
    b = 10;
    const prefix = /^0([xXbBoO]|(?=\d))/.exec(t);
    if (prefix) {
      const p = prefix[1].toLowerCase();
      b = p === 'x' ? 16 : p === 'b' ? 2 : 8;
      t = t.slice(prefix[0].length);
    }
    t = t.replace(/_/g, '');
  }
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  if (t === '' || ![...t.toLowerCase()].every((ch) => digits.includes(ch)))
    return fail(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  let n = 0n;
  for (const ch of t.toLowerCase()) n = n * BigInt(b) + BigInt(digits.indexOf(ch));
  if (neg) n = -n;
  if (n !== BigInt.asIntN(64, n))
    return fail(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** A subset of Go's fmt.Sprintf: %s %v %d %f (with width/precision/zero padding) %x %q %t %%. */
function goSprintf(format: string, args: Value[]): string {
  let ai = 0;
  return format.replace(
    /%([-0+ ]*)(\d+)?(?:\.(\d+))?([svdfxXqt%])/g,
    (_m, flags: string, width?: string, prec?: string, verb?: string) => {
      if (verb === '%') return '%';
      if (ai >= args.length) return `%!${verb}(MISSING)`;
      const a = args[ai++];
      let s: string;
      switch (verb) {
        case 'd':
          s = typeof a === 'bigint' ? a.toString() : `%!d(${typeName(a)}=${stringLike(a)})`;
          break;
        case 'f':
          s =
            typeof a === 'number'
              ? a.toFixed(prec === undefined ? 6 : Number(prec))
              : `%!f(${typeName(a)}=${stringLike(a)})`;
          break;
        case 'x':
        case 'X':
          s =
            typeof a === 'bigint'
              ? a.toString(16)
              : a instanceof Uint8Array
                ? hex(a)
                : Buffer.from(stringLike(a) ?? '').toString('hex');
          if (verb === 'X') s = s.toUpperCase();
          break;
        case 'q':
          s = JSON.stringify(stringLike(a) ?? '<nil>');
          break;
        case 't':
          s = typeof a === 'boolean' ? String(a) : `%!t(${typeName(a)})`;
          break;
        default:
          s = a === null ? '<nil>' : (stringLike(a) ?? '');
      }
      if (width) {
        const w = Number(width);
        if (flags.includes('-')) s = s.padEnd(w);
        else if (flags.includes('0') && verb !== 's') {
          const neg = s.startsWith('-');
          s = (neg ? '-' : '') + (neg ? s.slice(1) : s).padStart(neg ? w - 1 : w, '0');
        } else s = s.padStart(w);
      }
      return s;
    },
  );
}
