// What every gRPC receiver (OTLP, Jaeger, ...) sets on its grpc-js server so
// that a hostile or broken client cannot hold memory it never gives back:
//
// - `max_concurrent_streams` (the collector's configgrpc key): HTTP/2 streams
//   per connection. The collector's default, 0, leaves it unlimited; unlimited,
//   100k half-open streams on one connection held 6.6 KiB each (660 MiB) and
//   other clients were refused meanwhile. Receivers default to 100 (the least
//   RFC 9113 recommends); an explicit 0 still means unlimited.
// - per connection, at most READING_PER_CONNECTION calls read their request
//   message at once; the others wait with their stream paused, so HTTP/2 flow
//   control holds their data in the sender (one 64 KiB window each). The bytes a
//   connection can make this process buffer are then at most
//   READING_PER_CONNECTION × max_recv_msg_size plus a window per waiting stream.
// - a call whose request message is not complete INCOMPLETE_MESSAGE_TIMEOUT_MS
//   after it started (a client that sent headers and part of a message, then
//   stopped) is ended with RESOURCE_EXHAUSTED, and its partial message freed.
// - server TLS with `min_version` / `max_version` enforced (grpc-js's own
//   createSsl takes no versions: a TLS 1.2 client got through min_version 1.3)
//   and client certificates required only with `client_ca_file`.
import { constants, type Http2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { ServerTlsMaterial } from '../config/tls-server.js';

/** Calls per connection reading their request message at once. */
export const READING_PER_CONNECTION = 8;
/** How long a call may take to deliver its whole request message. */
export const INCOMPLETE_MESSAGE_TIMEOUT_MS = 30_000;
/** The receivers' default for `max_concurrent_streams`. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

interface Connection {
  reading: number;
  waiting: (() => void)[];
}

/**
 * The interceptor behind the per-connection read bound and the incomplete-message timeout.
 * `timeoutMs` and `perConnection` are for tests.
 */
export function messageGuard(
  perConnection = READING_PER_CONNECTION,
  timeoutMs = INCOMPLETE_MESSAGE_TIMEOUT_MS,
): grpc.ServerInterceptor {
  const connections = new Map<string, Connection>();
  return (_method, call) => {
    const info = call.getConnectionInfo();
    const key = `${info.remoteAddress}:${info.remotePort}`;
    let conn = connections.get(key);
    if (!conn) {
      conn = { reading: 0, waiting: [] };
      connections.set(key, conn);
    }
    const c = conn;
    let state: 'waiting' | 'reading' | 'done' = 'waiting';
    let timer: NodeJS.Timeout | undefined;
    let begin: (() => void) | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (state === 'reading') {
        c.reading--;
        const next = c.waiting.shift();
        if (next) next();
      } else if (state === 'waiting' && begin) {
        const i = c.waiting.indexOf(begin);
        if (i >= 0) c.waiting.splice(i, 1);
      }
      state = 'done';
      if (c.reading === 0 && c.waiting.length === 0 && connections.get(key) === c) connections.delete(key);
    };
    const intercepted: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      start(next) {
        const listener: grpc.ServerListener = {
          onReceiveMessage(message, nextMessage) {
            finish();
            nextMessage(message);
          },
          onReceiveHalfClose(nextHalfClose) {
            finish();
            nextHalfClose();
          },
          onCancel() {
            finish();
          },
        };
        timer = setTimeout(() => {
          if (state === 'done') return;
          finish();
          intercepted.sendStatus({
            code: grpc.status.RESOURCE_EXHAUSTED,
            details: `request message not received within ${timeoutMs / 1000}s`,
          });
          // The status ends our side only: the stream (and the partial message grpc-js holds
          // for it) lives until the client ends its side, which this client does not do.
          // Reset it, as grpc-go does when it answers before the request is complete.
          setImmediate(() => resetStream(call));
        }, timeoutMs);
        timer.unref();
        begin = () => {
          if (state !== 'waiting') return;
          state = 'reading';
          c.reading++;
          next(listener);
        };
        if (c.reading < perConnection) begin();
        else c.waiting.push(begin);
      },
    });
    return intercepted;
  };
}

/**
 * RST_STREAM(NO_ERROR) on the HTTP/2 stream under a grpc-js call. grpc-js keeps the stream
 * private: its base call (the one the first interceptor gets) holds it as `stream`; the test
 * (test/grpc-half-open.test.ts) fails if a grpc-js upgrade moves it.
 */
function resetStream(call: unknown): void {
  let c = call as { stream?: Http2Stream; nextCall?: unknown } | undefined;
  for (let i = 0; i < 8 && c && c.stream === undefined; i++) c = c.nextCall as typeof c;
  const stream = c?.stream;
  if (stream && !stream.destroyed && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
}

export interface GrpcServerLimits {
  /** max_recv_msg_size_mib, in bytes. */
  maxReceiveMessageBytes: number;
  /** max_concurrent_streams: 0 = unlimited. */
  maxConcurrentStreams: number;
}

/** The grpc-js server options every receiver starts from (see above); add keepalive etc. to them. */
export function guardedServerOptions(l: GrpcServerLimits): grpc.ServerOptions {
  const o: grpc.ServerOptions = {
    'grpc.max_receive_message_length': l.maxReceiveMessageBytes,
    interceptors: [messageGuard()],
  };
  if (l.maxConcurrentStreams > 0) o['grpc.max_concurrent_streams'] = l.maxConcurrentStreams;
  return o;
}

/** grpc-js server credentials that honour the TLS versions (createSsl has no way to set them). */
class VersionedServerCredentials extends grpc.ServerCredentials {
  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export function grpcServerCredentials(t: ServerTlsMaterial): grpc.ServerCredentials {
  return new VersionedServerCredentials(
    { requestCert: t.ca !== undefined, rejectUnauthorized: t.ca !== undefined },
    {
      cert: t.cert,
      key: t.key,
      ca: t.ca,
      minVersion: t.minVersion ?? 'TLSv1.2',
      maxVersion: t.maxVersion,
    },
  );
}
