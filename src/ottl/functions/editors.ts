// The OTTL editors users write most (pkg/ottl/ottlfuncs README): set,
// delete_key, delete_matching_keys, keep_keys, keep_matching_keys, limit,
// truncate_all, replace_pattern, replace_all_patterns, replace_match,
// replace_all_matches, merge_maps, flatten, append, delete_index,
// stringify_all. Literal arguments are checked and regexes compiled at config
// time; at run time an editor changes the pdata in place.
import type { AnyValue, KeyValue } from '../../pdata/types.js';
import { goExpand, goReplaceAll } from '../../regexp/expand.js';
import { compileGoRegex } from '../../regexp/go.js';
import type { TransformContext } from '../context.js';
import { fail } from '../errors.js';
import type { Accessor, Getter } from '../paths.js';
import { compileGlob } from '../regex.js';
import { type Bound, register } from '../registry.js';
import { asString, copyAny, fromAny, PSlice, toAny, typeName, type Value } from '../values.js';
import { expectInt, expectMap, expectString } from './args.js';

const g = (b: Bound) => b as Getter;
const acc = (b: Bound) => b as Accessor;
type Fn = ((s: string) => Value) | undefined;

function mapOf(target: Getter, c: TransformContext): KeyValue[] {
  return expectMap(target(c)).kvs;
}

function removeIf(kvs: KeyValue[], drop: (kv: KeyValue) => boolean): void {
  let w = 0;
  for (let r = 0; r < kvs.length; r++) if (!drop(kvs[r])) kvs[w++] = kvs[r];
  kvs.length = w;
}

/** `replacementFormat` must hold exactly one %s (checked at config time). */
function checkFormat(format: string | undefined, fn: string): void {
  if (format === undefined) return;
  const n = format.split('%s').length - 1;
  if (n !== 1 || /%[^s%]/.test(format.replace(/%s/, '')))
    throw new Error(`replacementFormat of ${fn} must contain exactly one %s format specifier`);
}

/** Applies the optional hash function and format to a replacement (the collector's *_FunctionGetter path). */
function finishReplacement(repl: string, fn: Fn, format: string | undefined): string {
  if (!fn) return repl;
  const hashed = fn(repl);
  if (typeof hashed !== 'string')
    return fail(`replacement function must return a string, got ${typeName(hashed)}`);
  return format === undefined ? hashed : format.replace('%s', hashed);
}

function regexArg(pattern: string, fn: string) {
  try {
    return compileGoRegex(pattern, 'g');
  } catch (err) {
    throw new Error(`the regex pattern supplied to ${fn} is not a valid pattern: ${(err as Error).message}`);
  }
}

function replaceAllRegex(
  s: string,
  rx: ReturnType<typeof compileGoRegex>,
  tmpl: string,
  fn: Fn,
  format: string | undefined,
): string {
  rx.re.lastIndex = 0;
  if (!rx.re.test(s)) return s;
  // Go's ReplaceAllString: an empty match right after a match is not replaced (String.replace would)
  return goReplaceAll(rx.re, s, tmpl, (m) => finishReplacement(goExpand(tmpl, m, rx.names), fn, format));
}

register(
  {
    kind: 'editor',
    name: 'set',
    params: [
      { name: 'target', kind: 'getsetter' },
      { name: 'value', kind: 'getter' },
    ],
    build([target, value]) {
      const set = acc(target).set as (c: TransformContext, v: Value) => void;
      const get = g(value);
      return (c) => {
        const v = get(c);
        // `set` with nil is a no-op (the collector's default, without the ottl.set.allowNil gate)
        if (v !== null && v !== undefined) set(c, v);
      };
    },
  },
  {
    kind: 'editor',
    name: 'delete_key',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'key', kind: 'string' },
    ],
    build([target, key]) {
      const t = g(target);
      const k = key as string;
      return (c) => {
        const kvs = mapOf(t, c);
        for (let i = 0; i < kvs.length; i++)
          if (kvs[i].key === k) {
            kvs.splice(i, 1);
            return;
          }
      };
    },
  },
  {
    kind: 'editor',
    name: 'delete_matching_keys',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'pattern', kind: 'string' },
    ],
    build([target, pattern]) {
      const t = g(target);
      const { re } = regexArg(pattern as string, 'delete_matching_keys');
      const rx = new RegExp(re.source, re.flags.replace('g', ''));
      return (c) => removeIf(mapOf(t, c), (kv) => rx.test(kv.key));
    },
  },
  {
    kind: 'editor',
    name: 'keep_matching_keys',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'pattern', kind: 'string' },
    ],
    build([target, pattern]) {
      const t = g(target);
      const { re } = regexArg(pattern as string, 'keep_matching_keys');
      const rx = new RegExp(re.source, re.flags.replace('g', ''));
      return (c) => removeIf(mapOf(t, c), (kv) => !rx.test(kv.key));
    },
  },
  {
    kind: 'editor',
    name: 'keep_keys',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'keys', kind: 'stringList' },
    ],
    build([target, keys]) {
      const t = g(target);
      const keep = new Set(keys as string[]);
      return (c) => removeIf(mapOf(t, c), (kv) => !keep.has(kv.key));
    },
  },
  {
    kind: 'editor',
    name: 'limit',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'limit', kind: 'int' },
      { name: 'priority_keys', kind: 'stringList' },
    ],
    build([target, limitArg, priority]) {
      const t = g(target);
      const limit = limitArg as bigint;
      const keys = priority as string[];
      if (limit < 0n) throw new Error(`invalid limit for limit function, ${limit} cannot be negative`);
      if (BigInt(keys.length) > limit)
        throw new Error(
          `invalid limit for limit function, ${keys.length} priority keys is greater than limit ${limit}`,
        );
      const max = Number(limit);
      const prio = new Set(keys);
      return (c) => {
        const kvs = mapOf(t, c);
        if (kvs.length <= max) return;
        let prioPresent = 0;
        for (const kv of kvs) if (prio.has(kv.key)) prioPresent++;
        let others = max - prioPresent;
        removeIf(kvs, (kv) => {
          if (prio.has(kv.key)) return false;
          if (others > 0) {
            others--;
            return false;
          }
          return true;
        });
      };
    },
  },
  {
    kind: 'editor',
    name: 'truncate_all',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'limit', kind: 'int' },
      { name: 'utf8_safe', kind: 'bool', optional: true },
      { name: 'truncation_marker', kind: 'string', optional: true },
    ],
    build([target, limitArg, utf8Safe, markerArg]) {
      const t = g(target);
      const limit = limitArg as bigint;
      if (limit < 0n) throw new Error(`invalid limit for truncate_all function, ${limit} cannot be negative`);
      const marker = (markerArg as string | undefined) ?? '';
      const markerBytes = Buffer.byteLength(marker);
      if (BigInt(markerBytes) > limit)
        throw new Error(`truncation_marker (${markerBytes} bytes) is longer than the limit ${limit}`);
      const max = Number(limit);
      const safe = utf8Safe === undefined ? true : (utf8Safe as boolean);
      return (c) => {
        for (const kv of mapOf(t, c)) {
          const s = (kv.value as { stringValue?: string }).stringValue;
          if (s === undefined || s.length <= max / 3) continue;
          const buf = Buffer.from(s);
          if (buf.length <= max) continue;
          let cut = max - markerBytes;
          // never cut a multi-byte character (continuation bytes are 10xxxxxx)
          if (safe) while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut--;
          kv.value = { stringValue: buf.subarray(0, cut).toString() + marker };
        }
      };
    },
  },
  {
    kind: 'editor',
    name: 'replace_pattern',
    params: [
      { name: 'target', kind: 'getsetter' },
      { name: 'regex', kind: 'string' },
      { name: 'replacement', kind: 'getter' },
      { name: 'function', kind: 'function', optional: true },
      { name: 'replacement_format', kind: 'string', optional: true },
    ],
    build([target, regex, replacement, fn, format]) {
      const t = acc(target);
      const rx = regexArg(regex as string, 'replace_pattern');
      const repl = g(replacement);
      checkFormat(format as string | undefined, 'replace_pattern');
      return (c) => {
        const v = t.get(c);
        if (typeof v !== 'string') return;
        const out = replaceAllRegex(
          v,
          rx,
          expectString(repl(c), 'replacement'),
          fn as Fn,
          format as string | undefined,
        );
        if (out !== v) t.set?.(c, out);
      };
    },
  },
  {
    kind: 'editor',
    name: 'replace_all_patterns',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'mode', kind: 'string' },
      { name: 'regex', kind: 'string' },
      { name: 'replacement', kind: 'getter' },
      { name: 'function', kind: 'function', optional: true },
      { name: 'replacement_format', kind: 'string', optional: true },
    ],
    build([target, mode, regex, replacement, fn, format]) {
      const t = g(target);
      if (mode !== 'key' && mode !== 'value')
        throw new Error(`invalid mode ${String(mode)}, must be either 'key' or 'value'`);
      const rx = regexArg(regex as string, 'replace_all_patterns');
      const repl = g(replacement);
      checkFormat(format as string | undefined, 'replace_all_patterns');
      return (c) => {
        const kvs = mapOf(t, c);
        const r = expectString(repl(c), 'replacement');
        for (const kv of kvs) {
          if (mode === 'value') {
            const s = (kv.value as { stringValue?: string }).stringValue;
            if (s === undefined) continue;
            const out = replaceAllRegex(s, rx, r, fn as Fn, format as string | undefined);
            if (out !== s) kv.value = { stringValue: out };
          } else {
            kv.key = replaceAllRegex(kv.key, rx, r, fn as Fn, format as string | undefined);
          }
        }
        if (mode === 'key') dedupeKeys(kvs);
      };
    },
  },
  {
    kind: 'editor',
    name: 'replace_match',
    params: [
      { name: 'target', kind: 'getsetter' },
      { name: 'pattern', kind: 'string' },
      { name: 'replacement', kind: 'getter' },
      { name: 'function', kind: 'function', optional: true },
      { name: 'replacement_format', kind: 'string', optional: true },
    ],
    build([target, pattern, replacement, fn, format]) {
      const t = acc(target);
      const glob = globArg(pattern as string);
      const repl = g(replacement);
      checkFormat(format as string | undefined, 'replace_match');
      return (c) => {
        const v = t.get(c);
        if (typeof v !== 'string' || !glob.test(v)) return;
        t.set?.(
          c,
          finishReplacement(expectString(repl(c), 'replacement'), fn as Fn, format as string | undefined),
        );
      };
    },
  },
  {
    kind: 'editor',
    name: 'replace_all_matches',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'pattern', kind: 'string' },
      { name: 'replacement', kind: 'getter' },
      { name: 'function', kind: 'function', optional: true },
      { name: 'replacement_format', kind: 'string', optional: true },
    ],
    build([target, pattern, replacement, fn, format]) {
      const t = g(target);
      const glob = globArg(pattern as string);
      const repl = g(replacement);
      checkFormat(format as string | undefined, 'replace_all_matches');
      return (c) => {
        const kvs = mapOf(t, c);
        let r: string | undefined;
        for (const kv of kvs) {
          const s = (kv.value as { stringValue?: string }).stringValue;
          if (s === undefined || !glob.test(s)) continue;
          r ??= finishReplacement(
            expectString(repl(c), 'replacement'),
            fn as Fn,
            format as string | undefined,
          );
          kv.value = { stringValue: r };
        }
      };
    },
  },
  {
    kind: 'editor',
    name: 'merge_maps',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'source', kind: 'getter' },
      { name: 'strategy', kind: 'string' },
    ],
    build([target, source, strategy]) {
      const t = g(target);
      const s = g(source);
      const st = strategy as string;
      if (st !== 'insert' && st !== 'update' && st !== 'upsert')
        throw new Error(`invalid value for strategy, ${st}, must be 'insert', 'update' or 'upsert'`);
      return (c) => {
        const kvs = mapOf(t, c);
        const src = expectMap(s(c), 'source').kvs;
        for (const kv of src) {
          const existing = kvs.find((x) => x.key === kv.key);
          if (existing) {
            if (st !== 'insert') existing.value = copyAny(kv.value);
          } else if (st !== 'update') kvs.push({ key: kv.key, value: copyAny(kv.value) });
        }
      };
    },
  },
  {
    kind: 'editor',
    name: 'flatten',
    params: [
      { name: 'target', kind: 'getter' },
      { name: 'prefix', kind: 'string', optional: true },
      { name: 'depth', kind: 'int', optional: true },
      { name: 'resolve_conflicts', kind: 'bool', optional: true },
    ],
    build([target, prefix, depthArg, resolve]) {
      const t = g(target);
      const depth = depthArg === undefined ? Number.MAX_SAFE_INTEGER : Number(depthArg as bigint);
      if (depth < 0) throw new Error(`invalid depth for flatten function, ${depthArg} cannot be negative`);
      return (c) => {
        const kvs = mapOf(t, c);
        const out = flatten(kvs, (prefix as string | undefined) ?? '', depth, resolve === true);
        kvs.length = 0;
        for (const kv of out) kvs.push(kv);
      };
    },
  },
  {
    kind: 'editor',
    name: 'append',
    params: [
      { name: 'target', kind: 'getsetter' },
      { name: 'value', kind: 'getter', optional: true },
      { name: 'values', kind: 'getterList', optional: true },
    ],
    build([target, value, values]) {
      const t = acc(target);
      if (value === undefined && values === undefined)
        throw new Error("at least one of the optional arguments ('value' or 'values') must be provided");
      const one = value as Getter | undefined;
      const many = values as Getter[] | undefined;
      return (c) => {
        const cur = t.get(c);
        const out: AnyValue[] =
          cur === null || cur === undefined
            ? []
            : cur instanceof PSlice
              ? cur.values.map(copyAny)
              : Array.isArray(cur)
                ? cur.map(toAny)
                : [toAny(cur)];
        const add = (v: Value) => {
          if (v instanceof PSlice) for (const x of v.values) out.push(copyAny(x));
          else if (Array.isArray(v)) for (const x of v) out.push(toAny(x));
          else out.push(toAny(v));
        };
        if (one) add(one(c));
        if (many) for (const m of many) add(m(c));
        t.set?.(c, new PSlice(out));
      };
    },
  },
  {
    kind: 'editor',
    name: 'delete_index',
    params: [
      { name: 'target', kind: 'getsetter' },
      { name: 'start_index', kind: 'getter' },
      { name: 'end_index', kind: 'getter', optional: true },
    ],
    build([target, start, end]) {
      const t = acc(target);
      const s = g(start);
      const e = end as Getter | undefined;
      return (c) => {
        const cur = t.get(c);
        if (!(cur instanceof PSlice)) return fail(`target must be a slice, got ${typeName(cur)}`);
        const from = Number(expectInt(s(c), 'startIndex'));
        const to = e ? Number(expectInt(e(c), 'endIndex')) : from + 1;
        const len = cur.values.length;
        if (from < 0 || from >= len)
          return fail(`startIndex ${from} out of bounds for slice of length ${len}`);
        if (to < from || to > len) return fail(`endIndex ${to} out of bounds`);
        cur.values.splice(from, to - from);
      };
    },
  },
  {
    kind: 'editor',
    name: 'stringify_all',
    params: [{ name: 'target', kind: 'getter' }],
    build([target]) {
      const t = g(target);
      return (c) => {
        for (const kv of mapOf(t, c)) {
          const v = fromAny(kv.value);
          if (typeof v !== 'string') kv.value = { stringValue: v === null ? '' : asString(v) };
        }
      };
    },
  },
);

function globArg(pattern: string): RegExp {
  try {
    return compileGlob(pattern);
  } catch (err) {
    throw new Error(`invalid glob pattern: ${(err as Error).message}`);
  }
}

/** After renaming keys, a later duplicate replaces the earlier entry (pcommon.Map semantics). */
function dedupeKeys(kvs: KeyValue[]): void {
  const seen = new Map<string, number>();
  let w = 0;
  for (let r = 0; r < kvs.length; r++) {
    const kv = kvs[r];
    const at = seen.get(kv.key);
    if (at !== undefined) kvs[at] = kv;
    else {
      seen.set(kv.key, w);
      kvs[w++] = kv;
    }
  }
  kvs.length = w;
}

/** flatten(): nested maps (and slices, by index) become dotted keys up to `depth` levels. */
export function flatten(kvs: KeyValue[], prefix: string, depth: number, resolve: boolean): KeyValue[] {
  const out: KeyValue[] = [];
  const index = new Map<string, number>();
  const conflicts = new Map<string, number>();
  const put = (key: string, value: AnyValue) => {
    if (!resolve) {
      const at = index.get(key);
      if (at !== undefined) out[at].value = value;
      else {
        index.set(key, out.length);
        out.push({ key, value });
      }
      return;
    }
    let k = key;
    if (index.has(k)) {
      const n = conflicts.get(key) ?? 0;
      conflicts.set(key, n + 1);
      k = `${key}.${n}`;
    }
    index.set(k, out.length);
    out.push({ key: k, value });
  };
  const walk = (key: string, v: AnyValue, level: number) => {
    const a = v as { kvlistValue?: { values: KeyValue[] }; arrayValue?: { values: AnyValue[] } };
    if (a.kvlistValue && level < depth) {
      for (const kv of a.kvlistValue.values)
        walk(key === '' ? kv.key : `${key}.${kv.key}`, kv.value, level + 1);
      return;
    }
    if (a.arrayValue && level < depth) {
      for (let i = 0; i < a.arrayValue.values.length; i++)
        walk(resolve ? key : `${key}.${i}`, a.arrayValue.values[i], level + 1);
      return;
    }
    put(key, v);
  };
  for (const kv of kvs) walk(prefix === '' ? kv.key : `${prefix}.${kv.key}`, kv.value, 0);
  return out;
}
