// The poll loop of the file consumer: every poll_interval (at once while
// behind), match the globs, check open files for truncation, read what is new
// (rotated-away files first, then the others round robin under a time
// budget), send, close files that left the glob, give waiting files a turn,
// persist checkpoints.
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../src/component/errors.js';
import type { FileSet } from './file-set.js';
import { matchFiles } from './match.js';
import type { FileReader } from './reader.js';
import { checkFile, recoverRotated } from './rotation.js';
import { cycle } from './turns.js';

/**
 * Longest a poll reads before the globs are matched again (the next poll then starts at once):
 * a poll catching up on a backlog must not miss a file that is created and rotated away
 * meanwhile (the kubelet renames 0.log as soon as it is over its size), nor a copytruncate.
 */
const MIN_POLL_READ_MS = 250;
/** Polls without growth before a reader whose path left the glob (rotated, deleted) is closed. */
const CLOSE_AFTER_IDLE_POLLS = 5;

/** Polls until the consumer is stopped. */
export async function runPolls(fc: FileSet): Promise<void> {
  while (!fc.stopped) {
    try {
      await pollOnce(fc);
    } catch (err) {
      fc.behind = false;
      fc.deps.logger.error({ err: errorMessage(err) }, 'poll failed');
    }
    if (fc.stopped) break;
    if (fc.behind) continue;
    await sleep(fc.cfg.poll_interval, undefined, { signal: fc.abort.signal }).catch(() => {});
  }
}

/** One poll: match files, read what is new, send, close finished files, persist. */
export async function pollOnce(fc: FileSet): Promise<void> {
  const now = Date.now();
  fc.observed = BigInt(now) * 1_000_000n;
  const seen = await matchFiles(fc, now);
  fc.firstPoll = false;
  for (const r of fc.readers.values()) r.unseenPolls = seen.has(r) ? 0 : r.unseenPolls + 1;

  let pending = [...fc.readers.values()];
  fc.truncated = false;
  // files whose size is their offset and that hold nothing for force_flush_period are not read
  // (the read would return nothing): an idle file costs the glob match's stat alone
  const nothingNew = new Set<FileReader>();
  for (const r of pending) {
    if (fc.stopped) return;
    if (!(await checkFile(fc, r, now))) nothingNew.add(r);
  }
  if (fc.truncated) {
    // the copy (copytruncate) is opened now and, being a rotated file, read to its end before
    // the truncated file's new content: a CRI P fragment held from the old content meets its F
    await recoverRotated(fc, fc.atPath, now);
    pending = [...fc.readers.values()];
  }
  for (const r of nothingNew) {
    r.eof = true;
    r.rewritten = false;
  }
  pending = pending.filter((r) => !nothingNew.has(r));
  // files rotated away are read to their end first (as the collector reads its lost files before
  // the current ones), so a CRI partial line at the end of the old file meets its rest in the new one
  // reading stops at the deadline (with data left, the next poll starts at once)
  const deadline = now + Math.max(fc.cfg.poll_interval, MIN_POLL_READ_MS);
  fc.behind = false;
  const finishing = pending.filter((r) => r.lost || r.unseenPolls > 0);
  for (const r of finishing)
    while (!fc.stopped && fc.readers.get(r.key) === r && (await fc.readSome(r, now, 4)))
      if (Date.now() >= deadline) {
        fc.behind = true;
        break;
      }
  pending = fc.behind ? [] : pending.filter((r) => !(r.lost || r.unseenPolls > 0));
  // round robin, a few batches per file per turn, so a file with a large
  // backlog does not starve the others
  while (pending.length > 0 && !fc.stopped) {
    if (Date.now() >= deadline) {
      fc.behind = true;
      break;
    }
    const next: FileReader[] = [];
    for (const r of pending) if (fc.readers.get(r.key) === r && (await fc.readSome(r, now, 4))) next.push(r);
    pending = next;
  }
  if (fc.stopped) return;
  fc.pipeline.flush(now, false);
  if (!(await fc.flushBatch(false))) return;

  for (const [key, r] of fc.readers) {
    if ((r.unseenPolls > 0 || r.lost) && r.idlePolls >= CLOSE_AFTER_IDLE_POLLS && r.acked >= r.lastSize) {
      fc.readers.delete(key);
      if (r.fp.length > 0)
        fc.known.add({ fp: r.fp, offset: r.acked, path: r.path, seen: now, searched: true });
      await r.close();
      fc.dirty = true;
    }
  }
  await cycle(fc, now);
  // the table, when files came or went: at most once a second (the offsets overlay is written
  // after every accepted batch, file-consumer.ts); always on shutdown
  if (fc.dirty && Date.now() - fc.lastPersist >= 1000) await fc.persist();
}
