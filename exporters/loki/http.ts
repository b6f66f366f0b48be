// The HTTP side of the exporter: a keep-alive undici Pool per origin (TLS from
// the collector's `tls` block) and Retry-After parsing. No retry logic here:
// the exporter helper retries what the classifier marks retryable.
import { Pool } from 'undici';
import { loadTlsClient, type TlsClientConfig } from '../../src/config/tls-client.js';

/** A keep-alive connection pool to one origin. */
export async function createPool(origin: string, tls: TlsClientConfig, connections: number): Promise<Pool> {
  let connect: Record<string, unknown> | undefined;
  if (origin.startsWith('https:')) {
    const t = await loadTlsClient(tls);
    connect = Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
  }
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, connect });
}

/** Retry-After: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
