// `--watch`: reload when a config file or the fragment directory changes.
// Editors replace files (write a temp file, rename it over) and Kubernetes
// swaps a ConfigMap's `..data` symlink, so the watches are on the directories
// and filter by name; events come in bursts, so they are debounced.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ConfigWatch {
  close(): void;
}

export const WATCH_DEBOUNCE_MS = 300;

/**
 * Calls `onChange` once things are quiet for `debounceMs` after a change of
 * one of `files` or of anything in `dirs` (a fragment directory).
 */
export function watchConfig(
  files: readonly string[],
  dirs: readonly string[],
  onChange: () => void,
  onError: (e: Error) => void,
  debounceMs = WATCH_DEBOUNCE_MS,
): ConfigWatch {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  // directory → names that matter in it (undefined: every name)
  const wanted = new Map<string, Set<string> | undefined>();
  for (const d of dirs) wanted.set(resolve(d), undefined);
  for (const f of files) {
    const d = dirname(resolve(f));
    if (wanted.has(d) && wanted.get(d) === undefined) continue;
    const names = wanted.get(d) ?? new Set<string>();
    names.add(basename(f));
    wanted.set(d, names);
  }
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of wanted) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        const n = name?.toString();
        // a ConfigMap update renames `..data`: the files behind every symlink changed
        if (!names || !n || names.has(n) || n.startsWith('..')) fire();
      });
      w.on('error', onError);
      watchers.push(w);
    } catch (e) {
      onError(e as Error);
    }
  }
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
