// The include/exclude globs, compiled once. A general glob library (tinyglobby)
// builds its matchers on every call; called every poll_interval, that made V8
// recompile them over and over and cost an idle agent ~6 % of a core (1.8 %
// with the matching done once, measured with one file). Semantics as the
// collector's doublestar: `*` and `?` stay within one path segment (and match
// dotfiles), `[abc]`/`[a-z]`/`[!a]`/`[^a]` classes, `{a,b}` alternatives
// (nested, may contain `/`), `**` any number of directories; symbolic links
// are followed. Relative patterns are relative to the working directory.
// Directory listings are kept between calls: a directory whose stat state (mtime, ctime) has not
// changed since a listing taken at least STABLE_MS after that state first showed has the same
// entries (creating, renaming or deleting an entry changes it; a file growing does not), so an
// idle tree costs one stat per directory instead of a readdir.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { FS_PARALLEL, Limit } from './fs-parallel.js';

type Part = { kind: 'literal'; name: string } | { kind: 'match'; re: RegExp } | { kind: 'globstar' };

interface Plan {
  base: string;
  parts: Part[];
}

export interface FileGlob {
  /** Paths matching an include and no exclude pattern, each once, sorted. */
  expand(): Promise<string[]>;
}

/**
 * A stat state (size or mtime, ctime) stands for the content once the content was checked at
 * least this long after the state was first seen (by this process's clock): a later change gets
 * a later timestamp even where timestamps are coarse (1 s; 2 s on FAT), so it changes the state;
 * a change within the same timestamp tick as the state happened before that check and is in it.
 */
export const STABLE_MS = 2000;

/** A directory's entries as last read, with the stat state they belong to. */
interface Listing {
  state: string;
  /** When this state was first seen (ms, after the stat). */
  since: number;
  /** The entries were read at least STABLE_MS after `since`: they hold while the state does. */
  trusted: boolean;
  entries: Dirent[];
}

interface Walk {
  limit: Limit;
  out: Set<string>;
  /** Listings of the previous expand() and of this one (directories not visited again are dropped). */
  prev: Map<string, Listing>;
  next: Map<string, Listing>;
}

export function compileGlob(include: string[], exclude: string[] = []): FileGlob {
  const plans = include.flatMap(expandBraces).map(plan);
  const excludes = exclude.flatMap(expandBraces).map((p) => fullPathRegExp(absolute(p)));
  let listings = new Map<string, Listing>();
  return {
    async expand() {
      const w: Walk = { limit: new Limit(FS_PARALLEL), out: new Set(), prev: listings, next: new Map() };
      for (const p of plans) await walk(p.base, p.parts, 0, w, new Set());
      listings = w.next;
      return [...w.out].filter((path) => !excludes.some((re) => re.test(path))).sort();
    },
  };
}

/** The entries of `dir` and its dev:ino (from the cache while its stat state holds); undefined if it is no directory. */
async function list(dir: string, w: Walk): Promise<{ id: string; entries: Dirent[] } | undefined> {
  const st = await w.limit.run(() => stat(dir)).catch(() => undefined);
  if (!st?.isDirectory()) return undefined;
  const id = `${st.dev}:${st.ino}`;
  const state = `${id}:${st.mtimeMs}:${st.ctimeMs}`;
  const t = Date.now();
  let l = w.next.get(dir) ?? w.prev.get(dir);
  if (l?.state === state && l.trusted) {
    w.next.set(dir, l);
    return { id, entries: l.entries };
  }
  let entries: Dirent[];
  try {
    entries = await w.limit.run(() => readdir(dir, { withFileTypes: true }));
  } catch {
    return undefined; // gone, unreadable: nothing matches below it
  }
  if (l?.state === state) {
    l.entries = entries;
    l.trusted = t - l.since >= STABLE_MS;
  } else l = { state, since: t, trusted: false, entries };
  w.next.set(dir, l);
  return { id, entries };
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

async function walk(dir: string, parts: Part[], i: number, w: Walk, seen: Set<string>): Promise<void> {
  if (i === parts.length) {
    w.out.add(dir);
    return;
  }
  const p = parts[i];
  if (p.kind === 'literal') {
    // no listing needed: the caller stats what it gets (a missing path is skipped there)
    await walk(join(dir, p.name), parts, i + 1, w, seen);
    return;
  }
  const l = await list(dir, w);
  if (!l) return; // missing, not a directory, unreadable: nothing matches below it
  const last = i === parts.length - 1;
  if (p.kind === 'globstar') {
    // `**` matches no directory at all, or one more level and still `**` (cycles through links cut)
    if (seen.has(l.id)) return;
    seen.add(l.id);
    await walk(dir, parts, i + 1, w, seen);
    for (const e of l.entries) {
      if (last) w.out.add(join(dir, e.name)); // a trailing `**` matches everything below
      if (await isDir(dir, e, w)) await walk(join(dir, e.name), parts, i, w, seen);
    }
    seen.delete(l.id);
    return;
  }
  // the matching subdirectories are walked together (their calls bounded by w.limit), each with
  // its own copy of the directories above it (`**` cycle detection)
  const below: Promise<void>[] = [];
  for (const e of l.entries) {
    if (!p.re.test(e.name)) continue;
    const path = join(dir, e.name);
    if (last) w.out.add(path);
    else
      below.push(
        (async () => {
          if (await isDir(dir, e, w)) await walk(path, parts, i + 1, w, new Set(seen));
        })(),
      );
  }
  await Promise.all(below);
}

async function isDir(dir: string, e: Dirent, w: Walk): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  return (await w.limit.run(() => stat(join(dir, e.name))).catch(() => undefined))?.isDirectory() ?? false;
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
