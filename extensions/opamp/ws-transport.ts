// OpAMP over WebSocket (spec: "WebSocket Transport"): one connection, binary
// messages of a varint header (0) and the protobuf. On connect the agent sends
// its full state; afterwards what changed, and a heartbeat every 30 s (or the
// server's heartbeat_interval_seconds). A lost connection, a refused upgrade
// (503 + Retry-After) or an UNAVAILABLE error_response reconnects with backoff.
import WebSocket from 'ws';
import type { Host } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { OpampAgent, TransportControl } from './agent.js';
import { Backoff, retryAfterMs } from './backoff.js';
import { type Endpoint, requestHeaders, tlsOptions } from './connection.js';
import { decodeServerToAgent, MAX_SERVER_MESSAGE_BYTES, unwrapWsFrame, wsFrame } from './proto.js';

const DEFAULT_HEARTBEAT_MS = 30_000;

export class WsTransport implements TransportControl {
  private ws: WebSocket | undefined;
  private open = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private readonly backoffs = new Backoff();
  private pendingKick = false;
  /** Connections opened (tests). */
  connections = 0;

  constructor(
    private readonly ep: Endpoint,
    private readonly agent: OpampAgent,
    private readonly logger: Logger,
    private readonly host: () => Host | undefined,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      const tls = await tlsOptions(this.ep);
      ws = new WebSocket(this.ep.endpoint, {
        headers: requestHeaders(this.ep, this.host()),
        maxPayload: MAX_SERVER_MESSAGE_BYTES,
        handshakeTimeout: 10_000,
        perMessageDeflate: false,
        ...(tls ?? {}),
      });
    } catch (e) {
      this.logger.error({ error: (e as Error).message }, 'Failed to connect to the OpAMP server');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      ws.terminate();
      return;
    }
    this.ws = ws;
    let retryAfter: number | undefined;
    ws.on('unexpected-response', (_req, res) => {
      retryAfter =
        res.statusCode === 503 || res.statusCode === 429
          ? retryAfterMs(res.headers['retry-after'])
          : undefined;
      this.logger.error(
        { status: res.statusCode, endpoint: this.ep.endpoint },
        'Failed to connect to the OpAMP server: the WebSocket upgrade was refused',
      );
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.open = true;
      this.connections++;
      this.backoffs.reset();
      this.logger.info({ endpoint: this.ep.endpoint }, 'Connected to the OpAMP server');
      this.agent.resendAll();
      this.send();
      this.armHeartbeat();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.logger.warn('OpAMP server sent a text WebSocket message; ignored (OpAMP messages are binary)');
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      let msg: ReturnType<typeof decodeServerToAgent>;
      try {
        msg = decodeServerToAgent(unwrapWsFrame(buf));
      } catch (e) {
        this.logger.warn(
          { error: (e as Error).message },
          'Ignoring a ServerToAgent message that does not decode',
        );
        return;
      }
      this.agent.handle(msg);
    });
    ws.on('error', (e) => {
      if (!this.open) this.logger.warn({ error: e.message }, 'Failed to connect to the OpAMP server');
      else this.logger.warn({ error: e.message }, 'OpAMP connection error');
    });
    ws.on('close', () => {
      const wasOpen = this.open;
      this.open = false;
      this.ws = undefined;
      clearTimeout(this.heartbeatTimer);
      if (this.stopped) return;
      if (wasOpen) this.logger.warn('Lost the connection to the OpAMP server; reconnecting');
      this.scheduleReconnect(retryAfter);
    });
  }

  private scheduleReconnect(serverMs?: number): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoffs.next(serverMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private armHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    if (!this.open) return;
    this.heartbeatTimer = setTimeout(() => {
      this.send();
      this.armHeartbeat();
    }, this.heartbeatMs);
    this.heartbeatTimer.unref?.();
  }

  private send(disconnect = false): void {
    const ws = this.ws;
    if (!ws || !this.open) return;
    const msg = this.agent.compose(disconnect);
    ws.send(wsFrame(msg), { binary: true }, (err) => {
      if (err) this.agent.resendAll();
    });
  }

  kick(): void {
    if (this.pendingKick) return;
    // coalesce what changed in one turn into one message
    this.pendingKick = true;
    setImmediate(() => {
      this.pendingKick = false;
      this.send();
    });
  }

  backoff(ms: number | undefined): void {
    // the server could not take the message: reconnect after its delay and send everything again
    const ws = this.ws;
    if (!ws) return;
    this.open = false;
    clearTimeout(this.heartbeatTimer);
    ws.removeAllListeners('close');
    ws.on('close', () => {});
    ws.terminate();
    this.ws = undefined;
    this.scheduleReconnect(ms ?? undefined);
  }

  setHeartbeat(ms: number): void {
    if (ms > 0 && ms !== this.heartbeatMs) {
      this.heartbeatMs = ms;
      this.armHeartbeat();
    }
  }

  isConnected(): boolean {
    return this.open;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.heartbeatTimer);
    const ws = this.ws;
    if (!ws) return;
    if (this.open) this.send(true);
    this.open = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }
}
