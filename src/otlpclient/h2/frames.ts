// HTTP/2 frames (RFC 9113 4.1, 6): the 9-byte frame header, the frame types, flags and
// error codes a unary client meets, and the reader that cuts a connection's bytes into
// frames. The reader only checks the length against our SETTINGS_MAX_FRAME_SIZE (a
// longer frame is a FRAME_SIZE_ERROR for the connection); what a frame's payload must be
// is checked by the connection that reads it.

export const FRAME_DATA = 0;
export const FRAME_HEADERS = 1;
export const FRAME_PRIORITY = 2;
export const FRAME_RST_STREAM = 3;
export const FRAME_SETTINGS = 4;
export const FRAME_PUSH_PROMISE = 5;
export const FRAME_PING = 6;
export const FRAME_GOAWAY = 7;
export const FRAME_WINDOW_UPDATE = 8;
export const FRAME_CONTINUATION = 9;

export const FLAG_END_STREAM = 0x1;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const INTERNAL_ERROR = 0x2;
export const FLOW_CONTROL_ERROR = 0x3;
export const STREAM_CLOSED = 0x5;
export const FRAME_SIZE_ERROR = 0x6;
export const REFUSED_STREAM = 0x7;
export const CANCEL = 0x8;
export const COMPRESSION_ERROR = 0x9;

export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
export const SETTINGS_ENABLE_PUSH = 0x2;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

/** The default and least SETTINGS_MAX_FRAME_SIZE, and the default flow-control windows. */
export const DEFAULT_MAX_FRAME_SIZE = 16384;
export const DEFAULT_WINDOW = 65535;
export const MAX_WINDOW = 0x7fffffff;

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** A connection error: the connection is closed with GOAWAY(code). */
export class H2ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Writes a frame header at `off`. */
export function writeFrameHeader(
  b: Buffer,
  off: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  b[off] = length >>> 16;
  b[off + 1] = (length >>> 8) & 0xff;
  b[off + 2] = length & 0xff;
  b[off + 3] = type;
  b[off + 4] = flags;
  b.writeUInt32BE(streamId, off + 5);
}

/** A whole frame with its payload. */
export function frame(type: number, flags: number, streamId: number, payload?: Uint8Array): Buffer {
  const n = payload?.length ?? 0;
  const b = Buffer.allocUnsafe(9 + n);
  writeFrameHeader(b, 0, n, type, flags, streamId);
  if (payload) b.set(payload, 9);
  return b;
}

/** A frame read: its payload is a view of the bytes received (valid until the next read). */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/**
 * Cuts bytes into frames. Chunks are kept as they came and joined only once a frame is
 * whole, so a frame arriving byte by byte costs one copy; what it keeps is bounded by one
 * frame (at most `maxFrameSize` + 9 bytes) plus the last chunk's rest.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Offset of the next frame in chunks[0]. */
  private offset = 0;

  constructor(private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next whole frame, or undefined until more bytes come. Throws H2ConnectionError. */
  next(): Frame | undefined {
    if (this.buffered < 9) return undefined;
    let head = this.chunks[0];
    if (head.length - this.offset < 9) {
      this.join();
      head = this.chunks[0];
    }
    let o = this.offset;
    const length = (head[o] << 16) | (head[o + 1] << 8) | head[o + 2];
    if (length > this.maxFrameSize)
      throw new H2ConnectionError(FRAME_SIZE_ERROR, `frame of ${length} bytes over the maximum`);
    if (this.buffered < 9 + length) return undefined;
    if (head.length - o < 9 + length) {
      this.join();
      head = this.chunks[0];
      o = 0;
    }
    const f: Frame = {
      type: head[o + 3],
      flags: head[o + 4],
      streamId: head.readUInt32BE(o + 5) & 0x7fffffff,
      payload: head.subarray(o + 9, o + 9 + length),
    };
    this.offset = o + 9 + length;
    this.buffered -= 9 + length;
    if (this.offset === head.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return f;
  }

  /** All buffered bytes as one chunk. */
  private join(): void {
    const all = Buffer.concat(this.chunks).subarray(this.offset);
    this.chunks = [all];
    this.offset = 0;
  }
}
