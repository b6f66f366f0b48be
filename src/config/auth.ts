// The `auth: { authenticator: <extension id> }` block of the collector's
// confighttp/configgrpc ServerConfig (receivers) and ClientConfig (exporters),
// and finding the authenticator it names once the extensions are started.
// validate.ts checks every use against the configured extensions
// (authenticatorUses below finds them), so a failure here at start is a bug
// or a host without that extension (a test).
import { z } from 'zod';
import {
  type ClientAuthenticator,
  isClientAuthenticator,
  isServerAuthenticator,
  type ServerAuthenticator,
} from '../component/auth.js';
import type { Host } from '../component/component.js';
import { absentWhenNull } from './null-values.js';

/** `auth:` with no value means no authenticator (a nil pointer in the collector). */
export const authSchema = absentWhenNull(
  z
    .strictObject({
      /** The ID of an authenticator extension listed in service.extensions. */
      authenticator: z.string().min(1, 'expected the ID of an authenticator extension'),
    })
    .optional(),
);
export type AuthConfig = z.output<typeof authSchema>;

/** An HTTP server's `auth` (confighttp): also `request_params`, query parameters handed to the authenticator like headers. */
export const httpServerAuthSchema = absentWhenNull(
  z
    .strictObject({
      authenticator: z.string().min(1, 'expected the ID of an authenticator extension'),
      request_params: z.array(z.string()).default([]),
    })
    .optional(),
);
export type HttpServerAuthConfig = z.output<typeof httpServerAuthSchema>;

/** The server authenticator `auth` names, or undefined without `auth`. */
export function serverAuthenticator(host: Host, auth: AuthConfig): ServerAuthenticator | undefined {
  if (!auth) return undefined;
  const ext = host.getExtension(auth.authenticator);
  if (!isServerAuthenticator(ext))
    throw new Error(
      ext
        ? `extension "${auth.authenticator}" is not a server authenticator`
        : `authenticator extension "${auth.authenticator}" is not running (list it in service::extensions)`,
    );
  return ext;
}

/** The client authenticator `auth` names, or undefined without `auth`. */
export function clientAuthenticator(host: Host, auth: AuthConfig): ClientAuthenticator | undefined {
  if (!auth) return undefined;
  const ext = host.getExtension(auth.authenticator);
  if (!isClientAuthenticator(ext))
    throw new Error(
      ext
        ? `extension "${auth.authenticator}" is not a client authenticator`
        : `authenticator extension "${auth.authenticator}" is not running (list it in service::extensions)`,
    );
  return ext;
}

export interface AuthenticatorUse {
  /** Path of the `authenticator` key below the component, e.g. ['protocols', 'http', 'auth', 'authenticator']. */
  path: (string | number)[];
  authenticator: string;
}

/**
 * Every `auth: { authenticator }` block in a parsed component config, at any
 * depth (otlp's protocols.grpc/http, load_balancing's protocol.otlp, ...).
 */
export function authenticatorUses(config: unknown): AuthenticatorUse[] {
  const out: AuthenticatorUse[] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number) => {
    if (depth > 20 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, [...path, i], depth + 1);
      });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'auth' && isAuthBlock(x))
        out.push({ path: [...path, k, 'authenticator'], authenticator: x.authenticator });
      else walk(x, [...path, k], depth + 1);
    }
  };
  walk(config, [], 0);
  return out;
}

function isAuthBlock(v: unknown): v is { authenticator: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return (
    typeof (v as { authenticator: unknown }).authenticator === 'string' &&
    keys.every((k) => k === 'authenticator' || k === 'request_params')
  );
}
