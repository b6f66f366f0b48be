// One tracked file: its open descriptor, fingerprint and offsets, and the
// read loop that splits new bytes into lines (or multiline entries).
// The offset is always the start of the first line not yet emitted, so a
// partial last line is simply read again on the next poll.
import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 256 * 1024;

export interface ReadOptions {
  maxLogSize: number;
  forceFlushMs: number;
  trimLeading: boolean;
  trimTrailing: boolean;
  lineStart?: RegExp;
  lineEnd?: RegExp;
  omitPattern: boolean;
}

/** Where the reader reports what it found; implemented once by the consumer (no per-line closures). */
export interface LineSink {
  /** `continued`: the text continues a line longer than max_log_size (it has no line header of its own). */
  line(r: FileReader, text: string, startOffset: number, continued: boolean): void;
  /** A line longer than max_log_size was found (it is emitted in pieces). */
  split(r: FileReader): void;
  invalidUtf8(r: FileReader): void;
  /**
   * Optional: takes the line's bytes [start, end) of `view` whole (before any
   * string is made); false to have it go the `line` way instead.
   */
  lineBytes?(r: FileReader, view: Buffer, start: number, end: number, startOffset: number): boolean;
}

export class FileReader {
  /** Next byte to read: the start of the first line not yet emitted. */
  offset: number;
  /** Highest offset the pipeline has acknowledged (checkpointed value). */
  acked: number;
  /** The next bytes continue a line that was emitted in max_log_size pieces. */
  continued = false;
  /** At end of file after the last read. */
  eof = false;
  /** Opened to finish a file that was rotated away (found next to its old path), not matched by include. */
  lost = false;
  /** When the reader was opened (ms), for max_concurrent_files cycling. */
  openedAt = 0;
  /** Size of the pending partial last line and since when it is unchanged (force_flush_period). */
  private partialLen = -1;
  private partialSince = 0;
  /** Multiline: the entry being assembled and its start offset. */
  private group: string[] = [];
  private groupStart = -1;
  private groupSince = 0;
  /** Polls in a row where the path was not in the include glob (renamed away or deleted). */
  unseenPolls = 0;
  /** Size at the last read (growth detection for closing unseen readers). */
  lastSize = 0;
  idlePolls = 0;
  /**
   * Idle checks (rotation.ts checkFile): the file's size, mtime and ctime at the last check, when
   * that state was first seen (ms, after the stat), and whether the file's first bytes were found
   * unchanged at least STABLE_MS after that, so that the state stands for the content.
   */
  statState = '';
  statSince = 0;
  statVerified = false;
  /**
   * The file's first bytes no longer match `fp` (truncated and rewritten, e.g. copytruncate,
   * after the last check): the bytes last read were not emitted; the consumer resets the reader.
   */
  rewritten = false;
  private fpCheck: Buffer | undefined;
  /** Per-file attributes (log.file.name, ...) copied into each entry. */
  attrs: Record<string, unknown>;

  constructor(
    readonly fh: FileHandle,
    public path: string,
    public fp: Buffer,
    readonly dev: number,
    readonly ino: number,
    offset: number,
    attrs: Record<string, unknown>,
  ) {
    this.offset = offset;
    this.acked = offset;
    this.attrs = attrs;
  }

  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** Offset a checkpoint may record for this reader: never past a multiline entry still being assembled. */
  holdOffset(): number {
    return this.groupStart >= 0 ? this.groupStart : this.offset;
  }

  /** Bytes after the last newline wait for it (or for force_flush_period). */
  hasPartial(): boolean {
    return this.partialLen > 0;
  }

  /** Nothing waits for force_flush_period: no partial last line, no multiline entry being assembled. */
  holdsNothing(): boolean {
    return this.partialLen <= 0 && this.groupStart < 0;
  }

  /** True while the file still starts with `fp`. */
  private async sameStart(): Promise<boolean> {
    const n = this.fp.length;
    if (n === 0) return true;
    if (!this.fpCheck || this.fpCheck.length < n) this.fpCheck = Buffer.allocUnsafe(Math.max(n, 1024));
    const { bytesRead } = await this.fh.read(this.fpCheck, 0, n, 0);
    return bytesRead === n && this.fpCheck.compare(this.fp, 0, n, 0, n) === 0;
  }

  /** Restart from byte 0 (copytruncate or rewrite detected). */
  reset(fp: Buffer): void {
    this.rewritten = false;
    this.fp = fp;
    this.offset = 0;
    this.acked = 0;
    this.continued = false;
    this.partialLen = -1;
    this.group = [];
    this.groupStart = -1;
  }

  /**
   * Reads new bytes into `buf` and hands complete lines to the sink. Stops
   * at end of file or once `budget` lines were emitted; returns true if it
   * stopped on the budget (more to read).
   */
  async read(buf: Buffer, sink: LineSink, opts: ReadOptions, budget: number, now: number): Promise<boolean> {
    let emitted = 0;
    // read 256 KiB at a time; the whole buffer (> max_log_size) only when a line needs it
    let len = Math.min(buf.length, CHUNK);
    this.eof = false;
    this.rewritten = false;
    for (;;) {
      const { bytesRead: n } = await this.fh.read(buf, 0, len, this.offset);
      if (n === 0) {
        this.checkPartial(0, sink, opts, now);
        this.eof = true;
        return false;
      }
      // copytruncate can truncate the file and the application refill it past our offset at
      // any moment, also between the per-poll check and this read: what was just read is the old
      // file's only if its first bytes are still the old ones now (after the read)
      if (!(await this.sameStart())) {
        this.rewritten = true;
        return false;
      }
      const view = buf.subarray(0, n);
      let pos = 0;
      for (;;) {
        const nl = view.indexOf(10, pos);
        if (nl < 0) break;
        // an over-long line goes out as several records of at most max_log_size bytes (as the collector does)
        if (nl - pos > opts.maxLogSize) pos = this.emitChunks(view, pos, nl, sink, opts, now);
        this.emitBytes(view, pos, nl, sink, opts, now);
        this.continued = false;
        pos = nl + 1;
        if (++emitted >= budget) {
          this.offset += pos;
          return true;
        }
      }
      const rest = n - pos;
      if (rest > opts.maxLogSize) {
        // an over-long line without its newline yet: emit what fills whole records, read on
        pos = this.emitChunks(view, pos, n, sink, opts, now);
        this.offset += pos;
        emitted++;
        continue;
      }
      this.offset += pos;
      if (n === len && pos === 0 && len < buf.length) {
        len = buf.length; // one line fills the chunk: read again with room for max_log_size
        continue;
      }
      const asked = len;
      len = Math.min(buf.length, CHUNK);
      if (n < asked) {
        this.checkPartial(rest, sink, opts, now, view, pos);
        if (rest === 0) this.partialLen = -1;
        this.eof = true;
        return false;
      }
    }
  }

  private checkPartial(
    rest: number,
    sink: LineSink,
    opts: ReadOptions,
    now: number,
    view?: Buffer,
    pos = 0,
  ): void {
    if (rest > 0 && view) {
      if (rest !== this.partialLen) {
        this.partialLen = rest;
        this.partialSince = now;
      } else if (now - this.partialSince >= opts.forceFlushMs) {
        this.emitBytes(view, pos, pos + rest, sink, opts, now);
        this.offset += rest;
        this.partialLen = -1;
      }
    }
    // a multiline entry with nothing after it for force_flush_period is complete
    if (this.groupStart >= 0 && rest === 0 && now - this.groupSince >= opts.forceFlushMs)
      this.flushGroup(sink);
  }

  private emitBytes(
    view: Buffer,
    start: number,
    end: number,
    sink: LineSink,
    opts: ReadOptions,
    now: number,
    cut = false,
  ): void {
    const startOffset = this.offset + start;
    if (
      sink.lineBytes !== undefined &&
      !cut &&
      !this.continued &&
      opts.lineStart === undefined &&
      opts.lineEnd === undefined &&
      sink.lineBytes(this, view, start, end, startOffset)
    )
      return;
    let s = view.toString('utf8', start, end);
    if (s.indexOf('\uFFFD') !== -1 && !isUtf8(view.subarray(start, end))) sink.invalidUtf8(this);
    if (opts.lineStart || opts.lineEnd) {
      this.multiline(s, startOffset, sink, opts, now);
      return;
    }
    // the pieces of a split line are content: only the line's own ends are trimmed
    if (opts.trimTrailing && !cut) s = opts.trimLeading && !this.continued ? s.trim() : s.trimEnd();
    else if (opts.trimLeading && !this.continued) s = s.trimStart();
    sink.line(this, s, startOffset, this.continued);
  }

  /**
   * Emits the bytes [start, end) of one line in pieces of at most max_log_size
   * bytes (cut at a UTF-8 character boundary) while more than max_log_size
   * remain; returns where the last, shorter piece starts.
   */
  private emitChunks(
    view: Buffer,
    start: number,
    end: number,
    sink: LineSink,
    opts: ReadOptions,
    now: number,
  ): number {
    if (!this.continued) sink.split(this);
    let pos = start;
    while (end - pos > opts.maxLogSize) {
      let cut = cutAt(view, pos, opts.maxLogSize);
      if (cut === pos) cut = pos + opts.maxLogSize; // max_log_size smaller than one character
      this.emitBytes(view, pos, cut, sink, opts, now, true);
      this.continued = true;
      pos = cut;
    }
    return pos;
  }

  private multiline(line: string, startOffset: number, sink: LineSink, opts: ReadOptions, now: number): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.continued && this.groupStart >= 0) {
      // a further piece of a line longer than max_log_size: same line, no separator
      this.group[this.group.length - 1] += line;
      this.groupSince = now;
      return;
    }
    if (opts.lineStart) {
      if (opts.lineStart.test(line) && this.groupStart >= 0) this.flushGroup(sink);
      if (this.groupStart < 0) this.groupStart = startOffset;
      this.group.push(line);
      this.groupSince = now;
      return;
    }
    if (this.groupStart < 0) this.groupStart = startOffset;
    const end = opts.lineEnd as RegExp;
    if (end.test(line)) {
      if (!opts.omitPattern) this.group.push(line);
      this.flushGroup(sink);
    } else {
      this.group.push(line);
      this.groupSince = now;
    }
  }

  /** Emits a multiline entry still being assembled (shutdown). */
  flushHeld(sink: LineSink): void {
    if (this.groupStart >= 0) this.flushGroup(sink);
  }

  private flushGroup(sink: LineSink): void {
    const text = this.group.join('\n');
    const start = this.groupStart;
    this.group = [];
    this.groupStart = -1;
    if (text.trim() !== '') sink.line(this, text, start, false);
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

/** The end of the first `max` bytes from `start`, moved back to a UTF-8 character boundary. */
function cutAt(b: Buffer, start: number, max: number): number {
  let cut = start + max;
  while (cut > start && (b[cut] & 0xc0) === 0x80) cut--;
  return cut;
}
