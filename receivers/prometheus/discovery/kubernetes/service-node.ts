// role: service — one target per service port, at the service's DNS name
// (blackbox probing); role: node — one target per node, at its kubelet
// (Prometheus discovery/kubernetes service.go, node.go).
import type { TargetGroup } from '../types.js';
import { addObjectMetaLabels, joinHostPort, META, NAMESPACE, sanitizeLabelName } from './labels.js';
import type { Node, Service } from './objects.js';

export function buildServiceGroup(svc: Service): TargetGroup {
  const ns = svc.metadata.namespace ?? '';
  const labels = new Map<string, string>([[NAMESPACE, ns]]);
  addObjectMetaLabels(labels, svc.metadata, 'service');
  const group: TargetGroup = { source: `svc/${ns}/${svc.metadata.name}`, targets: [], labels };
  for (const port of svc.spec?.ports ?? []) {
    const t = new Map<string, string>([
      ['__address__', joinHostPort(`${svc.metadata.name}.${ns}.svc`, port.port)],
      [`${META}service_port_name`, port.name ?? ''],
      [`${META}service_port_number`, String(port.port)],
      [`${META}service_port_protocol`, port.protocol ?? ''],
      [`${META}service_type`, svc.spec?.type ?? ''],
    ]);
    if (svc.spec?.type === 'ExternalName') t.set(`${META}service_external_name`, svc.spec.externalName ?? '');
    else t.set(`${META}service_cluster_ip`, svc.spec?.clusterIP ?? '');
    group.targets.push(t);
  }
  return group;
}

/** The address Prometheus picks: InternalIP, InternalDNS, ExternalIP, ExternalDNS, LegacyHostIP, Hostname. */
const ADDRESS_PRIORITY = [
  'InternalIP',
  'InternalDNS',
  'ExternalIP',
  'ExternalDNS',
  'LegacyHostIP',
  'Hostname',
];

export function buildNodeGroup(node: Node): TargetGroup | undefined {
  const labels = new Map<string, string>([[`${META}node_provider_id`, node.spec?.providerID ?? '']]);
  addObjectMetaLabels(labels, node.metadata, 'node');
  const byType = new Map<string, string>();
  for (const a of node.status?.addresses ?? []) if (!byType.has(a.type)) byType.set(a.type, a.address);
  const type = ADDRESS_PRIORITY.find((t) => byType.has(t));
  if (!type) return undefined; // "No node address found"
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const target = new Map<string, string>([
    ['__address__', joinHostPort(byType.get(type) as string, port)],
    ['instance', node.metadata.name],
  ]);
  for (const [t, a] of byType) target.set(sanitizeLabelName(`${META}node_address_${t}`), a);
  return { source: `node/${node.metadata.name}`, targets: [target], labels };
}
