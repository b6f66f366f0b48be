// The tcp block: a TCP (or TLS) listener; each connection's byte stream is
// framed (framing.ts), each token becomes an entry run through the operators,
// and the entries of what arrived are handed to the pipeline as one batch.
// Syslog over TCP has no application acknowledgement, so flow control is
// TCP's own: a connection with two batches awaiting the pipeline stops
// reading (socket.pause) until one is accepted, and the sender's writes
// back up. Held data per connection is bounded by that; nothing is buffered
// without limit. A malformed frame (bad octet count, a frame or line larger
// than max_log_size) is logged with its reason and closes that connection
// only; what was framed before it is still delivered.
import net from 'node:net';
import tls from 'node:tls';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import { copyMap, type Entry } from '../../src/stanza/entry.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { SyslogReceiverConfig, TcpConfig } from './config.js';
import { lookupEncoding, makeDecoder } from './decode.js';
import {
  ChunkFramer,
  FrameError,
  type Framer,
  MultilineFramer,
  OctetFramer,
  SeparatorFramer,
  WholeFramer,
} from './framing.js';
import { type Ingest, RateLimitedLog } from './ingest.js';
import { IpResolver, plainIp } from './resolver.js';
import { type TokenText, tokenText } from './token.js';

/** Batches a connection may have waiting on the pipeline before it stops reading. */
export const MAX_BATCHES_IN_FLIGHT = 2;

export interface TcpDeps {
  ingest: Ingest;
  metrics: ReceiverMetrics;
  /** Counts a connection closed for a malformed frame. */
  badFrame: () => void;
}

function makeFramer(tcp: TcpConfig, cfg: SyslogReceiverConfig): Framer {
  const max = tcp.max_log_size;
  const enc = lookupEncoding(tcp.encoding) ?? 'utf-8';
  const decoder = makeDecoder(tcp.encoding);
  if (tcp.one_log_per_packet) return new WholeFramer(max);
  if (cfg.enable_octet_counting) return new OctetFramer(max);
  if (enc === 'nop') return new ChunkFramer(max);
  if (tcp.multiline?.line_start_pattern || tcp.multiline?.line_end_pattern)
    return new MultilineFramer(tcp.multiline, decoder, enc, max);
  if (cfg.non_transparent_framing_trailer === 'NUL')
    return new SeparatorFramer(Buffer.from([0]), undefined, max);
  return new SeparatorFramer(decoder.newline, decoder.carriageReturn, max);
}

export class TcpServer {
  private server: net.Server | undefined;
  private readonly conns = new Set<TcpConnection>();
  private readonly resolver = new IpResolver();
  private readonly text: TokenText;
  private readonly frameLog: RateLimitedLog;
  private readonly connLog: RateLimitedLog;
  private closing = false;

  constructor(
    private readonly tcp: TcpConfig,
    private readonly cfg: SyslogReceiverConfig,
    private readonly deps: TcpDeps,
  ) {
    this.text = tokenText(makeDecoder(tcp.encoding), tcp, tcp.one_log_per_packet);
    this.frameLog = new RateLimitedLog(deps.ingest.logger, 'warn', 1000);
    this.connLog = new RateLimitedLog(deps.ingest.logger, 'warn', 10_000);
  }

  async start(): Promise<number> {
    const onConn = (socket: net.Socket) => this.accept(socket);
    const server = this.tcp.tls
      ? tls.createServer(await loadServerTls(this.tcp.tls), onConn)
      : net.createServer({ pauseOnConnect: true }, onConn);
    if (server instanceof tls.Server)
      server.on('tlsClientError', (err, socket) =>
        this.connLog.log(
          { peer: plainIp(socket.remoteAddress), err: err.message },
          'syslog TLS handshake failed',
        ),
      );
    const { host, port } = splitHostPort(this.tcp.listen_address);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.connLog.log({ err: err.message }, 'syslog TCP listener error'));
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    socket.pause();
    const conn = new TcpConnection(socket, makeFramer(this.tcp, this.cfg), this, this.deps);
    this.conns.add(conn);
    socket.once('close', () => this.conns.delete(conn));
    void this.baseAttributes(socket).then((attrs) => conn.begin(attrs));
  }

  /** The receiver's `attributes`, and with add_attributes the collector's net.* keys for this connection. */
  private async baseAttributes(socket: net.Socket): Promise<Record<string, unknown>> {
    const base: Record<string, unknown> = { ...this.cfg.attributes };
    if (!this.tcp.add_attributes) return base;
    const peer = plainIp(socket.remoteAddress);
    const local = plainIp(socket.localAddress);
    const [peerName, hostName] = await Promise.all([this.resolver.lookup(peer), this.resolver.lookup(local)]);
    base['net.transport'] = 'IP.TCP';
    base['net.peer.ip'] = peer;
    base['net.peer.port'] = String(socket.remotePort ?? '');
    base['net.peer.name'] = peerName;
    base['net.host.ip'] = local;
    base['net.host.port'] = String(socket.localPort ?? '');
    base['net.host.name'] = hostName;
    return base;
  }

  textOf(token: Buffer | string): string {
    return this.text(token);
  }

  frameError(conn: TcpConnection, err: FrameError): void {
    this.deps.badFrame();
    this.frameLog.log(
      { peer: conn.peer, err: err.message },
      'malformed syslog frame; closing the connection (frames before it are kept)',
    );
  }

  /** Stops accepting, stops reading, delivers what was framed, then closes the connections. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    await Promise.all([...this.conns].map((c) => c.drainAndClose()));
    await closed;
  }
}

class TcpConnection {
  readonly peer: string;
  private pending: Entry[] = [];
  private inFlight = 0;
  private paused = true;
  private stopped = false;
  private ended = false;
  private base: Record<string, unknown> = {};
  private idle: (() => void)[] = [];
  private observed = 0n;
  private readonly sink = (token: Buffer | string) => {
    const text = this.server.textOf(token);
    this.deps.ingest.process(text, this.observed, copyMap(this.base), this.pending);
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly framer: Framer,
    private readonly server: TcpServer,
    private readonly deps: TcpDeps,
  ) {
    this.peer = `${plainIp(socket.remoteAddress)}:${socket.remotePort}`;
    socket.on('error', () => {
      // a reset or TLS error: what was framed is still delivered; 'close' follows
    });
  }

  begin(base: Record<string, unknown>): void {
    this.base = base;
    if (this.stopped) return;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
    this.paused = false;
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.observed = BigInt(Date.now()) * 1_000_000n;
    try {
      this.framer.push(chunk, this.sink);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.server.frameError(this, err);
      this.stopped = true;
      this.socket.destroy();
    }
    this.pump();
  }

  private onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.stopped) {
      this.stopped = true;
      this.observed = BigInt(Date.now()) * 1_000_000n;
      try {
        this.framer.end(this.sink);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        this.server.frameError(this, err);
      }
    }
    this.pump();
  }

  private pump(): void {
    while (this.pending.length > 0 && this.inFlight < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.pending;
      this.pending = [];
      this.inFlight++;
      void this.deps.ingest.deliver(batch, this.deps.metrics).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    // read at the pace the pipeline accepts
    const full = this.inFlight >= MAX_BATCHES_IN_FLIGHT;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused && !this.stopped && this.socket.readable && this.listenerAttached()) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.inFlight === 0 && this.pending.length === 0) {
      for (const w of this.idle.splice(0)) w();
      if (this.ended && !this.socket.destroyed) this.socket.destroy();
    }
  }

  private listenerAttached(): boolean {
    return this.socket.listenerCount('data') > 0;
  }

  /** Shutdown: no more reading; resolves once everything framed so far was handed over. */
  drainAndClose(): Promise<void> {
    this.stopped = true;
    this.socket.pause();
    this.pump();
    const done =
      this.inFlight === 0 && this.pending.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.idle.push(resolve));
    return done.then(() => {
      this.socket.destroy();
    });
  }
}
