// Closing after an early answer (413 before the body is read) without losing
// the answer. Node's server destroys the socket as soon as a `Connection:
// close` answer is written; with body bytes still arriving (or unread in the
// kernel) that is a TCP reset, and a client that sends its whole body before
// reading (most do) gets EPIPE / ECONNRESET and never sees its 413. As Go's
// net/http does, close only our side (FIN after the answer) and keep reading
// and discarding what the client still sends, for a bounded time and number
// of bytes; the client then reads the answer when it is done writing.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long, and how many more bytes, a connection is drained after its early answer. */
export const LINGER_MS = 5000;
export const LINGER_BYTES = 16 * 1024 * 1024;

/** Call before answering early: the connection closes gracefully once the answer is out. */
export function lingerAfterEarlyAnswer(req: IncomingMessage): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if ((socket as { __tsunagiLinger?: boolean }).__tsunagiLinger) return;
  (socket as { __tsunagiLinger?: boolean }).__tsunagiLinger = true;
  let drained = 0;
  let lingering = false;
  const cutOff = () => {
    if (!socket.destroyed) socket.destroy();
  };
  // Node calls destroySoon() on the socket when a `Connection: close` response has finished.
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    lingering = true;
    socket.end(); // FIN once the answer is flushed; reading goes on
    if (drained > LINGER_BYTES) return cutOff();
    const timer = setTimeout(cutOff, LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  // Keep the body flowing into the bit bucket (a paused request would stall the client's writes),
  // counting it: past the bound the connection is cut.
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (lingering && drained > LINGER_BYTES) cutOff();
  });
  req.resume();
}
