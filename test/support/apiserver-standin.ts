// A stand-in kube-apiserver for the k8s_attributes and resource_detection tests:
// serves recorded PodList / NamespaceList JSON (test/fixtures/k8s/*.json), single
// Nodes and Namespaces by name, streams recorded watch events (*.ndjson) on request, and behaves like the real one where
// the processor depends on it: fieldSelector spec.nodeName filters lists,
// a watch ends after its timeoutSeconds, and with a token set every request
// needs `Authorization: Bearer <token>` (401 Status otherwise). HTTP, or
// HTTPS when given a certificate.
import { readFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/k8s/${name}`, import.meta.url), 'utf8'));
/** The lines of an .ndjson fixture, as sent on the wire. */
export const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/k8s/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

export interface Recorded {
  url: URL;
  authorization: string | undefined;
  status: number;
}

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });

export class ApiServerStandin {
  readonly server: Server;
  /** The list the next GET /api/v1/pods returns (before fieldSelector). */
  podList: any = fixture('pods-list.json');
  namespaceList: any = fixture('namespaces-list.json');
  /** Nodes served at /api/v1/nodes/{name}. */
  nodes: any[] = [];
  /** When set, the only bearer token accepted. */
  token: string | undefined;
  readonly requests: Recorded[] = [];
  private readonly open = new Map<ServerResponse, NodeJS.Timeout>();

  constructor(tls?: { cert: Buffer; key: Buffer }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = tls ? createHttps(tls, handler) : createHttp(handler);
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests to `path`: lists, or watches with `watch`. */
  calls(path: string, watch: boolean): Recorded[] {
    return this.requests.filter(
      (r) => r.url.pathname === path && (r.url.searchParams.get('watch') === 'true') === watch,
    );
  }

  /** Open pod watches. */
  get podWatches(): number {
    return [...this.open.keys()].filter((r) => (r.req.url ?? '').startsWith('/api/v1/pods?')).length;
  }

  /** Writes raw event lines to every open pod watch. */
  send(...lines: string[]): void {
    for (const res of this.open.keys())
      if ((res.req.url ?? '').startsWith('/api/v1/pods?')) for (const l of lines) res.write(`${l}\n`);
  }

  /**
   * Writes one event line in two chunks, split inside the first multi-byte
   * UTF-8 character (a chunk boundary can fall anywhere).
   */
  async sendSplit(line: string): Promise<void> {
    const bytes = Buffer.from(`${line}\n`);
    const at = bytes.findIndex((b) => b >= 0x80) + 1;
    if (at <= 0) throw new Error('line has no multi-byte character');
    const watches = [...this.open.keys()].filter((r) => (r.req.url ?? '').startsWith('/api/v1/pods?'));
    for (const res of watches) res.write(bytes.subarray(0, at));
    await new Promise((r) => setTimeout(r, 50)); // let the first part arrive on its own
    for (const res of watches) res.write(bytes.subarray(at));
  }

  /** Ends every open watch cleanly, as the server does when timeoutSeconds pass. */
  endWatches(): void {
    for (const [res, t] of this.open) {
      clearTimeout(t);
      res.end();
    }
    this.open.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: Recorded = { url, authorization: req.headers.authorization, status: 200 };
    this.requests.push(rec);
    const reply = (code: number, body: string) => {
      rec.status = code;
      res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    };
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      reply(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const one = /^\/api\/v1\/(nodes|namespaces)\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const items = one[1] === 'nodes' ? this.nodes : this.namespaceList.items;
      const name = decodeURIComponent(one[2]);
      const item = items.find((i: any) => i.metadata?.name === name);
      if (item) reply(200, JSON.stringify(item));
      else reply(404, status(404, 'NotFound', `${one[1]} "${name}" not found`));
      return;
    }
    const list =
      url.pathname === '/api/v1/pods'
        ? this.podList
        : url.pathname === '/api/v1/namespaces'
          ? this.namespaceList
          : undefined;
    if (!list) {
      reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const selector = url.searchParams.get('fieldSelector');
    const node = selector && /^spec\.nodeName=([^,]+)$/.exec(selector)?.[1];
    if (selector && (!node || url.pathname !== '/api/v1/pods')) {
      reply(400, status(400, 'BadRequest', `field label not supported: ${selector}`));
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const seconds = Number(url.searchParams.get('timeoutSeconds') ?? 1800);
      const t = setTimeout(() => {
        this.open.delete(res);
        res.end();
      }, seconds * 1000);
      this.open.set(res, t);
      res.on('close', () => {
        clearTimeout(t);
        this.open.delete(res);
      });
      return;
    }
    const items = node ? list.items.filter((p: any) => p.spec?.nodeName === node) : list.items;
    reply(200, JSON.stringify({ ...list, items }));
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
