// API discovery as client-go's ServerPreferredResources does it: the core
// group (/api/v1) and each group's preferred version (/apis, then
// /apis/<group>/<version>), giving for each resource name the group/versions
// that serve it, core first. A group whose discovery fails is skipped (the
// collector goes on with a partial answer too).
import type { KubeClient } from './client.js';

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; namespaced: boolean }[];
}

export async function preferredResources(
  client: KubeClient,
  signal?: AbortSignal,
): Promise<Map<string, GroupVersionResource[]>> {
  const out = new Map<string, GroupVersionResource[]>();
  const add = (list: ResourceList) => {
    const [group, version] = list.groupVersion.includes('/')
      ? list.groupVersion.split('/')
      : ['', list.groupVersion];
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue; // subresources (pods/log)
      out.set(r.name, [
        ...(out.get(r.name) ?? []),
        { group, version, resource: r.name, namespaced: r.namespaced },
      ]);
    }
  };
  add(await client.get<ResourceList>('/api/v1', {}, signal));
  const groups = await client.get<{
    groups: { name: string; preferredVersion?: { groupVersion: string } }[];
  }>('/apis', {}, signal);
  for (const g of groups.groups ?? []) {
    if (!g.preferredVersion) continue;
    try {
      add(await client.get<ResourceList>(`/apis/${g.preferredVersion.groupVersion}`, {}, signal));
    } catch {
      // partial discovery: the collector also continues without this group
    }
  }
  return out;
}

/** The list path of a resource, cluster-wide or in one namespace. */
export function resourcePath(gvr: GroupVersionResource, namespace?: string): string {
  const base = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${gvr.resource}`
    : `${base}/${gvr.resource}`;
}
