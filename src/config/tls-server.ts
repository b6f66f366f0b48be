// The collector's server-side `tls` block (configtls.ServerConfig) for every
// receiver, and loading it into what Node's TLS stack (and grpc-js, through
// src/receiverhelper/grpc-server.ts) takes. Only `client_ca_file` makes clients
// present a certificate (mTLS): as in the collector, a server's `ca_file` /
// `ca_pem` are accepted without effect on client checks. TLS 1.0 and 1.1 are
// refused by the config (the collector refuses them too), and a max_version
// below min_version is an error.
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import { z } from 'zod';
import { absentWhenNull } from './null-values.js';

const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
const OLD_TLS = new Set(['1.0', '1.1']);

export const OLD_TLS_MESSAGE =
  'TLS 1.0 and 1.1 are not supported (deprecated by RFC 8996, and refused by Node’s OpenSSL): use "1.2" or "1.3"';

/** The `tls` object itself (for `absentWhenNull(tlsServerObject.optional())`). */
export const tlsServerObject = z
  .strictObject({
    cert_file: z.string().optional(),
    cert_pem: z.string().optional(),
    key_file: z.string().optional(),
    key_pem: z.string().optional(),
    /** Accepted (configtls.Config), without effect on a server: only client_ca_file turns on client certificates. */
    ca_file: z.string().optional(),
    ca_pem: z.string().optional(),
    /** CA for verifying client certificates: when set, clients must present one (mTLS). */
    client_ca_file: z.string().optional(),
    min_version: z.enum(TLS_VERSIONS).default('1.2'),
    max_version: z.enum(TLS_VERSIONS).optional(),
  })
  .superRefine((t, ctx) => {
    if (!(t.cert_file || t.cert_pem) || !(t.key_file || t.key_pem))
      ctx.addIssue({
        code: 'custom',
        message: 'a TLS server needs both a certificate (cert_file/cert_pem) and a key (key_file/key_pem)',
      });
    for (const key of ['min_version', 'max_version'] as const)
      if (t[key] !== undefined && OLD_TLS.has(t[key]))
        ctx.addIssue({ code: 'custom', path: [key], message: OLD_TLS_MESSAGE });
    if (t.max_version !== undefined && t.max_version < t.min_version)
      ctx.addIssue({
        code: 'custom',
        path: ['max_version'],
        message: 'invalid TLS configuration: min_version cannot be greater than max_version',
      });
  });

/** A server's `tls:` with no value means no TLS (configoptional.None in the collector). */
export const tlsServerSchema = absentWhenNull(tlsServerObject);
export type TlsServerConfig = z.output<typeof tlsServerObject>;

/** Options for tls.createServer / https.createServer (spread them in). */
export interface ServerTlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** CA bundle for client certificates, from `client_ca_file` only; when set, clients must present a valid certificate. */
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
  const ca = await load(undefined, cfg.client_ca_file, 'client_ca_file');
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
