// A stand-in kube-apiserver: serves the lists it is given (path → List JSON)
// and streams watch events on request, behaving like the real one where
// Tsunagi's list+watch client depends on it: `labelSelector` (k=v[,k=v])
// filters lists, a watch ends after its timeoutSeconds, an unknown path is a
// 404 Status, and with a token set every request needs
// `Authorization: Bearer <token>` (401 Status otherwise). HTTP, or HTTPS when
// given a certificate; one object by name (`<list path>/<name>`) comes from its
// list. Used by the k8s_attributes processor (pods, namespaces), the
// load-balancing exporter's k8s resolver (EndpointSlices) and the
// resource_detection processor's k8snode detector (a Node by name).
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  url: URL;
  authorization: string | undefined;
  status: number;
}

export const statusJson = (code: number, reason: string, message: string) =>
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
  /** The List each path answers with (before selectors). */
  readonly lists = new Map<string, any>();
  /** When set, the only bearer token accepted. */
  token: string | undefined;
  readonly requests: Recorded[] = [];
  protected readonly open = new Map<ServerResponse, NodeJS.Timeout>();

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

  /** Open watch streams of `path`. */
  watchesOf(path: string): ServerResponse[] {
    return [...this.open.keys()].filter((r) => new URL(r.req.url ?? '/', 'http://x').pathname === path);
  }

  /** Writes raw event lines to every open watch of `path`. */
  sendTo(path: string, ...lines: string[]): void {
    for (const res of this.watchesOf(path)) for (const l of lines) res.write(`${l}\n`);
  }

  /** Ends every open watch cleanly, as the server does when timeoutSeconds pass. */
  endWatches(): void {
    for (const [res, t] of this.open) {
      clearTimeout(t);
      res.end();
    }
    this.open.clear();
  }

  /**
   * Items of a list request after its selectors; a string is an error answer
   * (400 BadRequest). Subclasses add the field selectors their resource supports.
   */
  protected select(url: URL, items: any[]): any[] | string {
    const field = url.searchParams.get('fieldSelector');
    if (field) return `field label not supported: ${field}`;
    const label = url.searchParams.get('labelSelector');
    if (!label) return items;
    const terms = label.split(',').map((t) => t.split('='));
    if (terms.some((t) => t.length !== 2 || !t[0])) return `unable to parse requirement: ${label}`;
    return items.filter((o) => terms.every(([k, v]) => o.metadata?.labels?.[k] === v));
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
      reply(401, statusJson(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const list = this.lists.get(url.pathname);
    const byName = !list && /^(.*)\/([^/]+)$/.exec(url.pathname);
    const parent = byName && this.lists.get(byName[1]);
    if (byName && parent) {
      // GET of one object by name, from the list of its kind
      const name = decodeURIComponent(byName[2]);
      const item = (parent.items ?? []).find((o: any) => o.metadata?.name === name);
      const kind = byName[1].slice(byName[1].lastIndexOf('/') + 1);
      if (item) reply(200, JSON.stringify(item));
      else reply(404, statusJson(404, 'NotFound', `${kind} "${name}" not found`));
      return;
    }
    if (!list) {
      reply(404, statusJson(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const items = this.select(url, list.items ?? []);
    if (typeof items === 'string') {
      reply(400, statusJson(400, 'BadRequest', items));
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
    reply(200, JSON.stringify({ ...list, items }));
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
