// A receiver's `auth`, checked before anything of the request body is read or
// decoded (the collector's confighttp/configgrpc auth interceptors): over HTTP
// from the request headers (and `request_params` from the query string), over
// gRPC from the call metadata in a server interceptor that holds the call's
// first read until the authenticator answered. A refusal is 401 /
// UNAUTHENTICATED with the authenticator's reason.

import type { IncomingMessage } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { type AuthData, AuthenticationError, type ServerAuthenticator } from '../component/auth.js';
import { errorMessage } from '../component/errors.js';

export type AuthOutcome = { ok: true; auth: AuthData | undefined } | { ok: false; message: string };

async function decide(auth: ServerAuthenticator, headers: Record<string, string[]>): Promise<AuthOutcome> {
  try {
    return { ok: true, auth: await auth.authenticate(headers) };
  } catch (err) {
    // Anything the authenticator throws refuses the request: never let it in by accident.
    return { ok: false, message: err instanceof AuthenticationError ? err.message : errorMessage(err) };
  }
}

/** Authenticates an HTTP request from its headers (and the query parameters named in `requestParams`). */
export function authenticateHttp(
  auth: ServerAuthenticator,
  req: IncomingMessage,
  requestParams: readonly string[] = [],
): Promise<AuthOutcome> {
  let headers = req.headersDistinct as Record<string, string[]>;
  if (requestParams.length > 0) {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    headers = { ...headers };
    for (const p of requestParams) {
      const values = query.getAll(p);
      if (values.length > 0) headers[p] = values;
    }
  }
  return decide(auth, headers);
}

/** gRPC metadata as the header map authenticators take (text values; binary `-bin` entries left out). */
export function metadataHeaders(md: grpc.Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(md.getMap())) {
    const values = md.get(key).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) out[key] = values;
  }
  return out;
}

const authOfCall = new WeakMap<grpc.Metadata, AuthData>();

/** What the interceptor's authenticator said about the call whose metadata this is. */
export function grpcAuthData(md: grpc.Metadata): AuthData | undefined {
  return authOfCall.get(md);
}

/**
 * A grpc-js server interceptor that authenticates every call from its
 * metadata. The call's handler asks for the message only once the metadata is
 * handed on, so a refused call is answered UNAUTHENTICATED with its message
 * never read.
 */
export function grpcAuthInterceptor(auth: ServerAuthenticator): grpc.ServerInterceptor {
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md, mdNext) => {
            decide(auth, metadataHeaders(md)).then((out) => {
              if (!out.ok) {
                call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: out.message });
                return;
              }
              if (out.auth) authOfCall.set(md, out.auth);
              mdNext(md);
            });
          },
        }),
    });
}
