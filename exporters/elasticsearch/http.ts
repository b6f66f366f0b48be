// The HTTP side of the exporter: TLS settings (confighttp's `tls` keys), a
// keep-alive undici Pool per origin, and Retry-After parsing. No retry logic
// here: the exporter helper retries what the classifier marks retryable.
import { readFile } from 'node:fs/promises';
import { Pool } from 'undici';
import { z } from 'zod';

export const tlsSchema = z
  .strictObject({
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().optional(),
    ca_pem: z.string().optional(),
    cert_file: z.string().optional(),
    cert_pem: z.string().optional(),
    key_file: z.string().optional(),
    key_pem: z.string().optional(),
    server_name_override: z.string().optional(),
    min_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
    max_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
  })
  .prefault({});
export type TlsConfig = z.output<typeof tlsSchema>;

const TLS_VERSION = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;

/** Node TLS connect options from the collector's tls block (files are read here, at start). */
export async function tlsConnectOptions(tls: TlsConfig): Promise<Record<string, unknown>> {
  const pem = async (inline?: string, file?: string) =>
    inline ?? (file ? await readFile(file, 'utf8') : undefined);
  const opts: Record<string, unknown> = { rejectUnauthorized: !tls.insecure_skip_verify };
  const ca = await pem(tls.ca_pem, tls.ca_file);
  const cert = await pem(tls.cert_pem, tls.cert_file);
  const key = await pem(tls.key_pem, tls.key_file);
  if (ca) opts.ca = ca;
  if (cert) opts.cert = cert;
  if (key) opts.key = key;
  if (tls.server_name_override) opts.servername = tls.server_name_override;
  if (tls.min_version) opts.minVersion = TLS_VERSION[tls.min_version];
  if (tls.max_version) opts.maxVersion = TLS_VERSION[tls.max_version];
  return opts;
}

/** A keep-alive connection pool to one origin. */
export async function createPool(origin: string, tls: TlsConfig, connections: number): Promise<Pool> {
  const connect = origin.startsWith('https:') ? await tlsConnectOptions(tls) : undefined;
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect,
  });
}

/** Retry-After: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
