// Benchmark sink that does not decode: an OTLP/HTTP endpoint answering 200 to
// every request after reading its body, so the sink costs (almost) nothing
// and all CPU measured is Tsunagi's. Items are counted from Tsunagi's own
// otelcol_exporter_sent_* metric instead. Runs as its own process.
import { createServer } from 'node:http';

let requests = 0;
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  process.send?.({ type: 'ready', port: (server.address() as { port: number }).port }),
);
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', requests });
  if (m.type === 'exit') process.exit(0);
});
