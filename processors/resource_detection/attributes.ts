// Per-detector resource_attributes: which attributes each detector may set and
// their default enablement (the collector's generated metadata, documentation.md
// of each detector). Attributes the collector knows but Tsunagi cannot produce
// yet are accepted while disabled and refused when enabled, never silently empty.

export interface AttributeSpec {
  enabled: boolean;
  /** Not produced here yet: enabling it is a config error. */
  unsupported?: true;
}

const on = { enabled: true };
const off = { enabled: false };
const offUnsupported: AttributeSpec = { enabled: false, unsupported: true };

export const DETECTOR_ATTRIBUTES: Record<string, Record<string, AttributeSpec>> = {
  system: {
    'host.name': on,
    'os.type': on,
    'host.arch': off,
    'host.id': off,
    'os.description': off,
    'host.ip': off,
    'host.mac': off,
    'host.interface': offUnsupported,
    'host.cpu.cache.l2.size': offUnsupported,
    'host.cpu.family': offUnsupported,
    'host.cpu.model.id': offUnsupported,
    'host.cpu.model.name': offUnsupported,
    'host.cpu.stepping': offUnsupported,
    'host.cpu.vendor.id': offUnsupported,
    'os.build.id': offUnsupported,
    'os.name': offUnsupported,
    'os.version': offUnsupported,
  },
  docker: {
    'host.name': on,
    'os.type': on,
  },
  // k8s_api and its deprecated alias k8snode (one detector upstream since v0.154.0)
  k8s_api: {
    'k8s.cluster.uid': on,
    'k8s.node.name': on,
    'k8s.node.uid': on,
  },
  k8snode: {
    'k8s.cluster.uid': on,
    'k8s.node.name': on,
    'k8s.node.uid': on,
  },
  ec2: {
    'cloud.account.id': on,
    'cloud.availability_zone': on,
    'cloud.platform': on,
    'cloud.provider': on,
    'cloud.region': on,
    'host.id': on,
    'host.image.id': on,
    'host.name': on,
    'host.type': on,
  },
  gcp: {
    'cloud.account.id': on,
    'cloud.availability_zone': on,
    'cloud.platform': on,
    'cloud.provider': on,
    'cloud.region': on,
    'faas.instance': on,
    'faas.name': on,
    'faas.version': on,
    'gcp.cloud_run.job.execution': on,
    'gcp.cloud_run.job.task_index': on,
    'gcp.gce.instance.hostname': off,
    'gcp.gce.instance.name': off,
    'gcp.gce.instance_group_manager.name': on,
    'gcp.gce.instance_group_manager.region': on,
    'gcp.gce.instance_group_manager.zone': on,
    'host.id': on,
    'host.name': on,
    'host.type': on,
    'k8s.cluster.name': on,
  },
  azure: {
    'azure.resourcegroup.name': on,
    'azure.vm.name': on,
    'azure.vm.scaleset.name': on,
    'azure.vm.size': on,
    'cloud.account.id': on,
    'cloud.availability_zone': off,
    'cloud.platform': on,
    'cloud.provider': on,
    'cloud.region': on,
    'host.id': on,
    'host.name': on,
  },
};

/** The enabled attribute names of a detector, after the user's flags. */
export function enabledAttributes(
  detector: string,
  flags: Record<string, { enabled: boolean }> = {},
): Set<string> {
  const out = new Set<string>();
  for (const [name, spec] of Object.entries(DETECTOR_ATTRIBUTES[detector] ?? {}))
    if (flags[name]?.enabled ?? spec.enabled) out.add(name);
  return out;
}
