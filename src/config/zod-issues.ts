// Zod issues → collector-style messages with `::` paths: unknown keys get a
// "did you mean", wrong types say expected vs got, missing keys say so.
import type { z } from 'zod';
import { type ConfigIssue, didYouMean, joinPath } from './issues.js';
import { isMap } from './sources.js';

type Def = { type: string; [k: string]: any };

function defOf(s: unknown): Def | undefined {
  return (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** The object schemas a value at `path` may be checked against (unwrapping optional/default/pipe/union). */
export function objectShapesAt(schema: unknown, path: readonly PropertyKey[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const visit = (s: unknown, i: number, depth: number) => {
    const d = defOf(s);
    if (!d || depth > 50) return;
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return visit(d.innerType, i, depth + 1);
      case 'pipe':
        // z.preprocess is a pipe from a transform to the schema that checks the value
        visit(d.in, i, depth + 1);
        return visit(d.out, i, depth + 1);
      case 'lazy':
        return visit(d.getter(), i, depth + 1);
      case 'union':
        for (const o of d.options) visit(o, i, depth + 1);
        return;
      case 'intersection':
        visit(d.left, i, depth + 1);
        visit(d.right, i, depth + 1);
        return;
      case 'object':
        if (i === path.length) out.push(d.shape);
        else visit(d.shape[path[i] as string], i + 1, depth + 1);
        return;
      case 'record':
        if (i < path.length) visit(d.valueType, i + 1, depth + 1);
        return;
      case 'array':
        if (i < path.length) visit(d.element, i + 1, depth + 1);
        return;
      case 'tuple':
        if (i < path.length) visit(d.items[path[i] as number] ?? d.rest, i + 1, depth + 1);
        return;
    }
  };
  visit(schema, 0, 0);
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return 'map';
  if (typeof v === 'string') return `string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${v}`;
  return typeof v;
}

const TYPE_NAMES: Record<string, string> = { object: 'map', array: 'list', record: 'map' };

/** Turns a failed parse into issues under `prefix` (e.g. `exporters::otlp/backend`). */
export function translateZodError(
  prefix: string,
  err: z.ZodError,
  schema: unknown,
  input: unknown,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const add = (path: readonly PropertyKey[], message: string) => {
    const p = joinPath(prefix, ...path.map(String));
    const key = `${p}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path: p, message });
    }
  };
  const walk = (issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]) => {
    for (const iss of issues) {
      const path = [...base, ...iss.path];
      switch (iss.code) {
        case 'unrecognized_keys': {
          const allowed = objectShapesAt(schema, path).flatMap((s) => Object.keys(s));
          for (const k of iss.keys) {
            const hint =
              didYouMean(k, allowed) || (allowed.length ? ` (valid keys: ${allowed.join(', ')})` : '');
            add([...path, k], `unknown key${hint}`);
          }
          break;
        }
        case 'invalid_type': {
          const got = valueAt(input, path);
          const expected = TYPE_NAMES[iss.expected] ?? iss.expected;
          if (got === undefined) add(path, `required key is missing (expected ${expected})`);
          else add(path, `expected ${expected}, got ${describeType(got)}`);
          break;
        }
        case 'invalid_union': {
          // Report the branch that got furthest (most specific path), else the generic message.
          const branches = (iss as z.core.$ZodIssueInvalidUnion).errors;
          const best = branches
            .filter((b) => b.length > 0)
            .sort((a, b) => depthOf(b) - depthOf(a) || a.length - b.length)[0];
          if (best && depthOf(best) > 0) walk(best, path);
          else add(path, `invalid value ${describeType(valueAt(input, path))}`);
          break;
        }
        case 'invalid_value':
          add(
            path,
            `invalid value ${describeType(valueAt(input, path))}: expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`,
          );
          break;
        default:
          add(path, iss.message);
      }
    }
  };
  walk(err.issues, []);
  return out;
}

function depthOf(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}
