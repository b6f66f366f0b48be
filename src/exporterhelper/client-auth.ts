// The headers of one outgoing request when the exporter has an `auth`
// authenticator, in the collector's confighttp order: the authenticator's
// round-tripper is the outer one, so it sees the request as the exporter made
// it (content type, tenant, ...) and the configured `headers` are set after it
// (a configured header wins over the authenticator's).
import type { ClientAuthenticator } from '../component/auth.js';
import type { RequestContext } from '../component/consumer.js';
import { ConsumerError, permanentError } from '../component/errors.js';

/** `own` and `configured` have lower-case names; returns a new map. */
export function authHeaders(
  auth: ClientAuthenticator,
  own: Readonly<Record<string, string>>,
  configured: Readonly<Record<string, string>>,
  ctx: RequestContext | undefined,
): Record<string, string> {
  const headers = { ...own };
  try {
    auth.applyHeaders(headers, ctx);
  } catch (err) {
    if (err instanceof ConsumerError) throw err;
    throw permanentError(`client authenticator failed: ${(err as Error).message}`, { cause: err });
  }
  for (const [k, v] of Object.entries(configured)) headers[k] = v;
  return headers;
}
