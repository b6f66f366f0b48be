// Opening one file: skip what must not be read (gzip, binary, unreadable, a
// copy of a file already being read), read its fingerprint, and add its reader
// at the right offset (checkpoint, start_at, or the rest of a rotated file).
// Used by the glob match (match.ts) and by rotation recovery (rotation.ts).
import type { Stats } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage } from '../../src/component/errors.js';
import type { FileLogConfig } from './config.js';
import type { FileSet } from './file-set.js';
import { hasNul, readFingerprint, sameFile } from './fingerprint.js';
import type { KnownFile } from './known-files.js';
import { FileReader } from './reader.js';

/**
 * Opens a file matched by include (or found next to a rotated file's old
 * path, then `known` is its checkpoint) and adds its reader; undefined if
 * the file is skipped (gzip, binary, unreadable, a copy of a file being read).
 */
export async function openFile(
  fc: FileSet,
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
