// `--config` sources: a file path, `file:path`, `env:NAME` (YAML in a
// variable) or `yaml:<inline>` (keys separated by `::`). Each gives a map;
// they deep-merge in order (maps merge, later scalars and lists win).
// Hostile or broken input is refused with a clear error, never loaded:
// files that are not regular files (a FIFO, /dev/zero), sources over
// MAX_CONFIG_BYTES, duplicate keys, and keys that would touch an object
// prototype (forbidden-keys.ts).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { forbiddenKeyIssues } from './forbidden-keys.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import { parseConfigYaml } from './yaml.js';

/** Largest config source read (a file, an env: variable, a yaml: value). Real configs are KiBs. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a config file: a regular file only (opened non-blocking, so a FIFO
 * cannot hang the open), at most MAX_CONFIG_BYTES (read in chunks, so a
 * file that grows while read, or lies about its size like /proc, is bounded).
 */
function readConfigFile(path: string): string {
  const fail = (why: string): never => {
    throw new ConfigError([{ path: '', message: `cannot read config file "${path}": ${why}` }]);
  };
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return fail((e as Error).message);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail(`it is ${fileKind(st)}; a config must be a regular file`);
    if (st.size > MAX_CONFIG_BYTES) fail(tooLarge(st.size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_CONFIG_BYTES) fail(tooLarge(total, true));
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return fail((e as Error).message);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size: number, atLeast = false): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `it is ${atLeast ? 'more than ' : ''}${mib(size)}; the limit is ${mib(MAX_CONFIG_BYTES)}`;
}

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
    if (text.length > MAX_CONFIG_BYTES)
      throw new ConfigError([{ path: '', message: `${what}: ${tooLarge(text.length)}` }]);
  } else if (scheme === 'yaml') {
    what = 'yaml:';
    text = m![2];
    if (text.length > MAX_CONFIG_BYTES)
      throw new ConfigError([{ path: '', message: `${what} ${tooLarge(text.length)}` }]);
  } else if (scheme === 'file' || scheme === undefined) {
    const path = scheme ? m![2] : uri;
    what = path;
    text = readConfigFile(path);
  } else {
    throw new ConfigError([
      {
        path: '',
        message: `unsupported config source scheme "${scheme}:" in "${uri}" (supported: a path, file:, env:, yaml:)`,
      },
    ]);
  }
  const doc = parseConfigYaml(text, what);
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new ConfigError([{ path: '', message: `${what}: the config must be a YAML map` }]);
  const forbidden = forbiddenKeyIssues(doc);
  if (forbidden.length)
    throw new ConfigError(forbidden.map((i) => ({ ...i, message: `${i.message} (in ${what})` })));
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
