// An in-test scrape target: serves an exposition over HTTP(S), negotiating
// the format from the Accept header as client libraries do (OpenMetrics when
// asked for it, else the text format), optionally behind basic or bearer
// auth, and records every request so tests can compare what scrapers send.
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface TargetRequest {
  url: string;
  headers: IncomingMessage['headers'];
}

export interface Exposition {
  /** Served when the Accept header asks for OpenMetrics. */
  openmetrics?: string;
  /** Served otherwise (text format 0.0.4). */
  text: string;
}

export class MetricsTarget {
  readonly server: Server;
  readonly requests: TargetRequest[] = [];
  exposition: Exposition;
  /** `Basic <b64>` or `Bearer <token>` the target requires; 401 otherwise. */
  requireAuthorization: string | undefined;
  port = 0;

  constructor(exposition: Exposition, tls?: { cert: Buffer; key: Buffer }) {
    this.exposition = exposition;
    const h = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = tls ? createHttps(tls, h) : createHttp(h);
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ url: req.url ?? '', headers: req.headers });
    if (this.requireAuthorization !== undefined && req.headers.authorization !== this.requireAuthorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="metrics"' }).end('unauthorized\n');
      return;
    }
    const om =
      (req.headers.accept ?? '').includes('application/openmetrics-text') && this.exposition.openmetrics;
    const body = om ? (this.exposition.openmetrics as string) : this.exposition.text;
    const type = om
      ? 'application/openmetrics-text; version=1.0.0; charset=utf-8'
      : 'text/plain; version=0.0.4; charset=utf-8';
    const gzip = (req.headers['accept-encoding'] ?? '').includes('gzip');
    res.writeHead(200, { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(gzip ? gzipSync(body) : body);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/**
 * Every metric type, in both formats, with fixed values: a counter with
 * _created and an exemplar, a counter without _created, a gauge, a histogram
 * with an exemplar, a summary, an untyped / unknown metric, and in
 * OpenMetrics an info, a stateset and target_info.
 */
export const EVERY_TYPE: Exposition = {
  openmetrics: [
    '# TYPE target info',
    '# HELP target Target metadata',
    'target_info{deployment_environment="test",team="obs"} 1',
    '# TYPE app_requests counter',
    '# HELP app_requests Requests served.',
    'app_requests_total{method="GET",code="200"} 1027 # {trace_id="0af7651916cd43dd8448eb211c80319c",span_id="b7ad6b7169203331"} 1 1700000000.123',
    'app_requests_created{method="GET",code="200"} 1700000000.5',
    'app_requests_total{method="POST",code="500"} 3',
    'app_requests_created{method="POST",code="500"} 1700000100',
    '# TYPE app_restarts counter',
    'app_restarts_total 2',
    '# TYPE app_temperature_celsius gauge',
    '# UNIT app_temperature_celsius celsius',
    '# HELP app_temperature_celsius Room temperature.',
    'app_temperature_celsius{room="lab"} 21.5',
    '# TYPE app_latency_seconds histogram',
    '# UNIT app_latency_seconds seconds',
    'app_latency_seconds_bucket{path="/a",le="0.1"} 2',
    'app_latency_seconds_bucket{path="/a",le="0.5"} 5 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 0.3 1700000001',
    'app_latency_seconds_bucket{path="/a",le="+Inf"} 7',
    'app_latency_seconds_sum{path="/a"} 2.25',
    'app_latency_seconds_count{path="/a"} 7',
    'app_latency_seconds_created{path="/a"} 1700000002',
    '# TYPE app_rpc_seconds summary',
    'app_rpc_seconds{quantile="0.5"} 0.05',
    'app_rpc_seconds{quantile="0.99"} 0.75',
    'app_rpc_seconds_sum 40.5',
    'app_rpc_seconds_count 400',
    '# TYPE app_mystery unknown',
    'app_mystery 42',
    '# TYPE app_build info',
    'app_build_info{version="1.4.2"} 1',
    '# TYPE app_feature stateset',
    'app_feature{app_feature="a"} 1',
    'app_feature{app_feature="b"} 0',
    '# EOF',
    '',
  ].join('\n'),
  text: [
    '# HELP app_requests_total Requests served.',
    '# TYPE app_requests_total counter',
    'app_requests_total{method="GET",code="200"} 1027',
    'app_requests_total{method="POST",code="500"} 3',
    '# TYPE app_restarts_total counter',
    'app_restarts_total 2',
    '# HELP app_temperature_celsius Room temperature.',
    '# TYPE app_temperature_celsius gauge',
    'app_temperature_celsius{room="lab"} 21.5',
    '# TYPE app_latency_seconds histogram',
    'app_latency_seconds_bucket{path="/a",le="0.1"} 2',
    'app_latency_seconds_bucket{path="/a",le="0.5"} 5',
    'app_latency_seconds_bucket{path="/a",le="+Inf"} 7',
    'app_latency_seconds_sum{path="/a"} 2.25',
    'app_latency_seconds_count{path="/a"} 7',
    '# TYPE app_rpc_seconds summary',
    'app_rpc_seconds{quantile="0.5"} 0.05',
    'app_rpc_seconds{quantile="0.99"} 0.75',
    'app_rpc_seconds_sum 40.5',
    'app_rpc_seconds_count 400',
    '# TYPE app_mystery untyped',
    'app_mystery 42',
    '',
  ].join('\n'),
};
