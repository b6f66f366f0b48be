// A remote-write sink for benches, in its own process: it un-snappies each body
// and counts its top-level TimeSeries fields without decoding them (so a bench
// knows when data arrived without asking Tsunagi, whose /metrics would cost it
// CPU), then answers 204 (after `delayMs`). GET /count answers the counts.
import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A remote-write sink that does not decode the series: it un-snappies each body
 * and counts its top-level TimeSeries fields (so the bench knows when a round
 * arrived without asking Tsunagi, whose /metrics would cost it CPU), then
 * answers 204 (after `delayMs`). GET /count answers the counts.
 */
const SINK = `
const http = require('node:http');
const { uncompressSync } = require('snappy');
const delay = Number(process.argv[1] ?? 0);
let bytes = 0, requests = 0, series = 0;
function count(buf) {
  let p = 0, n = 0;
  while (p < buf.length) {
    const tag = buf[p++];
    let len = 0, shift = 0, b;
    do { b = buf[p++]; len += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    if (tag === 0x0a) n++;
    p += len;
  }
  return n;
}
const s = http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(JSON.stringify({ bytes, requests, series }));
  const chunks = [];
  req.on('data', (c) => { chunks.push(c); bytes += c.length; });
  req.on('end', () => {
    requests++;
    series += count(uncompressSync(Buffer.concat(chunks)));
    const answer = () => { res.writeHead(204); res.end(); };
    if (delay > 0) setTimeout(answer, delay); else answer();
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

export interface Sink {
  port: number;
  series(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSink(delayMs: number): Promise<Sink> {
  const sink: ChildProcess = spawn(process.execPath, ['-e', SINK, String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    sink.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  return {
    port,
    series: async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/count`)).json()) as { series: number }).series,
    stop: () =>
      new Promise((resolve) => {
        sink.once('exit', () => resolve());
        sink.kill('SIGTERM');
      }),
  };
}
