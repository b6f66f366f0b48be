// Benchmark sink: an OTLP/HTTP server that decodes every request and counts spans.
// Runs as its own process (forked by bench/otlp.ts).
import { createServer } from 'node:http';
import { decodeTraces } from '../src/codec/otlp-proto.js';
import { countSpans } from '../src/pdata/count.js';

let spans = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    spans += countSpans(decodeTraces(Buffer.concat(chunks)));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as { port: number }).port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', spans });
  if (m.type === 'exit') process.exit(0);
});
