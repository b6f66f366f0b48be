// One forward connection: frames cut out of the byte stream, decoded in order,
// handed to the pipeline in batches, and acknowledged only after the pipeline
// accepted them. Reading pauses while too many bytes are read but not yet
// accepted. A malformed frame, a failed handshake or a retryable refusal ends
// the connection after what was already accepted is acknowledged; unacknowledged
// chunks are the sender's to send again.
import type { Socket } from 'node:net';
import { gunzip } from 'node:zlib';
import type { DecodeBudget } from '../../src/codec/decode-budget.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { newResource, newScope } from '../../src/pdata/create.js';
import type { LogRecord, LogsData } from '../../src/pdata/types.js';
import { admitDecode } from '../../src/receiverhelper/decode-admission.js';
import { Code, refusalOf } from '../../src/receiverhelper/refusal.js';
import { decodeEntries, decodeFrame } from './events.js';
import { FrameScanner } from './frame-scanner.js';
import { ack, checkPing, type HandshakeConfig, helo, newSession, type Session } from './handshake.js';
import { MsgpackError } from './msgpack.js';
import type { FluentStats } from './stats.js';

/** Read-but-not-accepted bytes per connection above which reading pauses. */
export const MAX_INFLIGHT_BYTES = 8 * 1024 * 1024;
/** Records handed to the pipeline in one consume() at most (frames are never split). */
const MAX_BATCH_RECORDS = 8192;

export interface ConnectionOptions {
  consumer: Consumer<'logs'>;
  stats: FluentStats;
  /** The largest frame accepted, on the wire and inflated. */
  limit: number;
  handshake?: HandshakeConfig;
  peer: string;
}

interface PendingFrame {
  /** Undefined while a compressed frame is being inflated. */
  records: LogRecord[] | undefined;
  chunk: string | undefined;
  /** Wire bytes, counted in flight until the pipeline settled. */
  bytes: number;
}

export class ForwardConnection {
  private readonly scanner: FrameScanner;
  /** Bytes of an incomplete frame (from offset 0), when a read ended inside one. */
  private partial: Buffer | undefined;
  private partialLen = 0;
  private session: Session | undefined;
  /** Decoded (or inflating) frames not yet handed to the pipeline, in arrival order. */
  private readonly frames: PendingFrame[] = [];
  private inflightBytes = 0;
  private consuming = 0;
  private paused = false;
  /** No more frames are read or delivered; the socket ends once in-flight batches settled. */
  private closing = false;
  /** Shutting down: no more reads, but frames already read are delivered. */
  private draining = false;
  private readonly drained: (() => void)[] = [];
  private readonly ctx: RequestContext;

  constructor(
    readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.scanner = new FrameScanner(opts.limit);
    this.ctx = { clientAddress: opts.peer };
    if (opts.handshake) {
      this.session = newSession(opts.handshake);
      socket.write(helo(this.session));
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // a reset peer: 'close' follows
    socket.on('close', () => {
      this.closing = true;
      this.frames.length = 0;
      this.settle();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.draining) return;
    let data = chunk;
    let end = chunk.length;
    if (this.partial) {
      this.append(chunk);
      data = this.partial;
      end = this.partialLen;
    }
    let off = 0;
    try {
      while (off < end && !this.closing) {
        const len = this.scanner.scan(data, off, end);
        if (len < 0) break;
        this.scanner.reset();
        this.frame(data, off, off + len);
        off += len;
      }
    } catch (err) {
      this.malformed(err);
      return;
    }
    if (this.closing) return;
    if (off === end) {
      this.partial = undefined;
      this.partialLen = 0;
    } else if (data === chunk) {
      this.partial = undefined;
      this.partialLen = 0;
      this.append(chunk.subarray(off));
    } else if (off > 0) {
      this.partial!.copyWithin(0, off, end);
      this.partialLen = end - off;
    }
    this.dispatch();
  }

  /** Appends to the incomplete frame's bytes (capacity doubling: a large frame is copied O(1) times per byte). */
  private append(bytes: Buffer): void {
    const need = this.partialLen + bytes.length;
    if (!this.partial || this.partial.length < need) {
      const next = Buffer.allocUnsafe(Math.max(need, 2 * (this.partial?.length ?? 0), 4096));
      if (this.partial) this.partial.copy(next, 0, 0, this.partialLen);
      this.partial = next;
    }
    bytes.copy(this.partial, this.partialLen);
    this.partialLen = need;
  }

  private frame(buf: Buffer, start: number, end: number): void {
    const { stats } = this.opts;
    if (this.session) {
      // handshake phase: the only frame accepted is a PING
      const f = decodeFrame(buf, start, end, true);
      if (f.kind === 'nil') return;
      if (f.kind !== 'handshake') throw new MsgpackError('expected PING');
      const result = checkPing(f.reader, f.length, this.session, this.opts.handshake!);
      if (!result.ok) {
        stats.handshakeFailed(this.opts.peer, result.clientHostname, result.reason);
        this.closing = true;
        this.socket.end(result.pong);
        return;
      }
      this.session = undefined;
      this.socket.write(result.pong);
      return;
    }
    // decoded under the budget the process's decode admission gives it
    // (src/receiverhelper/decode-admission.ts): a DecodeLimitError closes the connection
    // without an ack, so the sender sends the chunk again later
    const f = decodeAdmitted(end - start, (budget) => decodeFrame(buf, start, end, false, budget));
    if (f.kind === 'nil') return;
    const bytes = end - start;
    if (f.kind === 'events') {
      stats.eventParsed(f.records.length);
      this.enqueue({ records: f.records, chunk: f.options.chunk, bytes });
      return;
    }
    if (f.kind === 'compressed') {
      const pending: PendingFrame = { records: undefined, chunk: f.options.chunk, bytes };
      this.enqueue(pending);
      // inflate off the main thread, bounded: a small frame cannot become a huge one
      gunzip(Buffer.from(f.entries), { maxOutputLength: this.opts.limit }, (err, raw) => {
        if (!this.frames.includes(pending)) return; // dropped meanwhile (connection closed)
        try {
          if (err) {
            const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
            throw new MsgpackError(
              tooLarge
                ? `gzip entries inflate beyond the limit of ${this.opts.limit} bytes`
                : `gzip entries: ${err.message}`,
            );
          }
          pending.records = decodeAdmitted(raw.length, (budget) => decodeEntries(raw, f.tag, budget));
          stats.eventParsed(pending.records.length);
        } catch (e) {
          this.malformed(e);
          return;
        }
        this.dispatch();
      });
      return;
    }
    throw new MsgpackError('unexpected handshake message');
  }

  private enqueue(p: PendingFrame): void {
    this.frames.push(p);
    this.inflightBytes += p.bytes;
    if (!this.paused && this.inflightBytes > MAX_INFLIGHT_BYTES) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Hands every frame decoded so far (in order, up to the first still inflating) to the pipeline. */
  private dispatch(): void {
    while (this.frames.length > 0 && this.frames[0].records !== undefined && !this.closing) {
      const records: LogRecord[] = [];
      const chunks: string[] = [];
      let bytes = 0;
      while (this.frames.length > 0) {
        const f = this.frames[0];
        if (f.records === undefined) break;
        if (records.length > 0 && records.length + f.records.length > MAX_BATCH_RECORDS) break;
        this.frames.shift();
        for (const r of f.records) records.push(r);
        if (f.chunk !== undefined) chunks.push(f.chunk);
        bytes += f.bytes;
      }
      this.deliver(records, chunks, bytes);
    }
  }

  private deliver(records: LogRecord[], chunks: string[], bytes: number): void {
    const { stats, consumer } = this.opts;
    const n = records.length;
    if (n === 0) {
      this.acknowledge(chunks);
      this.release(bytes);
      return;
    }
    const logs: LogsData = {
      resourceLogs: [
        {
          resource: newResource(),
          scopeLogs: [{ scope: newScope(), logRecords: records, schemaUrl: '' }],
          schemaUrl: '',
        },
      ],
    };
    this.consuming++;
    stats.recordsGenerated(n);
    consumer.consume(logs, this.ctx).then(
      () => {
        stats.metrics.accepted('logs', n);
        this.acknowledge(chunks);
        this.consumed(bytes);
      },
      (err) => {
        stats.metrics.refused('logs', n, err);
        const r = refusalOf(err);
        if (r.code === Code.INVALID_ARGUMENT) {
          // permanent: sending it again cannot help; acknowledged (the sender drops it), counted and logged
          stats.refused(this.opts.peer, n, errorMessage(err), 'acknowledged: permanent error');
          this.acknowledge(chunks);
        } else {
          // retryable: not acknowledged; the connection ends so the sender resends it soon
          stats.refused(this.opts.peer, n, errorMessage(err), 'not acknowledged: closing the connection');
          this.close();
        }
        this.consumed(bytes);
      },
    );
  }

  private acknowledge(chunks: string[]): void {
    if (chunks.length === 0 || this.socket.destroyed || !this.socket.writable) return;
    for (const c of chunks) this.socket.write(ack(c));
  }

  private consumed(bytes: number): void {
    this.consuming--;
    this.release(bytes);
  }

  private release(bytes: number): void {
    this.inflightBytes -= bytes;
    if (this.paused && !this.closing && this.inflightBytes <= MAX_INFLIGHT_BYTES / 2) {
      this.paused = false;
      this.socket.resume();
    }
    this.settle();
  }

  private malformed(err: unknown): void {
    if (this.closing) return;
    this.opts.stats.parseFailed(this.opts.peer, errorMessage(err));
    // the frames before the bad one are fine: they go to the pipeline and get their acks
    this.dispatch();
    this.close();
  }

  /**
   * Stops reading and delivering: frames not yet handed to the pipeline are
   * dropped (their senders get no ack), batches in the pipeline still get
   * their acks, then the socket ends.
   */
  close(): void {
    if (!this.closing) {
      this.closing = true;
      this.socket.pause();
      for (const f of this.frames) if (f.records) this.opts.stats.dropped(f.records.length);
      this.frames.length = 0;
      this.partial = undefined;
    }
    this.settle();
  }

  /**
   * For shutdown: stops reading, delivers the frames already read, and ends
   * the socket when every batch settled. Resolves then (or at once if closed).
   */
  drain(): Promise<void> {
    this.socket.pause();
    this.paused = true;
    this.draining = true;
    this.partial = undefined;
    return new Promise((resolve) => {
      this.drained.push(resolve);
      this.settle();
    });
  }

  private settle(): void {
    const idle = this.consuming === 0 && (this.closing || this.frames.length === 0);
    if (!idle) return;
    if (this.closing || this.draining) {
      if (!this.socket.destroyed) this.socket.end();
      for (const d of this.drained.splice(0)) d();
    }
  }
}

/**
 * Runs a decode under a ticket from the decode admission. The ticket is given back once the
 * decode is done: the frames decoded and not yet acknowledged are bounded per connection
 * (MAX_INFLIGHT_BYTES), not in the process's in-flight count.
 */
function decodeAdmitted<T>(wireBytes: number, decode: (budget: DecodeBudget) => T): T {
  const ticket = admitDecode(wireBytes);
  try {
    return decode(ticket.budget);
  } finally {
    ticket.release();
  }
}
