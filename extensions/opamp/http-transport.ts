// OpAMP over plain HTTP (spec: "Plain HTTP Transport"): each AgentToServer is
// a POST of application/x-protobuf, the response body is the ServerToAgent.
// The agent polls every polling_interval (the heartbeat_interval_seconds the
// server offers wins) and at once when it has something new. A failed poll is
// retried with backoff (503/429 honour Retry-After) and the next message
// carries the full state, since the server may have missed the last one.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Host } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { OpampAgent, TransportControl } from './agent.js';
import { Backoff, retryAfterMs } from './backoff.js';
import { type Endpoint, requestHeaders, tlsOptions } from './connection.js';
import {
  type AgentToServer,
  decodeServerToAgent,
  encodeAgentToServer,
  MAX_SERVER_MESSAGE_BYTES,
} from './proto.js';

const REQUEST_TIMEOUT_MS = 30_000;

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: number | undefined,
  ) {
    super(`the OpAMP server answered HTTP ${status}`);
  }
}

export class HttpTransport implements TransportControl {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private serverIntervalMs = 0;
  private notBefore = 0;
  private readonly backoffs = new Backoff();
  /** Successful polls (tests). */
  polls = 0;

  constructor(
    private readonly ep: Endpoint & { polling_interval: number },
    private readonly agent: OpampAgent,
    private readonly logger: Logger,
    private readonly host: () => Host | undefined,
  ) {}

  private get intervalMs(): number {
    return this.serverIntervalMs || this.ep.polling_interval || 30_000;
  }

  start(): void {
    this.agent.resendAll();
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const wait = Math.max(ms, this.notBefore - Date.now());
    this.timer = setTimeout(() => void this.poll(), wait);
    this.timer.unref?.();
  }

  private poll(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.doPoll().finally(() => {
      this.inFlight = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.inFlight;
  }

  private async doPoll(): Promise<void> {
    if (this.stopped) return;
    const msg = this.agent.compose();
    try {
      const body = await this.post(msg);
      this.polls++;
      this.backoffs.reset();
      this.schedule(this.intervalMs);
      if (body.length) {
        let decoded: ReturnType<typeof decodeServerToAgent>;
        try {
          decoded = decodeServerToAgent(body);
        } catch (e) {
          this.logger.warn(
            { error: (e as Error).message },
            'Ignoring a ServerToAgent response that does not decode',
          );
          return;
        }
        this.agent.handle(decoded);
      }
    } catch (e) {
      this.agent.resendAll();
      const retry = e instanceof HttpStatusError ? e.retryAfter : undefined;
      const delay = this.backoffs.next(retry);
      this.logger.warn(
        { error: (e as Error).message, endpoint: this.ep.endpoint, retry_in_ms: delay },
        'OpAMP poll failed',
      );
      this.schedule(delay);
    }
  }

  private async post(msg: AgentToServer): Promise<Buffer> {
    const payload = encodeAgentToServer(msg);
    const url = new URL(this.ep.endpoint);
    const tls = await tlsOptions(this.ep);
    const headers = {
      ...requestHeaders(this.ep, this.host()),
      'content-type': 'application/x-protobuf',
      'content-length': String(payload.length),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Buffer>((resolve, reject) => {
      const req = send(url, { method: 'POST', headers, timeout: REQUEST_TIMEOUT_MS, ...(tls ?? {}) }, (res) =>
        readBody(res).then((b) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(b);
          else reject(new HttpStatusError(status, retryAfterMs(res.headers['retry-after'])));
        }, reject),
      );
      req.on('timeout', () => req.destroy(new Error('the OpAMP server did not answer in time')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  kick(): void {
    if (this.stopped) return;
    if (this.inFlight) this.again = true;
    else this.schedule(0);
  }

  backoff(ms: number | undefined): void {
    const delay = this.backoffs.next(ms);
    this.notBefore = Date.now() + delay;
    this.schedule(delay);
  }

  setHeartbeat(ms: number): void {
    if (ms > 0 && ms !== this.serverIntervalMs) {
      this.serverIntervalMs = ms;
      if (!this.inFlight) this.schedule(ms);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight?.catch(() => {});
    // the last message says goodbye; best effort, the server forgets the agent anyway
    try {
      await Promise.race([
        this.post(this.agent.compose(true)),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
    } catch {}
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_SERVER_MESSAGE_BYTES) {
        res.destroy(new Error(`the OpAMP response is over ${MAX_SERVER_MESSAGE_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
