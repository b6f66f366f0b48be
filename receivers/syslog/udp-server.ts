// The udp block: one entry per datagram (or per multiline split within it),
// trailing control characters and NULs removed first (the collector's udp
// input). UDP has no flow control: datagrams wait in a bounded queue
// (async.max_queue_length, else 4096) for one of `async.processors` (else 1)
// batches in flight to the pipeline; a datagram that finds the queue full is
// dropped, counted in tsunagi_syslog_udp_dropped_datagrams_total and logged
// (one line per 10 s with the count).
import dgram from 'node:dgram';
import { splitHostPort } from '../../src/config/schema-types.js';
import { copyMap, type Entry } from '../../src/stanza/entry.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import { MAX_UDP_SIZE, type SyslogReceiverConfig, type UdpConfig } from './config.js';
import { lookupEncoding, makeDecoder } from './decode.js';
import { MultilineFramer, type TokenSink } from './framing.js';
import { type Ingest, RateLimitedLog } from './ingest.js';
import { IpResolver, plainIp } from './resolver.js';
import { type TokenText, tokenText } from './token.js';

/** The queue bound without an `async` block (Node cannot stop reading a UDP socket). */
export const DEFAULT_UDP_QUEUE = 4096;

export interface UdpDeps {
  ingest: Ingest;
  metrics: ReceiverMetrics;
  dropped: (n: number) => void;
}

interface Datagram {
  msg: Buffer;
  address: string;
  port: number;
}

export class UdpServer {
  private socket: dgram.Socket | undefined;
  private queue: Datagram[] = [];
  private inFlight = 0;
  private readonly limit: number;
  private readonly concurrency: number;
  private readonly text: TokenText;
  private readonly rawText: TokenText;
  private readonly resolver = new IpResolver();
  private readonly dropLog: RateLimitedLog;
  private readonly errorLog: RateLimitedLog;
  private idle: (() => void)[] = [];
  private scheduled = false;
  private localIp = '';
  private localPort = '';
  /** Datagrams dropped because the queue was full (also counted in the metric). */
  dropped = 0;

  constructor(
    private readonly udp: UdpConfig,
    private readonly cfg: SyslogReceiverConfig,
    private readonly deps: UdpDeps,
  ) {
    this.limit = udp.async ? udp.async.max_queue_length : DEFAULT_UDP_QUEUE;
    this.concurrency = udp.async ? udp.async.processors : 1;
    const decoder = makeDecoder(udp.encoding);
    this.text = tokenText(decoder, udp);
    this.rawText = tokenText(decoder, udp, true);
    this.dropLog = new RateLimitedLog(deps.ingest.logger, 'warn');
    this.errorLog = new RateLimitedLog(deps.ingest.logger, 'warn');
  }

  async start(): Promise<number> {
    const { host, port } = splitHostPort(this.udp.listen_address);
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.errorLog.log({ err: err.message }, 'syslog UDP socket error'));
    this.socket = socket;
    const a = socket.address();
    this.localIp = plainIp(a.address);
    this.localPort = String(a.port);
    return a.port;
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    if (this.queue.length >= this.limit) {
      this.dropped++;
      this.deps.dropped(1);
      this.dropLog.log(
        { queue: this.limit, dropped_total: this.dropped },
        'syslog UDP queue full; dropping datagrams (the pipeline is slower than the senders)',
      );
      return;
    }
    this.queue.push({ msg, address, port });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.concurrency) {
      const batch = this.queue;
      this.queue = [];
      const entries: Entry[] = [];
      for (const d of batch) this.toEntries(d, entries);
      this.inFlight++;
      void this.deps.ingest.deliver(entries, this.deps.metrics).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.inFlight === 0 && this.queue.length === 0) for (const w of this.idle.splice(0)) w();
  }

  private toEntries(d: Datagram, into: Entry[]): void {
    let n = d.msg.length;
    while (n > 0 && d.msg[n - 1] < 32) n--; // trailing control characters and NULs
    const msg = d.msg.subarray(0, Math.min(n, MAX_UDP_SIZE));
    const observed = BigInt(Date.now()) * 1_000_000n;
    const base = this.attributes(d);
    const emit = (text: string) => this.deps.ingest.process(text, observed, copyMap(base), into);
    if (this.udp.one_log_per_packet) {
      if (msg.length > 0) emit(this.rawText(msg));
      return;
    }
    const ml = this.udp.multiline;
    if ((ml?.line_start_pattern || ml?.line_end_pattern) && lookupEncoding(this.udp.encoding) !== 'nop') {
      // multiline splits within one datagram only (UDP has no stream)
      const f = new MultilineFramer(
        ml,
        makeDecoder(this.udp.encoding),
        this.udp.encoding,
        Number.MAX_SAFE_INTEGER,
      );
      const sink: TokenSink = (t) => emit(this.text(t));
      f.push(msg, sink);
      f.end(sink);
      return;
    }
    if (msg.length > 0) emit(this.text(msg));
  }

  private attributes(d: Datagram): Record<string, unknown> {
    const base: Record<string, unknown> = { ...this.cfg.attributes };
    if (!this.udp.add_attributes) return base;
    const peer = plainIp(d.address);
    base['net.transport'] = 'IP.UDP';
    base['net.host.ip'] = this.localIp;
    base['net.host.port'] = this.localPort;
    base['net.host.name'] = this.resolver.cached(this.localIp);
    base['net.peer.ip'] = peer;
    base['net.peer.port'] = String(d.port);
    base['net.peer.name'] = this.resolver.cached(peer);
    return base;
  }

  /** Stops receiving, then hands what is queued to the pipeline. */
  async shutdown(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    this.pump();
    if (this.inFlight > 0 || this.queue.length > 0)
      await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
