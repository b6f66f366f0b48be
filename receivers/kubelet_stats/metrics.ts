// The receiver's metrics as the collector's metadata.yaml / documentation.md
// define them: name, unit, gauge or cumulative sum, int or double, and
// whether it is on by default. Only the ones `translate.ts` computes are in
// IMPLEMENTED; enabling another logs a warning at start.
import { setAttr, str } from '../../src/pdata/attributes.js';
import type { KeyValue, Metric, NumberDataPoint } from '../../src/pdata/types.js';
import { AggregationTemporality } from '../../src/pdata/types.js';

interface Def {
  unit: string;
  description: string;
  sum?: { monotonic: boolean };
  double?: boolean;
  default: boolean;
}

const g = (unit: string, description: string, double = false): Def => ({
  unit,
  description,
  double,
  default: true,
});
const s = (unit: string, description: string, double = false, monotonic = true): Def => ({
  unit,
  description,
  double,
  sum: { monotonic },
  default: true,
});
const opt = (d: Def): Def => ({ ...d, default: false });

const CPU_TIME =
  'Total cumulative CPU time (sum of all cores) spent by the container/pod/node since its creation';
const CPU_USAGE = 'Total CPU usage (sum of all cores per second) averaged over the sample window';

function entity(prefix: string, label: string): Record<string, Def> {
  return {
    [`${prefix}.cpu.time`]: s('s', CPU_TIME, true),
    [`${prefix}.cpu.usage`]: g('{cpu}', CPU_USAGE, true),
    [`${prefix}.filesystem.available`]: g('By', `${label} filesystem available`),
    [`${prefix}.filesystem.capacity`]: g('By', `${label} filesystem capacity`),
    [`${prefix}.filesystem.usage`]: g('By', `${label} filesystem usage`),
    [`${prefix}.memory.available`]: g('By', `${label} memory available`),
    [`${prefix}.memory.major_page_faults`]: g('1', `${label} memory major_page_faults`),
    [`${prefix}.memory.page_faults`]: g('1', `${label} memory page_faults`),
    [`${prefix}.memory.rss`]: g('By', `${label} memory rss`),
    [`${prefix}.memory.usage`]: g('By', `${label} memory usage`),
    [`${prefix}.memory.working_set`]: g('By', `${label} memory working_set`),
  };
}

export const METRICS: Record<string, Def> = {
  ...entity('container', 'Container'),
  ...entity('k8s.node', 'Node'),
  'k8s.node.network.errors': s('1', 'Node network errors', false),
  'k8s.node.network.io': s('By', 'Node network IO', false),
  ...entity('k8s.pod', 'Pod'),
  'k8s.pod.network.errors': s('1', 'Pod network errors', false),
  'k8s.pod.network.io': s('By', 'Pod network IO', false),
  'k8s.volume.available': g('By', 'The number of available bytes in the volume.'),
  'k8s.volume.capacity': g('By', 'The total capacity in bytes of the volume.'),
  'k8s.volume.inodes': g('1', 'The total inodes in the filesystem.'),
  'k8s.volume.inodes.free': g('1', 'The free inodes in the filesystem.'),
  'k8s.volume.inodes.used': g(
    '1',
    'The inodes used by the filesystem. This may not equal inodes - free because filesystem may share inodes with other filesystems.',
  ),
  'container.uptime': opt(s('s', 'The time since the container started')),
  'k8s.node.uptime': opt(s('s', 'The time since the node started')),
  'k8s.pod.uptime': opt(s('s', 'The time since the pod started')),
  'k8s.node.filesystem.inode.count': opt(
    s('{inode}', "Total number of inodes in the node's root filesystem.", false, false),
  ),
  'k8s.node.filesystem.inode.free': opt(
    s('{inode}', "Number of free inodes in the node's root filesystem.", false, false),
  ),
};

/** Optional metrics of the collector this receiver does not compute (accepted; enabling one is logged). */
export const NOT_IMPLEMENTED = [
  'k8s.container.cpu.node.utilization',
  'k8s.container.cpu_limit_utilization',
  'k8s.container.cpu_request_utilization',
  'k8s.container.ephemeral_storage.usage',
  'k8s.container.memory.node.utilization',
  'k8s.container.memory_limit_utilization',
  'k8s.container.memory_request_utilization',
  'k8s.node.pid.limit',
  'k8s.node.pid.usage',
  'k8s.node.system_container.cpu.time',
  'k8s.node.system_container.cpu.usage',
  'k8s.node.system_container.memory.usage',
  'k8s.node.system_container.memory.working_set',
  'k8s.pod.cpu.node.utilization',
  'k8s.pod.cpu_limit_utilization',
  'k8s.pod.cpu_request_utilization',
  'k8s.pod.memory.node.utilization',
  'k8s.pod.memory_limit_utilization',
  'k8s.pod.memory_request_utilization',
  'k8s.pod.volume.usage',
] as const;

export const ALL_METRICS = [...Object.keys(METRICS), ...NOT_IMPLEMENTED] as string[] as [string, ...string[]];

export const RESOURCE_ATTRIBUTES = [
  'aws.volume.id',
  'container.id',
  'fs.type',
  'gce.pd.name',
  'glusterfs.endpoints.name',
  'glusterfs.path',
  'k8s.container.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.node.system_container.name',
  'k8s.persistentvolumeclaim.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.volume.name',
  'k8s.volume.type',
  'partition',
] as [string, ...string[]];

/** Resource attributes off by default (deprecated ones). */
export const RESOURCE_ATTRIBUTES_OFF = new Set([
  'aws.volume.id',
  'fs.type',
  'gce.pd.name',
  'glusterfs.endpoints.name',
  'glusterfs.path',
  'partition',
]);

/** Collects the metrics of one resource, honouring the enable flags. */
export class MetricSet {
  readonly metrics: Metric[] = [];
  private readonly byName = new Map<string, Metric>();

  constructor(
    private readonly enabled: (name: string) => boolean,
    private readonly now: bigint,
  ) {}

  record(name: string, value: number | undefined, startNanos = 0n, attrs: [string, string][] = []): void {
    if (value === undefined || value === null || Number.isNaN(value) || !this.enabled(name)) return;
    const def = METRICS[name];
    let m = this.byName.get(name);
    if (!m) {
      m = { name, description: def.description, unit: def.unit, metadata: [] };
      if (def.sum)
        m.sum = {
          dataPoints: [],
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          isMonotonic: def.sum.monotonic,
        };
      else m.gauge = { dataPoints: [] };
      this.byName.set(name, m);
      this.metrics.push(m);
    }
    const attributes: KeyValue[] = [];
    for (const [k, v] of attrs) setAttr(attributes, k, str(v));
    const dp: NumberDataPoint = {
      attributes,
      startTimeUnixNano: def.sum ? startNanos : 0n,
      timeUnixNano: this.now,
      exemplars: [],
      flags: 0,
    };
    if (def.double) dp.asDouble = value;
    else dp.asInt = BigInt(Math.trunc(value));
    (m.sum ?? m.gauge)!.dataPoints.push(dp);
  }
}
