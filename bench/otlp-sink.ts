// Benchmark sink: an OTLP/HTTP server that validates every request and counts its
// spans (/v1/traces) or log records (/v1/logs), and the same over OTLP/gRPC (its port
// in the ready message as grpcPort). It uses the lazy decoder (full validation, no
// objects) so that the sink is never slower than what it measures.
// Runs as its own process (forked by bench/otlp.ts and bench/agent.ts).
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { uncompressSync } from 'snappy';
import { decodeLogsLazy, decodeTracesLazy } from '../src/codec/otlp-proto.js';
import { countLogRecords, countSpans } from '../src/pdata/count.js';

let spans = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const wire = Buffer.concat(chunks);
    const ce = req.headers['content-encoding'];
    const body =
      ce === 'gzip'
        ? gunzipSync(wire)
        : ce === 'snappy'
          ? (uncompressSync(wire, { asBuffer: true }) as Buffer)
          : wire;
    // Spans and log records share one counter: a bench sends one signal.
    spans +=
      req.url === '/v1/logs' ? countLogRecords(decodeLogsLazy(body)) : countSpans(decodeTracesLazy(body));
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

const raw = (b: Buffer) => b;
const grpcServer = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
const unary =
  (count: (b: Buffer) => number): grpc.handleUnaryCall<Buffer, Buffer> =>
  (call, cb) => {
    spans += count(call.request);
    cb(null, Buffer.alloc(0)); // an empty Export*ServiceResponse
  };
const method = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: raw,
  responseDeserialize: raw,
});
grpcServer.addService(
  {
    traces: method('/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
    logs: method('/opentelemetry.proto.collector.logs.v1.LogsService/Export'),
  },
  {
    traces: unary((b) => countSpans(decodeTracesLazy(b))),
    logs: unary((b) => countLogRecords(decodeLogsLazy(b))),
  },
);

server.listen(0, '127.0.0.1', () => {
  grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, grpcPort) => {
    if (err) throw err;
    process.send?.({ type: 'ready', port: (server.address() as { port: number }).port, grpcPort });
  });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', spans });
  if (m.type === 'exit') process.exit(0);
});
