// OTel semantic conventions → Elastic Common Schema field names, for
// `mapping.mode: ecs` (as the collector's ECS mode maps resource attributes).
export const ECS_RESOURCE_FIELDS: Readonly<Record<string, string>> = {
  'service.instance.id': 'service.node.name',
  'deployment.environment': 'service.environment',
  'deployment.environment.name': 'service.environment',
  'telemetry.sdk.name': 'agent.name',
  'telemetry.sdk.version': 'agent.version',
  'telemetry.sdk.language': 'service.language.name',
  'cloud.platform': 'cloud.service.name',
  'container.image.tag': 'container.image.tag',
  'host.name': 'host.hostname',
  'host.arch': 'host.architecture',
  'process.executable.name': 'process.title',
  'process.runtime.name': 'service.runtime.name',
  'process.runtime.version': 'service.runtime.version',
  'os.type': 'host.os.platform',
  'os.description': 'host.os.full',
  'os.name': 'host.os.name',
  'os.version': 'host.os.version',
  'k8s.namespace.name': 'kubernetes.namespace',
  'k8s.node.name': 'kubernetes.node.name',
  'k8s.pod.name': 'kubernetes.pod.name',
  'k8s.pod.uid': 'kubernetes.pod.uid',
  'k8s.container.name': 'kubernetes.container.name',
  'k8s.deployment.name': 'kubernetes.deployment.name',
  'k8s.statefulset.name': 'kubernetes.statefulset.name',
  'k8s.replicaset.name': 'kubernetes.replicaset.name',
  'k8s.daemonset.name': 'kubernetes.daemonset.name',
  'k8s.job.name': 'kubernetes.job.name',
  'k8s.cronjob.name': 'kubernetes.cronjob.name',
  'k8s.cluster.name': 'orchestrator.cluster.name',
};

/** The ECS field for a resource attribute (unmapped names keep their OTel name, e.g. service.name). */
export function ecsResourceField(key: string): string {
  return ECS_RESOURCE_FIELDS[key] ?? key;
}
