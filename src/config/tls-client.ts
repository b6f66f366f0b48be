// The collector's client-side `tls` block (configtls.ClientConfig) for
// exporters, and loading it into what Node's TLS stack takes.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const tlsClientSchema = z
  .strictObject({
    /** gRPC: plaintext when true. HTTP: the URL scheme decides; kept for config compatibility. */
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
    include_system_ca_certs_pool: z.boolean().default(false),
  })
  .refine((t) => !(t.ca_file && t.ca_pem), { message: 'set only one of tls.ca_file and tls.ca_pem' })
  .refine((t) => !(t.cert_file && t.cert_pem), { message: 'set only one of tls.cert_file and tls.cert_pem' })
  .refine((t) => !(t.key_file && t.key_pem), { message: 'set only one of tls.key_file and tls.key_pem' })
  .refine((t) => !!(t.cert_file || t.cert_pem) === !!(t.key_file || t.key_pem), {
    message: 'tls: a client certificate needs both cert and key',
  })
  .prefault({});

export type TlsClientConfig = z.output<typeof tlsClientSchema>;

export interface LoadedTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

const VERSIONS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;

/** Reads the files the config names (at start, so a missing file fails the exporter's start). */
export async function loadTlsClient(t: TlsClientConfig): Promise<LoadedTls> {
  const read = async (file?: string, pem?: string) =>
    file ? await readFile(file) : pem ? Buffer.from(pem) : undefined;
  let ca = await read(t.ca_file, t.ca_pem);
  if (ca && t.include_system_ca_certs_pool) {
    const { rootCertificates } = await import('node:tls');
    ca = Buffer.concat([ca, Buffer.from(`\n${rootCertificates.join('\n')}\n`)]);
  }
  return {
    ca,
    cert: await read(t.cert_file, t.cert_pem),
    key: await read(t.key_file, t.key_pem),
    rejectUnauthorized: !t.insecure_skip_verify,
    servername: t.server_name_override,
    minVersion: t.min_version ? VERSIONS[t.min_version] : undefined,
    maxVersion: t.max_version ? VERSIONS[t.max_version] : undefined,
  };
}
