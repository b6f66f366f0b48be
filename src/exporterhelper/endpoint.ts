// Credentials written into an exporter's URL (`http://user:pass@host:4318`).
// Go's HTTP client, which the collector's exporters use, sends them as Basic
// auth when the request has no Authorization header of its own; Node's clients
// drop them (the request then got a 401 and the data was dropped as permanent).
// And they must not be printed: every message that names the endpoint uses the
// redacted form (Go's url.Redacted: the password becomes "xxxxx"), and the
// logger scrubs any URL with userinfo from every line (src/telemetry/logger.ts).
import { redactUrl } from '../telemetry/redact.js';

export { redactUrl };

export interface Endpoint {
  /** The URL without userinfo: what requests go to. */
  url: URL;
  /** The URL as it may be printed. */
  redacted: string;
  /** `Basic …` from the userinfo, if the URL had any. */
  authorization?: string;
}

export function endpointOf(raw: string): Endpoint {
  const url = new URL(raw);
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, redacted: redactUrl(raw), authorization };
}

/** Sets `authorization` from the endpoint unless the configured headers already have one (any case). */
export function withEndpointAuth(headers: Record<string, string>, ep: Endpoint): Record<string, string> {
  if (!ep.authorization) return headers;
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) return headers;
  return { ...headers, authorization: ep.authorization };
}
