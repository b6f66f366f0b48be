// role: pod — one target per declared container port, or one per container
// without ports (address = the pod IP, the port to be added by relabeling).
// A pod without an IP yet has no targets.

import type { TargetGroup } from '../types.js';
import { containerId, joinHostPort, META, NAMESPACE, podContainers, podLabels } from './labels.js';
import type { Pod } from './objects.js';

export function podSource(pod: Pod): string {
  return `pod/${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

export function buildPodGroup(pod: Pod): TargetGroup {
  const group: TargetGroup = { source: podSource(pod), targets: [], labels: new Map() };
  const ip = pod.status?.podIP;
  if (!ip) return group;
  group.labels = podLabels(pod);
  group.labels.set(NAMESPACE, pod.metadata.namespace ?? '');
  for (const { c, init } of podContainers(pod)) {
    const common: [string, string][] = [
      [`${META}pod_container_name`, c.name],
      [`${META}pod_container_id`, containerId(pod, c.name, init)],
      [`${META}pod_container_image`, c.image ?? ''],
      [`${META}pod_container_init`, String(init)],
    ];
    if (!c.ports?.length) {
      group.targets.push(new Map([['__address__', ip], ...common]));
      continue;
    }
    for (const p of c.ports) {
      const port = String(p.containerPort);
      group.targets.push(
        new Map([
          ['__address__', joinHostPort(ip, port)],
          ...common,
          [`${META}pod_container_port_number`, port],
          [`${META}pod_container_port_name`, p.name ?? ''],
          [`${META}pod_container_port_protocol`, p.protocol ?? ''],
        ]),
      );
    }
  }
  return group;
}
