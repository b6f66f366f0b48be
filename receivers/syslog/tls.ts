// The tcp block's `tls`: certificate files (or PEM text) loaded once at start,
// with errors that name the key they came from; client_ca_file turns on
// client certificate verification (RequireAndVerifyClientCert).
import { readFile } from 'node:fs/promises';
import type { SecureVersion, TlsOptions } from 'node:tls';
import type { TlsConfig } from './config.js';

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

export async function loadTlsOptions(cfg: TlsConfig): Promise<TlsOptions> {
  const cert = await load(cfg.cert_pem, cfg.cert_file, 'cert_file');
  const key = await load(cfg.key_pem, cfg.key_file, 'key_file');
  if (!cert || !key) throw new Error('a TLS server needs both cert_file and key_file');
  const clientCa =
    (await load(undefined, cfg.client_ca_file, 'client_ca_file')) ??
    (await load(cfg.ca_pem, cfg.ca_file, 'ca_file'));
  return {
    cert,
    key,
    ca: clientCa,
    requestCert: clientCa !== undefined,
    rejectUnauthorized: clientCa !== undefined,
    minVersion: version(cfg.min_version),
    maxVersion: cfg.max_version ? version(cfg.max_version) : undefined,
  };
}
