// The __meta_kubernetes_* labels (Prometheus discovery/kubernetes: pod.go,
// endpoints.go, service.go, kubernetes.go addObjectMetaLabels).
import type { ObjectMeta } from '../../../../src/k8s/types.js';
import type { Container, Pod } from './objects.js';

export const META = '__meta_kubernetes_';
export const NAMESPACE = `${META}namespace`;

/** strutil.SanitizeLabelName: anything but [a-zA-Z0-9_] becomes _. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `<role>_name`, `<role>_label_*`, `<role>_labelpresent_*`, `<role>_annotation_*`, `<role>_annotationpresent_*`. */
export function addObjectMetaLabels(ls: Map<string, string>, meta: ObjectMeta, role: string): void {
  ls.set(`${META}${role}_name`, meta.name);
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const n = sanitizeLabelName(k);
    ls.set(`${META}${role}_label_${n}`, v);
    ls.set(`${META}${role}_labelpresent_${n}`, 'true');
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    const n = sanitizeLabelName(k);
    ls.set(`${META}${role}_annotation_${n}`, v);
    ls.set(`${META}${role}_annotationpresent_${n}`, 'true');
  }
}

function podReady(pod: Pod): string {
  for (const c of pod.status?.conditions ?? []) if (c.type === 'Ready') return c.status.toLowerCase();
  return 'unknown';
}

/** podLabels: what every target of a pod carries. */
export function podLabels(pod: Pod): Map<string, string> {
  const ls = new Map<string, string>([
    [`${META}pod_ip`, pod.status?.podIP ?? ''],
    [`${META}pod_ready`, podReady(pod)],
    [`${META}pod_phase`, pod.status?.phase ?? ''],
    [`${META}pod_node_name`, pod.spec?.nodeName ?? ''],
    [`${META}pod_host_ip`, pod.status?.hostIP ?? ''],
    [`${META}pod_uid`, pod.metadata.uid ?? ''],
  ]);
  addObjectMetaLabels(ls, pod.metadata, 'pod');
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (owner?.kind) ls.set(`${META}pod_controller_kind`, owner.kind);
  if (owner?.name) ls.set(`${META}pod_controller_name`, owner.name);
  return ls;
}

/** Containers then init containers, with whether each is an init container. */
export function podContainers(pod: Pod): { c: Container; init: boolean }[] {
  return [
    ...(pod.spec?.containers ?? []).map((c) => ({ c, init: false })),
    ...(pod.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
  ];
}

/** The container's ID from the pod's status (`containerd://…`), or ''. */
export function containerId(pod: Pod, name: string, init: boolean): string {
  const statuses = init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  return statuses?.find((s) => s.name === name)?.containerID ?? '';
}

/** net.JoinHostPort */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
