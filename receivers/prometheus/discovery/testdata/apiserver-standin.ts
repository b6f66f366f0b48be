// The prometheus receiver's Kubernetes discovery tests' view of the shared
// kube-apiserver stand-in (test/support/apiserver-standin.ts): core/v1 objects
// by resource, served cluster-wide (/api/v1/<resource>) and per namespace
// (/api/v1/namespaces/<ns>/<resource>) as the real server does, with pods
// honouring the `spec.nodeName` field selector, and changes streamed to the
// watches that see them.
import { ApiServerStandin } from '../../../../test/support/apiserver-standin.js';

const KINDS: Record<string, string> = {
  pods: 'PodList',
  namespaces: 'NamespaceList',
  endpoints: 'EndpointsList',
  services: 'ServiceList',
  nodes: 'NodeList',
};
/** Resources that are not namespaced (no /api/v1/namespaces/<ns>/<resource>). */
const CLUSTER_SCOPED = new Set(['namespaces', 'nodes']);

export class CoreV1Standin extends ApiServerStandin {
  private readonly items = new Map<string, any[]>();
  private rv = 1000;

  /** The objects of a resource as last set. */
  itemsOf(resource: string): any[] {
    return this.items.get(resource) ?? [];
  }

  /** Sets a resource's objects (lists in the API's shape are built around them). */
  setItems(resource: string, items: any[]): void {
    this.items.set(resource, items);
    const rv = String(++this.rv);
    const list = (of: any[]) => ({
      kind: KINDS[resource] ?? 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv },
      items: of,
    });
    this.lists.set(`/api/v1/${resource}`, list(items));
    if (CLUSTER_SCOPED.has(resource)) return;
    const namespaces = new Set(items.map((o) => o.metadata.namespace as string));
    // namespaces served before keep a (possibly empty) list
    for (const path of this.lists.keys()) {
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/([a-z]+)$/.exec(path);
      if (m && m[2] === resource) namespaces.add(decodeURIComponent(m[1]));
    }
    for (const ns of namespaces)
      this.lists.set(
        `/api/v1/namespaces/${encodeURIComponent(ns)}/${resource}`,
        list(items.filter((o) => o.metadata.namespace === ns)),
      );
  }

  /** Applies an event to the stored objects and streams it to the watches that see the object. */
  event(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: any): void {
    const items = this.itemsOf(resource).filter((o) => o.metadata.uid !== object.metadata.uid);
    if (type !== 'DELETED') items.push(object);
    this.setItems(resource, items);
    object.metadata.resourceVersion = String(this.rv);
    const line = JSON.stringify({ type, object });
    this.sendTo(`/api/v1/${resource}`, line);
    const ns = object.metadata.namespace;
    if (ns && !CLUSTER_SCOPED.has(resource))
      this.sendTo(`/api/v1/namespaces/${encodeURIComponent(ns)}/${resource}`, line);
  }

  protected override select(url: URL, items: any[]): any[] | string {
    const selector = url.searchParams.get('fieldSelector');
    if (!selector) return super.select(url, items);
    const node = /^spec\.nodeName=([^,]+)$/.exec(selector)?.[1];
    if (!node || !url.pathname.endsWith('/pods')) return `field label not supported: ${selector}`;
    const labelled = super.select(new URL(`${url.pathname}?${labelOnly(url)}`, 'http://x'), items);
    return typeof labelled === 'string' ? labelled : labelled.filter((p: any) => p.spec?.nodeName === node);
  }
}

const labelOnly = (url: URL): string => {
  const q = new URLSearchParams();
  const label = url.searchParams.get('labelSelector');
  if (label) q.set('labelSelector', label);
  return q.toString();
};
