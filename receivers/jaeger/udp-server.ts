// The agent protocols: one `Agent.emitBatch` per UDP datagram, Thrift compact
// (6831) or binary (6832). Datagrams wait in a bounded queue for one of
// `workers` slots; a full queue drops the datagram and counts it, as the
// collector's agent processor does. UDP has no answer, so pipeline errors are
// only counted and logged.
import dgram from 'node:dgram';
import { splitHostPort } from '../../src/config/schema-types.js';
import { admitDecode, type DecodeTicket } from '../../src/receiverhelper/decode-admission.js';
import { decodeEmitBatch, type ThriftProtocol } from '../../src/translator/jaeger/thrift-decode.js';
import type { UdpConfig } from './config.js';
import type { Ingest } from './ingest.js';

export class UdpServer {
  private socket: dgram.Socket | undefined;
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  /** Datagrams dropped because the queue was full. */
  dropped = 0;
  /** Datagrams taken off the socket. */
  received = 0;

  constructor(
    private readonly cfg: UdpConfig,
    private readonly protocol: ThriftProtocol,
    private readonly ingest: Ingest,
    private readonly onDrop: (n: number) => void,
  ) {}

  async start(): Promise<number> {
    const { host, port } = splitHostPort(this.cfg.endpoint);
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    this.socket = socket;
    socket.on('message', (msg) => this.onMessage(msg));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Socket errors after bind (ICMP unreachable and the like) must not stop the receiver.
    socket.on('error', (err) => this.ingest.bad(err));
    if (this.cfg.socket_buffer_size > 0) socket.setRecvBufferSize(this.cfg.socket_buffer_size);
    return socket.address().port;
  }

  private onMessage(msg: Buffer): void {
    this.received++;
    if (this.busy < this.cfg.workers) {
      this.run(msg);
      return;
    }
    if (this.queue.length - this.queueHead >= this.cfg.queue_size) {
      this.dropped++;
      this.onDrop(1);
      return;
    }
    this.queue.push(msg);
  }

  private run(msg: Buffer): void {
    this.busy++;
    this.process(msg).finally(() => {
      this.busy--;
      const next = this.dequeue();
      if (next) this.run(next);
      else if (this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private dequeue(): Buffer | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const m = this.queue[this.queueHead];
    this.queue[this.queueHead++] = undefined as unknown as Buffer;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return m;
  }

  private async process(msg: Buffer): Promise<void> {
    if (msg.length > this.cfg.max_packet_size) {
      this.ingest.bad(
        new Error(`datagram of ${msg.length} bytes exceeds max_packet_size ${this.cfg.max_packet_size}`),
      );
      return;
    }
    let batch: ReturnType<typeof decodeEmitBatch>;
    let ticket: DecodeTicket | undefined;
    try {
      ticket = admitDecode(msg.length);
      batch = decodeEmitBatch(msg, this.protocol, ticket.budget);
      ticket.decoded();
    } catch (err) {
      ticket?.release();
      this.ingest.bad(err);
      return;
    }
    try {
      await this.ingest.push(batch);
    } catch {
      // counted and logged by ingest; nobody to answer over UDP
    } finally {
      ticket.release();
    }
  }

  /** Stops reading, then lets queued datagrams finish. */
  async shutdown(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    if (this.busy > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
