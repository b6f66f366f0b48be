// A keep-alive undici Pool per origin, TLS from the collector's `tls` block:
// the HTTP client side shared by the exporters that speak plain HTTP APIs.
import { Pool } from 'undici';
import { loadTlsClient, type TlsClientConfig } from '../config/tls-client.js';

/** A keep-alive connection pool to one origin. */
export async function createPool(origin: string, tls: TlsClientConfig, connections: number): Promise<Pool> {
  let connect: Record<string, unknown> | undefined;
  if (origin.startsWith('https:')) {
    const t = await loadTlsClient(tls);
    connect = Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
  }
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, connect });
}
