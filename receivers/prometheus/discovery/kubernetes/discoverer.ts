// kubernetes_sd_configs for roles pod, endpoints, service and node: list + watch the API
// server (the shared src/k8s client and informer), and report target groups
// whenever what they watch changes. Where the API server is: api_server with
// the block's own credentials and TLS, kubeconfig_file, or in-cluster (the
// service account's token and CA).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromKubeConfig, SA_DIR, apiTarget as serviceAccountTarget } from '../../../../src/k8s/auth.js';
import { type ApiTarget, KubeClient } from '../../../../src/k8s/client.js';
import { Informer } from '../../../../src/k8s/informer.js';
import type { KObject } from '../../../../src/k8s/types.js';
import type { Logger } from '../../../../src/telemetry/logger.js';
import type { KubernetesSdConfig } from '../../promconfig/sd-schema.js';
import type { Discoverer, TargetGroup } from '../types.js';
import { buildEndpointsGroup } from './endpoints.js';
import type { Endpoints, Node, Pod, Service } from './objects.js';
import { buildPodGroup } from './pod.js';
import { buildNodeGroup, buildServiceGroup } from './service-node.js';

export interface KubernetesDiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  /** The service account mount (in-cluster credentials, own_namespace). */
  serviceAccountDir?: string;
  /** Delay between a change and the recomputed groups (coalesces bursts of watch events). */
  debounceMs?: number;
}

const read = (p: string) => readFileSync(p, 'utf8');

/** The API server and credentials a kubernetes_sd_config names. */
export function apiTargetFor(cfg: KubernetesSdConfig, opts: KubernetesDiscoveryOptions = {}): ApiTarget {
  if (cfg.kubeconfig_file) return fromKubeConfig(cfg.kubeconfig_file);
  if (!cfg.api_server)
    return serviceAccountTarget('serviceAccount', undefined, {
      env: opts.env,
      serviceAccountDir: opts.serviceAccountDir,
    });
  const t = cfg.tls_config;
  const target: ApiTarget = {
    baseUrl: cfg.api_server,
    ca: t.ca ?? (t.ca_file ? read(t.ca_file) : undefined),
    cert: t.cert ?? (t.cert_file ? read(t.cert_file) : undefined),
    key: t.key ?? (t.key_file ? read(t.key_file) : undefined),
    insecureSkipTlsVerify: t.insecure_skip_verify,
  };
  const b = cfg.basic_auth;
  const a = cfg.authorization;
  if (b)
    target.authorization = () => {
      const user = b.username_file ? read(b.username_file).trim() : b.username;
      const pass = b.password_file ? read(b.password_file).trim() : (b.password ?? '');
      return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    };
  else if (a)
    target.authorization = () =>
      `${a.type} ${a.credentials_file ? read(a.credentials_file).trim() : (a.credentials ?? '')}`;
  else if (cfg.bearer_token !== undefined) target.authorization = () => `Bearer ${cfg.bearer_token}`;
  else if (cfg.bearer_token_file !== undefined) {
    const f = cfg.bearer_token_file;
    target.authorization = () => `Bearer ${read(f).trim()}`;
  }
  return target;
}

export class KubernetesDiscoverer implements Discoverer {
  private client: KubeClient | undefined;
  private readonly informers: { resource: string; informer: Informer<KObject> }[] = [];
  private update: ((groups: TargetGroup[]) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private synced = false;
  private stopped = false;

  constructor(
    private readonly cfg: KubernetesSdConfig,
    private readonly logger: Logger,
    private readonly opts: KubernetesDiscoveryOptions = {},
  ) {}

  private namespaces(): string[] {
    const names = [...(this.cfg.namespaces?.names ?? [])];
    if (this.cfg.namespaces?.own_namespace)
      names.push(read(join(this.opts.serviceAccountDir ?? SA_DIR, 'namespace')).trim());
    return names;
  }

  private selector(role: string): Record<string, string | undefined> {
    const s = this.cfg.selectors.find((x) => x.role === role);
    return { labelSelector: s?.label, fieldSelector: s?.field };
  }

  async start(update: (groups: TargetGroup[]) => void): Promise<void> {
    this.update = update;
    this.client = new KubeClient(apiTargetFor(this.cfg, this.opts));
    const resources: [string, string][] = {
      pod: [['pods', 'pod']],
      service: [['services', 'service']],
      node: [['nodes', 'node']],
      endpoints: [
        ['endpoints', 'endpoints'],
        ['services', 'service'],
        ['pods', 'pod'],
      ],
    }[this.cfg.role as 'pod'] as [string, string][];
    // nodes are not namespaced
    const namespaces = this.cfg.role === 'node' ? [] : this.namespaces();
    for (const [resource, role] of resources)
      for (const ns of namespaces.length ? namespaces : ['']) {
        const path = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/${resource}` : `/api/v1/${resource}`;
        const informer = new Informer<KObject>(
          this.client,
          path,
          this.selector(role),
          { upsert: () => this.changed(), delete: () => this.changed() },
          this.logger,
        );
        this.informers.push({ resource, informer });
      }
    for (const { informer } of this.informers) informer.start();
    // Report once every list has arrived, so endpoints are joined with their pods and services.
    void Promise.all(this.informers.map((i) => i.informer.synced)).then(() => {
      this.synced = true;
      this.emit();
    });
  }

  private changed(): void {
    if (!this.synced || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emit();
    }, this.opts.debounceMs ?? 20);
  }

  private items<T>(resource: string): T[] {
    const out: T[] = [];
    for (const i of this.informers)
      if (i.resource === resource) for (const o of i.informer.items.values()) out.push(o as T);
    return out;
  }

  /** The current groups, from the informers' caches. */
  groups(): TargetGroup[] {
    if (this.cfg.role === 'pod') return this.items<Pod>('pods').map(buildPodGroup);
    if (this.cfg.role === 'service') return this.items<Service>('services').map(buildServiceGroup);
    if (this.cfg.role === 'node')
      return this.items<Node>('nodes').flatMap((n) => {
        const g = buildNodeGroup(n);
        if (!g) this.logger.warn({ node: n.metadata.name }, 'kubernetes_sd: no node address found');
        return g ? [g] : [];
      });
    const pods = new Map<string, Pod>();
    for (const p of this.items<Pod>('pods')) pods.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    const services = new Map<string, Service>();
    for (const s of this.items<Service>('services'))
      services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
    return this.items<Endpoints>('endpoints').map((eps) =>
      buildEndpointsGroup(eps, services.get(`${eps.metadata.namespace}/${eps.metadata.name}`), (ns, name) =>
        pods.get(`${ns}/${name}`),
      ),
    );
  }

  private emit(): void {
    if (!this.stopped) this.update?.(this.groups());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.informers.map((i) => i.informer.stop()));
    await this.client?.close();
  }
}
