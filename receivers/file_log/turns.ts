// max_concurrent_files turns: with more matched files than slots, files read
// to their end are closed (their offset kept in the known-files table) so
// that waiting files get a turn. matchFiles (match.ts) skips a closed file
// until it changes, and opens the waiting files that waited longest first.
import type { FileSet } from './file-set.js';
import type { KnownFile } from './known-files.js';

/**
 * max_concurrent_files: while matched files wait for a slot, close files
 * read to their end with everything acknowledged (opened longest ago
 * first); their offsets stay in the known-files table, and they are opened
 * again when they changed and it is their turn.
 */
export async function cycle(fc: FileSet, now: number): Promise<void> {
  const want = fc.waitingSince.size + (fc.recoverWaiting ? 1 : 0);
  if (want === 0) return;
  const done = [...fc.readers.values()]
    .filter(
      (r) =>
        !r.lost && r.unseenPolls === 0 && r.eof && !r.hasPartial() && r.fp.length > 0 && r.acked >= r.offset,
    )
    .sort((a, b) => a.openedAt - b.openedAt)
    .slice(0, want);
  for (const r of done) {
    const st = await r.fh.stat().catch(() => undefined);
    fc.readers.delete(r.key);
    const k: KnownFile = { fp: r.fp, offset: r.acked, path: r.path, seen: now, key: r.key };
    fc.known.add(k);
    if (st && st.size <= r.offset) fc.idle.set(r.key, { size: st.size, mtimeMs: st.mtimeMs, k });
    await r.close();
    fc.dirty = true;
  }
}
