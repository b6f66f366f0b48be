// The cluster state (the informers' caches) as the collector's metrics, one
// ResourceMetrics per object: pods (k8s.pod.phase) and their containers
// (restarts, ready, requests/limits), nodes (k8s.node.condition_<type> per
// node_conditions_to_report: 1 true, 0 false, -1 unknown or absent;
// k8s.node.allocatable_<type> per allocatable_types_to_report), namespaces,
// deployments, replicasets, daemonsets and statefulsets.
import { newResourceMetrics, newScope, newScopeMetrics } from '../../src/pdata/create.js';
import type { MetricsData } from '../../src/pdata/types.js';
import type { K8sClusterConfig } from './config.js';
import { GaugeSet, IMPLEMENTED, RESOURCE_ATTRIBUTES_OFF, resourceAttrs, toSnake } from './metrics.js';
import { quantityCores, quantityValue } from './quantity.js';

export const SCOPE_NAME =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/k8sclusterreceiver';

export interface ClusterState {
  pods: Iterable<any>;
  nodes: Iterable<any>;
  namespaces: Iterable<any>;
  deployments: Iterable<any>;
  replicasets: Iterable<any>;
  daemonsets: Iterable<any>;
  statefulsets: Iterable<any>;
}

const PHASE: Record<string, number> = { Pending: 1, Running: 2, Succeeded: 3, Failed: 4, Unknown: 5 };
const CONDITION: Record<string, number> = { True: 1, False: 0, Unknown: -1 };

/** Image reference → name and tag, as the collector's docker.ParseImageName (tag "latest" when absent). */
export function parseImage(image: string | undefined): { name?: string; tag?: string } {
  if (!image) return {};
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > slash) return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { name: noDigest, tag: image.includes('@') ? undefined : 'latest' };
}

const stripContainerId = (id: string | undefined) => id?.replace(/^[a-z0-9-]+:\/\//i, '');

export function collect(state: ClusterState, config: K8sClusterConfig, nowMs = Date.now()): MetricsData {
  const now = BigInt(nowMs) * 1_000_000n;
  const enabled = (name: string) => config.metrics[name]?.enabled ?? name in IMPLEMENTED;
  const attrOn = (name: string) =>
    config.resource_attributes[name]?.enabled ?? !RESOURCE_ATTRIBUTES_OFF.has(name);
  const out: MetricsData = { resourceMetrics: [] };
  const emit = (attrs: [string, string | undefined][], set: GaugeSet) => {
    if (set.metrics.length === 0) return;
    const rm = newResourceMetrics();
    rm.resource.attributes = resourceAttrs(attrs, attrOn);
    const sm = newScopeMetrics(newScope(SCOPE_NAME));
    sm.metrics = set.metrics;
    rm.scopeMetrics.push(sm);
    out.resourceMetrics.push(rm);
  };
  const meta = (o: any, kind: string): [string, string | undefined][] => [
    [`k8s.${kind}.uid`, o.metadata?.uid],
    [`k8s.${kind}.name`, o.metadata?.name],
    ['k8s.namespace.name', o.metadata?.namespace],
  ];

  for (const pod of state.pods) {
    const podAttrs: [string, string | undefined][] = [
      ['k8s.namespace.name', pod.metadata?.namespace],
      ['k8s.node.name', pod.spec?.nodeName],
      ['k8s.pod.name', pod.metadata?.name],
      ['k8s.pod.uid', pod.metadata?.uid],
    ];
    const set = new GaugeSet(enabled, now);
    set.record('k8s.pod.phase', PHASE[pod.status?.phase] ?? PHASE.Unknown);
    emit(podAttrs, set);
    const statuses = new Map<string, any>((pod.status?.containerStatuses ?? []).map((s: any) => [s.name, s]));
    for (const c of pod.spec?.containers ?? []) {
      const st = statuses.get(c.name);
      const cs = new GaugeSet(enabled, now);
      const req = c.resources?.requests ?? {};
      const lim = c.resources?.limits ?? {};
      cs.record('k8s.container.cpu_request', quantityCores(req.cpu));
      cs.record('k8s.container.cpu_limit', quantityCores(lim.cpu));
      cs.record('k8s.container.memory_request', quantityValue(req.memory));
      cs.record('k8s.container.memory_limit', quantityValue(lim.memory));
      cs.record('k8s.container.ephemeralstorage_request', quantityValue(req['ephemeral-storage']));
      cs.record('k8s.container.ephemeralstorage_limit', quantityValue(lim['ephemeral-storage']));
      cs.record('k8s.container.storage_request', quantityValue(req.storage));
      cs.record('k8s.container.storage_limit', quantityValue(lim.storage));
      if (st) {
        cs.record('k8s.container.restarts', st.restartCount ?? 0);
        cs.record('k8s.container.ready', st.ready ? 1 : 0);
      }
      const image = parseImage(st?.image ?? c.image);
      emit(
        [
          ['container.id', stripContainerId(st?.containerID)],
          ['k8s.container.name', c.name],
          ['container.image.name', image.name],
          ['container.image.tag', image.tag],
          ...podAttrs,
        ],
        cs,
      );
    }
  }

  for (const node of state.nodes) {
    const set = new GaugeSet(enabled, now);
    for (const type of config.node_conditions_to_report) {
      const status = (node.status?.conditions ?? []).find((c: any) => c.type === type)?.status;
      set.custom(
        `k8s.node.condition_${toSnake(type)}`,
        '',
        `${type} condition status of the node (true=1, false=0, unknown=-1)`,
        CONDITION[status] ?? -1,
        false,
      );
    }
    for (const type of config.allocatable_types_to_report) {
      const q = node.status?.allocatable?.[type];
      if (q === undefined) continue;
      const cpu = type === 'cpu';
      const unit = cpu
        ? '{cpu}'
        : ['memory', 'ephemeral-storage', 'storage'].includes(type)
          ? 'By'
          : type === 'pods'
            ? '{pod}'
            : `{${type}}`;
      const value = cpu ? quantityCores(q) : quantityValue(q);
      if (value !== undefined)
        set.custom(
          `k8s.node.allocatable_${toSnake(type)}`,
          unit,
          `Amount of ${type} allocatable on the node`,
          value,
          cpu,
        );
    }
    emit(
      [
        ['k8s.node.uid', node.metadata?.uid],
        ['k8s.node.name', node.metadata?.name],
        ['k8s.kubelet.version', node.status?.nodeInfo?.kubeletVersion],
      ],
      set,
    );
  }

  for (const ns of state.namespaces) {
    const set = new GaugeSet(enabled, now);
    set.record('k8s.namespace.phase', ns.status?.phase === 'Terminating' ? 0 : 1);
    emit(
      [
        ['k8s.namespace.uid', ns.metadata?.uid],
        ['k8s.namespace.name', ns.metadata?.name],
      ],
      set,
    );
  }
  for (const d of state.deployments) {
    const set = new GaugeSet(enabled, now);
    set.record('k8s.deployment.desired', d.spec?.replicas ?? 1);
    set.record('k8s.deployment.available', d.status?.availableReplicas ?? 0);
    emit(meta(d, 'deployment'), set);
  }
  for (const r of state.replicasets) {
    const set = new GaugeSet(enabled, now);
    set.record('k8s.replicaset.desired', r.spec?.replicas ?? 1);
    set.record('k8s.replicaset.available', r.status?.availableReplicas ?? 0);
    emit(meta(r, 'replicaset'), set);
  }
  for (const d of state.daemonsets) {
    const set = new GaugeSet(enabled, now);
    set.record('k8s.daemonset.current_scheduled_nodes', d.status?.currentNumberScheduled ?? 0);
    set.record('k8s.daemonset.desired_scheduled_nodes', d.status?.desiredNumberScheduled ?? 0);
    set.record('k8s.daemonset.misscheduled_nodes', d.status?.numberMisscheduled ?? 0);
    set.record('k8s.daemonset.ready_nodes', d.status?.numberReady ?? 0);
    emit(meta(d, 'daemonset'), set);
  }
  for (const s of state.statefulsets) {
    const set = new GaugeSet(enabled, now);
    set.record('k8s.statefulset.desired_pods', s.spec?.replicas ?? 1);
    set.record('k8s.statefulset.ready_pods', s.status?.readyReplicas ?? 0);
    set.record('k8s.statefulset.current_pods', s.status?.currentReplicas ?? 0);
    set.record('k8s.statefulset.updated_pods', s.status?.updatedReplicas ?? 0);
    emit(meta(s, 'statefulset'), set);
  }
  return out;
}
