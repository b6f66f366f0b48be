// The glob match of a poll: match include/exclude, tell known, new, idle
// (max_concurrent_files) and skipped files apart, open the new ones
// (open-file.ts) and look for files rotated away (rotation.ts).
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AtPath, FileSet } from './file-set.js';
import { FS_PARALLEL, mapLimited } from './fs-parallel.js';
import { openFile } from './open-file.js';
import type { FileReader } from './reader.js';
import { recoverRotated } from './rotation.js';

/** One glob match: opens new files (as many as max_concurrent_files allows); returns the readers whose path matched. */
export async function matchFiles(fc: FileSet, now: number): Promise<Set<FileReader>> {
  const seen = new Set<FileReader>();
  fc.lastMatch = Date.now();
  const paths = await fc.files.expand(); // sorted
  /** dev:ino at each matched path (rotation detection for known files). */
  const atPath = new Map<string, AtPath>();
  const waiting: { path: string; st: Stats; key: string }[] = [];
  // stat'ed together (glob.ts, FS_PARALLEL)
  const stats = await mapLimited(paths, FS_PARALLEL, (path) => stat(path).catch(() => undefined));
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const st = stats[i];
    if (!st?.isFile()) continue;
    const key = `${st.dev}:${st.ino}`;
    atPath.set(path, { key, size: st.size, st }); // an open reader's checkFile uses this stat
    const existing = fc.readers.get(key);
    if (existing) {
      existing.path = path;
      existing.lost = false;
      seen.add(existing);
      continue;
    }
    if (fc.ignored.has(key) || st.size === 0) continue;
    if (fc.cfg.exclude_older_than !== undefined && now - st.mtimeMs > fc.cfg.exclude_older_than) continue;
    // closed to give other files a turn (max_concurrent_files) and unchanged since
    const idle = fc.idle.get(key);
    if (idle && idle.size === st.size && idle.mtimeMs === st.mtimeMs) {
      idle.k.seen = now;
      continue;
    }
    fc.idle.delete(key);
    waiting.push({ path, st, key });
  }
  // files that waited longest get the free slots first
  for (const w of waiting) if (!fc.waitingSince.has(w.key)) fc.waitingSince.set(w.key, now);
  const since = (k: string) => fc.waitingSince.get(k) ?? now;
  waiting.sort((x, y) => since(x.key) - since(y.key));
  // a rotated file's rest goes before files waiting for a slot
  fc.recoverWaiting = false;
  await recoverRotated(fc, atPath, now);
  const stillWaiting = new Map<string, number>();
  for (const w of waiting) {
    if (fc.readers.size >= fc.cfg.max_concurrent_files) {
      stillWaiting.set(w.key, since(w.key));
      continue;
    }
    const r = await openFile(fc, w.path, w.st, w.key, now);
    if (r) seen.add(r);
  }
  fc.waitingSince = stillWaiting;
  const matched = new Set<string>();
  for (const v of atPath.values()) matched.add(v.key);
  for (const key of fc.idle.keys()) if (!matched.has(key)) fc.idle.delete(key);
  if (stillWaiting.size > 0)
    fc.reportOnce('max_concurrent_files', 'more files than max_concurrent_files; reading them in turns', {
      max_concurrent_files: fc.cfg.max_concurrent_files,
      waiting: stillWaiting.size,
    });
  await recoverRotated(fc, atPath, now);
  fc.atPath = atPath;
  // a new file goes into the checkpoint at once, not up to a second later: if it is renamed
  // away (kubelet rotation) and Tsunagi killed before that, only its checkpoint leads to it
  if (fc.openedNew) await fc.persist().catch(() => {});
  return seen;
}
