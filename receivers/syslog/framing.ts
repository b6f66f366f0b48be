// Splitting a TCP byte stream into log tokens, as the collector's tcp input
// does (pkg/stanza/split and the syslog input's octet split func):
//   - octet counting (RFC 6587 3.4.1): "LEN SP MSG"; the token is the whole
//     frame, length prefix included (the syslog parser reads it again);
//   - non-transparent framing: one token per LF (a trailing CR dropped), or
//     per NUL with `non_transparent_framing_trailer: NUL`;
//   - `multiline` line_start_pattern / line_end_pattern (on decoded text);
//   - encoding `nop`: max_log_size chunks, no splitting;
//   - one_log_per_packet: the whole connection is one token.
// A token that cannot fit max_log_size, or a malformed octet count, is a
// FrameError: the connection cannot be resynchronised and is closed.
import { TextDecoder } from 'node:util';
import { goRegExp } from '../../src/regexp/go.js';
import type { MultilineConfig } from './config.js';
import type { Decoder } from './decode.js';

export class FrameError extends Error {}

/** Receives each token: raw bytes (decoded later) or text (multiline). */
export type TokenSink = (token: Buffer | string) => void;

export interface Framer {
  /** Splits what arrived; throws FrameError on a stream that cannot go on. */
  push(chunk: Buffer, sink: TokenSink): void;
  /** The connection ended: what is left (flushAtEOF). */
  end(sink: TokenSink): void;
}

const EMPTY = Buffer.alloc(0);

/** Tokens ended by a separator (LF or NUL), the collector's NewlineSplitFunc. */
export class SeparatorFramer implements Framer {
  private rest: Buffer = EMPTY;
  constructor(
    private readonly sep: Buffer,
    private readonly cr: Buffer | undefined,
    private readonly max: number,
  ) {}

  push(chunk: Buffer, sink: TokenSink): void {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const sep = this.sep;
    const single = sep.length === 1 ? sep[0] : -1;
    let start = 0;
    // resume the search where the previous chunk's rest ended
    let from = Math.max(0, this.rest.length - sep.length + 1);
    for (;;) {
      const i = single >= 0 ? buf.indexOf(single, from) : buf.indexOf(sep, from);
      if (i < 0) break;
      let end = i;
      const cr = this.cr;
      if (cr && end - start >= cr.length && buf.subarray(end - cr.length, end).equals(cr)) end -= cr.length;
      sink(buf.subarray(start, end));
      start = i + sep.length;
      from = start;
    }
    this.rest = start === 0 ? buf : buf.subarray(start);
    if (this.rest.length >= this.max) {
      const n = this.rest.length;
      this.rest = EMPTY;
      throw new FrameError(`no line end within max_log_size (${this.max} bytes; ${n} read)`);
    }
  }

  end(sink: TokenSink): void {
    if (this.rest.length > 0) sink(this.rest);
    this.rest = EMPTY;
  }
}

const isWs = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** RFC 6587 octet counting: "LEN SP SYSLOG-MSG" frames. */
export class OctetFramer implements Framer {
  private rest: Buffer = EMPTY;
  constructor(private readonly max: number) {}

  push(chunk: Buffer, sink: TokenSink): void {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    let i = 0;
    const n = buf.length;
    for (;;) {
      // line ends between frames are tolerated (some senders add them)
      while (i < n && (buf[i] === 10 || buf[i] === 13)) i++;
      if (i >= n) break;
      const c0 = buf[i];
      if (c0 < 49 || c0 > 57)
        throw new FrameError(
          `expected an octet count (RFC 6587), got byte 0x${c0.toString(16).padStart(2, '0')}`,
        );
      let j = i;
      let len = 0;
      while (j < n && buf[j] >= 48 && buf[j] <= 57) {
        len = len * 10 + (buf[j] - 48);
        j++;
        if (j - i > 10) throw new FrameError('octet count longer than 10 digits');
      }
      if (j >= n) break; // the count goes on in the next chunk
      if (!isWs(buf[j]))
        throw new FrameError(
          `octet count not followed by a space (byte 0x${buf[j].toString(16).padStart(2, '0')})`,
        );
      const frameEnd = j + 1 + len;
      if (frameEnd - i > this.max)
        throw new FrameError(`a frame of ${len} octets does not fit max_log_size (${this.max} bytes)`);
      if (frameEnd > n) break;
      sink(buf.subarray(i, frameEnd));
      i = frameEnd;
    }
    this.rest = i === 0 ? buf : buf.subarray(i);
  }

  end(_sink: TokenSink): void {
    const rest = this.rest;
    this.rest = EMPTY;
    // a frame cut by the end of the connection cannot be parsed; it is reported, not passed on
    const left = rest.length;
    if (left > 0 && !rest.every((b) => b === 10 || b === 13))
      throw new FrameError(`connection closed inside a frame (${left} bytes of an incomplete frame dropped)`);
  }
}

/** encoding nop: no splitting, max_log_size chunks (the collector's NoSplitFunc). */
export class ChunkFramer implements Framer {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer, sink: TokenSink): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size < this.max) return;
    let buf = Buffer.concat(this.parts);
    while (buf.length >= this.max) {
      sink(buf.subarray(0, this.max));
      buf = buf.subarray(this.max);
    }
    this.parts = buf.length ? [buf] : [];
    this.size = buf.length;
  }
  end(sink: TokenSink): void {
    if (this.size > 0) sink(Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
  }
}

/** one_log_per_packet: the whole connection (up to max_log_size bytes) is one token. */
export class WholeFramer implements Framer {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) return; // the rest is cut off, as the collector truncates
    const take = chunk.subarray(0, this.max - this.size);
    this.parts.push(take);
    this.size += take.length;
  }
  end(sink: TokenSink): void {
    if (this.size > 0) sink(Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * `multiline`: line_start_pattern / line_end_pattern over decoded text, as
 * the collector's LineStartSplitFunc / LineEndSplitFunc (patterns in (?m)
 * mode). max_log_size bounds the text held (counted in characters here).
 */
export class MultilineFramer implements Framer {
  private text = '';
  private readonly re: RegExp;
  private readonly td: TextDecoder | undefined;
  constructor(
    private readonly cfg: MultilineConfig,
    private readonly decoder: Decoder,
    encoding: string,
    private readonly max: number,
  ) {
    this.re = goRegExp((cfg.line_start_pattern ?? cfg.line_end_pattern) as string, 'gm');
    this.td = encoding === 'utf-8' || encoding === 'nop' ? new TextDecoder('utf-8') : undefined;
  }

  push(chunk: Buffer, sink: TokenSink): void {
    this.text += this.td ? this.td.decode(chunk, { stream: true }) : this.decoder.decode(chunk);
    this.split(false, sink);
    if (this.text.length >= this.max) {
      const n = this.text.length;
      this.text = '';
      throw new FrameError(`no entry boundary within max_log_size (${n} characters read)`);
    }
  }

  end(sink: TokenSink): void {
    if (this.td) this.text += this.td.decode();
    this.split(true, sink);
    this.text = '';
  }

  private find(s: string, from: number): [number, number] | undefined {
    this.re.lastIndex = from;
    const m = this.re.exec(s);
    return m ? [m.index, m.index + m[0].length] : undefined;
  }

  private split(atEOF: boolean, sink: TokenSink): void {
    for (;;) {
      const s = this.text;
      if (s.length === 0) return;
      const adv = this.cfg.line_start_pattern
        ? this.startToken(s, atEOF, sink)
        : this.endToken(s, atEOF, sink);
      if (adv === 0) return;
      this.text = s.slice(adv);
    }
  }

  /** LineStartSplitFunc: a token runs from one start match to the next. */
  private startToken(s: string, atEOF: boolean, sink: TokenSink): number {
    const first = this.find(s, 0);
    if (!first) {
      if (atEOF) {
        sink(s);
        return s.length;
      }
      return 0;
    }
    if (first[0] !== 0) {
      sink(s.slice(0, first[0])); // text before the first start is not lost
      return first[0];
    }
    if (first[1] === s.length) {
      if (atEOF) {
        sink(this.cfg.omit_pattern ? '' : s);
        return s.length;
      }
      return 0;
    }
    if (atEOF) {
      sink(this.cfg.omit_pattern ? s.slice(first[1]) : s);
      return s.length;
    }
    const second = this.find(s, first[1] + 1);
    if (!second) return 0;
    sink(this.cfg.omit_pattern ? s.slice(first[1], second[0]) : s.slice(first[0], second[0]));
    return second[0];
  }

  /** LineEndSplitFunc: a token ends with an end match. */
  private endToken(s: string, atEOF: boolean, sink: TokenSink): number {
    const loc = this.find(s, 0);
    if (!loc) {
      if (atEOF) {
        sink(s);
        return s.length;
      }
      return 0;
    }
    if (loc[1] === s.length - 1 && !atEOF) return 0; // the match may go on
    if (loc[1] === 0) {
      // an empty match at the start cannot advance; give the text up to the next character
      sink(s.slice(0, 1));
      return 1;
    }
    sink(this.cfg.omit_pattern ? s.slice(0, loc[0]) : s.slice(0, loc[1]));
    return loc[1];
  }
}
