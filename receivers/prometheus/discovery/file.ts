// file_sd_configs (Prometheus discovery/file): JSON or YAML files listing
// `targets` and `labels`, found by a glob in the file name; re-read when the
// directory changes and every refresh_interval. A file that does not parse
// keeps the targets it had (and the error is logged), as in Prometheus.
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../../../src/telemetry/logger.js';
import type { FileSdConfig } from '../promconfig/sd-schema.js';
import { LABEL_NAME } from '../relabel/config.js';
import type { Discoverer, TargetGroup } from './types.js';

/** Go's filepath.Match for one path element: `*`, `?`, `[...]` and `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern "${pattern}"`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Parses one file's content into groups; throws with a message on anything invalid. */
export function parseFileSd(path: string, content: string): TargetGroup[] {
  const ext = extname(path).toLowerCase();
  const data: unknown = ext === '.json' ? JSON.parse(content) : (parseYaml(content) ?? []);
  if (!Array.isArray(data)) throw new Error('expected a list of target groups');
  return data.map((g, i) => {
    if (g === null || typeof g !== 'object' || Array.isArray(g))
      throw new Error(`group ${i}: expected a map`);
    for (const k of Object.keys(g))
      if (k !== 'targets' && k !== 'labels') throw new Error(`group ${i}: unknown field "${k}"`);
    const targets = (g as { targets?: unknown }).targets ?? [];
    if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))
      throw new Error(`group ${i}: targets must be a list of strings`);
    const labels = new Map<string, string>();
    for (const [k, v] of Object.entries((g as { labels?: Record<string, unknown> }).labels ?? {})) {
      if (!LABEL_NAME.test(k)) throw new Error(`group ${i}: "${k}" is not a valid label name`);
      if (typeof v !== 'string') throw new Error(`group ${i}: label ${k} must be a string`);
      labels.set(k, v);
    }
    labels.set('__meta_filepath', path);
    return {
      source: `${path}:${i}`,
      targets: (targets as string[]).map((t) => new Map([['__address__', t]])),
      labels,
    };
  });
}

export class FileDiscoverer implements Discoverer {
  private readonly byFile = new Map<string, TargetGroup[]>();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private update: ((groups: TargetGroup[]) => void) | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: FileSdConfig,
    private readonly logger: Logger,
  ) {}

  async start(update: (groups: TargetGroup[]) => void): Promise<void> {
    this.update = update;
    for (const dir of new Set(this.config.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, () => this.soon());
        w.on('error', (err) =>
          this.logger.warn({ dir, error: err.message }, 'file_sd: watching the directory failed'),
        );
        this.watchers.push(w);
      } catch (err) {
        this.logger.warn(
          { dir, error: (err as Error).message },
          'file_sd: cannot watch the directory; relying on refresh_interval',
        );
      }
    }
    this.timer = setInterval(() => this.soon(), this.config.refresh_interval);
    await this.refresh();
  }

  /** Coalesces a burst of change events (an editor's write and rename) into one read. */
  private soon(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refreshing = this.refreshing.then(() => this.refresh());
    }, 50);
  }

  private async refresh(): Promise<void> {
    const found = new Set<string>();
    for (const pattern of this.config.files) {
      const dir = dirname(pattern);
      const re = globToRegExp(basename(pattern));
      let names: string[] = [];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n)) found.add(join(dir, n));
    }
    for (const path of found) {
      try {
        this.byFile.set(path, parseFileSd(path, await readFile(path, 'utf8')));
      } catch (err) {
        // keep what the file had, as Prometheus does
        this.logger.error({ file: path, error: (err as Error).message }, 'file_sd: error reading file');
      }
    }
    for (const path of [...this.byFile.keys()]) if (!found.has(path)) this.byFile.delete(path);
    if (!this.stopped) this.update?.([...this.byFile.values()].flat());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.refreshing;
  }
}
