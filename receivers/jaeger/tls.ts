// Server TLS material from the collector's `tls` keys (configtls ServerConfig).
import { readFile } from 'node:fs/promises';
import type { SecureVersion } from 'node:tls';
import type { ServerTlsConfig } from './config.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  minVersion: SecureVersion;
  maxVersion?: SecureVersion;
}

export async function loadServerTls(cfg: ServerTlsConfig): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readFile(cfg.cert_file),
    readFile(cfg.key_file),
    cfg.client_ca_file ? readFile(cfg.client_ca_file) : Promise.resolve(undefined),
  ]);
  const minVersion = `TLSv${cfg.min_version}` as SecureVersion;
  const maxVersion = cfg.max_version ? (`TLSv${cfg.max_version}` as SecureVersion) : undefined;
  return { cert, key, ca, minVersion, maxVersion };
}
