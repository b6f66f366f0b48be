// One client HTTP/2 connection (RFC 9113) carrying request/answer streams, no more:
// what unary gRPC calls need, without node:http2's per-stream Duplex, header objects
// and async-hooks bookkeeping (about half the CPU of a call there). The connection
// part of the protocol is all here: the preface and SETTINGS (ACKed, applied: the
// peer's windows, frame size and MAX_CONCURRENT_STREAMS, over which calls wait), PING
// answered, flow control both ways (request bodies go out as the peer's connection and
// stream windows allow, in frames of its SETTINGS_MAX_FRAME_SIZE; what we receive is
// credited back), RST_STREAM, GOAWAY (streams above its last-stream-id fail as not
// processed), stream IDs running out (the connection takes no new streams), CONTINUATION,
// padding, and a malformed frame or header block from the peer closes the connection with
// GOAWAY and fails its streams. Every failure reaches the streams' handlers; nothing throws
// out of the socket's events.
import type { Socket } from 'node:net';
import { errorMessage } from '../../component/errors.js';
import {
  CANCEL,
  COMPRESSION_ERROR,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FLOW_CONTROL_ERROR,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_SIZE_ERROR,
  FRAME_WINDOW_UPDATE,
  type Frame,
  FrameReader,
  frame,
  H2ConnectionError,
  INTERNAL_ERROR,
  MAX_WINDOW,
  NO_ERROR,
  PREFACE,
  PROTOCOL_ERROR,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  writeFrameHeader,
} from './frames.js';
import { HpackDecoder, HpackError } from './hpack-decoder.js';

/** What a stream's owner hears. Exactly one of onEnd, onReset, onFail ends a stream. */
export interface StreamHandler {
  /** A header block (the answer's headers, then its trailers) as [name, value, …]. */
  onHeaders(fields: string[], endStream: boolean): void;
  onData(data: Buffer): void;
  /** The peer ended the stream (END_STREAM). */
  onEnd(): void;
  /** The peer reset the stream (RST_STREAM with this code). */
  onReset(code: number): void;
  /** The connection failed or closed, or the peer will not process the stream (GOAWAY). */
  onFail(message: string): void;
}

/** Our receive windows: the answers are small, so large windows mean no waiting and few updates. */
const STREAM_RECV_WINDOW = 1 << 20;
const CONN_RECV_WINDOW = 1 << 24;
/** The most bytes a header block (HEADERS + CONTINUATION) may take before it is refused. */
const MAX_HEADER_BLOCK = 128 * 1024;
const LAST_STREAM_ID = 0x7fffffff;

export class H2Stream {
  id = 0;
  /** The peer's window for this stream's DATA. */
  sendWindow = 0;
  /** Bytes received since we last credited the stream. */
  unacked = 0;
  /** Body bytes written so far. */
  sent = 0;
  constructor(
    readonly block: Buffer,
    readonly body: Uint8Array,
    readonly handler: StreamHandler,
    /** Called once the whole body was written to the socket (not after a failed write). */
    readonly onWritten: (() => void) | undefined,
  ) {}
}

export class H2Connection {
  private readonly reader = new FrameReader(DEFAULT_MAX_FRAME_SIZE);
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, H2Stream>();
  /** Streams waiting for MAX_CONCURRENT_STREAMS to allow them (not opened yet: no ID). */
  private readonly waiting: H2Stream[] = [];
  /** Open streams with body bytes left to send, in order. */
  private readonly sending: H2Stream[] = [];
  private nextId: number;
  private peerMaxFrame = DEFAULT_MAX_FRAME_SIZE;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxStreams = Number.POSITIVE_INFINITY;
  private sendWindow = DEFAULT_WINDOW;
  private recvUnacked = 0;
  /** A header block in CONTINUATION frames: its stream, END_STREAM, and the parts so far. */
  private continued: { id: number; end: boolean; parts: Buffer[]; size: number } | undefined;
  private corked = false;
  /** The peer sent GOAWAY: no stream opens any more. */
  private goingAway = false;
  /** close() was called: waiting streams still open, new ones are not taken. */
  private closing = false;
  private dead = false;
  /** Called once when the connection is gone (closed or failed). */
  onGone: (() => void) | undefined;
  /** The connection is gone (onGone was called). */
  isGone = false;

  constructor(
    private readonly socket: Socket,
    firstStreamId = 1,
  ) {
    this.nextId = firstStreamId;
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_INITIAL_WINDOW_SIZE, 6);
    settings.writeUInt32BE(STREAM_RECV_WINDOW, 8);
    const credit = Buffer.alloc(4);
    credit.writeUInt32BE(CONN_RECV_WINDOW - DEFAULT_WINDOW);
    this.write(
      Buffer.concat([
        PREFACE,
        frame(FRAME_SETTINGS, 0, 0, settings),
        frame(FRAME_WINDOW_UPDATE, 0, 0, credit),
      ]),
    );
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.fail(errorMessage(err)));
    socket.on('close', () => this.fail('connection closed'));
  }

  /** Takes new streams: not going away, not failed, stream IDs left. */
  get usable(): boolean {
    return (
      !this.dead &&
      !this.goingAway &&
      !this.closing &&
      this.nextId + 2 * this.waiting.length <= LAST_STREAM_ID
    );
  }

  /** Streams open or waiting. */
  get active(): number {
    return this.streams.size + this.waiting.length;
  }

  /** Starts a stream: HEADERS with `block`, then `body` as DATA ending the stream. */
  request(block: Buffer, body: Uint8Array, handler: StreamHandler, onWritten?: () => void): H2Stream {
    const s = new H2Stream(block, body, handler, onWritten);
    if (!this.usable) {
      handler.onFail(this.dead ? 'connection closed' : 'connection takes no new streams');
      return s;
    }
    if (this.streams.size < this.peerMaxStreams) this.open(s);
    else this.waiting.push(s);
    return s;
  }

  /** Gives a stream up (its caller is done with it): RST_STREAM(CANCEL) if it is open. */
  cancel(s: H2Stream): void {
    const w = this.waiting.indexOf(s);
    if (w >= 0) {
      this.waiting.splice(w, 1);
      return;
    }
    if (this.streams.get(s.id) !== s) return;
    this.forget(s);
    this.reset(s.id, CANCEL);
    this.afterStreamClosed();
  }

  /**
   * Stops taking streams; the calls open or waiting finish, then GOAWAY and the socket ends.
   */
  close(): void {
    if (this.dead) return;
    this.closing = true;
    this.afterStreamClosed();
  }

  private open(s: H2Stream): void {
    s.id = this.nextId;
    this.nextId += 2;
    s.sendWindow = this.peerInitialWindow;
    this.streams.set(s.id, s);
    const block = s.block;
    const first = Math.min(block.length, this.peerMaxFrame);
    const endHeaders = first === block.length;
    const head = Buffer.allocUnsafe(9 + first);
    writeFrameHeader(head, 0, first, FRAME_HEADERS, endHeaders ? FLAG_END_HEADERS : 0, s.id);
    block.copy(head, 9, 0, first);
    this.write(head);
    for (let p = first; p < block.length; p += this.peerMaxFrame) {
      const n = Math.min(block.length - p, this.peerMaxFrame);
      this.write(
        frame(
          FRAME_CONTINUATION,
          p + n === block.length ? FLAG_END_HEADERS : 0,
          s.id,
          block.subarray(p, p + n),
        ),
      );
    }
    this.sending.push(s);
    this.flush();
  }

  /** Writes body bytes of the sending streams as far as the windows allow. */
  private flush(): void {
    for (let i = 0; i < this.sending.length && this.sendWindow > 0; ) {
      const s = this.sending[i];
      const left = s.body.length - s.sent;
      const n = Math.min(left, s.sendWindow, this.sendWindow, this.peerMaxFrame);
      if (n <= 0) {
        i++; // this stream waits for its window; the next may go
        continue;
      }
      const last = n === left;
      const head = Buffer.allocUnsafe(9);
      writeFrameHeader(head, 0, n, FRAME_DATA, last ? FLAG_END_STREAM : 0, s.id);
      this.write(head);
      const part = s.body.subarray(s.sent, s.sent + n);
      s.sent += n;
      s.sendWindow -= n;
      this.sendWindow -= n;
      if (last) {
        this.sending.splice(i, 1);
        const done = s.onWritten;
        if (done) this.socket.write(part, (err) => (err ? undefined : done()));
        else this.write(part);
      } else this.write(part);
    }
  }

  /** Socket writes of one turn go out together (one writev). */
  private write(b: Uint8Array): void {
    if (this.dead || this.isGone) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(b);
  }

  private receive(chunk: Buffer): void {
    if (this.dead) return;
    try {
      this.reader.push(chunk);
      for (let f = this.reader.next(); f !== undefined; f = this.dead ? undefined : this.reader.next())
        this.onFrame(f);
    } catch (e) {
      if (e instanceof H2ConnectionError) this.connectionError(e.code, e.message);
      else if (e instanceof HpackError) this.connectionError(COMPRESSION_ERROR, e.message);
      else this.connectionError(INTERNAL_ERROR, errorMessage(e));
    }
  }

  private onFrame(f: Frame): void {
    const { type, flags, streamId: id, payload } = f;
    if (this.continued && type !== FRAME_CONTINUATION)
      throw new H2ConnectionError(PROTOCOL_ERROR, 'expected CONTINUATION');
    switch (type) {
      case FRAME_DATA:
        this.onDataFrame(id, flags, payload);
        return;
      case FRAME_HEADERS: {
        if (id === 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'HEADERS on stream 0');
        let p = 0;
        let end = payload.length;
        if (flags & FLAG_PADDED) {
          if (payload.length < 1) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'HEADERS too short');
          end -= payload[0];
          p = 1;
        }
        if (flags & FLAG_PRIORITY) p += 5;
        if (end < p) throw new H2ConnectionError(PROTOCOL_ERROR, 'HEADERS padding too long');
        const part = payload.subarray(p, end);
        const endStream = (flags & FLAG_END_STREAM) !== 0;
        if (flags & FLAG_END_HEADERS) {
          this.onHeaderBlock(id, endStream, part);
          return;
        }
        this.continued = { id, end: endStream, parts: [Buffer.from(part)], size: part.length };
        return;
      }
      case FRAME_CONTINUATION: {
        const c = this.continued;
        if (!c || c.id !== id) throw new H2ConnectionError(PROTOCOL_ERROR, 'unexpected CONTINUATION');
        c.size += payload.length;
        if (c.size > MAX_HEADER_BLOCK) throw new H2ConnectionError(PROTOCOL_ERROR, 'header block too large');
        c.parts.push(Buffer.from(payload));
        if (flags & FLAG_END_HEADERS) {
          this.continued = undefined;
          this.onHeaderBlock(id, c.end, Buffer.concat(c.parts));
        }
        return;
      }
      case FRAME_RST_STREAM: {
        if (id === 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'RST_STREAM on stream 0');
        if (payload.length !== 4) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'RST_STREAM of a wrong size');
        this.checkPeerStreamId(id);
        const s = this.streams.get(id);
        if (!s) return;
        this.forget(s);
        s.handler.onReset(payload.readUInt32BE(0));
        this.afterStreamClosed();
        return;
      }
      case FRAME_SETTINGS:
        this.onSettings(id, flags, payload);
        return;
      case FRAME_PUSH_PROMISE:
        throw new H2ConnectionError(PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
      case FRAME_PING:
        if (id !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'PING on a stream');
        if (payload.length !== 8) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'PING of a wrong size');
        if (!(flags & FLAG_ACK)) this.write(frame(FRAME_PING, FLAG_ACK, 0, payload));
        return;
      case FRAME_GOAWAY:
        if (id !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'GOAWAY on a stream');
        if (payload.length < 8) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'GOAWAY too short');
        this.onGoaway(payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4));
        return;
      case FRAME_WINDOW_UPDATE: {
        if (payload.length !== 4)
          throw new H2ConnectionError(FRAME_SIZE_ERROR, 'WINDOW_UPDATE of a wrong size');
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) {
          if (inc === 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
          this.sendWindow += inc;
          if (this.sendWindow > MAX_WINDOW)
            throw new H2ConnectionError(FLOW_CONTROL_ERROR, 'connection window over 2^31-1');
        } else {
          this.checkPeerStreamId(id);
          const s = this.streams.get(id);
          if (!s) return;
          if (inc === 0 || s.sendWindow + inc > MAX_WINDOW) {
            this.streamError(s, inc === 0 ? PROTOCOL_ERROR : FLOW_CONTROL_ERROR, 'bad WINDOW_UPDATE');
            return;
          }
          s.sendWindow += inc;
        }
        this.flush();
        return;
      }
      default:
        // PRIORITY and unknown types are ignored (RFC 9113 5.5)
        return;
    }
  }

  private onDataFrame(id: number, flags: number, payload: Buffer): void {
    if (id === 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'DATA on stream 0');
    this.checkPeerStreamId(id);
    // flow control counts the whole payload, padding included
    const size = payload.length;
    this.recvUnacked += size;
    if (this.recvUnacked > CONN_RECV_WINDOW)
      throw new H2ConnectionError(FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    if (this.recvUnacked >= CONN_RECV_WINDOW / 2) {
      this.write(windowUpdate(0, this.recvUnacked));
      this.recvUnacked = 0;
    }
    let data = payload;
    if (flags & FLAG_PADDED) {
      if (size < 1 || payload[0] >= size)
        throw new H2ConnectionError(PROTOCOL_ERROR, 'DATA padding too long');
      data = payload.subarray(1, size - payload[0]);
    }
    const s = this.streams.get(id);
    if (!s) return; // a stream we gave up: its bytes were credited above
    s.unacked += size;
    if (s.unacked > STREAM_RECV_WINDOW) {
      this.streamError(s, FLOW_CONTROL_ERROR, 'DATA beyond the stream window');
      return;
    }
    const end = (flags & FLAG_END_STREAM) !== 0;
    if (!end && s.unacked >= STREAM_RECV_WINDOW / 2) {
      this.write(windowUpdate(id, s.unacked));
      s.unacked = 0;
    }
    if (data.length > 0) s.handler.onData(data);
    // the handler may have cancelled the stream
    if (end && this.streams.get(id) === s) this.ended(s);
  }

  private onHeaderBlock(id: number, endStream: boolean, block: Buffer): void {
    // decoded whatever the stream's state: the dynamic table is the connection's
    const fields = this.decoder.decode(block);
    this.checkPeerStreamId(id);
    const s = this.streams.get(id);
    if (!s) return;
    s.handler.onHeaders(fields, endStream);
    if (endStream && this.streams.get(id) === s) this.ended(s);
  }

  /** The server opens no streams: a frame for a stream we never opened is a protocol error. */
  private checkPeerStreamId(id: number): void {
    if (id % 2 === 0 || id >= this.nextId)
      throw new H2ConnectionError(PROTOCOL_ERROR, `frame for stream ${id} never opened`);
  }

  private onSettings(id: number, flags: number, payload: Buffer): void {
    if (id !== 0) throw new H2ConnectionError(PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (flags & FLAG_ACK) {
      if (payload.length !== 0) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      return;
    }
    if (payload.length % 6 !== 0) throw new H2ConnectionError(FRAME_SIZE_ERROR, 'SETTINGS of a wrong size');
    for (let p = 0; p < payload.length; p += 6) {
      const key = payload.readUInt16BE(p);
      const v = payload.readUInt32BE(p + 2);
      if (key === SETTINGS_ENABLE_PUSH && v > 1)
        throw new H2ConnectionError(PROTOCOL_ERROR, 'bad ENABLE_PUSH');
      else if (key === SETTINGS_MAX_CONCURRENT_STREAMS) this.peerMaxStreams = v;
      else if (key === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (v > MAX_WINDOW)
          throw new H2ConnectionError(FLOW_CONTROL_ERROR, 'INITIAL_WINDOW_SIZE over 2^31-1');
        // open streams' windows move by the difference (RFC 9113 6.9.2), possibly below 0
        const delta = v - this.peerInitialWindow;
        this.peerInitialWindow = v;
        for (const s of this.streams.values()) {
          s.sendWindow += delta;
          if (s.sendWindow > MAX_WINDOW)
            throw new H2ConnectionError(FLOW_CONTROL_ERROR, 'stream window over 2^31-1');
        }
      } else if (key === SETTINGS_MAX_FRAME_SIZE) {
        if (v < DEFAULT_MAX_FRAME_SIZE || v > 0xffffff)
          throw new H2ConnectionError(PROTOCOL_ERROR, 'bad MAX_FRAME_SIZE');
        this.peerMaxFrame = v;
      }
      // HEADER_TABLE_SIZE: our encoder never indexes; MAX_HEADER_LIST_SIZE: our headers are small
    }
    this.write(frame(FRAME_SETTINGS, FLAG_ACK, 0));
    this.openWaiting();
    this.flush();
  }

  private onGoaway(lastId: number, code: number): void {
    this.goingAway = true;
    // streams above lastId were not processed: they fail (retryably) and may be sent again
    for (const s of [...this.streams.values()])
      if (s.id > lastId) {
        this.forget(s);
        s.handler.onFail(`the server sent GOAWAY (code ${code}) before processing the call`);
      }
    this.failWaiting(`the server sent GOAWAY (code ${code})`);
    this.afterStreamClosed();
  }

  /** The peer ended a stream. Body bytes we have not sent yet are dropped: RST_STREAM(NO_ERROR). */
  private ended(s: H2Stream): void {
    const unsent = s.sent < s.body.length;
    this.forget(s);
    if (unsent) this.reset(s.id, NO_ERROR);
    s.handler.onEnd();
    this.afterStreamClosed();
  }

  private streamError(s: H2Stream, code: number, message: string): void {
    this.forget(s);
    this.reset(s.id, code);
    s.handler.onFail(message);
    this.afterStreamClosed();
  }

  private forget(s: H2Stream): void {
    this.streams.delete(s.id);
    const i = this.sending.indexOf(s);
    if (i >= 0) this.sending.splice(i, 1);
  }

  private reset(id: number, code: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(code);
    this.write(frame(FRAME_RST_STREAM, 0, id, p));
  }

  private afterStreamClosed(): void {
    if (this.dead || this.isGone) return;
    this.openWaiting();
    if ((this.goingAway || this.closing) && this.streams.size === 0 && this.waiting.length === 0) {
      this.write(goaway(0, NO_ERROR));
      this.socket.end();
      this.gone();
    }
  }

  private openWaiting(): void {
    while (this.waiting.length > 0 && this.streams.size < this.peerMaxStreams && !this.goingAway) {
      if (this.nextId > LAST_STREAM_ID) {
        this.failWaiting('stream IDs exhausted');
        return;
      }
      this.open(this.waiting.shift() as H2Stream);
    }
  }

  private failWaiting(message: string): void {
    for (const s of this.waiting.splice(0)) s.handler.onFail(message);
  }

  /** A protocol error of the peer: GOAWAY with the code, then the connection goes. */
  private connectionError(code: number, message: string): void {
    if (this.dead) return;
    this.write(goaway(0, code));
    this.socket.end();
    this.fail(`HTTP/2 protocol error: ${message}`);
  }

  /** The connection is gone: every stream fails with `message`. */
  private fail(message: string): void {
    if (this.dead) return;
    this.dead = true;
    this.gone();
    const open = [...this.streams.values()];
    this.streams.clear();
    this.sending.length = 0;
    for (const s of open) s.handler.onFail(message);
    this.failWaiting(message);
    // ends the socket if the peer has not (a socket error or protocol error)
    setImmediate(() => this.socket.destroy());
  }

  private gone(): void {
    this.isGone = true;
    const g = this.onGone;
    this.onGone = undefined;
    g?.();
  }
}

function windowUpdate(id: number, inc: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(inc);
  return frame(FRAME_WINDOW_UPDATE, 0, id, p);
}

function goaway(lastId: number, code: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastId, 0);
  p.writeUInt32BE(code, 4);
  return frame(FRAME_GOAWAY, 0, 0, p);
}
