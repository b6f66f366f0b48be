// Adds Kubernetes metadata to each resource: finds the pod by pod_association
// and sets the attributes `extract` asks for, never overwriting one the data
// already has.
import type { ComponentSettings, Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { type ApiTarget, KubeClient, type KubeClientOptions } from '../../src/k8s/client.js';
import { Informer, type InformerOptions } from '../../src/k8s/informer.js';
import { findAttr } from '../../src/pdata/attributes.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { KeyValue, Resource } from '../../src/pdata/types.js';
import { connectionIp, type Rule, resourceKeys, rulesOf } from './association.js';
import type { K8sAttributesConfig } from './config.js';
import { containerAttributes } from './extract.js';
import { PodStore } from './store.js';
import type { Namespace, Pod } from './types.js';

function resourcesOf(data: unknown): { resource: Resource }[] {
  const d = data as { resourceSpans?: { resource: Resource }[]; resourceLogs?: []; resourceMetrics?: [] };
  return d.resourceSpans ?? d.resourceLogs ?? d.resourceMetrics ?? [];
}

/** Label selector text from filter.labels. */
export function labelSelector(c: K8sAttributesConfig): string | undefined {
  const parts = c.filter.labels.map((l) => {
    switch (l.op) {
      case 'equals':
        return `${l.key}=${l.value ?? ''}`;
      case 'not-equals':
        return `${l.key}!=${l.value ?? ''}`;
      case 'exists':
        return l.key;
      default:
        return `!${l.key}`;
    }
  });
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Field selector text from filter.node / node_from_env_var / fields. */
export function fieldSelector(
  c: K8sAttributesConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const parts = c.filter.fields.map((f) => `${f.key}${f.op === 'not-equals' ? '!=' : '='}${f.value ?? ''}`);
  const node = c.filter.node_from_env_var ? env[c.filter.node_from_env_var] : c.filter.node;
  if (c.filter.node_from_env_var && !node)
    throw new Error(
      `filter.node_from_env_var: environment variable ${c.filter.node_from_env_var} is not set`,
    );
  if (node) parts.unshift(`spec.nodeName=${node}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

export interface PodWatcherOptions {
  client?: KubeClientOptions;
  informer?: InformerOptions;
  /** Where filter.node_from_env_var is looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The pod cache and its informers, shared by every pipeline using one component ID. */
export class PodWatcher {
  readonly store: PodStore;
  readonly rules: Rule[];
  private readonly client: KubeClient | undefined;
  private readonly informers: Informer<Pod | Namespace>[] = [];
  private users = 0;

  constructor(
    readonly config: K8sAttributesConfig,
    settings: ComponentSettings,
    target: (() => ApiTarget) | undefined,
    options: PodWatcherOptions = {},
  ) {
    this.rules = rulesOf(config);
    this.store = new PodStore(config, this.rules);
    if (config.passthrough || !target) return;
    this.client = new KubeClient(target(), options.client);
    const ns = config.filter.namespace;
    const podPath = ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}/pods` : '/api/v1/pods';
    const query = {
      labelSelector: labelSelector(config),
      fieldSelector: fieldSelector(config, options.env),
    };
    const store = this.store;
    const needNamespaces = [...config.extract.labels, ...config.extract.annotations].some(
      (f) => f.from === 'namespace',
    );
    if (needNamespaces)
      this.informers.push(
        new Informer<Namespace>(
          this.client,
          '/api/v1/namespaces',
          {},
          {
            upsert: (n) => store.upsertNamespace(n),
            delete: (n) => store.deleteNamespace(n),
          },
          settings.logger,
          options.informer,
        ) as Informer<Pod | Namespace>,
      );
    this.informers.push(
      new Informer<Pod>(
        this.client,
        podPath,
        query,
        {
          upsert: (p) => store.upsertPod(p),
          delete: (p) => store.deletePod(p),
        },
        settings.logger,
        options.informer,
      ) as Informer<Pod | Namespace>,
    );
  }

  get podInformer(): Informer<Pod | Namespace> | undefined {
    return this.informers.at(-1);
  }

  async start(): Promise<void> {
    if (this.users++ > 0) return;
    for (const i of this.informers) i.start();
    if (!this.config.wait_for_metadata || this.informers.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('failed to wait for caches to sync (wait_for_metadata_timeout)')),
        this.config.wait_for_metadata_timeout,
      );
    });
    try {
      await Promise.race([Promise.all(this.informers.map((i) => i.synced)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the last user stopped. */
  async stop(): Promise<boolean> {
    if (--this.users > 0) return false;
    this.users = 0;
    await Promise.all(this.informers.map((i) => i.stop()));
    this.store.clear();
    await this.client?.close();
    return true;
  }
}

export class K8sAttributesProcessor<S extends Signal> implements Processor<S> {
  constructor(
    private readonly watcher: PodWatcher,
    private readonly next: Consumer<S>,
    private readonly onIdle: () => void = () => {},
  ) {}

  async start(_host?: Host): Promise<void> {
    await this.watcher.start();
  }

  async shutdown(): Promise<void> {
    if (await this.watcher.stop()) this.onIdle();
  }

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    for (const r of resourcesOf(data)) this.enrich(r.resource.attributes, ctx);
    return this.next.consume(data, ctx);
  }

  private enrich(attrs: KeyValue[], ctx: RequestContext | undefined): void {
    const { config, store, rules } = this.watcher;
    if (config.passthrough) {
      const ip = connectionIp(ctx?.clientAddress);
      if (ip && !findAttr(attrs, 'k8s.pod.ip')) attrs.push({ key: 'k8s.pod.ip', value: { stringValue: ip } });
      return;
    }
    const entry = store.lookup(resourceKeys(attrs, ctx?.clientAddress, rules));
    if (!entry) return;
    for (const [k, v] of entry.attrs)
      if (!findAttr(attrs, k)) attrs.push({ key: k, value: { stringValue: v } });
    const container = findAttr(attrs, 'k8s.container.name')?.value;
    if (container && 'stringValue' in container) {
      const rc = findAttr(attrs, 'k8s.container.restart_count')?.value;
      const restart =
        rc && 'intValue' in rc
          ? Number(rc.intValue)
          : rc && 'stringValue' in rc
            ? Number(rc.stringValue)
            : undefined;
      for (const [k, v] of containerAttributes(entry.pod, config, container.stringValue as string, restart))
        if (!findAttr(attrs, k)) attrs.push({ key: k, value: { stringValue: v } });
    }
  }
}
