// The resource the collector's prometheus receiver gives a scraped target
// (prom_to_otlp.go CreateResource): service.name from job,
// service.instance.id from instance, server.address / server.port /
// url.scheme from the instance and the discovered __scheme__ (the legacy
// net.host.* and http.scheme attributes are gone since the
// RemoveLegacyResourceAttributes gate went beta), and k8s.* attributes from
// Kubernetes discovery labels.
import { isIP } from 'node:net';
import type { KeyValue } from '../../pdata/types.js';

const K8S_DISCOVERY_ATTRIBUTES: [string, string][] = [
  ['__meta_kubernetes_pod_name', 'k8s.pod.name'],
  ['__meta_kubernetes_pod_uid', 'k8s.pod.uid'],
  ['__meta_kubernetes_pod_container_name', 'k8s.container.name'],
  ['__meta_kubernetes_namespace', 'k8s.namespace.name'],
  // only one of the node name labels is present for a target
  ['__meta_kubernetes_pod_node_name', 'k8s.node.name'],
  ['__meta_kubernetes_node_name', 'k8s.node.name'],
  ['__meta_kubernetes_endpoint_node_name', 'k8s.node.name'],
];

const CONTROLLER_ATTRIBUTE: Record<string, string> = {
  ReplicaSet: 'k8s.replicaset.name',
  DaemonSet: 'k8s.daemonset.name',
  StatefulSet: 'k8s.statefulset.name',
  Job: 'k8s.job.name',
  CronJob: 'k8s.cronjob.name',
};

/** Go's net.SplitHostPort, enough for instance labels: undefined when there is no port. */
export function splitHostPort(instance: string): { host: string; port: string } | undefined {
  if (instance.startsWith('[')) {
    const close = instance.indexOf(']');
    if (close < 0 || instance[close + 1] !== ':') return undefined;
    return { host: instance.slice(1, close), port: instance.slice(close + 2) };
  }
  const i = instance.lastIndexOf(':');
  if (i < 0 || instance.indexOf(':') !== i) return undefined;
  return { host: instance.slice(0, i), port: instance.slice(i + 1) };
}

/** Loopback, unspecified and "localhost" hosts say nothing about where the target runs. */
export function isDiscernibleHost(host: string): boolean {
  if (host === 'localhost') return false;
  if (isIP(host) === 4) return !(host.startsWith('127.') || host === '0.0.0.0');
  if (isIP(host) === 6) {
    const h = host.toLowerCase();
    return !(h === '::1' || h === '::' || /^(0+:){7}0*1$/.test(h) || /^(0+:){7}0+$/.test(h));
  }
  return true;
}

export function scrapeResourceAttributes(
  job: string,
  instance: string,
  discovered: ReadonlyMap<string, string>,
): KeyValue[] {
  const hp = splitHostPort(instance);
  const host = hp ? hp.host : instance;
  const port = hp ? hp.port : '';
  const attrs: KeyValue[] = [];
  const put = (key: string, value: string) => {
    const kv = attrs.find((a) => a.key === key);
    if (kv) kv.value = { stringValue: value };
    else attrs.push({ key, value: { stringValue: value } });
  };
  put('service.name', job);
  if (isDiscernibleHost(host)) put('server.address', host);
  put('service.instance.id', instance);
  put('server.port', port);
  put('url.scheme', discovered.get('__scheme__') ?? '');
  for (const [label, key] of K8S_DISCOVERY_ATTRIBUTES) {
    const v = discovered.get(label);
    if (v) put(key, v);
  }
  const kind = discovered.get('__meta_kubernetes_pod_controller_kind');
  const name = discovered.get('__meta_kubernetes_pod_controller_name');
  if (kind && name && CONTROLLER_ATTRIBUTE[kind]) put(CONTROLLER_ATTRIBUTE[kind], name);
  return attrs;
}
