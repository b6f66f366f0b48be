// Parsing a config source's YAML. The yaml library's own duplicate-key check
// (`uniqueKeys`) compares every key of a map with every earlier one: a map of
// 60k keys took 74 s of CPU. It is turned off, and duplicates are found here
// with one Set per map (linear), reported with both line numbers as the
// collector's YAML parser does ("mapping key already defined").
import { isMap, isSeq, LineCounter, type Node, parseDocument, type ScalarTag } from 'yaml';
import { ConfigError } from './issues.js';

/**
 * An integer written with `_` separators (`100_000`), which the collector's
 * YAML parser (go-yaml) reads as a number: it removes every `_` and parses
 * the rest. The YAML 1.2 core schema would keep it a string.
 */
const underscoreInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  identify: (v) => typeof v === 'number',
  test: /^[-+]?[0-9][0-9_]*_[0-9_]*$/,
  resolve: (s) => Number(s.replace(/_/g, '')),
};

/** Likewise a float (`1_000.5`): go-yaml parses what is left after removing the `_`. */
const underscoreFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (v) => typeof v === 'number',
  test: /^(?=[^_]*_)[-+]?(?:[0-9_]*\.[0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+)$/,
  resolve: (s) => {
    const plain = s.replace(/_/g, '');
    return /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain) ? Number(plain) : s;
  },
};

/** Parser options shared by config sources and `${env:X}` values: go-yaml's scalars. */
export const YAML_OPTIONS = { customTags: [underscoreInt, underscoreFloat] };

/** Aliases a document may expand (a "billion laughs" document is refused, not expanded). */
const MAX_ALIAS_COUNT = 100;

export function parseConfigYaml(text: string, what: string): unknown {
  const lineCounter = new LineCounter();
  const fail = (message: string): never => {
    throw new ConfigError([{ path: '', message: `${what}: invalid YAML: ${message}` }]);
  };
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { ...YAML_OPTIONS, merge: true, uniqueKeys: false, lineCounter });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (doc.errors.length) return fail(doc.errors[0].message);
  const dup = firstDuplicateKey(doc.contents as Node | null, lineCounter);
  if (dup) return fail(dup);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return fail((e as Error).message);
  }
}

/** The first map key written twice in the same map, described with its lines; else undefined. */
export function firstDuplicateKey(root: Node | null, lines: LineCounter): string | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (isSeq(node)) for (const item of node.items) stack.push(item);
    else if (isMap(node)) {
      const seen = new Map<unknown, number>();
      for (const pair of node.items) {
        stack.push(pair.value);
        const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
        // Scalar keys only (as the yaml library compares them); `<<` merge keys may repeat.
        if (!key || typeof key !== 'object' || !('value' in key) || typeof key.value === 'symbol') continue;
        if (key.value !== null && typeof key.value === 'object') continue;
        const offset = key.range?.[0] ?? 0;
        const first = seen.get(key.value);
        if (first !== undefined)
          return `duplicate key "${String(key.value)}" at line ${lines.linePos(offset).line} (first defined at line ${lines.linePos(first).line})`;
        seen.set(key.value, offset);
      }
    }
  }
  return undefined;
}
