// Shared by every HTTP receiver (otlp, zipkin).
// CORS the way the collector's confighttp (rs/cors) does it: origins from
// `allowed_origins` (one `*` wildcard each, e.g. https://*.example.com),
// credentials allowed, preflights answered with 204.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/** confighttp's `cors` block. */
export const corsSchema = z.strictObject({
  /**
   * Origins allowed (one `*` wildcard each). A bare "*" allows any origin, as in the collector
   * (the origin is echoed, credentials allowed): a receiver warns about it at start.
   */
  allowed_origins: z.array(z.string()).default([]),
  allowed_headers: z.array(z.string()).default([]),
  /** Seconds a browser may cache the preflight answer; 0 = header not sent. */
  max_age: z.number().int().nonnegative().default(0),
});
export type CorsConfig = z.output<typeof corsSchema>;

// rs/cors always allows these request headers besides the configured ones.
const ALWAYS_ALLOWED_HEADERS = ['accept', 'content-type', 'x-requested-with', 'origin'];
const ALLOWED_METHODS = new Set(['GET', 'POST', 'HEAD']);

type OriginMatcher = (origin: string) => boolean;

function matcher(pattern: string): OriginMatcher {
  const p = pattern.toLowerCase();
  const star = p.indexOf('*');
  if (star < 0) return (o) => o === p;
  const prefix = p.slice(0, star);
  const suffix = p.slice(star + 1);
  return (o) => o.length >= prefix.length + suffix.length && o.startsWith(prefix) && o.endsWith(suffix);
}

export class Cors {
  private readonly origins: OriginMatcher[];
  private readonly anyHeader: boolean;
  private readonly headers: Set<string>;
  private readonly maxAge: string | undefined;

  constructor(cfg: CorsConfig) {
    this.origins = cfg.allowed_origins.map(matcher);
    this.anyHeader = cfg.allowed_headers.includes('*');
    this.headers = new Set([...ALWAYS_ALLOWED_HEADERS, ...cfg.allowed_headers.map((h) => h.toLowerCase())]);
    this.maxAge = cfg.max_age > 0 ? String(cfg.max_age) : undefined;
  }

  originAllowed(origin: string): boolean {
    const o = origin.toLowerCase();
    return this.origins.some((m) => m(o));
  }

  /** A preflight is an OPTIONS request with Access-Control-Request-Method. */
  static isPreflight(req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  }

  /** Answers a preflight: 204, with the CORS headers only if origin, method and headers are allowed. */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const origin = req.headers.origin;
    const method = String(req.headers['access-control-request-method']).toUpperCase();
    const requested = parseList(req.headers['access-control-request-headers']);
    if (
      origin &&
      this.originAllowed(origin) &&
      ALLOWED_METHODS.has(method) &&
      (this.anyHeader || requested.every((h) => this.headers.has(h)))
    ) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', method);
      if (requested.length > 0) res.setHeader('Access-Control-Allow-Headers', requested.join(', '));
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (this.maxAge) res.setHeader('Access-Control-Max-Age', this.maxAge);
    }
    res.writeHead(204);
    res.end();
  }

  /** Headers on an actual (non-preflight) request. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin && this.originAllowed(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
  }
}

function parseList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  const s = Array.isArray(v) ? v.join(',') : v;
  return s
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}
