// Keys that would reach an object's prototype when a config map is merged or
// copied with plain property writes (`out[key] = ...`): `__proto__` sets the
// prototype, `constructor`/`prototype` reach it. No collector component has
// such a key, so they are refused anywhere in a config, with their path, and
// no prototype is ever touched.
import { type ConfigIssue, joinPath } from './issues.js';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The forbidden key, or `::`-separated part of a key, if there is one. */
export function forbiddenPart(key: string): string | undefined {
  if (FORBIDDEN_KEYS.has(key)) return key;
  return key.includes('::') ? key.split('::').find((p) => FORBIDDEN_KEYS.has(p)) : undefined;
}

/** Every forbidden key in a parsed config tree (maps and lists, any depth), with its path. */
export function forbiddenKeyIssues(tree: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  // Iterative, so a deeply nested document cannot overflow the stack here.
  const stack: { v: unknown; path: string[] }[] = [{ v: tree, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, String(i)] });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      const bad = forbiddenPart(k);
      if (bad !== undefined)
        out.push({
          path: joinPath(...path, k),
          message: `key "${bad}" is not allowed in a config (${[...FORBIDDEN_KEYS].join(', ')} are refused everywhere)`,
        });
      else stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  return out;
}
