// The pod cache: pods indexed by association keys with their precomputed
// attributes. Deleted pods stay for pod_delete_grace_period so data that
// arrives late is still enriched.
import { goRegExpAnchored } from '../../src/regexp/go.js';
import { podKeys, type Rule } from './association.js';
import type { K8sAttributesConfig } from './config.js';
import { podAttributes } from './extract.js';
import type { Namespace, Pod } from './types.js';

export interface PodEntry {
  pod: Pod;
  attrs: Map<string, string>;
  keys: string[];
}

export class PodStore {
  private readonly byKey = new Map<string, PodEntry>();
  private readonly byUid = new Map<string, PodEntry>();
  private readonly namespaces = new Map<string, Namespace>();
  private readonly deleteTimers = new Map<string, NodeJS.Timeout>();
  private readonly exclude: RegExp[];

  constructor(
    private readonly config: K8sAttributesConfig,
    private readonly rules: Rule[],
  ) {
    this.exclude = config.exclude.pods.map((p) => goRegExpAnchored(p.name));
  }

  get size(): number {
    return this.byUid.size;
  }

  lookup(keys: string[]): PodEntry | undefined {
    for (const k of keys) {
      const e = this.byKey.get(k);
      if (e) return e;
    }
    return undefined;
  }

  upsertPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    const pending = this.deleteTimers.get(uid);
    if (pending) {
      clearTimeout(pending);
      this.deleteTimers.delete(uid);
    }
    this.removeNow(uid);
    if (this.exclude.some((re) => re.test(pod.metadata.name))) return;
    const ns = pod.metadata.namespace ? this.namespaces.get(pod.metadata.namespace) : undefined;
    const entry: PodEntry = {
      pod,
      attrs: podAttributes(pod, this.config, ns),
      keys: podKeys(pod, this.rules),
    };
    this.byUid.set(uid, entry);
    // A newer pod takes an IP over from an older one (IPs are reused).
    for (const k of entry.keys) this.byKey.set(k, entry);
  }

  deletePod(pod: Pod): void {
    const uid = pod.metadata.uid;
    const grace = this.config.pod_delete_grace_period;
    if (grace <= 0) {
      this.removeNow(uid);
      return;
    }
    if (this.deleteTimers.has(uid)) return;
    const t = setTimeout(() => {
      this.deleteTimers.delete(uid);
      this.removeNow(uid);
    }, grace);
    t.unref();
    this.deleteTimers.set(uid, t);
  }

  private removeNow(uid: string): void {
    const e = this.byUid.get(uid);
    if (!e) return;
    this.byUid.delete(uid);
    for (const k of e.keys) if (this.byKey.get(k) === e) this.byKey.delete(k);
  }

  upsertNamespace(ns: Namespace): void {
    this.namespaces.set(ns.metadata.name, ns);
    this.recomputeNamespace(ns.metadata.name);
  }

  deleteNamespace(ns: Namespace): void {
    this.namespaces.delete(ns.metadata.name);
  }

  private recomputeNamespace(name: string): void {
    const ns = this.namespaces.get(name);
    for (const e of this.byUid.values())
      if (e.pod.metadata.namespace === name) e.attrs = podAttributes(e.pod, this.config, ns);
  }

  clear(): void {
    for (const t of this.deleteTimers.values()) clearTimeout(t);
    this.deleteTimers.clear();
  }
}
