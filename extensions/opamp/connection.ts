// What both transports need to open a connection: the TLS options (wss /
// https only, as the collector's GetTLSConfig) and the headers, from the
// config and from the client authenticator `auth` names (resolved at each
// connect, so the authenticator may start after this extension).
import type { Host } from '../../src/component/component.js';
import { clientAuthenticator } from '../../src/config/auth.js';
import { type LoadedTls, loadTlsClient, type TlsClientConfig } from '../../src/config/tls-client.js';

export interface Endpoint {
  endpoint: string;
  headers: Record<string, string>;
  tls: TlsClientConfig;
  auth?: string;
}

export async function tlsOptions(ep: Endpoint): Promise<LoadedTls | undefined> {
  const scheme = new URL(ep.endpoint).protocol;
  if (scheme !== 'wss:' && scheme !== 'https:') return undefined;
  return loadTlsClient(ep.tls);
}

export function requestHeaders(ep: Endpoint, host: Host | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.headers)) h[k.toLowerCase()] = v;
  if (ep.auth) {
    const auth = clientAuthenticator(host ?? { getExtension: () => undefined }, { authenticator: ep.auth });
    auth?.applyHeaders(h, undefined);
  }
  return h;
}
