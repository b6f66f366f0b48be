// Benchmark sink: an OTLP/HTTP server that validates every request and counts its
// spans (/v1/traces) or log records (/v1/logs). It uses the lazy decoder (full
// validation, no objects) so that the sink is never slower than what it measures.
// Runs as its own process (forked by bench/otlp.ts).
import { createServer } from 'node:http';
import { decodeLogsLazy, decodeTracesLazy } from '../src/codec/otlp-proto.js';
import { countLogRecords, countSpans } from '../src/pdata/count.js';

let spans = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    // Spans and log records share one counter: a bench sends one signal.
    spans +=
      req.url === '/v1/logs' ? countLogRecords(decodeLogsLazy(body)) : countSpans(decodeTracesLazy(body));
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
