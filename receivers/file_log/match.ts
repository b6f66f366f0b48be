// Finding and opening files: match include/exclude, tell known, new, idle
// (max_concurrent_files) and skipped files apart, and open a reader at the
// right offset (checkpoint, start_at, or the rest of a rotated file).
import type { Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage } from '../../src/component/errors.js';
import type { FileLogConfig } from './config.js';
import type { AtPath, FileConsumer } from './file-consumer.js';
import { hasNul, readFingerprint, sameFile } from './fingerprint.js';
import { FS_PARALLEL, mapLimited } from './glob.js';
import type { KnownFile } from './known-files.js';
import { FileReader } from './reader.js';
import { recoverRotated } from './rotation.js';

/** One glob match: opens new files (as many as max_concurrent_files allows); returns the readers whose path matched. */
export async function matchFiles(fc: FileConsumer, now: number): Promise<Set<FileReader>> {
  const seen = new Set<FileReader>();
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

/**
 * Opens a file matched by include (or found next to a rotated file's old
 * path, then `known` is its checkpoint) and adds its reader; undefined if
 * the file is skipped (gzip, binary, unreadable, a copy of a file being read).
 */
export async function openFile(
  fc: FileConsumer,
  path: string,
  st: Stats,
  key: string,
  now: number,
  lost?: KnownFile,
): Promise<FileReader | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (
      !lost &&
      fc.reportOnce(`unreadable:${path}`, 'cannot open file; skipping it', {
        path,
        err: errorMessage(err),
      })
    )
      fc.deps.counters.skippedFile('unreadable');
    return undefined;
  }
  const fp = await readFingerprint(fh, Math.min(fc.cfg.fingerprint_size, st.size));
  if (fp.length >= 2 && fp[0] === 0x1f && fp[1] === 0x8b) {
    // a compressed rotated file (kubelet gzips old logs): its lines were read before compression
    fc.ignored.add(key);
    fc.deps.logger.debug({ path }, 'gzip file matched by include; not read');
    await fh.close();
    return undefined;
  }
  if (hasNul(fp)) {
    fc.ignored.add(key);
    fc.reportOnce(`binary:${key}`, 'file looks binary (NUL bytes); skipping it', { path });
    fc.deps.counters.skippedFile('binary');
    await fh.close();
    return undefined;
  }
  // same content as a file being read (a copy, e.g. copytruncate's): not a new file
  for (const r of fc.readers.values())
    if (sameFile(fp, r.fp) || sameFile(r.fp, fp)) {
      await fh.close();
      return undefined;
    }
  const k = lost && sameFile(fp, lost.fp) ? lost : fc.known.take(fp);
  if (k === lost && lost) fc.known.remove(lost);
  if (!k)
    // the file closed for its turn was rewritten in place (copytruncate): look for its copy
    for (const o of fc.known.entries()) if (o.key === key) o.key = undefined;
  let offset: number;
  if (k) offset = k.offset <= st.size ? k.offset : 0;
  else offset = fc.firstPoll && !fc.hadCheckpoint && fc.cfg.start_at === 'end' ? st.size : 0;
  // a rotated file is read under the path it had (log.file.path, the container operator's recombine key)
  const attrPath = lost ? lost.path : path;
  const r = new FileReader(fh, attrPath, fp, st.dev, st.ino, offset, await fileAttrs(fc.cfg, attrPath));
  r.lastSize = st.size;
  r.openedAt = now;
  r.lost = lost !== undefined;
  // resuming inside a line (a checkpoint between the pieces of an over-long line)
  if (offset > 0) {
    const b = Buffer.alloc(1);
    const { bytesRead } = await fh.read(b, 0, 1, offset - 1);
    r.continued = bytesRead === 1 && b[0] !== 10;
  }
  fc.gen.set(r, 0);
  fc.readers.set(key, r);
  fc.dirty = true;
  if (!k) fc.openedNew = true;
  return r;
}

/** The attributes every record of the file at `path` carries (include_file_*, attributes). */
export async function fileAttrs(c: FileLogConfig, path: string): Promise<Record<string, unknown>> {
  const a: Record<string, unknown> = {};
  if (c.include_file_name) a['log.file.name'] = basename(path);
  if (c.include_file_path) a['log.file.path'] = path;
  if (c.include_file_name_resolved || c.include_file_path_resolved) {
    const real = await realpath(path).catch(() => path);
    if (c.include_file_name_resolved) a['log.file.name_resolved'] = basename(real);
    if (c.include_file_path_resolved) a['log.file.path_resolved'] = real;
  }
  Object.assign(a, c.attributes);
  return a;
}
