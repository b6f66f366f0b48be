// The lean HTTP/1.1 path: one connection's requests read straight from the
// socket (plain or TLS) and answered with one write, without node:http's
// IncomingMessage/ServerResponse per request. Profiles of the OTLP relay put
// most of a request's fixed cost there, and node:http copied each body fragment
// into a fresh Buffer before the receiver copied it again into pooled memory;
// here the body's bytes go from the socket's read straight into the buffer the
// site gives (pooled).
//
// Narrow on purpose. A request takes this path only if its head parses strictly
// (http1-head.ts) and the site takes it (the common shape: a body with
// Content-Length). Anything else — and everything after it on that connection —
// is handed to node's HTTP server: the bytes read so far are pushed back
// (socket.unshift) and the socket given to node as a new connection, at a request
// boundary with every earlier answer written, so node answers exactly as before.
// Requests of a connection are handled one after the other (answers stay in
// order; pipelined bytes wait in the socket). The answer's headers are the ones
// node:http writes (Date, Connection, Keep-Alive), and node's server timeouts are
// kept: headersTimeout and requestTimeout (408), keepAliveTimeout on an idle
// connection; and node's answer to a client's FIN.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type HeadResult, parseHead, type RequestHead } from './http1-head.js';
import { LINGER_BYTES, LINGER_MS } from './linger.js';

/** How a connection ends after an answer: kept, closed once written, or closed with the client's rest drained. */
export type AfterAnswer = 'keep' | 'close' | 'linger';

export interface Http1Answer {
  readonly status: number;
  /** In order, before Date/Connection/Keep-Alive (as node writes a writeHead's headers). */
  readonly headers: readonly (readonly [string, string | number])[];
  /** Bytes, or a latin1 string (one character per byte). */
  readonly body: Uint8Array | string;
  /** Close the connection after this answer (`linger`: drain what the client still sends first). */
  readonly end?: 'close' | 'linger';
}

/** One request the site takes: where its body goes, and what to do with it. */
export interface Http1Request {
  /** Exactly Content-Length bytes long; filled from the socket. */
  readonly body: Buffer;
  /** Handles the complete request; resolves with its answer. */
  run(socket: Socket): Promise<Http1Answer>;
  /** The connection ended before the body was complete: give back what `body` holds. */
  abort(): void;
}

export interface Http1Site {
  readonly headersTimeout: number;
  /** 0: none. */
  readonly requestTimeout: number;
  /** Idle keep-alive connections close after this long; 0: never. */
  readonly keepAliveTimeout: number;
  /** False while shutting down or with keep-alives disabled: every answer closes its connection. */
  keepAlive(): boolean;
  /** The lean path for this request, or undefined: the connection goes to node's server. */
  take(head: RequestHead, socket: Socket): Http1Request | undefined;
  /** Gives the socket (its unread bytes pushed back) to node's HTTP server. */
  handOff(socket: Socket): void;
  /** An answer could not be made (a bug): node would have answered 500. */
  internalError(err: unknown): Http1Answer;
}

// node's own answers when its parser gives up on a connection (lib/_http_server.js)
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/** The connections on the lean path, for shutdown. */
export class Http1Connections {
  private readonly all = new Set<Http1Connection>();
  /** Requests answered on this path so far (diagnostics, tests). */
  answered = 0;

  constructor(private readonly site: Http1Site) {}

  /** Starts reading `socket` (a new plain or TLS connection). */
  accept(socket: Socket): void {
    const c = new Http1Connection(socket, this.site, this.all, () => this.answered++);
    this.all.add(c);
  }

  /** Closes the connections waiting for a next request (node's closeIdleConnections). */
  closeIdle(): void {
    for (const c of this.all) c.closeIfIdle();
  }

  /** Closes every connection at once. */
  closeAll(): void {
    for (const c of this.all) c.destroy();
  }

  get size(): number {
    return this.all.size;
  }
}

type State = 'head' | 'body' | 'busy' | 'closing';

class Http1Connection {
  private state: State = 'head';
  /** Bytes read and not yet parsed (a head's start, pipelined requests). */
  private pending: Buffer | undefined;
  private request: Http1Request | undefined;
  private filled = 0;
  /** The current request's head/request deadline; or the idle keep-alive timer. */
  private timer: NodeJS.Timeout | undefined;
  private headersDone = false;
  private messageStart = 0;
  /** The request being handled asked for `Connection: close`. */
  private closeAfter = false;
  /** Whether `timer` is the current message's deadline (not the idle timer). */
  private timing = false;

  constructor(
    private readonly socket: Socket,
    private readonly site: Http1Site,
    private readonly registry: Set<Http1Connection>,
    private readonly onAnswer: () => void,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  closeIfIdle(): void {
    if (this.state === 'head' && this.pending === undefined) this.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.registry.delete(this);
    this.clearTimer();
    if (this.state === 'body') this.request?.abort();
    this.request = undefined;
    this.pending = undefined;
  };

  private readonly onEnd = (): void => {
    if (this.state === 'closing') return;
    // node (socketOnEnd): a request cut short by the client's FIN is a 400 (no answer of ours is
    // ever half written); otherwise it ends its side at once, also under a request still in the making
    if (this.state === 'body' || (this.state === 'head' && this.pending !== undefined)) {
      if (this.socket.writable) this.socket.write(BAD_REQUEST, 'latin1');
      this.socket.destroy();
      return;
    }
    this.socket.end();
  };

  private readonly onData = (chunk: Buffer): void => {
    switch (this.state) {
      case 'head':
        this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
        this.parse();
        return;
      case 'body':
        this.fill(chunk);
        return;
      case 'busy':
        // pipelined: kept for after the answer (the socket is paused, so this stays small)
        this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
        return;
      case 'closing':
        return;
    }
  };

  /** Parses heads from `pending` while requests are complete enough to act on. */
  private parse(): void {
    while (this.state === 'head' && this.pending !== undefined) {
      if (!this.timing) this.startMessage();
      const result: HeadResult = parseHead(this.pending);
      if (result === 'incomplete') return;
      if (result === 'other') {
        this.handOff();
        return;
      }
      const request = this.site.take(result, this.socket);
      if (request === undefined) {
        this.handOff();
        return;
      }
      this.headersDone = true;
      this.request = request;
      this.filled = 0;
      const rest = this.pending.subarray(result.length);
      this.pending = undefined;
      this.state = 'body';
      if (result.close) this.closeAfter = true;
      if (rest.length > 0) this.fill(rest);
      else if (request.body.length === 0) this.run();
      return;
    }
  }

  private fill(chunk: Buffer): void {
    const body = (this.request as Http1Request).body;
    const need = body.length - this.filled;
    if (chunk.length <= need) {
      body.set(chunk, this.filled);
      this.filled += chunk.length;
    } else {
      body.set(chunk.subarray(0, need), this.filled);
      this.filled = body.length;
      this.pending = chunk.subarray(need);
    }
    if (this.filled === body.length) this.run();
  }

  private run(): void {
    const request = this.request as Http1Request;
    this.request = undefined;
    this.state = 'busy';
    this.clearTimer();
    this.socket.pause();
    let answer: Promise<Http1Answer>;
    try {
      answer = request.run(this.socket);
    } catch (err) {
      answer = Promise.resolve(this.site.internalError(err));
    }
    answer.then(
      (a) => this.answered(a),
      (err) => this.answered(this.site.internalError(err)),
    );
  }

  private answered(a: Http1Answer): void {
    const socket = this.socket;
    // gone, or ended by the client's FIN while this request was handled (node loses the answer too)
    if (socket.destroyed || socket.writableEnded) return;
    this.onAnswer();
    const keep = a.end === undefined && !this.closeAfter && this.site.keepAlive();
    const head = headOf(a.status, a.headers, keep ? this.site.keepAliveTimeout : -1);
    if (typeof a.body === 'string') socket.write(head + a.body, 'latin1');
    else if (a.body.length === 0) socket.write(head, 'latin1');
    else socket.write(Buffer.concat([Buffer.from(head, 'latin1'), a.body]));
    if (!keep) {
      this.close(a.end === 'linger');
      return;
    }
    this.state = 'head';
    this.headersDone = false;
    this.timing = false;
    socket.resume();
    if (this.pending !== undefined) this.parse();
    else this.idle();
  }

  /** After the last answer: FIN once written (node's destroySoon), or drain the client's rest first (linger.ts). */
  private close(linger: boolean): void {
    const socket = this.socket;
    this.state = 'closing';
    this.pending = undefined;
    this.clearTimer();
    if (!linger) {
      socket.end();
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
      return;
    }
    let drained = 0;
    socket.removeListener('data', this.onData);
    socket.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > LINGER_BYTES) socket.destroy();
    });
    socket.resume();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Waiting for the next request: node closes an idle keep-alive connection after keepAliveTimeout. */
  private idle(): void {
    const ms = this.site.keepAliveTimeout;
    if (ms > 0) {
      this.timer = setTimeout(() => this.socket.destroy(), ms);
      this.timer.unref();
    }
  }

  /** A request's first byte: its headers and request deadlines start (node's ConnectionsList). */
  private startMessage(): void {
    this.clearTimer();
    this.timing = true;
    this.messageStart = Date.now();
    this.armDeadline();
  }

  private armDeadline(): void {
    const { headersTimeout, requestTimeout } = this.site;
    const deadlines: number[] = [];
    if (headersTimeout > 0 && !this.headersDone) deadlines.push(headersTimeout);
    if (requestTimeout > 0) deadlines.push(requestTimeout);
    if (deadlines.length === 0) return;
    const wait = Math.max(0, this.messageStart + Math.min(...deadlines) - Date.now());
    this.timer = setTimeout(this.onDeadline, wait);
    this.timer.unref();
  }

  private readonly onDeadline = (): void => {
    this.timer = undefined;
    if (this.state !== 'head' && this.state !== 'body') return;
    const { headersTimeout, requestTimeout } = this.site;
    const age = Date.now() - this.messageStart;
    const late =
      (headersTimeout > 0 && !this.headersDone && age >= headersTimeout) ||
      (requestTimeout > 0 && age >= requestTimeout);
    if (!late) {
      this.armDeadline();
      return;
    }
    if (this.socket.writable) this.socket.write(REQUEST_TIMEOUT, 'latin1');
    this.socket.destroy();
  };

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The rest of the connection goes to node's server, starting with the unread bytes. */
  private handOff(): void {
    const socket = this.socket;
    this.clearTimer();
    this.registry.delete(this);
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
    socket.pause();
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) socket.unshift(pending);
    this.site.handOff(socket);
    // node's server starts reading on its own; the pushed-back bytes come first
    process.nextTick(() => socket.resume());
  }
}

// --- the answer's head, as node:http writes it ---

let date = '';
let dateTimer: NodeJS.Timeout | undefined;

/** node's Date header value, cached for the current second as node does (utcDate). */
function utcDate(): string {
  if (dateTimer === undefined) {
    const d = new Date();
    date = d.toUTCString();
    dateTimer = setTimeout(() => {
      dateTimer = undefined;
    }, 1000 - d.getMilliseconds());
    dateTimer.unref();
  }
  return date;
}

/**
 * The status line and headers of an answer with a Content-Length: `keepAliveMs` ≥ 0 for a kept
 * connection (Keep-Alive's timeout in whole seconds when > 0), -1 for `Connection: close`.
 */
export function headOf(
  status: number,
  headers: readonly (readonly [string, string | number])[],
  keepAliveMs: number,
): string {
  let s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  s += `Date: ${utcDate()}\r\n`;
  if (keepAliveMs < 0) s += 'Connection: close\r\n';
  else {
    s += 'Connection: keep-alive\r\n';
    if (keepAliveMs > 0) s += `Keep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n`;
  }
  return `${s}\r\n`;
}
