import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, isRetryable } from '../../src/component/errors.js';
import type { FileStatus } from '../../src/component/status.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { LogsData } from '../../src/pdata/types.js';
import { goRegExp } from '../../src/regexp/go.js';
import { copyMap, type EncodedRecords, type Entry, newEntry } from '../../src/stanza/entry.js';
import type { BuildContext } from '../../src/stanza/operator.js';
import { buildPipeline, type OperatorPipeline } from '../../src/stanza/pipeline.js';
import type { FileLogConfig } from './config.js';
import { CriJsonFast, fastPlan } from './cri-json-fast.js';
import type { AtPath, FileConsumerDeps, FileSet } from './file-set.js';
import { compileGlob, type FileGlob } from './glob.js';
import {
  type Checkpoint,
  type KnownFile,
  KnownFiles,
  loadCheckpoint,
  saveCheckpoint,
  saveOffsets,
} from './known-files.js';
import { matchFiles } from './match.js';
import { pollOnce, runPolls } from './poll.js';
import type { FileReader, LineSink, ReadOptions } from './reader.js';

/**
 * Records per batch handed to the next consumer. Small enough that a batch's
 * objects die young (GC cost), large enough to amortize the consume call.
 */
const BATCH = 1024;

/**
 * Batches handed over and not yet accepted, at most (and their text bytes): the
 * next batch is read while earlier ones are being accepted, so reading goes at
 * disk speed through any processor chain, and checkpoints still advance only
 * in order, over accepted batches.
 */
const MAX_IN_FLIGHT = 4;
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

/** A batch handed to the next consumer: the offsets it acknowledges once accepted. */
interface InFlight {
  /** Per reader: the offset this batch covers and the reader's generation then. */
  snapshot: [FileReader, number, number][];
  state: 'pending' | 'accepted' | 'abandoned';
  bytes: number;
  answered: Promise<void>;
}

/**
 * Members without `private` are shared with the consumer's other modules in
 * this folder (poll.ts, match.ts, rotation.ts, turns.ts); they are not API.
 * The per-line and per-batch path (readSome, line, flushBatch, send) stays here.
 */
export class FileConsumer implements LineSink, FileSet {
  readonly readers = new Map<string, FileReader>();
  readonly known: KnownFiles;
  readonly pipeline: OperatorPipeline;
  private readonly opts: ReadOptions;
  private readonly buf: Buffer;
  readonly ignored = new Set<string>();
  private readonly reported = new Set<string>();
  private batch: Entry[] = [];
  /** The byte path for CRI + JSON lines (cri-json-fast.ts), when the operators are the ones it knows. */
  private readonly fast: CriJsonFast | undefined;
  /** Lines in `batch` (an entry of the byte path stands for a run of lines). */
  private batchLines = 0;
  /** Entries of `batch` that stand for runs of the byte path's records (Entry.encoded). */
  private fastRuns: Entry[] = [];
  /** The last entry of `batch` when it is such a run (the next line may extend it). */
  private fastRun: Entry | undefined;
  /** The reader whose lines the byte path's open run holds (a new file starts a new run). */
  private runAttrs: Record<string, unknown> | undefined;
  private heldAny = false;
  private readonly markHeld = (): void => {
    this.heldAny = true;
  };
  /** Text bytes of the lines read into `batch` (for the in-flight byte bound). */
  private batchBytes = 0;
  /** Batches handed over, oldest first; removed once accepted and their offsets applied. */
  private readonly inflight: InFlight[] = [];
  private inflightBytes = 0;
  /** A batch was given up unaccepted (stopped mid-retry): the offsets stay pinned for this run. */
  private abandoned = false;
  firstPoll = true;
  hadCheckpoint = false;
  stopped = false;
  readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  observed = 0n;
  /** The table changed (files opened, closed, rotated): write it within a second. */
  dirty = false;
  lastPersist = 0;
  lastMatch = 0;
  /** Readers whose acknowledged offset advanced since the table was last written (the overlay's content). */
  private advanced = new Set<FileReader>();
  /** The overlay write in progress, and whether another was asked for meanwhile. */
  private offsetsWrite: Promise<void> | undefined;
  private offsetsAgain = false;
  /** The last poll stopped reading on its time budget with data left: poll again without waiting. */
  behind = false;
  /** What the last glob match found at each path (dev:ino, size, its stat). */
  atPath = new Map<string, AtPath>();
  /** A file was found truncated or rewritten (copytruncate) in this poll: look for its copy now. */
  truncated = false;
  /** A file without a checkpoint entry was opened since the last persist. */
  openedNew = false;
  /** A glob match runs from answerOrDiscover (not re-entered). */
  private discovering = false;
  readonly gen = new WeakMap<FileReader, number>();
  /** Files closed to give others a turn (max_concurrent_files), with their size then: not reopened until they change. */
  readonly idle = new Map<string, { size: number; mtimeMs: number; k: KnownFile }>();
  /** Matched files waiting for a free slot (max_concurrent_files), and since when. */
  waitingSince = new Map<string, number>();
  /** A known file may have been rotated away but there was no free slot to look for it. */
  recoverWaiting = false;
  /** include/exclude, compiled once (glob.ts). */
  readonly files: FileGlob;

  constructor(
    readonly cfg: FileLogConfig,
    public deps: FileConsumerDeps,
  ) {
    this.files = compileGlob(cfg.include, cfg.exclude);
    // every matched file that is not open has its offset here (max_concurrent_files cycling)
    this.known = new KnownFiles(Math.max(10_000, 4 * cfg.max_concurrent_files));
    const ml = cfg.multiline;
    this.opts = {
      maxLogSize: cfg.max_log_size,
      forceFlushMs: cfg.force_flush_period,
      trimLeading: !cfg.preserve_leading_whitespaces,
      trimTrailing: !cfg.preserve_trailing_whitespaces,
      lineStart: ml?.line_start_pattern ? goRegExp(ml.line_start_pattern) : undefined,
      lineEnd: ml?.line_end_pattern ? goRegExp(ml.line_end_pattern) : undefined,
      omitPattern: ml?.omit_pattern ?? false,
    };
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, cfg.max_log_size + 1));
    const ctx: BuildContext = {
      logger: deps.logger,
      onOperatorError: (id) => deps.counters.operatorError(id),
    };
    this.pipeline = buildPipeline(cfg.operators, ctx, (e) => {
      this.batch.push(e);
      this.batchLines++;
      this.fastRun = undefined;
    });
    const plan = fastPlan(cfg.operators);
    this.fast =
      plan && process.env.TSUNAGI_FILELOG_BYTE_PATH !== 'off'
        ? new CriJsonFast(plan, this.opts.trimTrailing)
        : undefined;
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
    await matchFiles(this, Date.now());
    this.firstPoll = false;
    this.loop = runPolls(this);
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
    await this.offsetsWrite;
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

  /** One poll: match files, read what is new, send, close finished files, persist (poll.ts). Exposed for tests. */
  async poll(): Promise<void> {
    await pollOnce(this);
  }

  /** Reads up to `turns` budgets of lines from one file; true if it has more. */
  async readSome(r: FileReader, now: number, turns: number): Promise<boolean> {
    for (let i = 0; i < turns; i++) {
      const more = await r.read(this.buf, this, this.opts, BATCH, now);
      // rewritten under us (copytruncate): the next poll's checkFile starts it over and finds the copy
      if (r.rewritten) return false;
      if (this.batchLines >= BATCH) {
        if (!(await this.flushBatch(false))) return false;
      }
      if (!more || this.stopped) return false;
      // a turn can take long on a loaded machine (seconds for a few batches): the globs are
      // matched between turns too, not only between polls or while acceptance is awaited
      if (Date.now() - this.lastMatch >= this.cfg.poll_interval) await this.discover();
    }
    return true;
  }

  // ---- LineSink ----
  line(r: FileReader, text: string, startOffset: number, continued: boolean): void {
    this.batchBytes += text.length;
    const e = newEntry(text, this.observed, r, startOffset);
    e.attributes = copyMap(r.attrs);
    if (continued) e.continued = true;
    this.pipeline.process(e);
  }
  lineBytes(r: FileReader, view: Buffer, start: number, end: number, startOffset: number): boolean {
    const fast = this.fast;
    if (fast === undefined) return false;
    // an entry an operator holds (a CRI P fragment) must come out before the lines after it
    this.heldAny = false;
    this.pipeline.held(this.markHeld);
    if (this.heldAny) return false;
    // a line of another file, or after an entry of the operators, starts a new run
    const newRun = this.fastRun === undefined || this.runAttrs !== r.attrs;
    if (newRun) this.closeRun();
    const resource = fast.encode(view, start, end, r.attrs, this.observed, newRun);
    if (resource === undefined) return false;
    this.batchBytes += end - start;
    this.batchLines++;
    if (newRun) {
      const run = newEntry(undefined, this.observed, r, startOffset);
      run.resource = resource;
      run.encoded = { scopeLogs: undefined, items: 0, lease: undefined, traced: true };
      this.batch.push(run);
      this.fastRuns.push(run);
      this.fastRun = run;
      this.runAttrs = r.attrs;
    }
    return true;
  }

  /** Hands the byte path's open run to its entry (which holds its buffer until the batch was accepted). */
  private closeRun(): void {
    this.fastRun = undefined;
    const run = this.fast?.closeRun();
    if (run === undefined) return;
    const w = this.fastRuns[this.fastRuns.length - 1].encoded as EncodedRecords;
    w.scopeLogs = run.scopeLogs;
    w.items = run.items;
    w.lease = run.lease;
    w.traced = run.traced;
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
   * Hands the batch to the next consumer (retrying while the error is
   * retryable) without waiting for its answer, unless MAX_IN_FLIGHT batches
   * (or bytes) are already out: then it waits for room, which is the
   * backpressure. Once a batch and every batch before it were accepted, each
   * reader's acknowledged offset advances to what it had emitted when the
   * batch was taken, except entries operators still hold. `final` waits for
   * every batch's answer. False if stopped before a batch was accepted.
   */
  async flushBatch(final: boolean): Promise<boolean> {
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
    if (this.abandoned) return false;
    const entries = this.batch;
    const bytes = this.batchBytes;
    const lines = this.batchLines;
    this.batch = [];
    this.batchBytes = 0;
    this.batchLines = 0;
    this.fastRun = undefined;
    // the byte path's records: held (their buffers' leases) until the batch's consume() settled
    let leases: Lease[] | undefined;
    if (this.fastRuns.length > 0) {
      this.closeRun();
      leases = [];
      for (const e of this.fastRuns) leases.push((e.encoded as EncodedRecords).lease as Lease);
      this.fastRuns = [];
    }
    const b: InFlight = { snapshot, state: 'accepted', bytes, answered: Promise.resolve() };
    this.inflight.push(b);
    if (lines > 0) {
      b.state = 'pending';
      this.inflightBytes += bytes;
      b.answered = this.send(this.deps.toLogs(entries), lines, final).then((ok) => {
        if (leases !== undefined) for (const l of leases) l.release();
        this.inflightBytes -= bytes;
        b.state = ok ? 'accepted' : 'abandoned';
        if (!ok) this.abandoned = true;
        this.advance();
      });
    } else this.advance();
    if (final) {
      while (this.inflight.length > 0 && !this.abandoned) await this.oldestAnswer();
    } else {
      while (
        !this.abandoned &&
        (this.pendingCount() >= MAX_IN_FLIGHT || this.inflightBytes >= MAX_IN_FLIGHT_BYTES)
      )
        await this.answerOrDiscover();
    }
    return !this.abandoned;
  }

  /**
   * Waits for the oldest batch's answer; every poll_interval meanwhile, matches the globs
   * so that files created while acceptance is slow (a backend outage, a loaded node) are
   * opened and checkpointed at their start. Otherwise a 0.log created and renamed by the
   * kubelet while reading waited, then a restart, would leave that file unknown — outside
   * `include` under its new name, and never read.
   */
  private async answerOrDiscover(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<'tick'>((res) => {
      timer = setTimeout(res, this.cfg.poll_interval, 'tick');
    });
    const won = await Promise.race([this.oldestAnswer(), tick]);
    clearTimeout(timer);
    if (won === 'tick') await this.discover();
  }

  /**
   * Matches the globs in the middle of reading, so that a file created meanwhile is opened
   * and checkpointed at its start (not re-entered).
   */
  private async discover(): Promise<void> {
    if (this.stopped || this.discovering) return;
    this.discovering = true;
    try {
      await matchFiles(this, Date.now());
      if (this.openedNew) await this.persist();
    } catch (err) {
      this.reportOnce('discover', 'matching files during a long read failed', {
        err: errorMessage(err),
      });
    } finally {
      this.discovering = false;
    }
  }

  private pendingCount(): number {
    let n = 0;
    for (const b of this.inflight) if (b.state === 'pending') n++;
    return n;
  }

  private oldestAnswer(): Promise<void> {
    for (const b of this.inflight) if (b.state === 'pending') return b.answered;
    return Promise.resolve();
  }

  /** Applies the offsets of accepted batches, in order, up to the first one still pending. */
  private advance(): void {
    let moved = false;
    while (this.inflight.length > 0 && this.inflight[0].state === 'accepted') {
      for (const [r, off, g] of this.inflight.shift()!.snapshot) {
        if ((this.gen.get(r) ?? 0) === g && off > r.acked) {
          r.acked = off;
          this.advanced.add(r); // the overlay carries it; the table is written when files come or go
          moved = true;
        }
      }
    }
    if (moved) this.writeOffsets();
  }

  /** True when every batch handed over was answered. */
  allAnswered(): boolean {
    return this.inflight.length === 0;
  }

  /**
   * Writes the offsets acknowledged since the table was last written (the
   * overlay, a few bytes per file) after every accepted batch, without
   * holding up reading: after kill -9 only what was in flight is read again.
   * One write at a time; batches accepted meanwhile coalesce into the next.
   */
  private writeOffsets(): void {
    if (!this.deps.storage || this.advanced.size === 0) return;
    if (this.offsetsWrite) {
      this.offsetsAgain = true;
      return;
    }
    const files: Checkpoint[] = [];
    for (const r of this.advanced)
      if (r.fp.length > 0) files.push({ fp: r.fp, offset: r.acked, path: r.path });
    this.offsetsWrite = saveOffsets(this.deps.storage, files)
      .then(
        () => {
          this.reported.delete('offsets');
        },
        (err) => {
          this.reportOnce('offsets', 'could not write offsets; will retry', { err: errorMessage(err) });
        },
      )
      .finally(() => {
        this.offsetsWrite = undefined;
        if (this.offsetsAgain && !this.stopped) {
          this.offsetsAgain = false;
          this.writeOffsets();
        }
      });
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
          this.deps.counters.refused(n, err);
          this.deps.logger.error(
            { err: errorMessage(err), records: n },
            'batch permanently rejected; dropping it',
          );
          return true;
        }
        if (this.stopped && (final || this.abort.signal.aborted)) {
          if (final) this.deps.counters.refused(n, err);
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

  async persist(): Promise<void> {
    this.dirty = false;
    this.openedNew = false;
    this.lastPersist = Date.now();
    if (!this.deps.storage) return;
    const advanced = this.advanced;
    this.advanced = new Set();
    const files: Checkpoint[] = [];
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
      for (const r of advanced) this.advanced.add(r); // the overlay must go on covering them
      this.reportOnce('persist', 'could not write checkpoints; will retry', { err: errorMessage(err) });
      throw err;
    }
    this.reported.delete('persist');
  }

  reportOnce(key: string, msg: string, fields: Record<string, unknown>): boolean {
    if (this.reported.has(key)) return false;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.add(key);
    this.deps.logger.warn(fields, msg);
    return true;
  }

  /** The open files for the status page: offsets, size at the last look, bytes not yet accepted. */
  fileStatus(): FileStatus[] {
    const out: FileStatus[] = [];
    for (const r of this.readers.values()) {
      const size = Math.max(r.lastSize, this.atPath.get(r.path)?.size ?? 0, r.offset);
      out.push({ path: r.path, offset: r.offset, ackedOffset: r.acked, size, lagBytes: size - r.acked });
    }
    return out;
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
