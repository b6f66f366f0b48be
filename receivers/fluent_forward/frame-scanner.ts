// Finds where one msgpack value (a forward frame) ends in a TCP byte stream,
// incrementally: it reads only type headers and lengths, and keeps its place
// between calls, so a large frame arriving in many reads is scanned once
// (re-decoding from the start on every read would be quadratic). Payload bytes
// are skipped, never copied; a frame longer than the limit or nested too
// deeply is refused as soon as its headers say so.
import { MAX_DEPTH, MsgpackError } from './msgpack.js';

export class FrameScanner {
  /** Offset (from the frame start) of the next header to read. */
  private pos = 0;
  /** Values still to read, per open array/map level; the bottom entry is the frame itself. */
  private readonly remaining: number[] = [1];

  constructor(private readonly limit: number) {}

  /**
   * Continues scanning `buf[start .. end)` (the bytes of the current frame
   * received so far, starting at its first byte). Returns the frame's byte
   * length once it is complete, else -1 (call again with more bytes).
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    const avail = end - start;
    const rem = this.remaining;
    while (rem.length > 0) {
      const top = rem.length - 1;
      if (rem[top] === 0) {
        rem.pop();
        continue;
      }
      if (this.pos >= avail) return -1;
      const at = start + this.pos;
      const b = buf[at];
      // [header length, payload length, child values]
      let head = 1;
      let body = 0;
      let children = 0;
      if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
        // fixint, nil, bool
      } else if ((b & 0xe0) === 0xa0) body = b & 0x1f;
      else if ((b & 0xf0) === 0x90) children = b & 0x0f;
      else if ((b & 0xf0) === 0x80) children = 2 * (b & 0x0f);
      else {
        switch (b) {
          case 0xcc:
          case 0xd0:
            body = 1;
            break;
          case 0xcd:
          case 0xd1:
            body = 2;
            break;
          case 0xca:
          case 0xce:
          case 0xd2:
            body = 4;
            break;
          case 0xcb:
          case 0xcf:
          case 0xd3:
            body = 8;
            break;
          case 0xd4:
          case 0xd5:
          case 0xd6:
          case 0xd7:
          case 0xd8:
            body = 1 + (1 << (b - 0xd4)); // type byte + data
            break;
          case 0xc4:
          case 0xd9:
          case 0xc7: {
            head = 2;
            if (this.pos + head > avail) return -1;
            body = buf[at + 1] + (b === 0xc7 ? 1 : 0);
            break;
          }
          case 0xc5:
          case 0xda:
          case 0xc8:
          case 0xdc:
          case 0xde: {
            head = 3;
            if (this.pos + head > avail) return -1;
            const n = (buf[at + 1] << 8) | buf[at + 2];
            if (b === 0xdc) children = n;
            else if (b === 0xde) children = 2 * n;
            else body = n + (b === 0xc8 ? 1 : 0);
            break;
          }
          case 0xc6:
          case 0xdb:
          case 0xc9:
          case 0xdd:
          case 0xdf: {
            head = 5;
            if (this.pos + head > avail) return -1;
            const n = ((buf[at + 1] << 24) >>> 0) + ((buf[at + 2] << 16) | (buf[at + 3] << 8) | buf[at + 4]);
            if (b === 0xdd) children = n;
            else if (b === 0xdf) children = 2 * n;
            else body = n + (b === 0xc9 ? 1 : 0);
            break;
          }
          default:
            throw new MsgpackError(`invalid msgpack byte 0x${b.toString(16)}`);
        }
      }
      if (this.pos + head > avail) return -1;
      rem[top]--;
      this.pos += head + body;
      // every child takes at least one byte: a header announcing more than the limit is refused now
      if (this.pos + children > this.limit) {
        throw new MsgpackError(`frame exceeds the limit of ${this.limit} bytes`);
      }
      if (children > 0) {
        if (rem.length > MAX_DEPTH) throw new MsgpackError('msgpack value nested too deeply');
        rem.push(children);
      }
    }
    if (this.pos > avail) return -1;
    return this.pos;
  }

  /** Bytes of the current frame scanned (or announced) so far. */
  get scanned(): number {
    return this.pos;
  }

  /** Ready for the next frame. */
  reset(): void {
    this.pos = 0;
    this.remaining.length = 0;
    this.remaining.push(1);
  }
}
