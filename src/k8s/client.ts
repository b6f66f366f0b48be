// A minimal Kubernetes API client: GET a list, and stream a watch
// (newline-delimited WatchEvents). Auth and TLS come from auth.ts.
//
// A watch is quiet for as long as nothing changes, so it has no body (idle)
// timeout; instead, as client-go does, it asks the server to end it after
// timeoutSeconds, and the caller watches again from the last resourceVersion.
// In case the server never ends it (a dead connection TCP keepalive did not
// catch), the client gives up WATCH_GRACE_MS after that.
import { Agent, type Dispatcher, request } from 'undici';
import { readCapped, readCappedText } from '../exporterhelper/response-body.js';

export interface ApiTarget {
  /** e.g. https://10.0.0.1:443 */
  baseUrl: string;
  /** Returns the Authorization header value (re-read per request: projected tokens rotate). */
  authorization?: () => string | undefined;
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeClientOptions {
  /** Header and body (idle) timeout of list requests; undici's default is 300 s. */
  requestTimeoutMs?: number;
}

/** How long past its timeoutSeconds a watch may stay open before the client ends it. */
export const WATCH_GRACE_MS = 30_000;

export class KubeClient {
  private readonly dispatcher: Dispatcher;

  constructor(
    private readonly target: ApiTarget,
    options: KubeClientOptions = {},
  ) {
    this.dispatcher = new Agent({
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      connect: {
        ca: target.ca,
        cert: target.cert,
        key: target.key,
        rejectUnauthorized: !target.insecureSkipTlsVerify,
      },
    });
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    const auth = this.target.authorization?.();
    if (auth) h.authorization = auth;
    return h;
  }

  private url(path: string, query: Record<string, string | undefined>): string {
    const u = new URL(path, this.target.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') u.searchParams.set(k, v);
    return u.toString();
  }

  async get<T>(
    path: string,
    query: Record<string, string | undefined> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    const res = await request(this.url(path, query), {
      dispatcher: this.dispatcher,
      headers: this.headers(),
      signal,
    });
    if (res.statusCode !== 200) {
      const text = await readCappedText(res.body);
      throw new ApiError(`GET ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
    }
    const list = await readCapped(res.body, MAX_LIST_BYTES);
    if (list.truncated) throw new ApiError(`GET ${path}: answer longer than ${MAX_LIST_BYTES} bytes`, 200);
    return JSON.parse(list.bytes.toString('utf8')) as T;
  }

  /**
   * Streams watch events until the server ends the stream (after
   * `timeoutSeconds`, normally) or `signal` aborts. Throws if the stream
   * outlives timeoutSeconds by WATCH_GRACE_MS.
   */
  async watch<T>(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
    timeoutSeconds: number,
  ): Promise<void> {
    const deadline = AbortSignal.timeout(timeoutSeconds * 1000 + WATCH_GRACE_MS);
    const both = AbortSignal.any([signal, deadline]);
    try {
      const res = await request(
        this.url(path, {
          ...query,
          watch: 'true',
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(timeoutSeconds),
        }),
        { dispatcher: this.dispatcher, headers: this.headers(), signal: both, bodyTimeout: 0 },
      );
      if (res.statusCode !== 200) {
        const text = await readCappedText(res.body);
        throw new ApiError(`watch ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
      }
      await readEvents(res.body, onEvent);
    } catch (err) {
      if (deadline.aborted && !signal.aborted)
        throw new Error(
          `watch ${path}: still open ${WATCH_GRACE_MS / 1000} s after its timeoutSeconds=${timeoutSeconds}`,
        );
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/**
 * The most of a list answer read (a node's pods, the namespaces): far above what a real list
 * takes (etcd stores objects of at most 1.5 MiB), so an answer past it is not the API server's.
 */
const MAX_LIST_BYTES = 64 * 1024 * 1024;
/** The most of one watch event (one object, at most 1.5 MiB in etcd). */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** Newline-delimited JSON WatchEvents; a UTF-8 character split across chunks is decoded whole. */
async function readEvents<T>(
  body: AsyncIterable<Uint8Array>,
  onEvent: (e: WatchEvent<T>) => void,
): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    if (buf.length > MAX_EVENT_BYTES && buf.indexOf('\n') < 0)
      throw new Error(`watch event longer than ${MAX_EVENT_BYTES} bytes`);
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      nl = buf.indexOf('\n');
    }
  }
  buf += decoder.decode();
  if (buf.trim()) onEvent(JSON.parse(buf) as WatchEvent<T>);
}
