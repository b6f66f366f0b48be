// The HTTP side of a scrape (Prometheus scrape/scrape.go targetScraper and
// prometheus/common's HTTP client): the Accept header, gzip, credentials from
// the config (files re-read on every scrape, so rotated tokens and passwords
// apply without a restart), TLS, redirects, the timeout and the body size
// limit, with Prometheus's error messages.
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { version } from '../../../src/cli/files.js';
import type { HttpClientConfig, TlsConfig } from '../promconfig/http-client.js';

/** Inflated output comes in chunks of this size (small: each dies young). */
const GUNZIP_CHUNK = 64 * 1024;
const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

export const USER_AGENT = `Tsunagi/${version()}`;

export interface ScrapeResponse {
  contentType: string;
  /** Uncompressed body size in bytes (scrape_body_size_bytes). */
  bytes: number;
}

export class ScrapeError extends Error {}

async function readText(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

/** The connect options of a tls_config (files read now: a missing file fails the receiver's start). */
export async function loadTls(t: TlsConfig) {
  const read = async (inline: string | undefined, file: string | undefined) =>
    inline !== undefined ? inline : file !== undefined ? await readFile(file, 'utf8') : undefined;
  return {
    ca: await read(t.ca, t.ca_file),
    cert: await read(t.cert, t.cert_file),
    key: await read(t.key, t.key_file),
    servername: t.server_name || undefined,
    rejectUnauthorized: !t.insecure_skip_verify,
    minVersion: t.min_version ? TLS_VERSIONS[t.min_version] : undefined,
    maxVersion: t.max_version ? TLS_VERSIONS[t.max_version] : undefined,
  };
}

/** The Authorization header and custom headers for one request. */
export async function requestHeaders(c: HttpClientConfig): Promise<Record<string, string>> {
  const h: Record<string, string> = {};
  if (c.basic_auth) {
    const user = c.basic_auth.username_file
      ? await readText(c.basic_auth.username_file)
      : c.basic_auth.username;
    const pass = c.basic_auth.password_file
      ? await readText(c.basic_auth.password_file)
      : (c.basic_auth.password ?? '');
    h.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else if (c.authorization) {
    const cred = c.authorization.credentials_file
      ? await readText(c.authorization.credentials_file)
      : (c.authorization.credentials ?? '');
    h.authorization = `${c.authorization.type} ${cred}`;
  } else if (c.bearer_token !== undefined) {
    h.authorization = `Bearer ${c.bearer_token}`;
  } else if (c.bearer_token_file !== undefined) {
    h.authorization = `Bearer ${await readText(c.bearer_token_file)}`;
  }
  for (const [name, v] of Object.entries(c.http_headers ?? {})) {
    const values = [...v.values, ...v.secrets];
    for (const f of v.files) values.push((await readFile(f, 'utf8')).replace(/\r?\n$/, ''));
    if (values.length) h[name.toLowerCase()] = values.join(', ');
  }
  return h;
}

export class ScrapeHttpClient {
  private dispatcher: Dispatcher | undefined;
  private agent: Agent | undefined;

  constructor(
    private readonly config: HttpClientConfig,
    private readonly enableCompression: boolean,
    private readonly bodySizeLimit: number,
  ) {}

  async start(): Promise<void> {
    const tls = await loadTls(this.config.tls_config);
    this.agent = new Agent({ connect: tls, keepAliveTimeout: 60_000 });
    this.dispatcher = this.config.follow_redirects
      ? this.agent.compose(interceptors.redirect({ maxRedirections: 10 }))
      : this.agent;
  }

  /**
   * Scrapes `url`: on a 200 answer, `open(contentType)` gives the function that
   * takes the (uncompressed) body's bytes, piece by piece, as they arrive.
   */
  async scrape(
    url: string,
    accept: string,
    timeoutMs: number,
    signal: AbortSignal,
    open: (contentType: string) => (chunk: Buffer) => void,
  ): Promise<ScrapeResponse> {
    if (!this.dispatcher) throw new ScrapeError('scrape client not started');
    const headers: Record<string, string> = {
      ...(await requestHeaders(this.config)),
      accept,
      'accept-encoding': this.enableCompression ? 'gzip' : 'identity',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    try {
      const res = await request(url, { dispatcher: this.dispatcher, headers, signal: both });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new ScrapeError(`server returned HTTP status ${res.statusCode} ${statusText(res.statusCode)}`);
      }
      const gzipped = String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
      const limit = this.bodySizeLimit;
      const ct = res.headers['content-type'];
      const contentType = Array.isArray(ct) ? ct[0] : (ct ?? '');
      // the body goes to the reader as it arrives (inflated in small pieces): never a whole
      // body of 10+ MB at once, which outlived a few scavenges and stayed resident until
      // V8's next full GC
      const write = open(contentType);
      const gunzip = gzipped ? createGunzip({ chunkSize: GUNZIP_CHUNK }) : undefined;
      const source: AsyncIterable<Buffer> = gunzip ? pipeline(res.body, gunzip, () => {}) : res.body;
      let size = 0;
      try {
        for await (const c of source) {
          size += c.length;
          if (limit > 0 && size > limit) {
            res.body.destroy();
            gunzip?.destroy();
            throw new ScrapeError(`body size limit exceeded (limit ${limit} bytes)`);
          }
          write(c);
        }
      } catch (err) {
        if (gunzip && isZlibError(err))
          throw new ScrapeError(`decompressing the response: ${(err as Error).message}`);
        throw err;
      }
      return { contentType, bytes: size };
    } catch (err) {
      if (err instanceof ScrapeError) throw err;
      if (timeout.aborted && !signal.aborted)
        throw new ScrapeError(
          `Get "${url}": context deadline exceeded (scrape_timeout ${timeoutMs / 1000}s)`,
        );
      throw new ScrapeError(`Get "${url}": ${describe(err)}`);
    }
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

const STATUS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusText(code: number): string {
  return STATUS[code] ?? '';
}
