// The include/exclude globs, compiled once. A general glob library (tinyglobby)
// builds its matchers on every call; called every poll_interval, that made V8
// recompile them over and over and cost an idle agent ~6 % of a core (1.8 %
// with the matching done once, measured with one file). Semantics as the
// collector's doublestar: `*` and `?` stay within one path segment (and match
// dotfiles), `[abc]`/`[a-z]`/`[!a]`/`[^a]` classes, `{a,b}` alternatives
// (nested, may contain `/`), `**` any number of directories; symbolic links
// are followed. Relative patterns are relative to the working directory.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

type Part = { kind: 'literal'; name: string } | { kind: 'match'; re: RegExp } | { kind: 'globstar' };

interface Plan {
  base: string;
  parts: Part[];
}

export interface FileGlob {
  /** Paths matching an include and no exclude pattern, each once, sorted. */
  expand(): Promise<string[]>;
}

export function compileGlob(include: string[], exclude: string[] = []): FileGlob {
  const plans = include.flatMap(expandBraces).map(plan);
  const excludes = exclude.flatMap(expandBraces).map((p) => fullPathRegExp(absolute(p)));
  return {
    async expand() {
      const out = new Set<string>();
      for (const p of plans) await walk(p.base, p.parts, 0, out, new Set());
      return [...out].filter((path) => !excludes.some((re) => re.test(path))).sort();
    },
  };
}

function absolute(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}

const GLOB_CHARS = /[*?[\\]/;

function plan(pattern: string): Plan {
  const segs = absolute(pattern).split('/');
  let i = 0;
  const lit: string[] = [];
  while (i < segs.length && !GLOB_CHARS.test(segs[i])) lit.push(segs[i++]);
  const parts: Part[] = segs.slice(i).map((s) => {
    if (s === '**') return { kind: 'globstar' };
    if (!GLOB_CHARS.test(s)) return { kind: 'literal', name: s };
    return { kind: 'match', re: new RegExp(`^${segmentSource(s)}$`) };
  });
  return { base: lit.join('/') || '/', parts };
}

async function walk(
  dir: string,
  parts: Part[],
  i: number,
  out: Set<string>,
  seen: Set<string>,
): Promise<void> {
  if (i === parts.length) {
    out.add(dir);
    return;
  }
  const p = parts[i];
  if (p.kind === 'literal') {
    // no listing needed: the caller stats what it gets (a missing path is skipped there)
    await walk(join(dir, p.name), parts, i + 1, out, seen);
    return;
  }
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // missing, not a directory, unreadable: nothing matches below it
  }
  const last = i === parts.length - 1;
  if (p.kind === 'globstar') {
    // `**` matches no directory at all, or one more level and still `**` (cycles through links cut)
    const st = await stat(dir).catch(() => undefined);
    const id = st ? `${st.dev}:${st.ino}` : dir;
    if (seen.has(id)) return;
    seen.add(id);
    await walk(dir, parts, i + 1, out, seen);
    for (const e of entries) {
      if (last) out.add(join(dir, e.name)); // a trailing `**` matches everything below
      if (await isDir(dir, e)) await walk(join(dir, e.name), parts, i, out, seen);
    }
    seen.delete(id);
    return;
  }
  for (const e of entries) {
    if (!p.re.test(e.name)) continue;
    const path = join(dir, e.name);
    if (last) out.add(path);
    else if (await isDir(dir, e)) await walk(path, parts, i + 1, out, seen);
  }
}

async function isDir(dir: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  return (await stat(join(dir, e.name)).catch(() => undefined))?.isDirectory() ?? false;
}

/** `{a,b}` alternatives expanded into separate patterns (nested; an unclosed brace is literal). */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        if (commas.length === 0) {
          // `{x}` without a comma is literal: keep it and expand what follows
          return expandBraces(pattern.slice(i + 1)).map((rest) => pattern.slice(0, i + 1) + rest);
        }
        const pre = pattern.slice(0, open);
        const post = pattern.slice(i + 1);
        const alts: string[] = [];
        let from = open + 1;
        for (const c2 of [...commas, i]) {
          alts.push(pattern.slice(from, c2));
          from = c2 + 1;
        }
        return alts.flatMap((a) => expandBraces(pre + a + post));
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

/** A regex source for one path segment (no `/`). */
function segmentSource(s: string): string {
  let re = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) re += escapeChar(s[++i]);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = classEnd(s, i);
      if (end < 0) re += '\\[';
      else {
        let body = s.slice(i + 1, end);
        let neg = false;
        if (body[0] === '!' || body[0] === '^') {
          neg = true;
          body = body.slice(1);
        }
        re += `[${neg ? '^/' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = end;
      }
    } else re += escapeChar(c);
  }
  return re;
}

/** Index of the `]` closing the class opened at `i` (a `]` right after `[`, `[!` or `[^` is literal); -1 if none. */
function classEnd(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === '!' || s[j] === '^') j++;
  if (s[j] === ']') j++;
  for (; j < s.length; j++) if (s[j] === ']') return j;
  return -1;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** A regex for a whole (absolute) path pattern, `**` spanning directories. */
function fullPathRegExp(pattern: string): RegExp {
  const segs = pattern.split('/');
  let src = '';
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k];
    if (s === '**') {
      // any number of whole segments, including none
      src += k === segs.length - 1 ? '(?:/.*)?' : '(?:/[^/]+)*';
      continue;
    }
    src += (k === 0 ? '' : '/') + segmentSource(s);
  }
  return new RegExp(`^${src}$`);
}
