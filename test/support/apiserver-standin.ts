// A stand-in kube-apiserver for tests of components that list and watch
// core/v1 objects (the k8s_attributes processor, the prometheus receiver's
// Kubernetes discovery). It behaves like the real one where clients depend
// on it: cluster-wide (/api/v1/<resource>) and namespaced
// (/api/v1/namespaces/<ns>/<resource>) lists, labelSelector equality terms,
// fieldSelector spec.nodeName for pods (other field selectors: 400 as the
// real server answers for unsupported labels), watches streaming
// newline-delimited WatchEvents that end after their timeoutSeconds, and,
// with a token set, 401 Status for requests without `Authorization: Bearer
// <token>`. HTTP, or HTTPS when given a certificate.
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

const KINDS: Record<string, string> = {
  pods: 'PodList',
  namespaces: 'NamespaceList',
  endpoints: 'EndpointsList',
  services: 'ServiceList',
  nodes: 'NodeList',
};

interface Watch {
  resource: string;
  namespace: string | undefined;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

export class KubeApiStandin {
  readonly server: Server;
  /** Lists by resource (pods, namespaces, endpoints, services, nodes): what GET returns before selectors. */
  readonly lists = new Map<string, any>();
  /** When set, the only bearer token accepted. */
  token: string | undefined;
  readonly requests: Recorded[] = [];
  private readonly open: Watch[] = [];
  private rv = 1000;

  constructor(tls?: { cert: Buffer; key: Buffer }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = tls ? createHttps(tls, handler) : createHttp(handler);
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  /** Sets a resource's objects (a list in the API's shape is built around them). */
  setItems(resource: string, items: any[]): void {
    this.lists.set(resource, {
      kind: KINDS[resource] ?? 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(++this.rv) },
      items,
    });
  }

  /** Requests to `path`: lists, or watches with `watch`. */
  calls(path: string, watch: boolean): Recorded[] {
    return this.requests.filter(
      (r) => r.url.pathname === path && (r.url.searchParams.get('watch') === 'true') === watch,
    );
  }

  /** Open watches of a resource. */
  watches(resource: string): number {
    return this.open.filter((w) => w.resource === resource).length;
  }

  /** Writes raw event lines to every open watch of `resource`. */
  sendRaw(resource: string, ...lines: string[]): void {
    for (const w of this.open) if (w.resource === resource) for (const l of lines) w.res.write(`${l}\n`);
  }

  /** Applies an event to the stored list and streams it to the watches that see the object. */
  event(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: any): void {
    const rv = String(++this.rv);
    object.metadata.resourceVersion = rv;
    const list = this.lists.get(resource) ?? {
      kind: KINDS[resource],
      apiVersion: 'v1',
      metadata: {},
      items: [],
    };
    const items = (list.items as any[]).filter((o) => o.metadata.uid !== object.metadata.uid);
    if (type !== 'DELETED') items.push(object);
    this.lists.set(resource, { ...list, metadata: { resourceVersion: rv }, items });
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const w of this.open)
      if (w.resource === resource && (!w.namespace || w.namespace === object.metadata.namespace))
        w.res.write(line);
  }

  /** The watch responses of a resource (for tests that write partial chunks). */
  watchResponses(resource: string): ServerResponse[] {
    return this.open.filter((w) => w.resource === resource).map((w) => w.res);
  }

  /** Ends every open watch cleanly, as the server does when timeoutSeconds pass. */
  endWatches(): void {
    for (const w of this.open.splice(0)) {
      clearTimeout(w.timer);
      w.res.end();
    }
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
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(url.pathname);
    const namespace = m?.[1] ? decodeURIComponent(m[1]) : undefined;
    const resource = m?.[2];
    const list = resource ? this.lists.get(resource) : undefined;
    if (
      !resource ||
      !list ||
      (namespace && resource === 'namespaces') ||
      (namespace && resource === 'nodes')
    ) {
      reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const field = url.searchParams.get('fieldSelector');
    const node = field && /^spec\.nodeName=([^,]+)$/.exec(field)?.[1];
    if (field && (!node || resource !== 'pods')) {
      reply(400, status(400, 'BadRequest', `field label not supported: ${field}`));
      return;
    }
    const labelTerms = (url.searchParams.get('labelSelector') ?? '')
      .split(',')
      .filter(Boolean)
      .map((t) => t.split('='));
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const seconds = Number(url.searchParams.get('timeoutSeconds') ?? 1800);
      const w: Watch = {
        resource,
        namespace,
        res,
        timer: setTimeout(() => {
          this.drop(w);
          res.end();
        }, seconds * 1000),
      };
      this.open.push(w);
      res.on('close', () => this.drop(w));
      return;
    }
    const items = (list.items as any[]).filter(
      (o) =>
        (!namespace || o.metadata.namespace === namespace) &&
        (!node || o.spec?.nodeName === node) &&
        labelTerms.every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    reply(200, JSON.stringify({ ...list, items }));
  }

  private drop(w: Watch): void {
    clearTimeout(w.timer);
    const i = this.open.indexOf(w);
    if (i >= 0) this.open.splice(i, 1);
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
