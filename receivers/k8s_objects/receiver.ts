// Pulls (list every interval) or watches Kubernetes objects and hands them on
// as log records (logdata.ts). With `k8s_leader_elector`, it collects only
// while this instance leads. Discovery, lists and watches that fail are
// logged and retried in the background (start does not wait on the API
// server), where the collector fails its start on a discovery error.
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { type ApiTarget, KubeClient, type WatchEvent } from '../../src/k8s/client.js';
import { type GroupVersionResource, preferredResources, resourcePath } from '../../src/k8s/discovery.js';
import { runWhileLeader } from '../../src/k8s/leader.js';
import { goRegExp } from '../../src/regexp/go.js';
import type { K8sObjectsConfig, ObjectConfig } from './config.js';
import { type KubeObject, pullToLogs, watchToLogs } from './logdata.js';

export interface ReceiverOptions {
  /** Wait before retrying a failed discovery, list or watch (default 5 s). */
  retryMs?: number;
  /** timeoutSeconds of each watch request (default 300–600 at random, as client-go). */
  watchTimeoutSeconds?: () => number;
}

class Gone extends Error {}

export class K8sObjectsReceiver implements Component {
  private client: KubeClient | undefined;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly retryMs: number;
  private readonly watchTimeout: () => number;
  private readonly excludeNs: ((ns: string) => boolean)[][];

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: K8sObjectsConfig,
    private readonly next: Consumer<'logs'>,
    private readonly target: () => ApiTarget,
    options: ReceiverOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 5000;
    this.watchTimeout = options.watchTimeoutSeconds ?? (() => Math.floor(300 * (1 + Math.random())));
    this.excludeNs = config.objects.map((o) =>
      o.exclude_namespaces.map((f) => {
        if (f.strict !== undefined) return (ns: string) => ns === f.strict;
        const re = goRegExp(f.regexp as string);
        return (ns: string) => re.test(ns);
      }),
    );
  }

  async start(host: Host): Promise<void> {
    const log = this.settings.logger;
    if (this.config.objects.some((o) => o.persist_resource_version) || this.config.storage)
      log.warn(
        'k8s_objects: persist_resource_version / storage are not implemented: watches resume from a fresh list after a restart',
      );
    runWhileLeader(
      (id) => host.getExtension(id),
      this.config.k8s_leader_elector,
      () => this.startCollecting(),
      () => void this.stopCollecting(),
    );
    if (this.config.k8s_leader_elector)
      log.info('k8s_objects: registered in leader election; collects while leader');
  }

  private startCollecting(): void {
    if (this.running) return;
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.run(abort.signal).catch((err) =>
      this.settings.logger.error({ err: (err as Error).message }, 'k8s_objects stopped collecting'),
    );
  }

  private async stopCollecting(): Promise<void> {
    this.abort?.abort();
    const r = this.running;
    this.running = undefined;
    await r;
  }

  async shutdown(): Promise<void> {
    await this.stopCollecting();
    await this.client?.close();
    this.client = undefined;
  }

  private sleep(signal: AbortSignal, ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** The collector's error_mode for a resource it cannot find. */
  private reportError(message: string): void {
    const log = this.settings.logger;
    if (this.config.error_mode === 'propagate') log.error(message);
    else if (this.config.error_mode === 'ignore') log.info(message);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const log = this.settings.logger;
    let resources: Map<string, GroupVersionResource[]> | undefined;
    while (!signal.aborted && !resources) {
      try {
        this.client ??= new KubeClient(this.target());
        resources = await preferredResources(this.client, signal);
      } catch (err) {
        if (signal.aborted) return;
        log.warn({ err: (err as Error).message }, 'k8s_objects: API discovery failed; retrying');
        await this.sleep(signal, this.retryMs);
      }
    }
    if (!resources || !this.client) return;
    const loops: Promise<void>[] = [];
    this.config.objects.forEach((object, i) => {
      const gvrs = resources.get(object.name);
      if (!gvrs) {
        this.reportError(
          `resource not found: ${object.name}. Available resources in cluster: ${[...resources.keys()].join(', ')}`,
        );
        return;
      }
      const gvr = gvrs.find((g) => g.group === object.group) ?? gvrs[0];
      log.info(
        {
          resource: `${gvr.group}/${gvr.version}/${gvr.resource}`,
          mode: object.mode,
          namespaces: object.namespaces,
        },
        'Started collecting',
      );
      const namespaces = object.namespaces.length > 0 ? object.namespaces : [undefined];
      for (const ns of namespaces) {
        const path = resourcePath(gvr, ns);
        loops.push(
          object.mode === 'pull'
            ? this.pullLoop(object, i, gvr, path, signal)
            : this.watchLoop(object, i, gvr, path, signal),
        );
      }
    });
    if (loops.length === 0) log.error('k8s_objects: no valid Kubernetes objects found to watch');
    await Promise.all(loops);
  }

  private keep(i: number, obj: KubeObject): boolean {
    const ns = obj.metadata?.namespace;
    return !ns || !this.excludeNs[i].some((f) => f(ns));
  }

  private async deliver(data: ReturnType<typeof pullToLogs>): Promise<void> {
    if (data.resourceLogs.length === 0) return;
    try {
      await this.next.consume(data);
    } catch (err) {
      this.settings.logger.warn(
        { err: (err as Error).message },
        'k8s_objects: the pipeline refused log records',
      );
    }
  }

  private selectors(object: ObjectConfig): Record<string, string> {
    return { labelSelector: object.label_selector, fieldSelector: object.field_selector };
  }

  private async pullLoop(
    object: ObjectConfig,
    i: number,
    gvr: GroupVersionResource,
    path: string,
    signal: AbortSignal,
  ): Promise<void> {
    const query: Record<string, string> = this.selectors(object);
    if (object.resource_version) {
      query.resourceVersion = object.resource_version;
      query.resourceVersionMatch = 'Exact';
    }
    while (!signal.aborted) {
      try {
        const list = await this.client!.get<{ items: KubeObject[] }>(path, query, signal);
        const items = (list.items ?? []).filter((o) => this.keep(i, o));
        if (items.length > 0) await this.deliver(pullToLogs(gvr.resource, items));
      } catch (err) {
        if (signal.aborted) return;
        this.settings.logger.error({ err: (err as Error).message, path }, 'error in pulling object');
      }
      await this.sleep(signal, object.interval);
    }
  }

  private async watchLoop(
    object: ObjectConfig,
    i: number,
    gvr: GroupVersionResource,
    path: string,
    signal: AbortSignal,
  ): Promise<void> {
    const log = this.settings.logger;
    const excluded = new Set<string>(object.exclude_watch_type);
    let rv = object.resource_version;
    let initialSent = false;
    while (!signal.aborted) {
      try {
        if (this.config.include_initial_state && !initialSent) {
          const list = await this.client!.get<{ items: KubeObject[] }>(path, this.selectors(object), signal);
          for (const o of list.items ?? [])
            if (this.keep(i, o)) await this.deliver(watchToLogs(gvr.resource, 'ADDED', o));
          initialSent = true;
        }
        if (!rv || rv === '0') {
          // a watch without a version starts with synthetic ADDEDs of everything: list first
          const list = await this.client!.get<{ metadata?: { resourceVersion?: string } }>(
            path,
            this.selectors(object),
            signal,
          );
          rv = list.metadata?.resourceVersion || '1';
        }
        // events are handed on one at a time, in order; the stream is read meanwhile
        let chain = Promise.resolve();
        let gone: Gone | undefined;
        await this.client!.watch<KubeObject>(
          path,
          { ...this.selectors(object), resourceVersion: rv },
          (e: WatchEvent<KubeObject>) => {
            if (e.type === 'ERROR') {
              const status = e.object as { code?: number; message?: string };
              if (status.code === 410) gone = new Gone(status.message ?? 'resource version too old');
              throw gone ?? new Error(`watch error: ${status.message ?? JSON.stringify(status)}`);
            }
            const v = e.object?.metadata?.resourceVersion;
            if (v) rv = v;
            if (e.type === 'BOOKMARK' || excluded.has(e.type) || !this.keep(i, e.object)) return;
            const data = watchToLogs(gvr.resource, e.type, e.object);
            chain = chain.then(() => this.deliver(data));
          },
          signal,
          this.watchTimeout(),
        ).finally(() => chain);
        await chain;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof Gone || (err as { status?: number }).status === 410) {
          log.info({ path }, 'received a 410, grabbing new resource version');
          rv = '';
          continue;
        }
        log.warn({ err: (err as Error).message, path }, 'k8s_objects: watch failed; retrying');
        await this.sleep(signal, this.retryMs);
      }
    }
  }
}
