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
  line(r: FileReader, text: string, startOffset: number): void;
  truncated(r: FileReader, droppedBytes: number): void;
  invalidUtf8(r: FileReader): void;
}

export class FileReader {
  /** Next byte to read: the start of the first line not yet emitted. */
  offset: number;
  /** Highest offset the pipeline has acknowledged (checkpointed value). */
  acked: number;
  /** Dropping the tail of an over-long line until its newline. */
  skipping = false;
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

  /** Restart from byte 0 (copytruncate or rewrite detected). */
  reset(fp: Buffer): void {
    this.fp = fp;
    this.offset = 0;
    this.acked = 0;
    this.skipping = false;
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
    for (;;) {
      const { bytesRead: n } = await this.fh.read(buf, 0, len, this.offset);
      if (n === 0) {
        this.checkPartial(0, sink, opts, now);
        return false;
      }
      const view = buf.subarray(0, n);
      let pos = 0;
      if (this.skipping) {
        const nl = view.indexOf(10);
        if (nl < 0) {
          this.offset += n;
          sink.truncated(this, n);
          continue;
        }
        sink.truncated(this, nl);
        pos = nl + 1;
        this.skipping = false;
      }
      for (;;) {
        const nl = view.indexOf(10, pos);
        if (nl < 0) break;
        const lineLen = nl - pos;
        if (lineLen > opts.maxLogSize) {
          this.emitBytes(view, pos, cutAt(view, pos, opts.maxLogSize), sink, opts, now);
          sink.truncated(this, lineLen - opts.maxLogSize);
        } else this.emitBytes(view, pos, nl, sink, opts, now);
        pos = nl + 1;
        if (++emitted >= budget) {
          this.offset += pos;
          return true;
        }
      }
      this.offset += pos;
      const rest = n - pos;
      if (rest > opts.maxLogSize) {
        // an over-long line without its newline yet: emit the head, drop the rest up to the newline
        this.emitBytes(view, pos, cutAt(view, pos, opts.maxLogSize), sink, opts, now);
        sink.truncated(this, rest - opts.maxLogSize);
        this.offset += rest;
        this.skipping = true;
        emitted++;
        continue;
      }
      if (n === len && pos === 0 && len < buf.length) {
        len = buf.length; // one line fills the chunk: read again with room for max_log_size
        continue;
      }
      const asked = len;
      len = Math.min(buf.length, CHUNK);
      if (n < asked) {
        this.checkPartial(rest, sink, opts, now, view, pos);
        if (rest === 0) this.partialLen = -1;
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
  ): void {
    const startOffset = this.offset + start;
    let s = view.toString('utf8', start, end);
    if (s.indexOf('\uFFFD') !== -1 && !isUtf8(view.subarray(start, end))) sink.invalidUtf8(this);
    if (opts.lineStart || opts.lineEnd) {
      this.multiline(s, startOffset, sink, opts, now);
      return;
    }
    if (opts.trimTrailing) s = opts.trimLeading ? s.trim() : s.trimEnd();
    else if (opts.trimLeading) s = s.trimStart();
    sink.line(this, s, startOffset);
  }

  private multiline(line: string, startOffset: number, sink: LineSink, opts: ReadOptions, now: number): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
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
    if (text.trim() !== '') sink.line(this, text, start);
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
