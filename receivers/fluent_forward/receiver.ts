// The `fluent_forward` receiver: a TCP (optionally TLS) or Unix socket server
// speaking the forward protocol, plus, on TCP, a UDP socket on the same port
// that echoes heartbeats (as the collector and fluentd do).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lstat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { splitHostPort } from '../../src/config/schema-types.js';
import { loadServerTls } from '../../src/config/tls-server.js';
import { type FluentForwardConfig, unixPath } from './config.js';
import { ForwardConnection } from './connection.js';
import type { HandshakeConfig } from './handshake.js';
import { FluentStats } from './stats.js';

/** How long shutdown waits for batches in the pipeline to be acknowledged before closing connections. */
const SHUTDOWN_GRACE_MS = 5000;

export class FluentForwardReceiver implements Component {
  private server: Server | undefined;
  private udp: UdpSocket | undefined;
  private readonly connections = new Set<ForwardConnection>();
  /** Accepted over max_connections, waiting (unread) for a slot. */
  private readonly waiting: Socket[] = [];
  private readonly stats: FluentStats;
  private readonly handshake: HandshakeConfig | undefined;
  private readonly path: string | undefined;
  /** The bound TCP port (after start). */
  port = 0;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: FluentForwardConfig,
    private readonly next: Consumer<'logs'>,
  ) {
    this.path = unixPath(cfg.endpoint!);
    this.stats = new FluentStats(settings, this.path ? 'unix' : 'tcp');
    const sec = cfg.security;
    if (sec) {
      this.handshake = {
        sharedKey: sec.shared_key,
        selfHostname: sec.self_hostname,
        users: sec.user_auth ? new Map(sec.users.map((u) => [u.username, u.password])) : undefined,
      };
    }
  }

  async start(_host: Host): Promise<void> {
    const onSocket = (socket: Socket) => this.accept(socket);
    const server = this.cfg.tls
      ? createTlsServer({ ...(await loadServerTls(this.cfg.tls)) }, onSocket)
      : createServer(onSocket);
    if (this.cfg.tls) {
      server.on('tlsClientError', (err) =>
        this.settings.logger.debug({ err: err.message }, 'fluent_forward: TLS handshake failed'),
      );
    }
    server.on('error', (err) =>
      this.settings.logger.error({ err: err.message }, 'fluent_forward: server error'),
    );
    this.server = server;
    const endpoint = this.cfg.endpoint!;
    try {
      if (this.path) {
        await removeStaleSocket(this.path);
        await listen(server, { path: this.path });
      } else {
        const { host, port } = splitHostPort(endpoint);
        // like Go's listener, "localhost" means the IPv4 loopback
        const h = host === 'localhost' ? '127.0.0.1' : host;
        await listen(server, { host: h, port });
        this.port = (server.address() as { port: number }).port;
        this.udp = await heartbeats(h, this.port, this.settings);
      }
    } catch (err) {
      server.close();
      throw new Error(`fluent_forward: cannot listen on ${endpoint}: ${errorMessage(err)}`);
    }
    this.settings.logger.info(
      { endpoint, port: this.port || undefined },
      'Fluent forward receiver listening',
    );
  }

  private accept(socket: Socket): void {
    const max = this.cfg.max_connections;
    if (max > 0 && this.connections.size >= max) {
      if (this.cfg.refuse_over_limit) {
        socket.destroy();
        return;
      }
      // as the collector: over the cap a connection waits (here accepted but unread) until a slot frees
      socket.pause();
      socket.on('error', () => {});
      socket.once('close', () => {
        const i = this.waiting.indexOf(socket);
        if (i >= 0) this.waiting.splice(i, 1);
      });
      this.waiting.push(socket);
      return;
    }
    this.open(socket);
  }

  private open(socket: Socket): void {
    this.stats.opened();
    const peer = this.path ? `unix:${this.path}` : `${socket.remoteAddress}:${socket.remotePort}`;
    const conn = new ForwardConnection(socket, {
      consumer: this.next,
      stats: this.stats,
      limit: this.cfg.chunk_size_limit,
      handshake: this.handshake,
      peer,
    });
    this.connections.add(conn);
    socket.once('close', () => {
      this.connections.delete(conn);
      this.stats.closed();
      const w = this.waiting.shift();
      if (w && !w.destroyed && this.server) {
        this.open(w);
        w.resume();
      }
    });
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.udp?.close();
    this.udp = undefined;
    for (const w of this.waiting.splice(0)) w.destroy();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // frames already read are delivered and acknowledged; then each connection ends
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.connections].map((c) => c.drain())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    for (const c of this.connections) c.socket.destroy();
    await closed;
  }
}

function listen(server: Server, opts: { path?: string; host?: string; port?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A socket file left by a process that died is removed; anything else at the path is left alone (listen fails). */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch {
    // absent: nothing to remove
  }
}

/** UDP on the TCP port: each datagram is answered with its first byte (the spec's 0x00 heartbeat). */
function heartbeats(host: string, port: number, settings: ComponentSettings): Promise<UdpSocket> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  const udp = createSocket(type);
  udp.on('message', (msg, rinfo) => {
    const reply = msg.length > 0 ? msg.subarray(0, 1) : Buffer.alloc(1);
    udp.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) settings.logger.debug({ err: err.message }, 'fluent_forward: heartbeat reply failed');
    });
  });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => {
      udp.off('error', reject);
      udp.on('error', (err) => settings.logger.debug({ err: err.message }, 'fluent_forward: UDP error'));
      resolve(udp);
    });
  });
}
