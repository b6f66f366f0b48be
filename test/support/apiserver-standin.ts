// A stand-in kube-apiserver: serves the lists it is given (path → List JSON)
// and streams watch events on request, behaving like the real one where
// Tsunagi's list+watch client depends on it: `labelSelector` (k=v[,k=v])
// filters lists, a watch ends after its timeoutSeconds, an unknown path is a
// 404 Status, and with a token set every request needs
// `Authorization: Bearer <token>` (401 Status otherwise). HTTP, or HTTPS when
// given a certificate; one object by name (`<list path>/<name>`) comes from its
// list. Used by the k8s_attributes processor (pods, namespaces), the
// load-balancing exporter's k8s resolver (EndpointSlices) and the
// resource_detection processor's k8s_api detector (a Node by name, the
// kube-system Namespace). Paths put in `forbidden` answer 403 Forbidden, as
// RBAC does for a service account without the verb on that resource.
//
// Beyond the registered paths it answers as the real API server does for the
// resources it holds (a list registered at its cluster-wide path, e.g.
// /apis/coordination.k8s.io/v1/leases): discovery (/api, /api/v1, /apis,
// /apis/<group>/<version>), namespaced lists and objects
// (.../namespaces/<ns>/<resource>[/<name>]), and writes: POST creates (409
// AlreadyExists), PUT replaces only when metadata.resourceVersion is the
// current one (409 Conflict otherwise: optimistic concurrency), DELETE
// removes; every write bumps the resourceVersion and sends ADDED / MODIFIED /
// DELETED to the open watches of that resource.
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
  /** Path → message of the 403 Forbidden Status answered to a GET of it (RBAC refusing the verb). */
  readonly forbidden = new Map<string, string>();
  readonly requests: Recorded[] = [];
  protected readonly open = new Map<ServerResponse, NodeJS.Timeout>();
  /** The last resourceVersion handed out by a write. */
  resourceVersion = 1000;

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
    if (req.method !== 'GET') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          reply(400, statusJson(400, 'BadRequest', 'invalid JSON body'));
          return;
        }
        const [code, answer] = this.write(req.method ?? '', url.pathname, body);
        reply(code, answer);
      });
      return;
    }
    const denied = this.forbidden.get(url.pathname);
    if (denied !== undefined) {
      reply(403, statusJson(403, 'Forbidden', denied));
      return;
    }
    const discovery = this.discovery(url.pathname);
    if (discovery) {
      reply(200, JSON.stringify(discovery));
      return;
    }
    if (!this.lists.has(url.pathname) && this.handleParsed(url, res, reply)) return;
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
      this.openWatch(url, res);
      return;
    }
    reply(200, JSON.stringify({ ...list, items }));
  }

  private openWatch(url: URL, res: ServerResponse): void {
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
  }

  /** /api/v1[/...] or /apis/<group>/<version>[/...]: the API prefix, the rest split. */
  private static split(pathname: string): { prefix: string; segs: string[] } | undefined {
    const m = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)((?:\/[^/]+)*)$/.exec(pathname);
    if (!m) return undefined;
    return { prefix: m[1], segs: m[2].split('/').filter(Boolean).map(decodeURIComponent) };
  }

  /** Resource list path, namespace and name a path addresses (undefined: not a resource path). */
  private static parse(
    pathname: string,
  ): { listPath: string; namespace?: string; name?: string } | undefined {
    const p = ApiServerStandin.split(pathname);
    if (!p) return undefined;
    const { prefix, segs } = p;
    if (segs.length === 1) return { listPath: `${prefix}/${segs[0]}` };
    if (segs.length === 2) return { listPath: `${prefix}/${segs[0]}`, name: segs[1] };
    if (segs[0] === 'namespaces' && segs.length === 3)
      return { listPath: `${prefix}/${segs[2]}`, namespace: segs[1] };
    if (segs[0] === 'namespaces' && segs.length === 4)
      return { listPath: `${prefix}/${segs[2]}`, namespace: segs[1], name: segs[3] };
    return undefined;
  }

  /** Namespaced lists, watches and objects of a list registered cluster-wide. True when answered. */
  private handleParsed(url: URL, res: ServerResponse, reply: (code: number, body: string) => void): boolean {
    const p = ApiServerStandin.parse(url.pathname);
    const list = p && this.lists.get(p.listPath);
    if (!p || !list || (p.namespace === undefined && p.name === undefined)) return false;
    const all: any[] = (list.items ?? []).filter(
      (o: any) => p.namespace === undefined || o.metadata?.namespace === p.namespace,
    );
    const resource = p.listPath.slice(p.listPath.lastIndexOf('/') + 1);
    if (p.name !== undefined) {
      const item = all.find((o) => o.metadata?.name === p.name);
      if (item) reply(200, JSON.stringify(item));
      else reply(404, statusJson(404, 'NotFound', `${resource} "${p.name}" not found`));
      return true;
    }
    const items = this.select(url, all);
    if (typeof items === 'string') reply(400, statusJson(400, 'BadRequest', items));
    else if (url.searchParams.get('watch') === 'true') this.openWatch(url, res);
    else reply(200, JSON.stringify({ ...list, items }));
    return true;
  }

  /** Group and resources of the registered cluster-wide lists, for discovery. */
  private discovery(pathname: string): any | undefined {
    const groups = new Map<string, Set<string>>();
    for (const path of this.lists.keys()) {
      const p = ApiServerStandin.split(path);
      if (p?.segs.length !== 1) continue;
      const set = groups.get(p.prefix) ?? new Set<string>();
      set.add(p.segs[0]);
      groups.set(p.prefix, set);
    }
    if (pathname === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (pathname === '/apis') {
      const byGroup = new Map<string, string[]>();
      for (const prefix of groups.keys()) {
        if (prefix === '/api/v1') continue;
        const [, , group, version] = prefix.split('/');
        byGroup.set(group, [...(byGroup.get(group) ?? []), version]);
      }
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...byGroup].map(([name, versions]) => ({
          name,
          versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        })),
      };
    }
    const resources = groups.get(pathname);
    if (!resources) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: pathname === '/api/v1' ? 'v1' : pathname.slice('/apis/'.length),
      resources: [...resources].map((name) => ({
        name,
        singularName: '',
        namespaced: name !== 'namespaces' && name !== 'nodes',
        kind: this.lists.get(`${pathname}/${name}`)?.kind?.replace(/List$/, '') ?? name,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  }

  /** POST (create), PUT (replace, optimistic concurrency), DELETE of an object of a registered list. */
  private write(method: string, pathname: string, body: any): [number, string] {
    const p = ApiServerStandin.parse(pathname);
    const list = p && this.lists.get(p.listPath);
    if (!p || !list)
      return [404, statusJson(404, 'NotFound', 'the server could not find the requested resource')];
    const resource = p.listPath.slice(p.listPath.lastIndexOf('/') + 1);
    const group = p.listPath.startsWith('/apis/') ? `.${p.listPath.split('/')[2]}` : '';
    const items: any[] = list.items ?? [];
    list.items = items;
    const name = p.name ?? body?.metadata?.name;
    const namespace = p.namespace ?? body?.metadata?.namespace;
    const index = items.findIndex((o) => o.metadata?.name === name && o.metadata?.namespace === namespace);
    const stamp = (obj: any) => {
      this.resourceVersion++;
      obj.metadata = { ...obj.metadata, namespace, resourceVersion: String(this.resourceVersion) };
      list.metadata = { ...list.metadata, resourceVersion: String(this.resourceVersion) };
      return obj;
    };
    if (method === 'POST' && p.name === undefined) {
      if (!name) return [422, statusJson(422, 'Invalid', `${resource} name: Required value`)];
      if (index >= 0)
        return [409, statusJson(409, 'AlreadyExists', `${resource}${group} "${name}" already exists`)];
      const obj = stamp({ ...body });
      obj.metadata.uid ??= `uid-${resource}-${namespace ?? ''}-${name}`;
      obj.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      items.push(obj);
      this.emit(p.listPath, 'ADDED', obj);
      return [201, JSON.stringify(obj)];
    }
    if (p.name === undefined) return [405, statusJson(405, 'MethodNotAllowed', `${method} not allowed`)];
    if (index < 0) return [404, statusJson(404, 'NotFound', `${resource}${group} "${name}" not found`)];
    const current = items[index];
    if (method === 'PUT') {
      if (body?.metadata?.name !== name)
        return [
          400,
          statusJson(400, 'BadRequest', 'the name of the object does not match the name on the URL'),
        ];
      const rv = body?.metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion)
        return [
          409,
          statusJson(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resource}${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        ];
      const obj = stamp({ ...body, metadata: { ...body.metadata, uid: current.metadata.uid } });
      obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
      items[index] = obj;
      this.emit(p.listPath, 'MODIFIED', obj);
      return [200, JSON.stringify(obj)];
    }
    if (method === 'DELETE') {
      items.splice(index, 1);
      this.emit(p.listPath, 'DELETED', stamp({ ...current }));
      return [200, JSON.stringify(current)];
    }
    return [405, statusJson(405, 'MethodNotAllowed', `${method} not allowed`)];
  }

  /**
   * Sends a watch event about `obj` to the open watches of its resource
   * (`listPath` is the cluster-wide list path): cluster-wide ones and those of
   * its namespace.
   */
  emit(listPath: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: any): void {
    for (const res of this.open.keys()) {
      const url = new URL(res.req.url ?? '/', 'http://x');
      const p = url.pathname === listPath ? { listPath } : ApiServerStandin.parse(url.pathname);
      if (!p || p.listPath !== listPath || ('name' in p && p.name !== undefined)) continue;
      if ('namespace' in p && p.namespace !== undefined && p.namespace !== obj.metadata?.namespace) continue;
      res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
