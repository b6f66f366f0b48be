// Authenticator extensions (the collector's extensionauth.Server / Client):
// a receiver's `auth: { authenticator: <id> }` asks a server authenticator
// whether a request may come in (before its body is read); an exporter's asks
// a client authenticator for the headers of each outgoing request.
import type { AuthData } from './auth-types.js';
import type { Extension } from './component.js';
import type { RequestContext } from './consumer.js';

export type { AuthData, AuthenticatorRole } from './auth-types.js';

/** Thrown (rejected) by ServerAuthenticator.authenticate: the request is refused (401 / UNAUTHENTICATED). */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface ServerAuthenticator {
  /**
   * Decides on a request from its headers (HTTP headers or gRPC metadata,
   * lower-case names). Resolves with the attributes to carry in the request
   * context (`RequestContext.auth`), or rejects with AuthenticationError.
   */
  authenticate(headers: Readonly<Record<string, readonly string[]>>): Promise<AuthData | undefined>;
}

export interface ClientAuthenticator {
  /**
   * Adjusts the headers of one outgoing request (names lower-case; a header is
   * removed by deleting its key). `ctx` is the request context the data travels
   * with (client metadata, auth attributes), when there is one.
   */
  applyHeaders(headers: Record<string, string>, ctx: RequestContext | undefined): void;
}

export function isServerAuthenticator(e: Extension | undefined): e is Extension & ServerAuthenticator {
  return typeof (e as Partial<ServerAuthenticator> | undefined)?.authenticate === 'function';
}

export function isClientAuthenticator(e: Extension | undefined): e is Extension & ClientAuthenticator {
  return typeof (e as Partial<ClientAuthenticator> | undefined)?.applyHeaders === 'function';
}

/** A copy of `headers` with lower-case names, so authenticators see one spelling of each. */
export function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
