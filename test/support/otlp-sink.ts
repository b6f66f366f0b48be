// A next-hop OTLP server for end-to-end tests: accepts OTLP/gRPC and OTLP/HTTP
// (protobuf) and decodes with the upstream protos via protobufjs, so what
// Tsunagi forwards is checked by a decoder nobody here wrote.

import { createServer, type Server as HttpServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { decodeUpstream } from './upstream-otlp.js';

type Signal = 'traces' | 'metrics' | 'logs';
const SERVICE: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export class OtlpSink {
  /** Bodies received and not decoded yet (decoded when `requests` is read: a load test's sink stays cheap). */
  private readonly raw: Record<Signal, Buffer[]> = { traces: [], metrics: [], logs: [] };
  private readonly decoded: Record<Signal, any[]> = { traces: [], metrics: [], logs: [] };
  /** Decoded requests (plain objects from protobufjs) per signal, in arrival order. */
  readonly requests: Record<Signal, any[]> = (() => {
    const view = {} as Record<Signal, any[]>;
    for (const s of ['traces', 'metrics', 'logs'] as const)
      Object.defineProperty(view, s, {
        enumerable: true,
        get: () => {
          for (const b of this.raw[s].splice(0)) this.decoded[s].push(decodeUpstream(s, b));
          return this.decoded[s];
        },
      });
    return view;
  })();
  /** HTTP answers while not 200 (e.g. 503: the backend is down), keeping nothing. */
  httpStatus = 200;
  /** HTTP answers wait this long (a slow backend). */
  httpDelayMs = 0;
  /** A backend of fixed throughput: requests are taken one after another at this many body bytes a second (0 = no limit). */
  httpBytesPerSec = 0;
  private busyUntil = 0;
  private readonly delayed = new Map<NodeJS.Timeout, () => void>();
  /** How each request came (same index as `requests`): the transport and its headers / metadata. */
  readonly received: Record<Signal, { transport: 'grpc' | 'http'; headers: Record<string, string> }[]> = {
    traces: [],
    metrics: [],
    logs: [],
  };
  grpcPort = 0;
  httpPort = 0;
  private grpc = new Server();
  private http: HttpServer;

  constructor() {
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      this.grpc.register(
        SERVICE[signal],
        (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
          this.raw[signal].push(call.request);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
          this.received[signal].push({ transport: 'grpc', headers });
          cb(null, Buffer.alloc(0));
        },
        (b: Buffer) => b,
        (b: Buffer) => b,
        'unary',
      );
    }
    this.http = createServer((req, res) => {
      const signal = (['traces', 'metrics', 'logs'] as const).find((s) => req.url === `/v1/${s}`);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!signal) {
          res.writeHead(404).end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const answer = () => {
          if (this.httpStatus !== 200) {
            res.writeHead(this.httpStatus).end();
            return;
          }
          this.raw[signal].push(body);
          this.received[signal].push({ transport: 'http', headers: req.headers as Record<string, string> });
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        };
        let delay = this.httpDelayMs;
        if (this.httpBytesPerSec > 0) {
          // the backend's work is the data, not its compressed size
          const now = Date.now();
          this.busyUntil = Math.max(now, this.busyUntil) + (1000 * body.length) / this.httpBytesPerSec;
          delay = Math.max(delay, this.busyUntil - now);
        }
        if (delay > 0) {
          const t = setTimeout(() => {
            this.delayed.delete(t);
            answer();
          }, delay);
          this.delayed.set(t, answer);
        } else answer();
      });
    });
  }

  /** Lifts httpDelayMs / httpBytesPerSec and answers what is waiting at once (the backend caught up). */
  unthrottle(): void {
    this.httpDelayMs = 0;
    this.httpBytesPerSec = 0;
    this.busyUntil = 0;
    for (const [t, answer] of this.delayed) {
      clearTimeout(t);
      answer();
    }
    this.delayed.clear();
  }

  async start(): Promise<this> {
    this.grpcPort = await new Promise<number>((resolve, reject) =>
      this.grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.httpPort = (this.http.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.grpc.tryShutdown(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
