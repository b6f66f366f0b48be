// Watches the cluster (list + watch informers from src/k8s for pods, nodes,
// namespaces, deployments, replicasets, daemonsets, statefulsets) and every
// collection_interval emits the state's metrics (collect.ts). With
// `k8s_leader_elector` it runs only while this instance leads. With
// `namespaces`, namespaced kinds are watched per namespace and nodes and
// namespaces are not observed (as the collector). A missing API server or
// credentials is logged and retried in the background.
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { type ApiTarget, KubeClient } from '../../src/k8s/client.js';
import { Informer, type InformerOptions } from '../../src/k8s/informer.js';
import { runWhileLeader } from '../../src/k8s/leader.js';
import type { KObject } from '../../src/k8s/types.js';
import { type ClusterState, collect } from './collect.js';
import type { K8sClusterConfig } from './config.js';
import { NOT_IMPLEMENTED_DEFAULT, NOT_IMPLEMENTED_OPTIONAL } from './metrics.js';

const KINDS = {
  pods: '/api/v1/pods',
  nodes: '/api/v1/nodes',
  namespaces: '/api/v1/namespaces',
  deployments: '/apis/apps/v1/deployments',
  replicasets: '/apis/apps/v1/replicasets',
  daemonsets: '/apis/apps/v1/daemonsets',
  statefulsets: '/apis/apps/v1/statefulsets',
} as const;
type Kind = keyof typeof KINDS;
const CLUSTER_SCOPED: Kind[] = ['nodes', 'namespaces'];

export interface ClusterReceiverOptions extends InformerOptions {
  /** Wait before retrying when the API client cannot be made (default 5 s). */
  retryMs?: number;
}

export class K8sClusterReceiver implements Component {
  private client: KubeClient | undefined;
  private informers: { kind: Kind; informer: Informer<KObject> }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private emitting: Promise<void> = Promise.resolve();
  /** Collections emitted. */
  collections = 0;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: K8sClusterConfig,
    private readonly next: Consumer<'metrics'>,
    private readonly target: () => ApiTarget,
    private readonly options: ClusterReceiverOptions = {},
  ) {}

  async start(host: Host): Promise<void> {
    const log = this.settings.logger;
    if (this.config.metadata_exporters.length > 0)
      log.warn(
        { metadata_exporters: this.config.metadata_exporters },
        'k8s_cluster: metadata_exporters is not implemented (no Tsunagi exporter takes Kubernetes metadata); ignored',
      );
    if (this.config.distribution === 'openshift')
      log.warn('k8s_cluster: distribution openshift: cluster quota metrics are not implemented');
    const notBuilt = NOT_IMPLEMENTED_DEFAULT.filter((m) => this.config.metrics[m]?.enabled !== false).concat(
      NOT_IMPLEMENTED_OPTIONAL.filter((m) => this.config.metrics[m]?.enabled === true),
    );
    log.warn(
      { metrics: notBuilt },
      'k8s_cluster: these metrics of the collector are not implemented and are not emitted (jobs, cronjobs, HPAs, resource quotas, replication controllers, ...)',
    );
    runWhileLeader(
      (id) => host.getExtension(id),
      this.config.k8s_leader_elector,
      () => this.startCollecting(),
      () => void this.stopCollecting(),
    );
  }

  private namespaces(): string[] {
    if (this.config.namespaces.length > 0) return this.config.namespaces;
    return this.config.namespace ? [this.config.namespace] : [];
  }

  private startCollecting(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    const begin = async () => {
      while (!abort.signal.aborted && !this.client) {
        try {
          this.client = new KubeClient(this.target());
        } catch (err) {
          this.settings.logger.error(
            { err: (err as Error).message },
            'k8s_cluster: cannot reach the API server; retrying',
          );
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, this.options.retryMs ?? 5000);
            abort.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(t);
                resolve();
              },
              { once: true },
            );
          });
        }
      }
      if (abort.signal.aborted || !this.client) return;
      const nss = this.namespaces();
      for (const [kind, path] of Object.entries(KINDS) as [Kind, string][]) {
        if (nss.length > 0 && CLUSTER_SCOPED.includes(kind)) continue;
        const paths =
          nss.length > 0
            ? nss.map((ns) => path.replace(/\/([a-z]+)$/, `/namespaces/${encodeURIComponent(ns)}/$1`))
            : [path];
        for (const p of paths) {
          const informer = new Informer<KObject>(
            this.client,
            p,
            {},
            { upsert() {}, delete() {} },
            this.settings.logger,
            this.options,
          );
          informer.start();
          this.informers.push({ kind, informer });
        }
      }
      this.timer = setInterval(() => {
        this.emitting = this.emitting.then(() => this.emit());
      }, this.config.collection_interval);
    };
    void begin();
  }

  private state(): ClusterState {
    const of = (kind: Kind) =>
      this.informers.filter((i) => i.kind === kind).flatMap((i) => [...i.informer.items.values()]);
    return {
      pods: of('pods'),
      nodes: of('nodes'),
      namespaces: of('namespaces'),
      deployments: of('deployments'),
      replicasets: of('replicasets'),
      daemonsets: of('daemonsets'),
      statefulsets: of('statefulsets'),
    };
  }

  /** One collection from the caches (the informers that have listed at least once). */
  async emit(): Promise<void> {
    const data = collect(this.state(), this.config);
    this.collections++;
    if (data.resourceMetrics.length === 0) return;
    try {
      await this.next.consume(data);
    } catch (err) {
      this.settings.logger.warn({ err: (err as Error).message }, 'k8s_cluster: the pipeline refused metrics');
    }
  }

  private async stopCollecting(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    const informers = this.informers;
    this.informers = [];
    await Promise.all(informers.map((i) => i.informer.stop()));
    await this.emitting;
  }

  async shutdown(): Promise<void> {
    await this.stopCollecting();
    const c = this.client;
    this.client = undefined;
    await c?.close();
  }
}
