// Benchmark load generator: syslog over TCP with octet counting, as fast as
// the receiver reads (writes wait for 'drain', so TCP flow control paces it).
// With a rate (lines/s, all connections together) it paces the writes instead.
// Usage (forked): syslog-load.js <port> <seconds> <connections> [rate]
import { once } from 'node:events';
import net from 'node:net';
import { octetFrames } from './lib/syslog-lines.js';

const [portArg, secondsArg, connArg, rateArg] = process.argv.slice(2);
const port = Number(portArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const LINES_PER_BUFFER = 1000;
const buffers = Array.from({ length: 8 }, (_, k) => octetFrames(LINES_PER_BUFFER, k * LINES_PER_BUFFER));
let sent = 0;
const start = Date.now();
/** Buffers per ms per connection when paced (0: as fast as the receiver reads). */
const perMs = Number(rateArg ?? 0) / Number(connArg) / LINES_PER_BUFFER / 1000;

async function connection(c: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  for (let i = c, k = 0; Date.now() < deadline; i++, k++) {
    if (perMs > 0) {
      const wait = start + k / perMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    sent += LINES_PER_BUFFER;
    if (!sock.write(buffers[i % buffers.length])) await once(sock, 'drain');
  }
  sock.end();
  await once(sock, 'close');
}

await Promise.all(Array.from({ length: Number(connArg) }, (_, c) => connection(c)));
process.send?.({ type: 'done', sent });
