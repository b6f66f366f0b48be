// role: endpoints — one target per endpoint address and port, with the
// Endpoints object's, its Service's and (when the address is a pod) the
// pod's labels; plus targets for the pod's container ports no endpoint port
// covers (Prometheus discovery/kubernetes/endpoints.go buildEndpoints).

import type { TargetGroup } from '../types.js';
import { addObjectMetaLabels, joinHostPort, META, NAMESPACE, podContainers, podLabels } from './labels.js';
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service } from './objects.js';

export function endpointsSource(eps: Endpoints): string {
  return `endpoints/${eps.metadata.namespace ?? ''}/${eps.metadata.name}`;
}

export function buildEndpointsGroup(
  eps: Endpoints,
  service: Service | undefined,
  podByName: (namespace: string, name: string) => Pod | undefined,
): TargetGroup {
  const ns = eps.metadata.namespace ?? '';
  const labels = new Map<string, string>([[NAMESPACE, ns]]);
  if (service) addObjectMetaLabels(labels, service.metadata, 'service');
  addObjectMetaLabels(labels, eps.metadata, 'endpoints');
  const group: TargetGroup = { source: endpointsSource(eps), targets: [], labels };
  const seenPods = new Map<string, { pod: Pod; ports: number[] }>();

  const add = (addr: EndpointAddress, port: EndpointPort, ready: string) => {
    const target = new Map<string, string>([
      ['__address__', joinHostPort(addr.ip, port.port)],
      [`${META}endpoint_port_name`, port.name ?? ''],
      [`${META}endpoint_port_protocol`, port.protocol ?? ''],
      [`${META}endpoint_ready`, ready],
    ]);
    if (addr.targetRef) {
      target.set(`${META}endpoint_address_target_kind`, addr.targetRef.kind ?? '');
      target.set(`${META}endpoint_address_target_name`, addr.targetRef.name ?? '');
    }
    if (addr.nodeName) target.set(`${META}endpoint_node_name`, addr.nodeName);
    if (addr.hostname) target.set(`${META}endpoint_hostname`, addr.hostname);
    const ref = addr.targetRef;
    const pod = ref?.kind === 'Pod' && ref.name ? podByName(ref.namespace ?? ns, ref.name) : undefined;
    if (!pod) {
      group.targets.push(target);
      return;
    }
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let seen = seenPods.get(key);
    if (!seen) {
      seen = { pod, ports: [] };
      seenPods.set(key, seen);
    }
    for (const [k, v] of podLabels(pod)) target.set(k, v);
    for (const { c, init } of podContainers(pod)) {
      const cport = c.ports?.find((p) => p.containerPort === port.port);
      if (!cport) continue;
      target.set(`${META}pod_container_name`, c.name);
      target.set(`${META}pod_container_image`, c.image ?? '');
      target.set(`${META}pod_container_port_name`, cport.name ?? '');
      target.set(`${META}pod_container_port_number`, String(port.port));
      target.set(`${META}pod_container_port_protocol`, port.protocol ?? '');
      target.set(`${META}pod_container_init`, String(init));
      break;
    }
    seen.ports.push(port.port);
    group.targets.push(target);
  };

  for (const ss of eps.subsets ?? [])
    for (const port of ss.ports ?? []) {
      for (const a of ss.addresses ?? []) add(a, port, 'true');
      for (const a of ss.notReadyAddresses ?? []) add(a, port, 'false');
    }

  for (const { pod, ports } of seenPods.values())
    for (const { c, init } of podContainers(pod))
      for (const cport of c.ports ?? []) {
        if (ports.includes(cport.containerPort)) continue;
        const port = String(cport.containerPort);
        const target = new Map<string, string>([
          ['__address__', joinHostPort(pod.status?.podIP ?? '', port)],
          [`${META}pod_container_name`, c.name],
          [`${META}pod_container_image`, c.image ?? ''],
          [`${META}pod_container_port_name`, cport.name ?? ''],
          [`${META}pod_container_port_number`, port],
          [`${META}pod_container_port_protocol`, cport.protocol ?? ''],
          [`${META}pod_container_init`, String(init)],
        ]);
        for (const [k, v] of podLabels(pod)) target.set(k, v);
        group.targets.push(target);
      }
  return group;
}
