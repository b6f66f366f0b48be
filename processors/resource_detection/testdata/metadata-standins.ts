// Stand-ins for the metadata services the cloud and Docker detectors call,
// answering as the real ones document (paths, required headers, error answers):
// - AWS IMDS: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds) → a
//   token; with IMDSv2 required, a GET without a valid token is 401; unknown
//   paths are 404.
// - GCE metadata server: /computeMetadata/v1/...; without `Metadata-Flavor: Google`
//   403; every answer carries `Metadata-Flavor: Google`; unknown paths 404.
// - Azure IMDS: /metadata/instance/compute?api-version=…&format=json with
//   `Metadata: true`; without the header 400, without api-version 400.
// - Docker Engine API on a unix socket: /_ping (API-Version header), /v1.xx/info.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class StandIn {
  readonly server: Server;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  /** When set, requests hang (never answered): a metadata service that times out. */
  hang = false;

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void) {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      if (this.hang) return;
      this.handle(req, res, new URL(req.url ?? '/', 'http://x'));
    });
  }

  async listen(path?: string): Promise<number> {
    await new Promise<void>((r) =>
      path ? this.server.listen(path, r) : this.server.listen(0, '127.0.0.1', r),
    );
    return path ? 0 : (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);

export interface ImdsOptions {
  /** IMDSv2 only (HttpTokens=required): GETs need a token. */
  requireToken?: boolean;
  /** The token endpoint answers this instead (IMDSv1-only setups answer 403/404/405). */
  tokenStatus?: number;
  document?: Record<string, unknown>;
  hostname?: string;
  tags?: Record<string, string>;
  /** Paths that answer 500. */
  failing?: string[];
}

export function imdsStandIn(o: ImdsOptions = {}): StandIn {
  const token = 'AQAEAFakeToken==';
  return new StandIn((req, res, url) => {
    if (url.pathname === '/latest/api/token') {
      if (req.method !== 'PUT') return text(res, 405, '');
      if (o.tokenStatus) return text(res, o.tokenStatus, '');
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return text(res, 400, '');
      return text(res, 200, token, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' });
    }
    if (o.requireToken && req.headers['x-aws-ec2-metadata-token'] !== token) return text(res, 401, '');
    if (o.failing?.includes(url.pathname)) return text(res, 500, 'Internal Server Error');
    const doc = o.document ?? {
      accountId: '123456789012',
      architecture: 'x86_64',
      availabilityZone: 'eu-west-1b',
      imageId: 'ami-0abcdef1234567890',
      instanceId: 'i-0abcdef1234567890',
      instanceType: 't3.medium',
      privateIp: '10.0.1.23',
      region: 'eu-west-1',
      version: '2017-09-30',
    };
    const tags = o.tags ?? {};
    const routes: Record<string, () => void> = {
      '/latest/meta-data/instance-id': () => text(res, 200, String(doc.instanceId)),
      '/latest/meta-data/hostname': () =>
        text(res, 200, o.hostname ?? 'ip-10-0-1-23.eu-west-1.compute.internal'),
      '/latest/dynamic/instance-identity/document': () => json(res, 200, doc),
      '/latest/meta-data/tags/instance/': () => text(res, 200, Object.keys(tags).join('\n')),
    };
    const tag = /^\/latest\/meta-data\/tags\/instance\/(.+)$/.exec(url.pathname);
    if (routes[url.pathname]) routes[url.pathname]();
    else if (tag && decodeURIComponent(tag[1]) in tags) text(res, 200, tags[decodeURIComponent(tag[1])]);
    else text(res, 404, '<?xml version="1.0" encoding="iso-8859-1"?><title>404 - Not Found</title>');
  });
}

export function gceStandIn(values: Record<string, string>): StandIn {
  return new StandIn((req, res, url) => {
    const flavor = { 'metadata-flavor': 'Google' };
    if (url.pathname === '/') return text(res, 200, 'computeMetadata/\n', flavor);
    if (req.headers['metadata-flavor'] !== 'Google')
      return text(res, 403, 'Missing Metadata-Flavor:Google header.', flavor);
    const path = url.pathname.replace(/^\/computeMetadata\/v1\//, '');
    if (path in values) text(res, 200, values[path], flavor);
    else text(res, 404, 'Not Found', flavor);
  });
}

export function azureStandIn(compute: Record<string, unknown>, opts: { status?: number } = {}): StandIn {
  return new StandIn((req, res, url) => {
    if (url.pathname !== '/metadata/instance/compute') return json(res, 404, { error: 'Not found' });
    if (String(req.headers.metadata).toLowerCase() !== 'true')
      return json(res, 400, { error: 'Bad request. Required metadata header not specified' });
    if (!url.searchParams.get('api-version'))
      return json(res, 400, { error: 'Bad request. api-version was not specified in the request' });
    if (opts.status) return json(res, opts.status, { error: 'Internal server error' });
    json(res, 200, compute);
  });
}

export function dockerStandIn(info: Record<string, unknown>): StandIn {
  return new StandIn((_req, res, url) => {
    if (url.pathname === '/_ping')
      return text(res, 200, 'OK', { 'api-version': '1.43', 'docker-experimental': 'false', ostype: 'linux' });
    if (url.pathname === '/v1.43/info') return json(res, 200, info);
    json(res, 404, { message: `page not found` });
  });
}
