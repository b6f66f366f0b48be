// The file consumer: finds files (include/exclude globs), tracks them by
// fingerprint, reads new lines through the operator pipeline into batches,
// and advances each file's checkpoint only after the next consumer accepted
// everything up to it. While the next consumer refuses, it retries the same
// batch and reads nothing more (backpressure); nothing is dropped unless the
// error is permanent.
import type { Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { escapePath, glob } from 'tinyglobby';
import { errorMessage, isRetryable } from '../../src/component/errors.js';
import type { StorageClient } from '../../src/component/storage.js';
import type { LogsData } from '../../src/pdata/types.js';
import { copyMap, type Entry, newEntry } from '../../src/stanza/entry.js';
import type { BuildContext } from '../../src/stanza/operator.js';
import { buildPipeline, type OperatorPipeline } from '../../src/stanza/pipeline.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { FileLogConfig } from './config.js';
import { hasNul, sameFile } from './fingerprint.js';
import { type KnownFile, KnownFiles, loadCheckpoint, saveCheckpoint } from './known-files.js';
import { FileReader, type LineSink, type ReadOptions } from './reader.js';

/**
 * Records per batch handed to the next consumer. Small enough that a batch's
 * objects die young (GC cost), large enough to amortize the consume call.
 */
const BATCH = 1024;
/**
 * Longest a poll reads before the globs are matched again (the next poll then starts at once):
 * a poll catching up on a backlog must not miss a file that is created and rotated away
 * meanwhile (the kubelet renames 0.log as soon as it is over its size), nor a copytruncate.
 */
const MIN_POLL_READ_MS = 250;
/** Polls without growth before a reader whose path left the glob (rotated, deleted) is closed. */
const CLOSE_AFTER_IDLE_POLLS = 5;

export interface FileConsumerCounters {
  accepted(n: number): void;
  refused(n: number): void;
  /** Lines longer than max_log_size (emitted in pieces). */
  split(n: number): void;
  invalidUtf8(n: number): void;
  skippedFile(reason: 'binary' | 'unreadable'): void;
  operatorError(operatorId: string): void;
}

export interface FileConsumerDeps {
  logger: Logger;
  counters: FileConsumerCounters;
  consume(data: LogsData): Promise<void>;
  storage?: StorageClient;
  /** Converts the batch; injected so the receiver decides the pdata shape. */
  toLogs(entries: Entry[]): LogsData;
}

export class FileConsumer implements LineSink {
  private readonly readers = new Map<string, FileReader>();
  private readonly known: KnownFiles;
  private readonly pipeline: OperatorPipeline;
  private readonly opts: ReadOptions;
  private readonly buf: Buffer;
  private readonly ignored = new Set<string>();
  private readonly reported = new Set<string>();
  private batch: Entry[] = [];
  private firstPoll = true;
  private hadCheckpoint = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private observed = 0n;
  private dirty = false;
  private unacked = 0;
  private lastPersist = 0;
  /** The last poll stopped reading on its time budget with data left: poll again without waiting. */
  private behind = false;
  /** What the last glob match found at each path (dev:ino, size). */
  private atPath = new Map<string, { key: string; size: number }>();
  /** A file was found truncated or rewritten (copytruncate) in this poll: look for its copy now. */
  private truncated = false;
  /** A file without a checkpoint entry was opened since the last persist. */
  private openedNew = false;
  private readonly gen = new WeakMap<FileReader, number>();
  /** Files closed to give others a turn (max_concurrent_files), with their size then: not reopened until they change. */
  private readonly idle = new Map<string, { size: number; mtimeMs: number; k: KnownFile }>();
  /** Matched files waiting for a free slot (max_concurrent_files), and since when. */
  private waitingSince = new Map<string, number>();
  /** A known file may have been rotated away but there was no free slot to look for it. */
  private recoverWaiting = false;

  constructor(
    private readonly cfg: FileLogConfig,
    private deps: FileConsumerDeps,
  ) {
    // every matched file that is not open has its offset here (max_concurrent_files cycling)
    this.known = new KnownFiles(Math.max(10_000, 4 * cfg.max_concurrent_files));
    const ml = cfg.multiline;
    this.opts = {
      maxLogSize: cfg.max_log_size,
      forceFlushMs: cfg.force_flush_period,
      trimLeading: !cfg.preserve_leading_whitespaces,
      trimTrailing: !cfg.preserve_trailing_whitespaces,
      lineStart: ml?.line_start_pattern
        ? new RegExp(ml.line_start_pattern.replace(/\(\?P</g, '(?<'))
        : undefined,
      lineEnd: ml?.line_end_pattern ? new RegExp(ml.line_end_pattern.replace(/\(\?P</g, '(?<')) : undefined,
      omitPattern: ml?.omit_pattern ?? false,
    };
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, cfg.max_log_size + 1));
    const ctx: BuildContext = {
      logger: deps.logger,
      onOperatorError: (id) => deps.counters.operatorError(id),
    };
    this.pipeline = buildPipeline(cfg.operators, ctx, (e) => this.batch.push(e));
  }

  async start(): Promise<void> {
    if (this.deps.storage) {
      const files = await loadCheckpoint(this.deps.storage);
      if (files) {
        this.hadCheckpoint = true;
        for (const f of files) this.known.add(f);
        this.deps.logger.info({ files: files.length }, 'resuming from checkpoints');
      }
    }
    // the files present at start are the ones start_at applies to
    await this.matchFiles(Date.now());
    this.firstPoll = false;
    this.loop = this.run();
  }

  /**
   * Stops polling, waits (bounded) for the batch in flight, persists
   * acknowledged offsets. Entries operators hold are flushed only without
   * storage (with it they are read again on the next start).
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    if (this.loop) await withTimeout(this.loop, timeoutMs);
    try {
      // With checkpoints, entries an operator still holds (a CRI P fragment waiting for its F,
      // a multiline entry) are left unsent: the checkpoint stays before them, so the next start
      // reads them again and the line comes out whole. Without storage this is the last chance.
      if (!this.deps.storage) {
        this.pipeline.flush(Date.now(), true);
        for (const r of this.readers.values()) r.flushHeld(this);
      }
      await withTimeout(this.flushBatch(true), timeoutMs);
    } catch (err) {
      this.deps.logger.warn(
        { err: errorMessage(err) },
        'final flush failed; unacknowledged lines are read again on restart',
      );
    }
    await this.persist().catch((err) =>
      this.deps.logger.error({ err: errorMessage(err) }, 'could not persist checkpoints'),
    );
    for (const r of this.readers.values()) await r.close();
    this.readers.clear();
  }

  /**
   * Stops without flushing or persisting anything: what kill -9 leaves
   * behind (the last persisted checkpoint). For crash tests.
   */
  async abandon(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.deps.storage = undefined;
    if (this.loop) await withTimeout(this.loop, 1000);
    for (const r of this.readers.values()) await r.close();
    this.readers.clear();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.poll();
      } catch (err) {
        this.behind = false;
        this.deps.logger.error({ err: errorMessage(err) }, 'poll failed');
      }
      if (this.stopped) break;
      if (this.behind) continue;
      await sleep(this.cfg.poll_interval, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }

  /** One poll: match files, read what is new, send, close finished files, persist. Exposed for tests. */
  async poll(): Promise<void> {
    const now = Date.now();
    this.observed = BigInt(now) * 1_000_000n;
    const seen = await this.matchFiles(now);
    this.firstPoll = false;
    for (const r of this.readers.values()) r.unseenPolls = seen.has(r) ? 0 : r.unseenPolls + 1;

    let pending = [...this.readers.values()];
    this.truncated = false;
    for (const r of pending) {
      if (this.stopped) return;
      await this.checkFile(r, now);
    }
    if (this.truncated) {
      // the copy (copytruncate) is opened now and, being a rotated file, read to its end before
      // the truncated file's new content: a CRI P fragment held from the old content meets its F
      await this.recoverRotated(this.atPath, now);
      pending = [...this.readers.values()];
    }
    // files rotated away are read to their end first (as the collector reads its lost files before
    // the current ones), so a CRI partial line at the end of the old file meets its rest in the new one
    // reading stops at the deadline (with data left, the next poll starts at once)
    const deadline = now + Math.max(this.cfg.poll_interval, MIN_POLL_READ_MS);
    this.behind = false;
    const finishing = pending.filter((r) => r.lost || r.unseenPolls > 0);
    for (const r of finishing)
      while (!this.stopped && this.readers.get(r.key) === r && (await this.readSome(r, now, 4)))
        if (Date.now() >= deadline) {
          this.behind = true;
          break;
        }
    pending = this.behind ? [] : pending.filter((r) => !(r.lost || r.unseenPolls > 0));
    // round robin, a few batches per file per turn, so a file with a large
    // backlog does not starve the others
    while (pending.length > 0 && !this.stopped) {
      if (Date.now() >= deadline) {
        this.behind = true;
        break;
      }
      const next: FileReader[] = [];
      for (const r of pending)
        if (this.readers.get(r.key) === r && (await this.readSome(r, now, 4))) next.push(r);
      pending = next;
    }
    if (this.stopped) return;
    this.pipeline.flush(now, false);
    if (!(await this.flushBatch(false))) return;

    for (const [key, r] of this.readers) {
      if ((r.unseenPolls > 0 || r.lost) && r.idlePolls >= CLOSE_AFTER_IDLE_POLLS && r.acked >= r.lastSize) {
        this.readers.delete(key);
        if (r.fp.length > 0)
          this.known.add({ fp: r.fp, offset: r.acked, path: r.path, seen: now, searched: true });
        await r.close();
        this.dirty = true;
      }
    }
    await this.cycle(now);
    // at most once a second (each write is fsync'd by file_storage); always on shutdown
    if (this.dirty && Date.now() - this.lastPersist >= 1000) await this.persist();
  }

  private async matchFiles(now: number): Promise<Set<FileReader>> {
    const seen = new Set<FileReader>();
    const paths = await glob(this.cfg.include, {
      ignore: this.cfg.exclude,
      absolute: true,
      dot: true,
      followSymbolicLinks: true,
      expandDirectories: false,
    });
    paths.sort();
    /** dev:ino at each matched path (rotation detection for known files). */
    const atPath = new Map<string, { key: string; size: number }>();
    const waiting: { path: string; st: Stats; key: string }[] = [];
    for (const path of paths) {
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      atPath.set(path, { key, size: st.size });
      const existing = this.readers.get(key);
      if (existing) {
        existing.path = path;
        existing.lost = false;
        seen.add(existing);
        continue;
      }
      if (this.ignored.has(key) || st.size === 0) continue;
      if (this.cfg.exclude_older_than !== undefined && now - st.mtimeMs > this.cfg.exclude_older_than)
        continue;
      // closed to give other files a turn (max_concurrent_files) and unchanged since
      const idle = this.idle.get(key);
      if (idle && idle.size === st.size && idle.mtimeMs === st.mtimeMs) {
        idle.k.seen = now;
        continue;
      }
      this.idle.delete(key);
      waiting.push({ path, st, key });
    }
    // files that waited longest get the free slots first
    for (const w of waiting) if (!this.waitingSince.has(w.key)) this.waitingSince.set(w.key, now);
    const since = (k: string) => this.waitingSince.get(k) ?? now;
    waiting.sort((x, y) => since(x.key) - since(y.key));
    // a rotated file's rest goes before files waiting for a slot
    this.recoverWaiting = false;
    await this.recoverRotated(atPath, now);
    const stillWaiting = new Map<string, number>();
    for (const w of waiting) {
      if (this.readers.size >= this.cfg.max_concurrent_files) {
        stillWaiting.set(w.key, since(w.key));
        continue;
      }
      const r = await this.openFile(w.path, w.st, w.key, now);
      if (r) seen.add(r);
    }
    this.waitingSince = stillWaiting;
    const matched = new Set<string>();
    for (const v of atPath.values()) matched.add(v.key);
    for (const key of this.idle.keys()) if (!matched.has(key)) this.idle.delete(key);
    if (stillWaiting.size > 0)
      this.reportOnce('max_concurrent_files', 'more files than max_concurrent_files; reading them in turns', {
        max_concurrent_files: this.cfg.max_concurrent_files,
        waiting: stillWaiting.size,
      });
    await this.recoverRotated(atPath, now);
    this.atPath = atPath;
    // a new file goes into the checkpoint at once, not up to a second later: if it is renamed
    // away (kubelet rotation) and Tsunagi killed before that, only its checkpoint leads to it
    if (this.openedNew) await this.persist().catch(() => {});
    return seen;
  }

  /**
   * Opens a file matched by include (or found next to a rotated file's old
   * path, then `known` is its checkpoint) and adds its reader; undefined if
   * the file is skipped (gzip, binary, unreadable, a copy of a file being read).
   */
  private async openFile(
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
        this.reportOnce(`unreadable:${path}`, 'cannot open file; skipping it', {
          path,
          err: errorMessage(err),
        })
      )
        this.deps.counters.skippedFile('unreadable');
      return undefined;
    }
    const fp = await readFingerprint(fh, Math.min(this.cfg.fingerprint_size, st.size));
    if (fp.length >= 2 && fp[0] === 0x1f && fp[1] === 0x8b) {
      // a compressed rotated file (kubelet gzips old logs): its lines were read before compression
      this.ignored.add(key);
      this.deps.logger.debug({ path }, 'gzip file matched by include; not read');
      await fh.close();
      return undefined;
    }
    if (hasNul(fp)) {
      this.ignored.add(key);
      this.reportOnce(`binary:${key}`, 'file looks binary (NUL bytes); skipping it', { path });
      this.deps.counters.skippedFile('binary');
      await fh.close();
      return undefined;
    }
    // same content as a file being read (a copy, e.g. copytruncate's): not a new file
    for (const r of this.readers.values())
      if (sameFile(fp, r.fp) || sameFile(r.fp, fp)) {
        await fh.close();
        return undefined;
      }
    const k = lost && sameFile(fp, lost.fp) ? lost : this.known.take(fp);
    if (k === lost && lost) this.known.remove(lost);
    if (!k)
      // the file closed for its turn was rewritten in place (copytruncate): look for its copy
      for (const o of this.known.entries()) if (o.key === key) o.key = undefined;
    let offset: number;
    if (k) offset = k.offset <= st.size ? k.offset : 0;
    else offset = this.firstPoll && !this.hadCheckpoint && this.cfg.start_at === 'end' ? st.size : 0;
    // a rotated file is read under the path it had (log.file.path, the container operator's recombine key)
    const attrPath = lost ? lost.path : path;
    const r = new FileReader(fh, attrPath, fp, st.dev, st.ino, offset, await this.fileAttrs(attrPath));
    r.lastSize = st.size;
    r.openedAt = now;
    r.lost = lost !== undefined;
    // resuming inside a line (a checkpoint between the pieces of an over-long line)
    if (offset > 0) {
      const b = Buffer.alloc(1);
      const { bytesRead } = await fh.read(b, 0, 1, offset - 1);
      r.continued = bytesRead === 1 && b[0] !== 10;
    }
    this.gen.set(r, 0);
    this.readers.set(key, r);
    this.dirty = true;
    if (!k) this.openedNew = true;
    return r;
  }

  /**
   * A checkpointed file that is no longer at its path (renamed by a rotation
   * while Tsunagi was stopped, or while it was closed to let other files
   * read) and not matched by include under its new name: look for it among
   * the siblings `<path>.*` (not .gz/.tmp) by fingerprint, and read it from
   * its checkpoint to the end. One search per file and run, unless found.
   */
  private async recoverRotated(
    atPath: Map<string, { key: string; size: number }>,
    now: number,
  ): Promise<void> {
    for (const k of [...this.known.entries()]) {
      if (k.searched) continue;
      const cur = atPath.get(k.path);
      if (cur !== undefined) {
        if (k.key === cur.key) continue; // the same file is still there
        if (k.key === undefined && cur.size > 0) {
          // after a restart the identity is the fingerprint: wait until the file at the path was opened
          const r = this.readers.get(cur.key);
          if (!r || sameFile(r.fp, k.fp)) continue;
        }
      }
      if (this.readers.size >= this.cfg.max_concurrent_files) {
        this.recoverWaiting = true; // cycle() frees a slot for the next poll
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
              ignore: this.cfg.exclude,
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
        if (this.readers.has(key) || this.ignored.has(key)) continue;
        const fp = await readPathFingerprint(path, k.fp.length);
        if (!fp || !sameFile(fp, k.fp)) continue;
        if (st.size <= k.offset) break; // read to its end before it was renamed
        this.deps.logger.info(
          { path, was: k.path, offset: k.offset },
          'reading the rest of a rotated file from its checkpoint',
        );
        await this.openFile(path, st, key, now, k);
        break;
      }
    }
  }

  /**
   * max_concurrent_files: while matched files wait for a slot, close files
   * read to their end with everything acknowledged (opened longest ago
   * first); their offsets stay in the known-files table, and they are opened
   * again when they changed and it is their turn.
   */
  private async cycle(now: number): Promise<void> {
    const want = this.waitingSince.size + (this.recoverWaiting ? 1 : 0);
    if (want === 0) return;
    const done = [...this.readers.values()]
      .filter(
        (r) =>
          !r.lost &&
          r.unseenPolls === 0 &&
          r.eof &&
          !r.hasPartial() &&
          r.fp.length > 0 &&
          r.acked >= r.offset,
      )
      .sort((a, b) => a.openedAt - b.openedAt)
      .slice(0, want);
    for (const r of done) {
      const st = await r.fh.stat().catch(() => undefined);
      this.readers.delete(r.key);
      const k: KnownFile = { fp: r.fp, offset: r.acked, path: r.path, seen: now, key: r.key };
      this.known.add(k);
      if (st && st.size <= r.offset) this.idle.set(r.key, { size: st.size, mtimeMs: st.mtimeMs, k });
      await r.close();
      this.dirty = true;
    }
  }

  private async fileAttrs(path: string): Promise<Record<string, unknown>> {
    const a: Record<string, unknown> = {};
    const c = this.cfg;
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

  /** Per-poll checks of an open file: truncation / rewrite (copytruncate), growth. */
  private async checkFile(r: FileReader, now: number): Promise<void> {
    let st: Awaited<ReturnType<FileReader['fh']['stat']>>;
    try {
      st = await r.fh.stat();
    } catch (err) {
      this.reportOnce(`stat:${r.key}`, 'cannot stat open file', { path: r.path, err: errorMessage(err) });
      return;
    }
    // truncated or rewritten in place (copytruncate): read it again from the start
    const fpNow = await readFingerprint(r.fh, Math.min(this.cfg.fingerprint_size, st.size));
    // (a file truncated to nothing has no fingerprint yet: its first bytes are its identity)
    if (st.size < r.offset || (r.fp.length > 0 && !sameFile(fpNow, r.fp))) {
      if (!(await this.flushBatch(false))) return;
      this.deps.logger.info(
        { path: r.path, offset: r.offset },
        'file truncated or rewritten; reading it from the start',
      );
      if (r.fp.length > 0) this.known.add({ fp: r.fp, offset: r.offset, path: r.path, seen: now });
      r.reset(fpNow);
      this.truncated = true;
      this.gen.set(r, (this.gen.get(r) ?? 0) + 1);
      this.dirty = true;
    } else if (fpNow.length > r.fp.length) r.fp = fpNow;
    r.idlePolls = st.size === r.lastSize && r.offset >= st.size ? r.idlePolls + 1 : 0;
    r.lastSize = st.size;
  }

  /** Reads up to `turns` budgets of lines from one file; true if it has more. */
  private async readSome(r: FileReader, now: number, turns: number): Promise<boolean> {
    for (let i = 0; i < turns; i++) {
      const more = await r.read(this.buf, this, this.opts, BATCH, now);
      // rewritten under us (copytruncate): the next poll's checkFile starts it over and finds the copy
      if (r.rewritten) return false;
      if (this.batch.length >= BATCH) {
        if (!(await this.flushBatch(false))) return false;
      }
      if (!more || this.stopped) return false;
    }
    return true;
  }

  // ---- LineSink ----
  line(r: FileReader, text: string, startOffset: number, continued: boolean): void {
    const e = newEntry(text, this.observed, r, startOffset);
    e.attributes = copyMap(r.attrs);
    if (continued) e.continued = true;
    this.pipeline.process(e);
  }
  split(r: FileReader): void {
    this.deps.counters.split(1);
    this.reportOnce(`split:${r.key}`, 'line longer than max_log_size; emitted as several records', {
      path: r.path,
      max_log_size: this.cfg.max_log_size,
    });
  }
  invalidUtf8(r: FileReader): void {
    this.deps.counters.invalidUtf8(1);
    this.reportOnce(`utf8:${r.key}`, 'invalid UTF-8 replaced with U+FFFD', { path: r.path });
  }

  /**
   * Sends the batch (retrying while the error is retryable) and then
   * advances each reader's acknowledged offset to what it had emitted,
   * except entries operators still hold. False if stopped before success.
   */
  private async flushBatch(final: boolean): Promise<boolean> {
    const snapshot: [FileReader, number, number][] = [];
    const heldMin = new Map<FileReader, number>();
    this.pipeline.held((e) => {
      const r = e.src as FileReader;
      const cur = heldMin.get(r);
      if (cur === undefined || e.offset < cur) heldMin.set(r, e.offset);
    });
    for (const r of this.readers.values()) {
      const h = heldMin.get(r);
      const off = h === undefined ? r.holdOffset() : Math.min(h, r.holdOffset());
      snapshot.push([r, off, this.gen.get(r) ?? 0]);
    }
    // a batch that was taken but never accepted (stopped mid-retry, or still
    // in flight at the shutdown deadline) pins the offsets for this run
    if (this.unacked > 0) return false;
    const entries = this.batch;
    this.batch = [];
    if (entries.length > 0) {
      this.unacked++;
      const ok = await this.send(this.deps.toLogs(entries), entries.length, final);
      if (!ok) return false;
      this.unacked--;
    }
    for (const [r, off, g] of snapshot) {
      if ((this.gen.get(r) ?? 0) === g && off > r.acked) {
        r.acked = off;
        this.dirty = true;
      }
    }
    if (this.dirty && Date.now() - this.lastPersist >= 1000) await this.persist();
    return true;
  }

  private async send(data: LogsData, n: number, final: boolean): Promise<boolean> {
    const rc = this.cfg.retry_on_failure;
    const started = Date.now();
    let delay = rc.initial_interval;
    let attempt = 0;
    let warnedElapsed = false;
    for (;;) {
      try {
        await this.deps.consume(data);
        this.deps.counters.accepted(n);
        if (attempt > 0)
          this.deps.logger.info({ attempts: attempt + 1, records: n }, 'next consumer accepted the batch');
        return true;
      } catch (err) {
        attempt++;
        if (!isRetryable(err)) {
          this.deps.counters.refused(n);
          this.deps.logger.error(
            { err: errorMessage(err), records: n },
            'batch permanently rejected; dropping it',
          );
          return true;
        }
        if (this.stopped && (final || this.abort.signal.aborted)) {
          if (final) this.deps.counters.refused(n);
          return false;
        }
        if (attempt === 1)
          this.deps.logger.warn(
            { err: errorMessage(err), records: n },
            'next consumer refused the batch; retrying it and pausing reads (offsets are held)',
          );
        if (
          rc.enabled &&
          !warnedElapsed &&
          rc.max_elapsed_time > 0 &&
          Date.now() - started > rc.max_elapsed_time
        ) {
          warnedElapsed = true;
          this.deps.logger.warn(
            { records: n, max_elapsed_time_ms: rc.max_elapsed_time },
            'retry_on_failure.max_elapsed_time passed; still retrying so that no line is lost (reading stays paused)',
          );
        }
        const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
        const wait =
          retryAfter ?? (rc.enabled ? delay * (0.8 + Math.random() * 0.4) : this.cfg.poll_interval);
        delay = Math.min(delay * 1.5, rc.max_interval);
        try {
          await sleep(wait, undefined, { signal: this.abort.signal });
        } catch {
          return false;
        }
      }
    }
  }

  private async persist(): Promise<void> {
    this.dirty = false;
    this.openedNew = false;
    this.lastPersist = Date.now();
    if (!this.deps.storage) return;
    const files: { fp: Buffer; offset: number; path: string }[] = [];
    const active = new Set<string>();
    for (const r of this.readers.values()) {
      if (r.fp.length === 0) continue;
      files.push({ fp: r.fp, offset: r.acked, path: r.path });
      active.add(r.fp.toString('base64'));
    }
    for (const k of this.known.entries()) if (!active.has(k.fp.toString('base64'))) files.push(k);
    try {
      await saveCheckpoint(this.deps.storage, files);
    } catch (err) {
      this.dirty = true; // try again on the next occasion; reading goes on (a crash now re-sends a little more)
      this.reportOnce('persist', 'could not write checkpoints; will retry', { err: errorMessage(err) });
      throw err;
    }
    this.reported.delete('persist');
  }

  private reportOnce(key: string, msg: string, fields: Record<string, unknown>): boolean {
    if (this.reported.has(key)) return false;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.add(key);
    this.deps.logger.warn(fields, msg);
    return true;
  }

  /** Test/diagnostic view of the tracked files. */
  trackedFiles(): { path: string; offset: number; acked: number }[] {
    return [...this.readers.values()].map((r) => ({ path: r.path, offset: r.offset, acked: r.acked }));
  }
}

/** Waits for `p` at most `ms` (the timer is cleared, so it never holds the process open). */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

async function readPathFingerprint(path: string, n: number): Promise<Buffer | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    return await readFingerprint(fh, n);
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => {});
  }
}

async function readFingerprint(fh: FileHandle, n: number): Promise<Buffer> {
  if (n <= 0) return Buffer.alloc(0);
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, 0);
  return bytesRead === n ? b : b.subarray(0, bytesRead);
}
