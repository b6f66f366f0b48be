// Which resource attributes a pod yields under `extract` (computed once per
// pod event, so lookups on the data path are a Map read).
import { goRegExpAnchored } from '../../src/regexp/go.js';
import type { FieldExtract, K8sAttributesConfig } from './config.js';
import type { Namespace, Pod } from './types.js';

/** Metadata fields this implementation can fill; others are refused at create time. */
export const SUPPORTED_METADATA = new Set([
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.pod.hostname',
  'k8s.pod.start_time',
  'k8s.pod.ip',
  'k8s.deployment.name',
  'k8s.replicaset.name',
  'k8s.replicaset.uid',
  'k8s.daemonset.name',
  'k8s.daemonset.uid',
  'k8s.statefulset.name',
  'k8s.statefulset.uid',
  'k8s.job.name',
  'k8s.job.uid',
  'k8s.cronjob.name',
  'k8s.node.name',
  'container.image.name',
  'container.image.tag',
  'container.id',
]);

/** A Deployment's name from its ReplicaSet's: "<deployment>-<pod-template-hash>". */
export function deploymentFromReplicaSet(rsName: string, templateHash?: string): string | undefined {
  if (templateHash && rsName.endsWith(`-${templateHash}`)) return rsName.slice(0, -(templateHash.length + 1));
  const m = /^(.+)-[0-9a-z]{1,10}$/.exec(rsName);
  return m?.[1];
}

/** A CronJob's name from its Job's: "<cronjob>-<scheduled time in minutes>". */
export function cronJobFromJob(jobName: string): string | undefined {
  return /^(.+)-\d+$/.exec(jobName)?.[1];
}

function fieldTags(
  out: Map<string, string>,
  rules: FieldExtract[],
  from: 'pod' | 'namespace',
  kind: 'labels' | 'annotations',
  values: Record<string, string> | undefined,
): void {
  if (!values) return;
  for (const r of rules) {
    if (r.from !== from) continue;
    if (r.key !== undefined) {
      const v = values[r.key];
      if (v !== undefined) out.set(r.tag_name ?? `k8s.${from}.${kind}.${r.key}`, v);
    } else if (r.key_regex) {
      const re = goRegExpAnchored(r.key_regex);
      for (const [k, v] of Object.entries(values)) if (re.test(k)) out.set(`k8s.${from}.${kind}.${k}`, v);
    }
  }
}

export function podAttributes(
  pod: Pod,
  c: K8sAttributesConfig,
  ns: Namespace | undefined,
): Map<string, string> {
  const want = new Set(c.extract.metadata);
  const out = new Map<string, string>();
  const set = (k: string, v: string | undefined) => {
    if (v && want.has(k as never)) out.set(k, v);
  };
  const md = pod.metadata;
  set('k8s.namespace.name', md.namespace);
  set('k8s.pod.name', md.name);
  set('k8s.pod.uid', md.uid);
  set('k8s.pod.hostname', pod.spec?.hostname);
  set('k8s.pod.start_time', md.creationTimestamp);
  set('k8s.pod.ip', pod.status?.podIP);
  set('k8s.node.name', pod.spec?.nodeName);
  for (const o of md.ownerReferences ?? []) {
    switch (o.kind) {
      case 'ReplicaSet':
        set('k8s.replicaset.name', o.name);
        set('k8s.replicaset.uid', o.uid);
        set('k8s.deployment.name', deploymentFromReplicaSet(o.name, md.labels?.['pod-template-hash']));
        break;
      case 'DaemonSet':
        set('k8s.daemonset.name', o.name);
        set('k8s.daemonset.uid', o.uid);
        break;
      case 'StatefulSet':
        set('k8s.statefulset.name', o.name);
        set('k8s.statefulset.uid', o.uid);
        break;
      case 'Job':
        set('k8s.job.name', o.name);
        set('k8s.job.uid', o.uid);
        set('k8s.cronjob.name', cronJobFromJob(o.name));
        break;
    }
  }
  fieldTags(out, c.extract.labels, 'pod', 'labels', md.labels);
  fieldTags(out, c.extract.annotations, 'pod', 'annotations', md.annotations);
  if (ns) {
    fieldTags(out, c.extract.labels, 'namespace', 'labels', ns.metadata.labels);
    fieldTags(out, c.extract.annotations, 'namespace', 'annotations', ns.metadata.annotations);
  }
  if (c.extract.otel_annotations && md.annotations)
    for (const [k, v] of Object.entries(md.annotations))
      if (k.startsWith('resource.opentelemetry.io/')) out.set(k.slice(26), v);
  return out;
}

/** Image name/tag and container ID for the resource's `k8s.container.name` (and restart count, if given). */
export function containerAttributes(
  pod: Pod,
  c: K8sAttributesConfig,
  containerName: string,
  restartCount: number | undefined,
): [string, string][] {
  const want = new Set<string>(c.extract.metadata);
  const out: [string, string][] = [];
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (x) => x.name === containerName,
  );
  if (spec?.image) {
    // registry/repo:tag@digest → name "registry/repo", tag "tag" (default "latest")
    const noDigest = spec.image.split('@')[0];
    const slash = noDigest.lastIndexOf('/');
    const colon = noDigest.lastIndexOf(':');
    const hasTag = colon > slash;
    if (want.has('container.image.name'))
      out.push(['container.image.name', hasTag ? noDigest.slice(0, colon) : noDigest]);
    if (want.has('container.image.tag'))
      out.push(['container.image.tag', hasTag ? noDigest.slice(colon + 1) : 'latest']);
  }
  if (want.has('container.id')) {
    const st = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
      (x) => x.name === containerName,
    );
    if (st?.containerID && (restartCount === undefined || restartCount === (st.restartCount ?? 0))) {
      const i = st.containerID.indexOf('://');
      out.push(['container.id', i >= 0 ? st.containerID.slice(i + 3) : st.containerID]);
    }
  }
  return out;
}
