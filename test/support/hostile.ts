// Requests a hostile or buggy client sends, shared by the regression tests
// (test/hostile-clients.test.ts) and the attack script (bench/attack.ts).
// "Many empty items" decode to 50–150x their wire size; gzipped, 20 MiB of
// them is ~20 KB on the wire.
import { gzipSync } from 'node:zlib';
import { decodeTraces, encodeTraces } from '../../src/codec/otlp-proto.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../../src/pdata/create.js';
import type { TracesData } from '../../src/pdata/types.js';

const MiB = 1024 * 1024;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function len(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);
}

/** `n` bytes of the two-byte field `tag` with an empty value (an empty message, repeated). */
function emptyFields(tag: number, n: number): Buffer {
  const b = Buffer.alloc(n - (n % 2));
  for (let i = 0; i < b.length; i += 2) b[i] = tag;
  return b;
}

/** ExportTraceServiceRequest: one resource with ~`bytes` of empty attributes. */
export function otlpEmptyAttributes(bytes = 20 * MiB): Buffer {
  return len(0x0a, len(0x0a, emptyFields(0x0a, bytes - 16)));
}

/** ExportMetricsServiceRequest: one gauge with ~`bytes` of empty data points. */
export function otlpEmptyGaugePoints(bytes = 20 * MiB): Buffer {
  return len(0x0a, len(0x12, len(0x12, len(0x2a, emptyFields(0x0a, bytes - 32)))));
}

/** ExportTraceServiceRequest: one scope with ~`bytes` of empty spans (decoded lazily: the skim's estimate). */
export function otlpEmptySpans(bytes = 20 * MiB): Buffer {
  return len(0x0a, len(0x12, emptyFields(0x12, bytes - 16)));
}

/** OTLP/JSON traces: one resource with ~`bytes` of `{}` attributes. */
export function otlpJsonEmptyAttributes(bytes = 20 * MiB): Buffer {
  const n = Math.floor((bytes - 64) / 3);
  return Buffer.from(`{"resourceSpans":[{"resource":{"attributes":[${'{},'.repeat(n - 1)}{}]}}]}`);
}

/** A jaeger.Batch (TBinaryProtocol) with one span of ~`bytes` empty tags (an empty struct is one byte). */
export function jaegerEmptyTags(bytes = 20 * MiB): Buffer {
  const n = bytes - 64;
  const i64 = (id: number, v: number) => {
    const b = Buffer.alloc(11);
    b[0] = 10; // I64
    b.writeInt16BE(id, 1);
    b.writeBigInt64BE(BigInt(v), 3);
    return b;
  };
  const spansHeader = Buffer.from([15, 0, 2, 12, 0, 0, 0, 1]); // field 2: list<struct> of 1
  const tagsHeader = Buffer.from([15, 0, 10, 12, 0, 0, 0, 0]); // span field 10: list<struct>
  tagsHeader.writeInt32BE(n, 4);
  return Buffer.concat([
    spansHeader,
    i64(1, 1), // traceIdLow
    i64(2, 0), // traceIdHigh
    i64(3, 1), // spanId
    tagsHeader,
    Buffer.alloc(n, 0), // n empty Tag structs (STOP)
    Buffer.from([0, 0]), // end of span, end of batch
  ]);
}

/** A gzip body inflating to `bytes` of zeros (about 1000:1). */
export function gzipBomb(bytes = 20 * MiB): Buffer {
  return gzipSync(Buffer.alloc(bytes), { level: 9 });
}

export function gzip(b: Buffer): Buffer {
  return gzipSync(b, { level: 1 });
}

/** An ordinary request: `n` spans named `${prefix}-i`, for acknowledged data. */
export function goodTraces(prefix: string, n: number): Buffer {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  for (let i = 0; i < n; i++) {
    const s = newSpan();
    s.name = `${prefix}-${i}`;
    s.traceId = Uint8Array.from(Buffer.alloc(16, 1));
    s.spanId = Uint8Array.from(Buffer.alloc(8, (i % 250) + 1));
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  const td: TracesData = { resourceSpans: [rs] };
  return Buffer.from(encodeTraces(td));
}

export interface Answer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/** POSTs a body; a connection the server dropped (a crash) answers status 0. */
export async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body });
    return {
      status: res.status,
      text: (await res.text()).slice(0, 300),
      retryAfter: res.headers.get('retry-after'),
    };
  } catch (e) {
    return { status: 0, text: String((e as Error).cause ?? e), retryAfter: null };
  }
}

export const PROTO = { 'content-type': 'application/x-protobuf' };
export const PROTO_GZIP = { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' };
export const JSON_GZIP = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
export const THRIFT = { 'content-type': 'application/x-thrift' };

/**
 * The next hop: an OTLP/HTTP backend that answers after `delayMs` (a slow backend, so that
 * acknowledged data is still in Tsunagi's queue when an attack comes) and collects the span
 * names it got. `hugeAnswer`: answers with that many bytes.
 */
export class SlowSink {
  readonly spans = new Set<string>();
  requests = 0;
  port = 0;
  hugeAnswer = 0;
  private server: import('node:http').Server | undefined;
  constructor(private readonly delayMs = 300) {}

  async start(): Promise<this> {
    const { createServer } = await import('node:http');
    const { gunzipSync } = await import('node:zlib');
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        this.requests++;
        let body = Buffer.concat(parts);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.url === '/v1/traces')
          for (const rs of decodeTraces(body).resourceSpans)
            for (const ss of rs.scopeSpans) for (const s of ss.spans) this.spans.add(s.name);
        setTimeout(() => {
          if (this.hugeAnswer === 0) return void res.writeHead(200).end();
          res.writeHead(200, { 'content-type': 'application/x-protobuf' });
          let sent = 0;
          const pump = () => {
            while (sent < this.hugeAnswer) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('close', () => res.removeAllListeners('drain'));
          pump();
        }, this.delayMs);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as import('node:net').AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

export interface Ports {
  http: number;
  grpc: number;
  jaeger: number;
}

/** Free ports for the OTLP HTTP and gRPC and the Jaeger thrift_http servers. */
export async function freePorts(): Promise<Ports> {
  const { freePort } = await import('./ports.js');
  return { http: await freePort(), grpc: await freePort(), jaeger: await freePort() };
}

/** The config the attacks run against: the (memory_limiter limit_mib 300, batch, otlp_http). */
export function attackConfig(ports: Ports, sinkPort: number, limitMib = 300): string {
  return `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${ports.http} }
      grpc: { endpoint: 127.0.0.1:${ports.grpc} }
  jaeger:
    protocols:
      thrift_http: { endpoint: 127.0.0.1:${ports.jaeger} }
processors:
  memory_limiter: { check_interval: 1s, limit_mib: ${limitMib} }
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp, jaeger], processors: [memory_limiter, batch], exporters: [otlp_http] }
    metrics: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp_http] }
`;
}
