// resolver.k8s: the ready endpoints of a Service, from its EndpointSlices
// (discovery.k8s.io/v1, label kubernetes.io/service-name) by list+watch, as
// the collector's k8s resolver: an endpoint whose `conditions.ready` is false
// is left out (absent counts as ready), each address is paired with every
// configured port ("ip:port"; the address alone without ports), and with
// return_hostnames the pod's hostname "<hostname>.<service>.<namespace>" is
// used instead (a headless Service of a StatefulSet). `service` is
// "name[.namespace]"; without a namespace, the pod's own (service account
// namespace file), else "default".
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiTarget, SA_DIR } from '../../src/k8s/auth.js';
import { type ApiTarget, KubeClient } from '../../src/k8s/client.js';
import { Informer, type InformerOptions } from '../../src/k8s/informer.js';
import type { KObject } from '../../src/k8s/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { joinHostPort, normalize, type Resolver, sameList } from './resolver.js';

export interface EndpointSlice extends KObject {
  addressType?: string;
  endpoints?: {
    addresses: string[];
    hostname?: string;
    conditions?: { ready?: boolean | null };
  }[];
}

export interface K8sResolverOptions {
  service: string;
  ports: number[];
  timeoutMs: number;
  returnHostnames: boolean;
  logger: Logger;
  /** The API server (default: in cluster, with the service account). */
  target?: ApiTarget;
  /** Where the pod's namespace is read from (default: the service account directory). */
  serviceAccountDir?: string;
  informer?: InformerOptions;
}

export function splitService(service: string, saDir = SA_DIR): { name: string; namespace: string } {
  const dot = service.indexOf('.');
  if (dot > 0) return { name: service.slice(0, dot), namespace: service.slice(dot + 1) };
  const file = join(saDir, 'namespace');
  const ns = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return { name: service, namespace: ns || 'default' };
}

export class K8sResolver implements Resolver {
  private informer: Informer<EndpointSlice> | undefined;
  private client: KubeClient | undefined;
  private endpoints: string[] | undefined;

  constructor(private readonly o: K8sResolverOptions) {}

  async start(onChange: (endpoints: string[]) => void): Promise<void> {
    const { name, namespace } = splitService(this.o.service, this.o.serviceAccountDir);
    this.client = new KubeClient(this.o.target ?? apiTarget('serviceAccount', undefined), {
      requestTimeoutMs: this.o.timeoutMs,
    });
    const update = () => {
      const list = normalize(this.resolve(name, namespace, informer.items.values()));
      if (sameList(this.endpoints, list)) return;
      this.endpoints = list;
      onChange(list);
    };
    const informer = new Informer<EndpointSlice>(
      this.client,
      `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      { labelSelector: `kubernetes.io/service-name=${name}` },
      { upsert: update, delete: update },
      this.o.logger,
      this.o.informer,
    );
    this.informer = informer;
    informer.start();
    // the first list, within `timeout` (a failure is logged and retried by the informer)
    let timer: NodeJS.Timeout | undefined;
    const synced = await Promise.race([
      informer.synced.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), this.o.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!synced)
      this.o.logger.warn(
        { service: `${name}.${namespace}` },
        'k8s resolver: EndpointSlices not listed yet; no backends until they are',
      );
  }

  private *resolve(name: string, namespace: string, slices: Iterable<EndpointSlice>): Generator<string> {
    for (const slice of slices)
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        const hosts =
          this.o.returnHostnames && ep.hostname ? [`${ep.hostname}.${name}.${namespace}`] : ep.addresses;
        for (const host of hosts) {
          if (this.o.ports.length === 0) yield joinHostPort(host, undefined);
          else for (const p of this.o.ports) yield joinHostPort(host, p);
        }
      }
  }

  async shutdown(): Promise<void> {
    await this.informer?.stop();
    await this.client?.close();
  }
}
