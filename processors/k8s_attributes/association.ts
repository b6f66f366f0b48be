// pod_association: each rule is a list of sources that must all be present;
// the first rule whose identifier finds a pod wins. A pod is indexed under
// the identifier every rule would compute for it.
import { findAttr } from '../../src/pdata/attributes.js';
import type { KeyValue } from '../../src/pdata/types.js';
import type { K8sAttributesConfig } from './config.js';
import type { Pod } from './types.js';

export type Source = { from: 'resource_attribute' | 'connection'; name?: string };
export type Rule = Source[];

/** Used when `pod_association` is empty. */
export const DEFAULT_RULES: Rule[] = [
  [{ from: 'resource_attribute', name: 'k8s.pod.uid' }],
  [
    { from: 'resource_attribute', name: 'k8s.pod.name' },
    { from: 'resource_attribute', name: 'k8s.namespace.name' },
  ],
  [{ from: 'resource_attribute', name: 'k8s.pod.ip' }],
  [{ from: 'connection' }],
];

export function rulesOf(c: K8sAttributesConfig): Rule[] {
  return c.pod_association.length > 0 ? c.pod_association.map((r) => r.sources) : DEFAULT_RULES;
}

/**
 * The value a pod has for one source, if this implementation knows it. A
 * host-network pod has its node's IP, shared with every other such pod and
 * the node itself, so (as in the collector) it is not indexed by IP.
 */
function podValue(pod: Pod, s: Source): string | undefined {
  const ip = pod.spec?.hostNetwork ? undefined : pod.status?.podIP;
  if (s.from === 'connection') return ip;
  switch (s.name) {
    case 'k8s.pod.uid':
      return pod.metadata.uid;
    case 'k8s.pod.name':
      return pod.metadata.name;
    case 'k8s.namespace.name':
      return pod.metadata.namespace;
    case 'k8s.pod.ip':
    case 'ip':
    case 'host.name':
      return ip;
    default:
      return undefined;
  }
}

const key = (ruleIndex: number, values: string[]) => `${ruleIndex}\u0000${values.join('\u0000')}`;

/** The index keys a pod is reachable under. */
export function podKeys(pod: Pod, rules: Rule[]): string[] {
  const keys: string[] = [];
  rules.forEach((rule, i) => {
    const vals: string[] = [];
    for (const s of rule) {
      const v = podValue(pod, s);
      if (!v) return;
      vals.push(v);
    }
    keys.push(key(i, vals));
  });
  return keys;
}

/** Peer host without port. */
export function connectionIp(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(addr) ?? /^([^:]+):\d+$/.exec(addr);
  return m ? m[1] : addr;
}

/** Index keys for a resource, in rule order. */
export function resourceKeys(attrs: KeyValue[], clientAddress: string | undefined, rules: Rule[]): string[] {
  const keys: string[] = [];
  rules.forEach((rule, i) => {
    const vals: string[] = [];
    for (const s of rule) {
      let v: string | undefined;
      if (s.from === 'connection') v = connectionIp(clientAddress);
      else {
        const a = findAttr(attrs, s.name ?? '')?.value;
        v = a && 'stringValue' in a ? (a.stringValue as string) : undefined;
      }
      if (!v) return;
      vals.push(v);
    }
    keys.push(key(i, vals));
  });
  return keys;
}
