// Bench role (a forked child): a scrape target serving BENCH_SERIES series in
// the text format, gzipped when asked (as client_golang does), with values
// that change on every scrape.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { makeExposition } from './prom-exposition.js';

const series = Number(process.argv[2] ?? 100_000);
const gen = makeExposition(series);
const server = createServer((req, res) => {
  const body = gen.render();
  const gzip = String(req.headers['accept-encoding'] ?? '').includes('gzip');
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(gzip ? gzipSync(body) : body); // client_golang's promhttp gzips at the default level
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as { port: number }).port, series: gen.series });
});
