// `--config` sources: a file path, `file:path`, `env:NAME` (YAML in a
// variable) or `yaml:<inline>` (keys separated by `::`). Each gives a map;
// they deep-merge in order (maps merge, later scalars and lists win).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from './issues.js';

type Map_ = Record<string, unknown>;

export function isMap(v: unknown): v is Map_ {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads and parses one `--config` value into a (possibly partial) config map. */
export function readSource(uri: string, env: NodeJS.ProcessEnv = process.env): Map_ {
  let text: string;
  let what: string;
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/s.exec(uri);
  const scheme = m && m[1].length > 1 ? m[1] : undefined; // one letter: a Windows drive
  if (scheme === 'env') {
    const name = m![2];
    what = `env:${name}`;
    const v = env[name];
    if (v === undefined)
      throw new ConfigError([{ path: '', message: `${what}: environment variable is not set` }]);
    text = v;
  } else if (scheme === 'yaml') {
    what = 'yaml:';
    text = m![2];
  } else if (scheme === 'file' || scheme === undefined) {
    const path = scheme ? m![2] : uri;
    what = path;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError([
        { path: '', message: `cannot read config file "${path}": ${(e as Error).message}` },
      ]);
    }
  } else {
    throw new ConfigError([
      {
        path: '',
        message: `unsupported config source scheme "${scheme}:" in "${uri}" (supported: a path, file:, env:, yaml:)`,
      },
    ]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch (e) {
    throw new ConfigError([{ path: '', message: `${what}: invalid YAML: ${(e as Error).message}` }]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new ConfigError([{ path: '', message: `${what}: the config must be a YAML map` }]);
  return splitKeys(doc);
}

/** Expands `a::b::c: v` keys into nested maps (the collector's key delimiter). */
export function splitKeys(v: Map_): Map_ {
  const out: Map_ = {};
  for (const [k, x] of Object.entries(v)) {
    const val = isMap(x) ? splitKeys(x) : x;
    const parts = k.split('::');
    let nested: unknown = val;
    for (let i = parts.length - 1; i > 0; i--) nested = { [parts[i]]: nested };
    out[parts[0]] = isMap(out[parts[0]]) && isMap(nested) ? deepMerge(out[parts[0]] as Map_, nested) : nested;
  }
  return out;
}

/** Maps merge recursively; anything else (scalars, lists, null) from `b` replaces `a`. */
export function deepMerge(a: Map_, b: Map_): Map_ {
  const out: Map_ = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k] as Map_, v) : v;
  }
  return out;
}

/** Reads every source and merges them; collects read errors from all sources. */
export function loadSources(uris: readonly string[], env: NodeJS.ProcessEnv = process.env): Map_ {
  const issues: ConfigIssue[] = [];
  let merged: Map_ = {};
  for (const uri of uris) {
    try {
      merged = deepMerge(merged, readSource(uri, env));
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return merged;
}
