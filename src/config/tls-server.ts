// The collector's server-side `tls` block (configtls.ServerConfig) for
// receivers, and loading it into what Node's TLS stack takes. With a client CA
// (client_ca_file, or ca_file/ca_pem as a synonym) clients must present a
// certificate it signed (mTLS).
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import { z } from 'zod';
import { absentWhenNull } from './null-values.js';

const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;

/** A server's `tls:` with no value means no TLS (configoptional.None in the collector). */
export const tlsServerSchema = absentWhenNull(
  z
    .strictObject({
      cert_file: z.string().optional(),
      cert_pem: z.string().optional(),
      key_file: z.string().optional(),
      key_pem: z.string().optional(),
      ca_file: z.string().optional(),
      ca_pem: z.string().optional(),
      client_ca_file: z.string().optional(),
      min_version: z.enum(TLS_VERSIONS).default('1.2'),
      max_version: z.enum(TLS_VERSIONS).optional(),
    })
    .refine((t) => !!(t.cert_file || t.cert_pem) && !!(t.key_file || t.key_pem), {
      message: 'a TLS server needs both a certificate (cert_file/cert_pem) and a key (key_file/key_pem)',
    }),
);
export type TlsServerConfig = z.output<typeof tlsServerSchema>;

export interface ServerTlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** CA bundle for client certificates; when set, clients must present a valid certificate. */
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
}

async function load(pem: string | undefined, file: string | undefined, key: string) {
  if (pem) return Buffer.from(pem);
  if (!file) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`failed to load TLS ${key} "${file}": ${(err as Error).message}`);
  }
}

const version = (v: string) => `TLSv${v}` as SecureVersion;

/** Reads the files the config names (at start, so a missing file fails the receiver's start). */
export async function loadServerTls(cfg: TlsServerConfig): Promise<ServerTlsMaterial> {
  const cert = await load(cfg.cert_pem, cfg.cert_file, 'cert_file');
  const key = await load(cfg.key_pem, cfg.key_file, 'key_file');
  if (!cert || !key) throw new Error('a TLS server needs both cert_file and key_file');
  const ca =
    (await load(undefined, cfg.client_ca_file, 'client_ca_file')) ??
    (await load(cfg.ca_pem, cfg.ca_file, 'ca_file'));
  return {
    cert,
    key,
    ca,
    requestCert: ca !== undefined,
    rejectUnauthorized: ca !== undefined,
    minVersion: version(cfg.min_version),
    maxVersion: cfg.max_version ? version(cfg.max_version) : undefined,
  };
}
