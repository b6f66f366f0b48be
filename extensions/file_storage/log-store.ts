// One store file: an append-only log of checksummed batch records (records.ts)
// replayed into a Map on open. Writes queued while one is on disk are
// coalesced into the next single write + fsync (group commit); each caller's
// promise resolves only once its record is durable. The stores of one extension
// sync in shared rounds (sync-group.ts), so a request written to several of them
// waits for one durable write. Lazy writes (a sent batch's delete) are written
// at once and made durable by the next fsync. When the log outgrows the
// live data it is rewritten to a temp file, fsync'd and renamed over the old one.
// Large values (persistent queue batches) are not kept in memory: the map holds
// their place in the file and get() reads them, so a backlog lives on disk.
import { constants, writevSync } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { giveBuffer, takeBuffer } from '../../src/codec/buffer-pool.js';
import type { StorageClient, StorageOp } from '../../src/component/storage.js';
import {
  type AnswerTrace,
  answerTraceOn,
  currentAnswerTrace,
  markTrace,
} from '../../src/telemetry/answer-trace.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { acquireLock } from './lock.js';
import { encodeRecordParts, LARGE_VALUE, MAGIC, replay } from './records.js';
import type { SyncGroup } from './sync-group.js';

export interface LogStoreOptions {
  path: string;
  fsync: boolean;
  lockTimeoutMs: number;
  logger: Logger;
  /** Where compaction writes its temp file (falls back to the store's directory across filesystems). */
  compactionDir?: string;
  /** Keys per record in a compacted file. */
  maxTransactionSize?: number;
  /** Compact automatically once the log is this big and more than twice the live data. */
  autoCompactMinBytes?: number;
  /** Largest group written on the event loop rather than in the thread pool (tests; default 2 MiB). */
  inlineWriteBytes?: number;
  /** The extension's shared sync rounds (with fsync); without it the store syncs on its own. */
  syncGroup?: SyncGroup;
  onClose?: () => void;
}

/** Bytes a key/value costs in a compacted log (for the garbage ratio). */
const OP_OVERHEAD = 9;
const DEFAULT_AUTO_COMPACT = 64 * 1024 * 1024;

/** Where a large value's bytes are in the store file. */
interface OnDisk {
  at: number;
  length: number;
}
type Stored = Uint8Array | OnDisk;

interface Pending {
  parts: Uint8Array[];
  length: number;
  valueAt: number[];
  ops: readonly StorageOp[];
  /** Need not be durable before it resolves (StorageClient.batch). */
  lazy: boolean;
  /** The traced request this write serves (TSUNAGI_ANSWER_TRACE). */
  trace: AnswerTrace | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class LogStore implements StorageClient {
  private readonly map = new Map<string, Stored>();
  /** Bumped when compaction replaces the file (OnDisk places refer to the current one). */
  private generation = 0;
  private liveBytes = 0;
  /** Bytes of the file holding committed records. */
  private fileSize = 0;
  /** Where the next group is written (past the groups written and not yet committed). */
  private writeEnd = 0;
  /** A group failed: the groups written after it fail too; the loop cuts the file back to `fileSize`. */
  private failed = false;
  private failure: unknown;
  private pending: Pending[] = [];
  private compactWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private running: Promise<void> | undefined;
  /** Wakes the loop waiting for a commit when records arrive to be written meanwhile. */
  private wake: (() => void) | undefined;
  private closed = false;
  /** Lazy records written since the last fsync. */
  private unsynced = false;

  private constructor(
    private readonly o: LogStoreOptions,
    private fh: FileHandle,
    private readonly releaseLock: () => Promise<void>,
  ) {}

  static async open(o: LogStoreOptions): Promise<LogStore> {
    const release = await acquireLock(o.path, o.lockTimeoutMs);
    try {
      let buf: Buffer | undefined;
      try {
        buf = await readFile(o.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      let created = false;
      if (!buf || (buf.length < MAGIC.length && MAGIC.subarray(0, buf.length).equals(buf))) {
        // New file (or one whose header write was torn).
        const fh = await open(o.path, 'w', 0o640);
        await fh.write(MAGIC, 0, MAGIC.length, 0);
        await fh.sync();
        await fh.close();
        buf = Buffer.from(MAGIC);
        created = true;
      } else if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw new Error(`${o.path} is not a file_storage store (unknown header)`);
      }
      const fh = await open(o.path, 'r+');
      const store = new LogStore(o, fh, release);
      const file = buf;
      // small values are copied out of the file's buffer, large ones only located in the file
      const { goodLength } = replay(buf, (ops) => store.apply(ops, (v) => v.byteOffset - file.byteOffset));
      if (goodLength < buf.length) {
        // Torn or corrupt tail from a crash mid-write: drop it, never refuse to start.
        o.logger.warn(
          { file: o.path, discarded_bytes: buf.length - goodLength },
          'Storage file ended in an incomplete record (crash during a write); discarding it',
        );
        await fh.truncate(goodLength);
        await fh.sync();
      }
      store.fileSize = goodLength;
      store.writeEnd = goodLength;
      if (created) await syncDir(dirname(o.path));
      return store;
    } catch (e) {
      await release();
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.map.get(key);
    if (v === undefined || v instanceof Uint8Array) return v;
    const { fh, generation } = this;
    try {
      return await readAt(fh, v);
    } catch (e) {
      // compaction moved it (and closed the old file) meanwhile: read it from the new place
      if (generation !== this.generation) return this.get(key);
      throw e;
    }
  }

  set(key: string, value: Uint8Array): Promise<void> {
    return this.write([{ op: 'set', key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.write([{ op: 'delete', key }]);
  }

  batch(ops: StorageOp[], options?: { lazy?: boolean }): Promise<void> {
    return ops.length === 0 ? Promise.resolve() : this.write(ops, options?.lazy === true);
  }

  /** Rewrites the log with only the live data. */
  compact(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('storage client is closed'));
    return new Promise((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Log size on disk and the size the live data would need (for rebound checks and tests). */
  sizes(): { file: number; live: number } {
    return { file: this.fileSize, live: this.liveBytes + MAGIC.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.running) await this.running;
    if (this.unsynced && this.o.fsync) await this.fh.datasync().catch(() => {});
    await this.fh.close();
    await this.releaseLock();
    this.o.onClose?.();
  }

  private write(ops: readonly StorageOp[], lazy = false): Promise<void> {
    if (this.closed) return Promise.reject(new Error('storage client is closed'));
    const { parts, length, valueAt } = encodeRecordParts(ops);
    return new Promise((resolve, reject) => {
      this.pending.push({ parts, length, valueAt, ops, lazy, trace: currentAnswerTrace(), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (!this.running) this.running = this.loop();
    else this.wake?.();
  }

  /**
   * The single writer: group commits, then compaction when asked or due.
   * Groups are written one after the other, each at the end of the one before,
   * but a group is written while the group before it is still being fsync'd:
   * the records that arrive during a sync round are on the page cache when it
   * returns and go into the next round at once (they used to be written only
   * then: one more trip through the thread pool, which took 100-400 ms on a
   * loaded host), and a lazy write (a sent batch's delete) never holds back
   * the next durable one. Groups still commit (apply, resolve) in order; a
   * failed one fails the groups written after it, and the loop cuts the file
   * back to the last committed group before it writes again.
   * It clears `running` in the same synchronous step in which it finds no
   * work left. (Clearing it later, e.g. in a `.finally`, leaves a few
   * microtasks in which a caller resumed by the last commit can queue a write
   * that kick() thinks is taken care of: it would wait for the next write,
   * possibly forever; the persistent queue's back-to-back deletes hit that.)
   */
  private async loop(): Promise<void> {
    await undefined; // kick() has stored the promise before the loop can finish
    /** The commit of the last group written: true once committed, false if it failed. */
    let last: Promise<boolean> | undefined;
    for (;;) {
      if (this.failed) {
        // every group written after the failed one has failed with it: cut them all off
        await last;
        last = undefined;
        await this.fh.truncate(this.fileSize).catch(() => {});
        this.writeEnd = this.fileSize;
        this.failed = false;
      }
      if (this.pending.length > 0) last = (await this.writeGroup(last)).commit;
      else if (last) {
        // wait for that commit, or for new records to write meanwhile (kick())
        const settled = last.then(() => true);
        const done = await Promise.race([settled, new Promise<false>((r) => (this.wake = () => r(false)))]);
        this.wake = undefined;
        if (done) last = undefined;
        continue; // a failure to clean up, or callers resumed by that commit may have queued more
      } else if (this.compactWaiters.length === 0) {
        this.running = undefined;
        return;
      }
      const waiters = this.compactWaiters.splice(0);
      if (waiters.length > 0 || this.compactionDue()) {
        await last; // compaction rewrites the committed data: nothing may be in flight
        last = undefined;
        if (this.failed) {
          this.compactWaiters.unshift(...waiters); // after the clean-up at the top
          continue;
        }
        try {
          await this.rewrite();
          for (const w of waiters) w.resolve();
        } catch (e) {
          this.o.logger.warn({ file: this.o.path, error: String(e) }, 'Storage compaction failed');
          for (const w of waiters) w.reject(e);
        }
      }
    }
  }

  /**
   * Writes the pending records as one group after those written before. Resolves once
   * they are written, with the promise of their commit (in an object: a promise would be
   * awaited along), which settles once they are fsync'd (if needed) and the group before
   * committed; it never rejects: it settles every caller of the group.
   */
  private async writeGroup(before: Promise<boolean> | undefined): Promise<{ commit: Promise<boolean> }> {
    const group = this.pending;
    this.pending = [];
    const parts = group.length === 1 ? group[0].parts : group.flatMap((g) => g.parts);
    let length = 0;
    let sync = false;
    for (const g of group) {
      length += g.length;
      sync ||= !g.lazy;
    }
    sync &&= this.o.fsync;
    const shared = sync ? this.o.syncGroup : undefined;
    const traced = answerTraceOn ? group.filter((g) => g.trace) : [];
    const mark = (what: string) => {
      for (const g of traced) markTrace(g.trace, `store ${basename(this.o.path)}:${what}`);
    };
    mark(`group${group.length}`);
    const { fh } = this;
    const at = this.writeEnd;
    let error: { e: unknown } | undefined;
    const cohort = shared?.beginWrite();
    try {
      // A group of the usual size is copied to the page cache right here: a trip through
      // libuv's thread pool costs two thread wake-ups, and on a CPU-starved host each took
      // tens to hundreds of ms (the answer waited for it, then for the fdatasync's own trip).
      if (length <= (this.o.inlineWriteBytes ?? INLINE_WRITE_BYTES)) writeAllSync(fh.fd, parts, at);
      else await writeAll(fh, parts, at);
      this.writeEnd = at + length;
    } catch (e) {
      if (cohort) shared?.abandon(cohort);
      error = { e };
    }
    if (!error) mark(shared?.inRound ? 'written-round-busy' : 'written');
    // starts the sync now (alongside the group before's, if that is still running)
    const synced =
      error !== undefined
        ? undefined
        : shared && cohort
          ? shared.sync(fh, cohort, traced.length > 0 ? () => mark('sync-started') : undefined)
          : sync
            ? fh.datasync()
            : Promise.resolve();
    const commit = (async () => {
      if (synced)
        try {
          await synced;
          mark('synced');
        } catch (e) {
          error = { e };
        }
      if (before && !(await before)) error ??= { e: this.failure };
      if (error || this.failed) {
        error ??= { e: this.failure };
        this.failed = true;
        this.failure = error.e;
        for (const g of group) g.reject(error.e);
        return false;
      }
      // an fsync covers every record written before it
      this.unsynced = !sync && (this.unsynced || this.o.fsync);
      let pos = this.fileSize;
      this.fileSize += length;
      for (const g of group) {
        const start = pos;
        this.apply(g.ops, (_v, i) => start + g.valueAt[i]);
        pos += g.length;
        g.resolve();
      }
      return true;
    })();
    return { commit };
  }

  /**
   * Applies committed ops; `place` gives the file offset of op i's value. Small values are kept
   * as copies: a caller may reuse its buffer once the write resolved (StorageClient), and
   * replayed values are views of the file read at open.
   */
  private apply(ops: readonly StorageOp[], place: (value: Uint8Array, i: number) => number): void {
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i];
      const old = this.map.get(o.key);
      if (old) this.liveBytes -= OP_OVERHEAD + Buffer.byteLength(o.key) + old.length;
      if (o.op === 'set') {
        const v = o.value;
        this.map.set(
          o.key,
          v.length >= LARGE_VALUE
            ? { at: place(v, i), length: v.length }
            : Uint8Array.prototype.slice.call(v), // (Buffer#slice would not copy)
        );
        this.liveBytes += OP_OVERHEAD + Buffer.byteLength(o.key) + v.length;
      } else {
        this.map.delete(o.key);
      }
    }
  }

  private compactionDue(): boolean {
    const min = this.o.autoCompactMinBytes ?? DEFAULT_AUTO_COMPACT;
    return this.fileSize > min && this.fileSize > 2 * (this.liveBytes + MAGIC.length);
  }

  private async rewrite(): Promise<void> {
    const dir = dirname(this.o.path);
    let tmpDir = this.o.compactionDir ?? dir;
    let tmp = join(tmpDir, `${basename(this.o.path)}.compact`);
    let snap = await this.writeSnapshot(tmp);
    try {
      await rename(tmp, this.o.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await rm(tmp, { force: true });
      tmpDir = dir;
      tmp = join(dir, `${basename(this.o.path)}.compact`);
      snap = await this.writeSnapshot(tmp);
      await rename(tmp, this.o.path);
    }
    await syncDir(dir);
    const old = this.fh;
    this.fh = await open(this.o.path, 'r+');
    // the large values' places in the new file (the map did not change meanwhile: one writer)
    for (const [key, place] of snap.places) this.map.set(key, place);
    this.generation++;
    await old.close().catch(() => {});
    this.fileSize = snap.size;
    this.writeEnd = snap.size;
    this.unsynced = false; // the new file was fsync'd
  }

  /** Writes the live data to `tmp`; returns its size and where each large value landed. */
  private async writeSnapshot(tmp: string): Promise<{ size: number; places: Map<string, OnDisk> }> {
    const per = this.o.maxTransactionSize ?? 65536;
    const places = new Map<string, OnDisk>();
    const fh = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, 0o640);
    try {
      let pos = 0;
      await writeAll(fh, [MAGIC], pos);
      pos += MAGIC.length;
      let ops: StorageOp[] = [];
      let bytes = 0;
      let readBack: Uint8Array[] = [];
      const flush = async () => {
        if (ops.length === 0) return;
        const rec = encodeRecordParts(ops);
        await writeAll(fh, rec.parts, pos);
        for (let i = 0; i < ops.length; i++) {
          const o = ops[i];
          if (o.op === 'set' && o.value.length >= LARGE_VALUE)
            places.set(o.key, { at: pos + rec.valueAt[i], length: o.value.length });
        }
        pos += rec.length;
        ops = [];
        bytes = 0;
        for (const v of readBack) giveBuffer(v); // written: nothing refers to them any more
        readBack = [];
      };
      for (const [key, stored] of this.map) {
        const onDisk = !(stored instanceof Uint8Array);
        const value = onDisk ? await readAt(this.fh, stored) : stored;
        ops.push({ op: 'set', key, value });
        if (onDisk) readBack.push(value);
        bytes += value.length;
        // large values are read back from the old file: bound what one record holds in memory
        if (ops.length >= per || bytes >= SNAPSHOT_RECORD_BYTES) await flush();
      }
      await flush();
      await fh.sync();
      return { size: pos, places };
    } finally {
      await fh.close();
    }
  }
}

/** Bytes of values per record in a compacted file (they are in memory while it is written). */
const SNAPSHOT_RECORD_BYTES = 4 * 1024 * 1024;

/** The value at `place`, in a buffer from codec/buffer-pool.ts (the caller may give it back). */
async function readAt(fh: FileHandle, place: OnDisk): Promise<Uint8Array> {
  const buf = takeBuffer(place.length);
  let off = 0;
  while (off < place.length) {
    const { bytesRead } = await fh.read(buf, off, place.length - off, place.at + off);
    if (bytesRead === 0)
      throw new Error(`store file ends before a value at ${place.at} (${place.length} bytes)`);
    off += bytesRead;
  }
  return buf;
}

/**
 * Largest group written on the event loop (writeGroup): copying to the page cache costs
 * about a millisecond per MiB; bigger groups (a backlog's) go through the thread pool.
 */
const INLINE_WRITE_BYTES = 2 * 1024 * 1024;

/** writeAll() on the calling thread. */
function writeAllSync(fd: number, parts: Uint8Array[], position: number): void {
  let rest = parts;
  while (rest.length > 0) {
    const bytesWritten = writevSync(fd, rest, position);
    position += bytesWritten;
    rest = unwritten(rest, bytesWritten);
  }
}

/** What a write of `n` bytes of `parts` left. */
function unwritten(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= parts[i].length) n -= parts[i++].length;
  return i < parts.length ? [parts[i].subarray(n), ...parts.slice(i + 1)] : [];
}

/** Writes the chunks in order from `position` (one writev, repeated for what a short write left). */
async function writeAll(fh: FileHandle, parts: Uint8Array[], position: number): Promise<void> {
  let rest = parts;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, position);
    position += bytesWritten;
    rest = unwritten(rest, bytesWritten);
  }
}

/** fsync a directory so a created or renamed file's entry is durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on directories; the data itself is synced.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  } finally {
    await fh.close();
  }
}
