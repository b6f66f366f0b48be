// A minimal Kubernetes API client: GET a list, and stream a watch
// (newline-delimited WatchEvents). Auth and TLS come from auth.ts.
import { Agent, type Dispatcher, request } from 'undici';

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

export class KubeClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly target: ApiTarget) {
    this.dispatcher = new Agent({
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
      const text = await res.body.text();
      throw new ApiError(`GET ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
    }
    return (await res.body.json()) as T;
  }

  /** Streams watch events until the server ends the stream or `signal` aborts. */
  async watch<T>(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await request(this.url(path, { ...query, watch: 'true', allowWatchBookmarks: 'true' }), {
      dispatcher: this.dispatcher,
      headers: this.headers(),
      signal,
    });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new ApiError(`watch ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`, res.statusCode);
    }
    let buf = '';
    for await (const chunk of res.body) {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        nl = buf.indexOf('\n');
      }
    }
    if (buf.trim()) onEvent(JSON.parse(buf) as WatchEvent<T>);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
