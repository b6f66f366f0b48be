// One unary gRPC call on the lean HTTP/2 client (h2/): HEADERS (a block encoded once
// per signal) and the framed message out; the answer's headers, message and trailers in,
// read by the same UnaryAnswer as the node:http2 path, so every answer fails or succeeds
// as it does there. A failing connection (socket error or close, GOAWAY before the call
// was processed, a protocol error of the peer) fails the call UNAVAILABLE: retryable.
import * as grpc from '@grpc/grpc-js';
import type { HeaderGet } from './grpc-answer.js';
import { resetError, serviceError, UnaryAnswer } from './grpc-answer.js';
import { toConsumerError } from './grpc-sender.js';
import type { H2Client } from './h2/client.js';
import { CANCEL, NO_ERROR } from './h2/frames.js';

/** The first value of `name` in [name, value, …]. */
function lookup(fields: string[]): HeaderGet {
  return (name) => {
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
    return undefined;
  };
}

/**
 * Resolves with the answer's message, rejects with the ConsumerError of a failed call.
 * `onWritten` runs once the whole body was written to the socket.
 */
export function leanUnaryCall(
  client: H2Client,
  block: Buffer,
  body: Uint8Array,
  abort: AbortSignal,
  onWritten?: () => void,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const answer = new UnaryAnswer();
    let settled = false;
    let gotHeaders = false;
    const done = () => {
      settled = true;
      abort.removeEventListener('abort', onAbort);
    };
    const fail = (e: grpc.ServiceError) => {
      if (settled) return;
      done();
      if (call) call.conn.cancel(call.stream);
      reject(toConsumerError(e));
    };
    const finish = (failed: grpc.ServiceError | undefined) => {
      if (settled) return;
      if (failed) return fail(failed);
      done();
      const msg = answer.message();
      if (msg instanceof Promise) msg.then(resolve, (e) => reject(toConsumerError(e)));
      else resolve(msg);
    };
    const onAbort = () => fail(serviceError(grpc.status.CANCELLED, 'Cancelled on client'));
    abort.addEventListener('abort', onAbort, { once: true });
    let call: ReturnType<H2Client['request']> | undefined;
    call = client.request(
      block,
      body,
      {
        onHeaders(fields, endStream) {
          const get = lookup(fields);
          if (gotHeaders) return answer.trailers(get);
          // informational (1xx) headers come before the answer's own
          if (!endStream && get(':status')?.startsWith('1')) return;
          gotHeaders = true;
          answer.headers(get);
        },
        onData(data) {
          const tooLarge = answer.data(data);
          if (tooLarge) fail(tooLarge);
        },
        onEnd: () => finish(answer.closed(NO_ERROR)),
        onReset: (code) =>
          finish(code === NO_ERROR || code === CANCEL ? answer.closed(code) : resetError(code)),
        onFail: (message) => fail(serviceError(grpc.status.UNAVAILABLE, message)),
      },
      onWritten,
    );
  });
}
