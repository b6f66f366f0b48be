// Loads the `tls` block's certificate files once, at start, with errors that
// name the file and the key it came from.
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import type { TlsConfig } from './config.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /**
   * CA bundle for client certificates, from `client_ca_file` only (as in the collector's
   * configtls: `ca_file` does not turn on client-certificate checks on a server); when set,
   * clients must present a valid certificate (mTLS).
   */
  clientCa?: Buffer;
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
}

async function load(
  pem: string | undefined,
  file: string | undefined,
  key: string,
): Promise<Buffer | undefined> {
  if (pem) return Buffer.from(pem);
  if (!file) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`failed to load TLS ${key} "${file}": ${(err as Error).message}`);
  }
}

const version = (v: string) => `TLSv${v}` as SecureVersion;

export async function loadTls(cfg: TlsConfig): Promise<TlsMaterial> {
  const cert = await load(cfg.cert_pem, cfg.cert_file, 'cert_file');
  const key = await load(cfg.key_pem, cfg.key_file, 'key_file');
  if (!cert || !key) throw new Error('a TLS server needs both cert_file and key_file');
  const clientCa = await load(undefined, cfg.client_ca_file, 'client_ca_file');
  return {
    cert,
    key,
    clientCa,
    minVersion: version(cfg.min_version),
    maxVersion: cfg.max_version ? version(cfg.max_version) : undefined,
  };
}
