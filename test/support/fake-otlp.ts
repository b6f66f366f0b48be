// Fake OTLP backends for exporter tests: HTTP and gRPC servers on 127.0.0.1
// that decode requests with protobufjs from the upstream .proto files (a
// decoder independent of src/codec) and answer from a per-request script.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import {
  createServer as createHttp2Server,
  createSecureServer as createSecureHttp2Server,
  type Http2Server,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';
import { CONFORMANCE_DIR } from './conformance-dir.js';
import { GOOGLE_RPC_DESCRIPTOR } from './rpc-status.js';

const PROTO_DIR = `${CONFORMANCE_DIR}proto`;
type Sig = 'traces' | 'metrics' | 'logs';

const SERVICES: Record<Sig, { file: string; pkg: string; service: string; req: string; res: string }> = {
  traces: {
    file: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    pkg: 'opentelemetry.proto.collector.trace.v1',
    service: 'TraceService',
    req: 'ExportTraceServiceRequest',
    res: 'ExportTraceServiceResponse',
  },
  metrics: {
    file: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    pkg: 'opentelemetry.proto.collector.metrics.v1',
    service: 'MetricsService',
    req: 'ExportMetricsServiceRequest',
    res: 'ExportMetricsServiceResponse',
  },
  logs: {
    file: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    pkg: 'opentelemetry.proto.collector.logs.v1',
    service: 'LogsService',
    req: 'ExportLogsServiceRequest',
    res: 'ExportLogsServiceResponse',
  },
};

let rootPromise: Promise<protobuf.Root> | undefined;
/** The upstream OTLP protos, plus google.rpc.Status / RetryInfo defined inline. */
export function otlpRoot(): Promise<protobuf.Root> {
  rootPromise ??= (async () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
    await root.load(
      Object.values(SERVICES).map((s) => s.file),
      { keepCase: false },
    );
    root.addJSON(GOOGLE_RPC_DESCRIPTOR);

    root.resolveAll();
    return root;
  })();
  return rootPromise;
}

/** google.rpc.Status bytes, optionally carrying a RetryInfo delay. */
export async function encodeStatus(code: number, message: string, retryDelayMs?: number): Promise<Buffer> {
  const root = await otlpRoot();
  const details: { type_url: string; value: Uint8Array }[] = [];
  if (retryDelayMs !== undefined) {
    const ri = root.lookupType('google.rpc.RetryInfo');
    const value = ri
      .encode(
        ri.fromObject({
          retry_delay: {
            seconds: Math.floor(retryDelayMs / 1000),
            nanos: (retryDelayMs % 1000) * 1e6,
          },
        }),
      )
      .finish();
    details.push({ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value });
  }
  const st = root.lookupType('google.rpc.Status');
  return Buffer.from(st.encode(st.fromObject({ code, message, details })).finish());
}

/** ExportXServiceResponse bytes with a partial_success. */
export async function encodePartialSuccess(signal: Sig, rejected: number, errorMessage: string) {
  const root = await otlpRoot();
  const t = root.lookupType(`${SERVICES[signal].pkg}.${SERVICES[signal].res}`);
  const field = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' }[
    signal
  ];
  return Buffer.from(
    t.encode(t.fromObject({ partialSuccess: { [field]: rejected, errorMessage } })).finish(),
  );
}

export interface ReceivedRequest {
  signal: Sig;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The request as protobufjs decoded it (plain object, longs as strings, bytes as hex for IDs via toObject). */
  body: Record<string, any>;
  /** The request's protobuf/JSON bytes (after gunzip). */
  raw: Buffer;
  at: number;
}

/** Names of the spans / log bodies / metric names in a decoded request, in order. */
export function itemNames(r: ReceivedRequest): string[] {
  const b = r.body;
  if (r.signal === 'traces')
    return (b.resourceSpans ?? []).flatMap((rs: any) =>
      (rs.scopeSpans ?? []).flatMap((ss: any) => (ss.spans ?? []).map((s: any) => s.name)),
    );
  if (r.signal === 'logs')
    return (b.resourceLogs ?? []).flatMap((rl: any) =>
      (rl.scopeLogs ?? []).flatMap((sl: any) =>
        (sl.logRecords ?? []).map((l: any) => l.body?.stringValue ?? ''),
      ),
    );
  return (b.resourceMetrics ?? []).flatMap((rm: any) =>
    (rm.scopeMetrics ?? []).flatMap((sm: any) => (sm.metrics ?? []).map((m: any) => m.name)),
  );
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: String, defaults: false };

/** An OTLP/HTTP backend. `script[i]` answers the i-th request (the last one repeats; default 200). */
export interface FakeServerOptions {
  /**
   * Serve TLS with this certificate and key (PEM). With `requestCert` and
   * `rejectUnauthorized`, clients must present a certificate signed by `ca` (mTLS).
   */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requestCert?: boolean; rejectUnauthorized?: boolean };
}

export class FakeOtlpHttpServer {
  readonly requests: ReceivedRequest[] = [];
  constructor(private readonly opts: FakeServerOptions = {}) {}
  script: ((req: ReceivedRequest) => HttpReply | Promise<HttpReply>)[] = [];
  private server: Server | undefined;
  private calls = 0;

  async listen(): Promise<string> {
    const root = await otlpRoot();
    const handler: Parameters<typeof createServer>[1] = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          let raw: Buffer = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          // the collector's confighttp reads `snappy` as one snappy block
          else if (req.headers['content-encoding'] === 'snappy')
            raw = uncompressSync(raw, { asBuffer: true }) as Buffer;
          const signal = (req.url ?? '').match(/(traces|metrics|logs)$/)?.[1] as Sig;
          const t = root.lookupType(`${SERVICES[signal].pkg}.${SERVICES[signal].req}`);
          const body = String(req.headers['content-type']).includes('json')
            ? JSON.parse(raw.toString('utf8'))
            : t.toObject(t.decode(raw), TO_OBJECT);
          const r: ReceivedRequest = {
            signal,
            path: req.url ?? '',
            headers: copy(req.headers),
            body,
            raw,
            at: Date.now(),
          };
          this.requests.push(r);
          const step = this.script[Math.min(this.calls++, this.script.length - 1)];
          const reply = step ? await step(r) : { status: 200 };
          res.writeHead(reply.status, reply.headers ?? { 'content-type': 'application/x-protobuf' });
          res.end(reply.body ?? '');
        } catch (e) {
          res.writeHead(500);
          res.end(String(e));
        }
      });
    };
    this.server = this.opts.tls ? createHttpsServer(this.opts.tls, handler) : createServer(handler);
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const scheme = this.opts.tls ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}

export interface GrpcReply {
  /** A gRPC status code (0 = OK). */
  code: number;
  details?: string;
  /** grpc-status-details-bin (google.rpc.Status bytes). */
  statusDetails?: Buffer;
  /** OK with this response body (e.g. a partial_success). */
  response?: Buffer;
}

/**
 * An OTLP/gRPC backend on plain node:http2, so the test sees the wire as sent:
 * the grpc-encoding header and each message's compressed flag (gunzipped here).
 */
export class FakeOtlpGrpcServer {
  readonly requests: ReceivedRequest[] = [];
  constructor(private readonly opts: FakeServerOptions = {}) {}
  script: ((req: ReceivedRequest) => GrpcReply | Promise<GrpcReply>)[] = [];
  private server: Http2Server | ReturnType<typeof createSecureHttp2Server> | undefined;
  private calls = 0;

  async listen(): Promise<string> {
    const root = await otlpRoot();
    const byPath = new Map<string, { signal: Sig; type: protobuf.Type }>();
    for (const signal of Object.keys(SERVICES) as Sig[]) {
      const s = SERVICES[signal];
      byPath.set(`/${s.pkg}.${s.service}/Export`, { signal, type: root.lookupType(`${s.pkg}.${s.req}`) });
    }
    const server = this.opts.tls ? createSecureHttp2Server(this.opts.tls) : createHttp2Server();
    this.server = server;
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const path = String(headers[':path']);
        const svc = byPath.get(path);
        if (!svc) return trailersOnly(stream, 12, `unknown method ${path}`);
        const raw = Buffer.concat(chunks);
        const compressed = raw[0] === 1;
        let msg = raw.subarray(5, 5 + raw.readUInt32BE(1));
        if (compressed) msg = gunzipSync(msg);
        const r: ReceivedRequest = {
          signal: svc.signal,
          path,
          headers: { ...headers, 'x-message-compressed': String(compressed) },
          body: svc.type.toObject(svc.type.decode(msg), TO_OBJECT),
          raw: Buffer.from(msg),
          at: Date.now(),
        };
        this.requests.push(r);
        const step = this.script[Math.min(this.calls++, this.script.length - 1)];
        const reply = step ? await step(r) : { code: 0 };
        if (reply.code !== 0)
          return trailersOnly(stream, reply.code, reply.details ?? 'scripted failure', reply.statusDetails);
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity,gzip' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        const body = reply.response ?? Buffer.alloc(0);
        const frame = Buffer.alloc(5 + body.length);
        frame.writeUInt32BE(body.length, 1);
        body.copy(frame, 5);
        stream.end(frame);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const s = this.server;
    await new Promise((r) => s.close(r));
  }
}

function trailersOnly(stream: ServerHttp2Stream, code: number, message: string, details?: Buffer): void {
  const h: Record<string, string | number> = {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': String(code),
    'grpc-message': encodeURIComponent(message),
  };
  if (details) h['grpc-status-details-bin'] = details.toString('base64').replace(/=+$/, '');
  stream.respond(h, { endStream: true });
}

function copy(h: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  return { ...h };
}
