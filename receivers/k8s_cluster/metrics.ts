// The receiver's metrics as the collector's documentation.md lists them
// (name, unit, int or double gauge, on by default), the node condition /
// allocatable metrics built per configured type (internal/node: names
// k8s.node.condition_<snake_case type> with unit "" and
// k8s.node.allocatable_<snake_case type>), and a small per-resource builder.
import { setAttr, str } from '../../src/pdata/attributes.js';
import type { KeyValue, Metric } from '../../src/pdata/types.js';

interface Def {
  unit: string;
  description: string;
  double?: boolean;
}

export const IMPLEMENTED: Record<string, Def> = {
  'k8s.container.cpu_limit': {
    unit: '{cpu}',
    description: 'Maximum resource limit set for the container.',
    double: true,
  },
  'k8s.container.cpu_request': {
    unit: '{cpu}',
    description: 'Resource requested for the container.',
    double: true,
  },
  'k8s.container.memory_limit': { unit: 'By', description: 'Maximum resource limit set for the container.' },
  'k8s.container.memory_request': { unit: 'By', description: 'Resource requested for the container.' },
  'k8s.container.ephemeralstorage_limit': {
    unit: 'By',
    description: 'Maximum resource limit set for the container.',
  },
  'k8s.container.ephemeralstorage_request': {
    unit: 'By',
    description: 'Resource requested for the container.',
  },
  'k8s.container.storage_limit': { unit: 'By', description: 'Maximum resource limit set for the container.' },
  'k8s.container.storage_request': { unit: 'By', description: 'Resource requested for the container.' },
  'k8s.container.ready': {
    unit: '',
    description: 'Whether a container has passed its readiness probe (0 for no, 1 for yes)',
  },
  'k8s.container.restarts': {
    unit: '{restart}',
    description: 'How many times the container has restarted in the recent past.',
  },
  'k8s.daemonset.current_scheduled_nodes': {
    unit: '{node}',
    description:
      'Number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod',
  },
  'k8s.daemonset.desired_scheduled_nodes': {
    unit: '{node}',
    description:
      'Number of nodes that should be running the daemon pod (including nodes currently running the daemon pod)',
  },
  'k8s.daemonset.misscheduled_nodes': {
    unit: '{node}',
    description:
      'Number of nodes that are running the daemon pod, but are not supposed to run the daemon pod',
  },
  'k8s.daemonset.ready_nodes': {
    unit: '{node}',
    description:
      'Number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready',
  },
  'k8s.deployment.available': {
    unit: '{pod}',
    description:
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment',
  },
  'k8s.deployment.desired': { unit: '{pod}', description: 'Number of desired pods in this deployment' },
  'k8s.namespace.phase': {
    unit: '',
    description: 'The current phase of namespaces (1 for active and 0 for terminating)',
  },
  'k8s.pod.phase': {
    unit: '',
    description:
      'Current phase of the pod (1 - Pending, 2 - Running, 3 - Succeeded, 4 - Failed, 5 - Unknown)',
  },
  'k8s.replicaset.available': {
    unit: '{pod}',
    description:
      'Total number of available pods (ready for at least minReadySeconds) targeted by this replicaset',
  },
  'k8s.replicaset.desired': { unit: '{pod}', description: 'Number of desired pods in this replicaset' },
  'k8s.statefulset.current_pods': {
    unit: '{pod}',
    description: 'The number of pods created by the StatefulSet controller from the StatefulSet version',
  },
  'k8s.statefulset.desired_pods': {
    unit: '{pod}',
    description: 'Number of desired pods in the stateful set (the `spec.replicas` field)',
  },
  'k8s.statefulset.ready_pods': {
    unit: '{pod}',
    description: 'Number of pods created by the stateful set that have the `Ready` condition',
  },
  'k8s.statefulset.updated_pods': {
    unit: '{pod}',
    description: 'Number of pods created by the StatefulSet controller from the StatefulSet version',
  },
};

/** Default-on metrics of the collector not computed here (jobs, cronjobs, HPAs, quotas, ...). */
export const NOT_IMPLEMENTED_DEFAULT = [
  'k8s.cronjob.active_jobs',
  'k8s.hpa.current_replicas',
  'k8s.hpa.desired_replicas',
  'k8s.hpa.max_replicas',
  'k8s.hpa.min_replicas',
  'k8s.job.active_pods',
  'k8s.job.desired_successful_pods',
  'k8s.job.failed_pods',
  'k8s.job.max_parallel_pods',
  'k8s.job.successful_pods',
  'k8s.replication_controller.available',
  'k8s.replication_controller.desired',
  'k8s.resource_quota.hard_limit',
  'k8s.resource_quota.used',
  'openshift.appliedclusterquota.limit',
  'openshift.appliedclusterquota.used',
  'openshift.clusterquota.limit',
  'openshift.clusterquota.used',
];

/** Optional (off by default) metrics of the collector, none computed here. */
export const NOT_IMPLEMENTED_OPTIONAL = [
  'k8s.container.status.reason',
  'k8s.container.status.state',
  'k8s.node.condition',
  'k8s.persistentvolume.status.phase',
  'k8s.persistentvolume.storage.capacity',
  'k8s.persistentvolumeclaim.status.phase',
  'k8s.persistentvolumeclaim.storage.capacity',
  'k8s.persistentvolumeclaim.storage.request',
  'k8s.pod.status_reason',
  'k8s.service.endpoint.count',
  'k8s.service.load_balancer.ingress.count',
  'k8s.statefulset.pod.available',
];

export const ALL_METRICS = [
  ...Object.keys(IMPLEMENTED),
  ...NOT_IMPLEMENTED_DEFAULT,
  ...NOT_IMPLEMENTED_OPTIONAL,
] as string[] as [string, ...string[]];

/** Resource attributes (documentation.md) and which are off by default. */
export const RESOURCE_ATTRIBUTES_OFF = new Set([
  'container.runtime',
  'container.runtime.version',
  'k8s.cluster.uid',
  'k8s.container.status.last_terminated_reason',
  'k8s.hpa.scaletargetref.apiversion',
  'k8s.hpa.scaletargetref.kind',
  'k8s.hpa.scaletargetref.name',
  'k8s.kubelet.version',
  'k8s.persistentvolume.reclaim_policy',
  'k8s.pod.qos_class',
  'k8s.service.publish_not_ready_addresses',
  'k8s.service.traffic_distribution',
  'os.description',
  'os.type',
]);
export const RESOURCE_ATTRIBUTES = [
  ...RESOURCE_ATTRIBUTES_OFF,
  ...'container.id container.image.name container.image.tag k8s.container.name k8s.cronjob.name k8s.cronjob.uid k8s.daemonset.name k8s.daemonset.uid k8s.deployment.name k8s.deployment.uid k8s.hpa.name k8s.hpa.uid k8s.job.name k8s.job.uid k8s.namespace.name k8s.namespace.uid k8s.node.name k8s.node.uid k8s.persistentvolume.name k8s.persistentvolume.uid k8s.persistentvolumeclaim.name k8s.persistentvolumeclaim.uid k8s.pod.name k8s.pod.uid k8s.replicaset.name k8s.replicaset.uid k8s.replicationcontroller.name k8s.replicationcontroller.uid k8s.resourcequota.name k8s.resourcequota.uid k8s.service.name k8s.service.type k8s.service.uid k8s.statefulset.name k8s.statefulset.uid k8s.storageclass.name openshift.clusterquota.name openshift.clusterquota.uid'.split(
    ' ',
  ),
] as [string, ...string[]];

/** strcase.ToSnake as the collector names condition / allocatable metrics: MemoryPressure → memory_pressure. */
export function toSnake(s: string): string {
  return s
    .replace(/[-.\s]+/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Metrics of one resource (a pod, a node, ...), gauges only (all of this receiver's default metrics are). */
export class GaugeSet {
  readonly metrics: Metric[] = [];

  constructor(
    private readonly enabled: (name: string) => boolean,
    private readonly now: bigint,
  ) {}

  /** A documented metric, if enabled. */
  record(name: string, value: number | undefined): void {
    const def = IMPLEMENTED[name];
    if (!def || value === undefined || Number.isNaN(value) || !this.enabled(name)) return;
    this.custom(name, def.unit, def.description, value, !!def.double);
  }

  /** A metric named at run time (node conditions, allocatable types). */
  custom(name: string, unit: string, description: string, value: number, double: boolean): void {
    this.metrics.push({
      name,
      unit,
      description,
      metadata: [],
      gauge: {
        dataPoints: [
          {
            attributes: [],
            startTimeUnixNano: 0n,
            timeUnixNano: this.now,
            exemplars: [],
            flags: 0,
            ...(double ? { asDouble: value } : { asInt: BigInt(Math.trunc(value)) }),
          },
        ],
      },
    });
  }
}

export function resourceAttrs(
  attrs: [string, string | undefined][],
  on: (name: string) => boolean,
): KeyValue[] {
  const kvs: KeyValue[] = [];
  for (const [k, v] of attrs) if (v !== undefined && v !== '' && on(k)) setAttr(kvs, k, str(v));
  return kvs;
}
