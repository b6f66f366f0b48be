// Rotation and truncation: a checkpointed file renamed away (found again
// among its path's siblings by fingerprint and read to its end), and an open
// file truncated or rewritten in place (copytruncate: read again from the start).
import { realpath, stat } from 'node:fs/promises';
import { escapePath, glob } from 'tinyglobby';
import { errorMessage } from '../../src/component/errors.js';
import type { AtPath, FileSet } from './file-set.js';
import { readFingerprint, readPathFingerprint, sameFile } from './fingerprint.js';
import { STABLE_MS } from './glob.js';
import { openFile } from './open-file.js';
import type { FileReader } from './reader.js';

/**
 * A checkpointed file that is no longer at its path (renamed by a rotation
 * while Tsunagi was stopped, or while it was closed to let other files
 * read) and not matched by include under its new name: look for it among
 * the siblings `<path>.*` (not .gz/.tmp) by fingerprint, and read it from
 * its checkpoint to the end. One search per file and run, unless found.
 */
export async function recoverRotated(fc: FileSet, atPath: Map<string, AtPath>, now: number): Promise<void> {
  for (const k of [...fc.known.entries()]) {
    if (k.searched) continue;
    const cur = atPath.get(k.path);
    if (cur !== undefined) {
      if (k.key === cur.key) continue; // the same file is still there
      if (k.key === undefined && cur.size > 0) {
        // after a restart the identity is the fingerprint: wait until the file at the path was opened
        const r = fc.readers.get(cur.key);
        if (!r || sameFile(r.fp, k.fp)) continue;
      }
    }
    if (fc.readers.size >= fc.cfg.max_concurrent_files) {
      fc.recoverWaiting = true; // cycle() frees a slot for the next poll
      return;
    }
    k.searched = true;
    // the siblings, minus what exclude leaves out; for a symlink (/var/log/containers) also
    // those of the file it points to now (the new 0.log in /var/log/pods)
    const real = await realpath(k.path).catch(() => k.path);
    const siblings: string[] = [];
    for (const base of real === k.path ? [k.path] : [k.path, real])
      siblings.push(
        ...(
          await glob(`${escapePath(base)}.*`, {
            ignore: fc.cfg.exclude,
            absolute: true,
            dot: true,
            expandDirectories: false,
          }).catch(() => [] as string[])
        ).sort(),
      );
    for (const path of siblings) {
      if (path.endsWith('.gz') || path.endsWith('.tmp')) continue;
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile() || st.size < k.fp.length) continue;
      const key = `${st.dev}:${st.ino}`;
      if (fc.readers.has(key) || fc.ignored.has(key)) continue;
      const fp = await readPathFingerprint(path, k.fp.length);
      if (!fp || !sameFile(fp, k.fp)) continue;
      if (st.size <= k.offset) break; // read to its end before it was renamed
      fc.deps.logger.info(
        { path, was: k.path, offset: k.offset },
        'reading the rest of a rotated file from its checkpoint',
      );
      await openFile(fc, path, st, key, now, k);
      break;
    }
  }
}

/**
 * Per-poll checks of an open file: truncation / rewrite (copytruncate), growth. Returns false
 * when reading it would find nothing: its size is its offset and nothing waits for
 * force_flush_period (a partial last line, a multiline entry).
 */
export async function checkFile(fc: FileSet, r: FileReader, now: number): Promise<boolean> {
  // the glob match stat'ed the file's path in this poll: if this file is still there, that is its fstat
  const at = fc.atPath.get(r.path);
  let st = at?.key === r.key ? at.st : undefined;
  if (!st)
    try {
      st = await r.fh.stat();
    } catch (err) {
      fc.reportOnce(`stat:${r.key}`, 'cannot stat open file', { path: r.path, err: errorMessage(err) });
      return true;
    }
  // size, mtime, ctime: once the first bytes were found unchanged STABLE_MS after this state first
  // showed, any write (truncation, rewrite, copytruncate) changes it (glob.ts, STABLE_MS)
  const state = `${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const t = Date.now();
  if (state !== r.statState) {
    r.statState = state;
    r.statSince = t;
    r.statVerified = false;
  }
  // truncated or rewritten in place (copytruncate): read it again from the start. The first bytes
  // are compared until an unchanged stat state stands for them
  const fpNow = r.statVerified
    ? undefined
    : await readFingerprint(r.fh, Math.min(fc.cfg.fingerprint_size, st.size));
  // (a file truncated to nothing has no fingerprint yet: its first bytes are its identity)
  if (st.size < r.offset || (fpNow && r.fp.length > 0 && !sameFile(fpNow, r.fp))) {
    if (!(await fc.flushBatch(false))) return true;
    fc.deps.logger.info(
      { path: r.path, offset: r.offset },
      'file truncated or rewritten; reading it from the start',
    );
    if (r.fp.length > 0) fc.known.add({ fp: r.fp, offset: r.offset, path: r.path, seen: now });
    r.reset(fpNow ?? (await readFingerprint(r.fh, Math.min(fc.cfg.fingerprint_size, st.size))));
    r.statVerified = false;
    fc.truncated = true;
    fc.gen.set(r, (fc.gen.get(r) ?? 0) + 1);
    fc.dirty = true;
  } else if (fpNow) {
    if (fpNow.length > r.fp.length) r.fp = fpNow;
    if (t - r.statSince >= STABLE_MS) r.statVerified = true;
  }
  r.idlePolls = st.size === r.lastSize && r.offset >= st.size ? r.idlePolls + 1 : 0;
  r.lastSize = st.size;
  return r.offset < st.size || !r.holdsNothing();
}
