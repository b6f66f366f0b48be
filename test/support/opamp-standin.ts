// An OpAMP server stand-in for tests, written from the OpAMP protobufs (the
// opamp extension's opamp.proto text, parsed here by protobufjs into a root of
// its own, not through the extension's codec): WebSocket (binary messages: varint header 0, then the
// protobuf) and plain HTTP (POST application/x-protobuf, the response body the
// ServerToAgent) on one port and path. It keeps every AgentToServer it got,
// merges them into the agent's latest state (description, effective config,
// health, remote config status), and offers remote config the way the spec
// says a server does: in the first answer and whenever the agent's
// last_remote_config_hash differs from the offer's hash.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { type WebSocket, WebSocketServer } from 'ws';
import { OPAMP_PROTO } from '../../extensions/opamp/proto.js';

const root = protobuf.parse(OPAMP_PROTO, { keepCase: true }).root;
const A2S = root.lookupType('opamp.proto.AgentToServer');
const S2A = root.lookupType('opamp.proto.ServerToAgent');

/** ServerCapabilities: AcceptsStatus | OffersRemoteConfig | AcceptsEffectiveConfig. */
const SERVER_CAPS = 0x1 | 0x2 | 0x4;

export type Obj = Record<string, any>;

export interface AgentState {
  description?: Obj;
  effectiveConfig?: string;
  health?: Obj;
  remoteStatus?: { hash: string; status: string; error: string };
  /** Every remote config status seen, in order ("APPLYING", "APPLIED", ...). */
  remoteStatuses: { hash: string; status: string; error: string }[];
  availableComponents?: Obj;
  capabilities: number;
  lastSeq: number;
  disconnected: boolean;
}

export class OpampStandin {
  private http: Server;
  private wss = new WebSocketServer({ noServer: true });
  private sockets = new Set<WebSocket>();
  /** Every AgentToServer, decoded (longs as strings, enums as names, bytes as base64). */
  readonly messages: Obj[] = [];
  readonly agents = new Map<string, AgentState>();
  /** WebSocket connections accepted since start (reconnects count). */
  wsConnections = 0;
  httpPosts = 0;
  private offer:
    | { config_map: Record<string, { body: Buffer; content_type: string }>; hash: Buffer }
    | undefined;
  /** The next answers (one each) carry these ServerToAgent fields instead of the usual ones. */
  readonly scripted: Obj[] = [];
  /** While set, the HTTP endpoint and WebSocket upgrade answer this status (e.g. 503) with Retry-After. */
  refuse: { status: number; retryAfterSeconds?: number } | undefined;
  /** Requests and upgrades answered with `refuse`. */
  refusals = 0;
  port = 0;

  constructor(private readonly path = '/v1/opamp') {
    this.http = this.makeServer();
  }

  private makeServer(): Server {
    const server = createServer((req, res) => void this.onHttp(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (req.url !== this.path) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      if (this.refuse) {
        this.refusals++;
        const ra = this.refuse.retryAfterSeconds;
        socket.end(
          `HTTP/1.1 ${this.refuse.status} Unavailable\r\n${ra !== undefined ? `retry-after: ${ra}\r\n` : ''}content-length: 0\r\n\r\n`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onWs(ws));
    });
    return server;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}${this.path}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** Closes every connection and the port (a server going away). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Starts again on the same port, forgetting nothing it learnt (or, with `forget`, all of it). */
  async restart(forget = false): Promise<void> {
    if (forget) this.agents.clear();
    this.http = this.makeServer();
    await this.start(this.port);
  }

  /** Offers this remote config (files by name); pushes it at once to connected WebSocket agents. */
  offerConfig(files: Record<string, string>, contentType = 'text/yaml'): string {
    const config_map: Record<string, { body: Buffer; content_type: string }> = {};
    const h = createHash('sha256');
    for (const name of Object.keys(files).sort()) {
      config_map[name] = { body: Buffer.from(files[name]), content_type: contentType };
      h.update(name).update('\0').update(files[name]).update('\0');
    }
    this.offer = { config_map, hash: h.digest() };
    for (const ws of this.sockets) this.sendWs(ws, this.answer(undefined, true));
    return this.offer.hash.toString('base64');
  }

  /** Sends these ServerToAgent fields to every connected WebSocket agent now. */
  push(fields: Obj): void {
    for (const ws of this.sockets) this.sendWs(ws, { instance_uid: Buffer.alloc(16), ...fields });
  }

  agent(): AgentState | undefined {
    return [...this.agents.values()].at(-1);
  }

  private onWs(ws: WebSocket): void {
    this.wsConnections++;
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary || data[0] !== 0) {
        ws.close(1003, 'expected a binary message with the OpAMP header 0');
        return;
      }
      const msg = this.receive(data.subarray(1));
      if (msg.agent_disconnect) return;
      this.sendWs(ws, this.answer(msg));
    });
  }

  private sendWs(ws: WebSocket, fields: Obj): void {
    const body = S2A.encode(S2A.fromObject(fields)).finish();
    ws.send(Buffer.concat([Buffer.from([0]), body]), { binary: true });
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== this.path) {
      res.writeHead(404).end();
      return;
    }
    if (this.refuse) {
      this.refusals++;
      const ra = this.refuse.retryAfterSeconds;
      res.writeHead(this.refuse.status, ra !== undefined ? { 'retry-after': String(ra) } : {}).end();
      return;
    }
    if (req.headers['content-type'] !== 'application/x-protobuf') {
      res.writeHead(415).end();
      return;
    }
    this.httpPosts++;
    const msg = this.receive(Buffer.concat(chunks));
    const body = S2A.encode(S2A.fromObject(this.answer(msg))).finish();
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(body));
  }

  private receive(buf: Buffer): Obj {
    const m = A2S.toObject(A2S.decode(buf), { longs: String, enums: String, bytes: String }) as Obj;
    this.messages.push(m);
    const uid = String(m.instance_uid);
    let st = this.agents.get(uid);
    if (!st) {
      st = { remoteStatuses: [], capabilities: 0, lastSeq: 0, disconnected: false };
      this.agents.set(uid, st);
    }
    st.capabilities = Number(m.capabilities);
    st.lastSeq = Number(m.sequence_num);
    if (m.agent_description) st.description = m.agent_description;
    if (m.effective_config)
      st.effectiveConfig = Buffer.from(
        m.effective_config.config_map.config_map[''].body,
        'base64',
      ).toString();
    if (m.health) st.health = m.health;
    if (m.available_components) st.availableComponents = m.available_components;
    if (m.remote_config_status) {
      const r = m.remote_config_status;
      st.remoteStatus = {
        hash: r.last_remote_config_hash ?? '',
        status: String(r.status ?? 'RemoteConfigStatuses_UNSET').replace('RemoteConfigStatuses_', ''),
        error: r.error_message ?? '',
      };
      st.remoteStatuses.push(st.remoteStatus);
    }
    if (m.agent_disconnect) st.disconnected = true;
    return m;
  }

  private answer(msg: Obj | undefined, offerNow = false): Obj {
    const uid = msg ? Buffer.from(String(msg.instance_uid), 'base64') : Buffer.alloc(16);
    const scripted = msg ? this.scripted.shift() : undefined;
    if (scripted) return { instance_uid: uid, ...scripted };
    const out: Obj = { instance_uid: uid, capabilities: SERVER_CAPS };
    const st = msg ? this.agents.get(String(msg.instance_uid)) : undefined;
    // a server that does not know this agent's state (it restarted) asks for all of it
    if (st && !st.description) out.flags = 1;
    if (this.offer) {
      const hash = this.offer.hash.toString('base64');
      if (offerNow || st?.remoteStatus?.hash !== hash)
        out.remote_config = { config: { config_map: this.offer.config_map }, config_hash: this.offer.hash };
    }
    return out;
  }
}

/** The attributes of an AgentDescription list as a plain map. */
export function attrs(list: Obj[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) out[kv.key] = kv.value?.string_value ?? kv.value?.stringValue;
  return out;
}
