// The kubelet's /stats/summary (Summary API, stats/v1alpha1) into the
// collector's metrics, one ResourceMetrics per node, pod, container and
// volume (the collector's accumulator.go): cpu.time = usageCoreNanoSeconds
// / 1e9 (cumulative from the entity's startTime), cpu.usage =
// usageNanoCores / 1e9, memory.* from the memory stats, filesystem.* from
// the node's fs, the pod's ephemeral-storage and the container's rootfs,
// network.* per direction from the default interface (all interfaces with
// collect_all_network_interfaces), volume metrics from each pod volume.
import { setAttr, str } from '../../src/pdata/attributes.js';
import { newResourceMetrics, newScope, newScopeMetrics } from '../../src/pdata/create.js';
import type { MetricsData } from '../../src/pdata/types.js';
import type { KubeletStatsConfig } from './config.js';
import { METRICS, MetricSet, RESOURCE_ATTRIBUTES_OFF } from './metrics.js';

export const SCOPE_NAME =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/kubeletstatsreceiver';

interface Cpu {
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}
interface Memory {
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}
interface Fs {
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}
interface Iface {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}
interface Network extends Iface {
  interfaces?: Iface[];
}
export interface Summary {
  node: { nodeName: string; startTime?: string; cpu?: Cpu; memory?: Memory; network?: Network; fs?: Fs };
  pods?: {
    podRef: { name: string; namespace: string; uid: string };
    startTime?: string;
    containers?: { name: string; startTime?: string; cpu?: Cpu; memory?: Memory; rootfs?: Fs }[];
    cpu?: Cpu;
    memory?: Memory;
    network?: Network;
    volume?: (Fs & { name: string; pvcRef?: { name: string; namespace: string } })[];
    'ephemeral-storage'?: Fs;
  }[];
}

/** From the kubelet's /pods, for extra_metadata_labels. */
export interface PodMetadata {
  /** container.id per pod uid and container name (runtime prefix removed). */
  containerIds: Map<string, Map<string, string>>;
  /** volume type per pod uid and volume name (the VolumeSource key: emptyDir, configMap, ...). */
  volumeTypes: Map<string, Map<string, string>>;
}

export function podMetadata(pods: { items?: any[] }): PodMetadata {
  const containerIds = new Map<string, Map<string, string>>();
  const volumeTypes = new Map<string, Map<string, string>>();
  for (const p of pods.items ?? []) {
    const uid = p.metadata?.uid;
    if (!uid) continue;
    const ids = new Map<string, string>();
    for (const cs of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])])
      if (cs.containerID) ids.set(cs.name, String(cs.containerID).replace(/^[a-z0-9-]+:\/\//i, ''));
    containerIds.set(uid, ids);
    const types = new Map<string, string>();
    for (const v of p.spec?.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (type) types.set(v.name, type);
    }
    volumeTypes.set(uid, types);
  }
  return { containerIds, volumeTypes };
}

const nanos = (iso: string | undefined): bigint => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? 0n : BigInt(t) * 1_000_000n;
};

export function translate(
  summary: Summary,
  config: KubeletStatsConfig,
  meta: PodMetadata | undefined,
  nowMs = Date.now(),
): MetricsData {
  const now = BigInt(nowMs) * 1_000_000n;
  const out: MetricsData = { resourceMetrics: [] };
  const groups = new Set(config.metric_groups);
  const enabled = (name: string) => config.metrics[name]?.enabled ?? METRICS[name]?.default ?? false;
  const attrOn = (name: string) =>
    config.resource_attributes[name]?.enabled ?? !RESOURCE_ATTRIBUTES_OFF.has(name);
  const emit = (attrs: [string, string | undefined][], set: MetricSet) => {
    if (set.metrics.length === 0) return;
    const rm = newResourceMetrics();
    for (const [k, v] of attrs) if (v !== undefined && attrOn(k)) setAttr(rm.resource.attributes, k, str(v));
    const sm = newScopeMetrics(newScope(SCOPE_NAME));
    sm.metrics.push(...set.metrics);
    rm.scopeMetrics.push(sm);
    out.resourceMetrics.push(rm);
  };
  const uptime = (start: string | undefined) => {
    const t = start ? Date.parse(start) : Number.NaN;
    return Number.isNaN(t) ? undefined : Math.floor((nowMs - t) / 1000);
  };
  const common = (set: MetricSet, p: string, cpu?: Cpu, memory?: Memory, fs?: Fs, start = 0n) => {
    set.record(
      `${p}.cpu.time`,
      cpu?.usageCoreNanoSeconds !== undefined ? cpu.usageCoreNanoSeconds / 1e9 : undefined,
      start,
    );
    set.record(`${p}.cpu.usage`, cpu?.usageNanoCores !== undefined ? cpu.usageNanoCores / 1e9 : undefined);
    set.record(`${p}.memory.available`, memory?.availableBytes);
    set.record(`${p}.memory.usage`, memory?.usageBytes);
    set.record(`${p}.memory.rss`, memory?.rssBytes);
    set.record(`${p}.memory.working_set`, memory?.workingSetBytes);
    set.record(`${p}.memory.page_faults`, memory?.pageFaults);
    set.record(`${p}.memory.major_page_faults`, memory?.majorPageFaults);
    set.record(`${p}.filesystem.available`, fs?.availableBytes);
    set.record(`${p}.filesystem.capacity`, fs?.capacityBytes);
    set.record(`${p}.filesystem.usage`, fs?.usedBytes);
  };
  const network = (set: MetricSet, p: string, net: Network | undefined, all: boolean, start: bigint) => {
    if (!net) return;
    const ifaces = all && net.interfaces?.length ? net.interfaces : net.name ? [net] : [];
    for (const i of ifaces) {
      set.record(`${p}.network.io`, i.rxBytes, start, [
        ['interface', i.name],
        ['direction', 'receive'],
      ]);
      set.record(`${p}.network.io`, i.txBytes, start, [
        ['interface', i.name],
        ['direction', 'transmit'],
      ]);
      set.record(`${p}.network.errors`, i.rxErrors, start, [
        ['interface', i.name],
        ['direction', 'receive'],
      ]);
      set.record(`${p}.network.errors`, i.txErrors, start, [
        ['interface', i.name],
        ['direction', 'transmit'],
      ]);
    }
  };

  const node = summary.node;
  if (groups.has('node') && node) {
    const set = new MetricSet(enabled, now);
    const start = nanos(node.startTime);
    common(set, 'k8s.node', node.cpu, node.memory, node.fs, start);
    network(set, 'k8s.node', node.network, config.collect_all_network_interfaces.node, start);
    set.record('k8s.node.uptime', uptime(node.startTime), start);
    set.record('k8s.node.filesystem.inode.count', node.fs?.inodes, start);
    set.record('k8s.node.filesystem.inode.free', node.fs?.inodesFree, start);
    emit([['k8s.node.name', node.nodeName]], set);
  }
  for (const pod of summary.pods ?? []) {
    const podAttrs: [string, string | undefined][] = [
      ['k8s.pod.uid', pod.podRef.uid],
      ['k8s.pod.name', pod.podRef.name],
      ['k8s.namespace.name', pod.podRef.namespace],
    ];
    const podStart = nanos(pod.startTime);
    if (groups.has('pod')) {
      const set = new MetricSet(enabled, now);
      common(set, 'k8s.pod', pod.cpu, pod.memory, pod['ephemeral-storage'], podStart);
      network(set, 'k8s.pod', pod.network, config.collect_all_network_interfaces.pod, podStart);
      set.record('k8s.pod.uptime', uptime(pod.startTime), podStart);
      emit(podAttrs, set);
    }
    if (groups.has('container'))
      for (const c of pod.containers ?? []) {
        const set = new MetricSet(enabled, now);
        const start = nanos(c.startTime);
        common(set, 'container', c.cpu, c.memory, c.rootfs, start);
        set.record('container.uptime', uptime(c.startTime), start);
        const id = config.extra_metadata_labels.includes('container.id')
          ? meta?.containerIds.get(pod.podRef.uid)?.get(c.name)
          : undefined;
        emit([...podAttrs, ['k8s.container.name', c.name], ['container.id', id]], set);
      }
    if (groups.has('volume'))
      for (const v of pod.volume ?? []) {
        const set = new MetricSet(enabled, now);
        set.record('k8s.volume.available', v.availableBytes);
        set.record('k8s.volume.capacity', v.capacityBytes);
        set.record('k8s.volume.inodes', v.inodes);
        set.record('k8s.volume.inodes.free', v.inodesFree);
        set.record('k8s.volume.inodes.used', v.inodesUsed);
        const type = config.extra_metadata_labels.includes('k8s.volume.type')
          ? meta?.volumeTypes.get(pod.podRef.uid)?.get(v.name)
          : undefined;
        emit(
          [
            ...podAttrs,
            ['k8s.volume.name', v.name],
            ['k8s.volume.type', type],
            ['k8s.persistentvolumeclaim.name', v.pvcRef?.name],
          ],
          set,
        );
      }
  }
  return out;
}
