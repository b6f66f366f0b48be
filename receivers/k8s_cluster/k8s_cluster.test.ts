// k8s_cluster against the API-server stand-in: the collector's metric names,
// values and resource attributes for pods, containers, nodes (conditions,
// allocatable), namespaces and workloads; a watch event changes the next
// collection; with k8s_leader_elector it collects only while leader; YAML
// errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeNulls } from '../../src/config/null-values.js';
import type { LeaderElection } from '../../src/k8s/leader.js';
import { fromAnyValue } from '../../src/pdata/attributes.js';
import type { MetricsData } from '../../src/pdata/types.js';
import { ApiServerStandin } from '../../test/support/apiserver-standin.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { parseImage } from './collect.js';
import { configSchema } from './config.js';
import { createWith } from './factory.js';
import { toSnake } from './metrics.js';
import { parseQuantity } from './quantity.js';
import type { K8sClusterReceiver } from './receiver.js';

function errors(yaml: string): string[] {
  const r = configSchema.safeParse(normalizeNulls(configSchema, parse(yaml) ?? {}));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function points(d: MetricsData) {
  return d.resourceMetrics.flatMap((rm) => {
    const resource = Object.fromEntries(rm.resource.attributes.map((a) => [a.key, fromAnyValue(a.value)]));
    return rm.scopeMetrics.flatMap((sm) =>
      sm.metrics.map((m) => {
        const dp = m.gauge!.dataPoints[0];
        return {
          name: m.name,
          unit: m.unit,
          resource,
          value: dp.asDouble ?? Number(dp.asInt),
          double: dp.asDouble !== undefined,
        };
      }),
    );
  });
}

const list = (kind: string, items: any[]) => ({
  kind,
  apiVersion: 'v1',
  metadata: { resourceVersion: '10' },
  items,
});

describe('k8s_cluster config', () => {
  it('fills the collector defaults and accepts the kube-stack chart use', () => {
    expect(configSchema.parse({})).toMatchObject({
      auth_type: 'serviceAccount',
      collection_interval: 10_000,
      node_conditions_to_report: ['Ready'],
      allocatable_types_to_report: [],
      metadata_exporters: [],
      metadata_collection_interval: 300_000,
      distribution: 'kubernetes',
    });
    expect(
      errors(`
allocatable_types_to_report: [cpu, memory, storage]
auth_type: serviceAccount
collection_interval: 10s
k8s_leader_elector: k8s_leader_elector/k8s_cluster
node_conditions_to_report: [Ready, MemoryPressure, DiskPressure, NetworkUnavailable]
metrics: {k8s.node.condition: {enabled: true}, k8s.pod.phase: {enabled: false}}
`),
    ).toEqual([]);
  });
  it('refuses what the collector refuses', () => {
    expect(errors('distribution: rancher')[0]).toMatch(/^distribution: /);
    expect(errors('node_conditions_to_report: Ready')[0]).toMatch(/^node_conditions_to_report: /);
    expect(errors('metrics: {k8s.pod.phases: {enabled: true}}')[0]).toMatch(/^metrics/);
    expect(errors('collection_interval: 10 seconds')[0]).toMatch(/^collection_interval: /);
    expect(errors('colection_interval: 10s')[0]).toMatch(/colection_interval/);
  });
  it('names and quantities as the collector computes them', () => {
    expect(
      ['Ready', 'MemoryPressure', 'PIDPressure', 'NetworkUnavailable', 'ephemeral-storage'].map(toSnake),
    ).toEqual(['ready', 'memory_pressure', 'pid_pressure', 'network_unavailable', 'ephemeral_storage']);
    expect([parseQuantity('500m'), parseQuantity('128Mi'), parseQuantity('1G'), parseQuantity('2')]).toEqual([
      0.5, 134_217_728, 1e9, 2,
    ]);
    expect(parseImage('registry.local:5000/shop/web:1.4.2')).toEqual({
      name: 'registry.local:5000/shop/web',
      tag: '1.4.2',
    });
    expect(parseImage('nginx')).toEqual({ name: 'nginx', tag: 'latest' });
  });
});

describe('k8s_cluster against the API-server stand-in', () => {
  const api = new ApiServerStandin();
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await api.listen()}`;
    api.lists.set(
      '/api/v1/pods',
      list('PodList', [
        {
          metadata: { name: 'web-0', namespace: 'shop', uid: 'pod-1', resourceVersion: '5' },
          spec: {
            nodeName: 'worker-1',
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                resources: {
                  requests: { cpu: '250m', memory: '64Mi' },
                  limits: { cpu: '1', memory: '128Mi' },
                },
              },
            ],
          },
          status: {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'web',
                image: 'nginx:1.27',
                containerID: 'containerd://abc123',
                ready: true,
                restartCount: 3,
              },
            ],
          },
        },
        {
          metadata: { name: 'job-x', namespace: 'shop', uid: 'pod-2', resourceVersion: '6' },
          spec: { containers: [] },
          status: { phase: 'Failed' },
        },
      ]),
    );
    api.lists.set(
      '/api/v1/nodes',
      list('NodeList', [
        {
          metadata: { name: 'worker-1', uid: 'node-1', resourceVersion: '3' },
          status: {
            conditions: [
              { type: 'Ready', status: 'True' },
              { type: 'MemoryPressure', status: 'False' },
              { type: 'DiskPressure', status: 'Unknown' },
            ],
            allocatable: { cpu: '3920m', memory: '15Gi', pods: '110' },
          },
        },
      ]),
    );
    api.lists.set(
      '/api/v1/namespaces',
      list('NamespaceList', [
        { metadata: { name: 'shop', uid: 'ns-1' }, status: { phase: 'Active' } },
        { metadata: { name: 'old', uid: 'ns-2' }, status: { phase: 'Terminating' } },
      ]),
    );
    api.lists.set(
      '/apis/apps/v1/deployments',
      list('DeploymentList', [
        {
          metadata: { name: 'web', namespace: 'shop', uid: 'dep-1' },
          spec: { replicas: 3 },
          status: { availableReplicas: 2 },
        },
      ]),
    );
    api.lists.set(
      '/apis/apps/v1/replicasets',
      list('ReplicaSetList', [
        {
          metadata: { name: 'web-7d4b9c', namespace: 'shop', uid: 'rs-1' },
          spec: { replicas: 3 },
          status: { availableReplicas: 2 },
        },
      ]),
    );
    api.lists.set(
      '/apis/apps/v1/daemonsets',
      list('DaemonSetList', [
        {
          metadata: { name: 'agent', namespace: 'monitoring', uid: 'ds-1' },
          status: {
            currentNumberScheduled: 4,
            desiredNumberScheduled: 5,
            numberMisscheduled: 1,
            numberReady: 3,
          },
        },
      ]),
    );
    api.lists.set(
      '/apis/apps/v1/statefulsets',
      list('StatefulSetList', [
        {
          metadata: { name: 'db', namespace: 'shop', uid: 'sts-1' },
          spec: { replicas: 3 },
          status: { readyReplicas: 2, currentReplicas: 3, updatedReplicas: 1 },
        },
      ]),
    );
  });
  afterAll(() => api.close());

  async function start(yaml: string, host = emptyHost) {
    const sink = new CollectingConsumer<'metrics'>();
    const config = configSchema.parse(parse(yaml));
    const rx = createWith(() => ({ baseUrl: base }), { retryMs: 20, watchTimeoutSeconds: () => 60 })(
      testSettings('k8s_cluster'),
      config,
      { metrics: sink },
    ) as K8sClusterReceiver;
    await rx.start(host);
    return { rx, sink };
  }

  it('emits the collector metrics with their resources', async () => {
    const { rx, sink } = await start(`
collection_interval: 30ms
node_conditions_to_report: [Ready, MemoryPressure, DiskPressure, PIDPressure]
allocatable_types_to_report: [cpu, memory, pods, storage]
`);
    await until(
      () => sink.received.some((d) => points(d).some((p) => p.name === 'k8s.statefulset.updated_pods')),
      'a full collection',
    );
    const last = points(sink.received.at(-1)!);
    const get = (name: string, where: Record<string, unknown> = {}) => {
      const xs = last.filter(
        (p) => p.name === name && Object.entries(where).every(([k, v]) => p.resource[k] === v),
      );
      expect(xs, name).toHaveLength(1);
      return xs[0];
    };
    expect(get('k8s.pod.phase', { 'k8s.pod.name': 'web-0' })).toMatchObject({
      value: 2,
      unit: '',
      resource: {
        'k8s.namespace.name': 'shop',
        'k8s.node.name': 'worker-1',
        'k8s.pod.name': 'web-0',
        'k8s.pod.uid': 'pod-1',
      },
    });
    expect(get('k8s.pod.phase', { 'k8s.pod.name': 'job-x' }).value).toBe(4);
    expect(get('k8s.container.restarts')).toMatchObject({
      value: 3,
      unit: '{restart}',
      resource: {
        'container.id': 'abc123',
        'k8s.container.name': 'web',
        'container.image.name': 'nginx',
        'container.image.tag': '1.27',
        'k8s.pod.uid': 'pod-1',
      },
    });
    expect(get('k8s.container.ready').value).toBe(1);
    expect(get('k8s.container.cpu_request')).toMatchObject({ value: 0.25, double: true, unit: '{cpu}' });
    expect(get('k8s.container.memory_limit').value).toBe(134_217_728);
    expect(get('k8s.node.condition_ready')).toMatchObject({
      value: 1,
      resource: { 'k8s.node.name': 'worker-1', 'k8s.node.uid': 'node-1' },
    });
    expect(get('k8s.node.condition_memory_pressure').value).toBe(0);
    expect(get('k8s.node.condition_disk_pressure').value).toBe(-1);
    expect(get('k8s.node.condition_pid_pressure').value).toBe(-1); // not reported by the node
    expect(get('k8s.node.allocatable_cpu')).toMatchObject({ value: 3.92, double: true, unit: '{cpu}' });
    expect(get('k8s.node.allocatable_memory')).toMatchObject({ value: 15 * 2 ** 30, unit: 'By' });
    expect(get('k8s.node.allocatable_pods')).toMatchObject({ value: 110, unit: '{pod}' });
    expect(last.some((p) => p.name === 'k8s.node.allocatable_storage')).toBe(false); // absent on the node
    expect(get('k8s.namespace.phase', { 'k8s.namespace.name': 'old' }).value).toBe(0);
    expect(get('k8s.deployment.desired')).toMatchObject({
      value: 3,
      unit: '{pod}',
      resource: { 'k8s.deployment.name': 'web', 'k8s.deployment.uid': 'dep-1', 'k8s.namespace.name': 'shop' },
    });
    expect(get('k8s.deployment.available').value).toBe(2);
    expect(get('k8s.replicaset.available').value).toBe(2);
    expect(get('k8s.daemonset.misscheduled_nodes').value).toBe(1);
    expect(get('k8s.daemonset.ready_nodes').value).toBe(3);
    expect(get('k8s.statefulset.ready_pods').value).toBe(2);
    // a watch event changes the next collection
    api.emit('/apis/apps/v1/deployments', 'MODIFIED', {
      metadata: { name: 'web', namespace: 'shop', uid: 'dep-1', resourceVersion: '11' },
      spec: { replicas: 3 },
      status: { availableReplicas: 3 },
    });
    await until(
      () => points(sink.received.at(-1)!).some((p) => p.name === 'k8s.deployment.available' && p.value === 3),
      'the change',
    );
    await rx.shutdown();
  });

  it('with k8s_leader_elector it collects only while leader', async () => {
    let callbacks: { started: () => void; stopped: () => void } | undefined;
    const elector: LeaderElection & { start(): Promise<void>; shutdown(): Promise<void> } = {
      setCallbacks: (started, stopped) => {
        callbacks = { started, stopped };
      },
      start: async () => {},
      shutdown: async () => {},
    };
    const host = {
      getExtension: (id: string) => (id === 'k8s_leader_elector/k8s_cluster' ? elector : undefined),
    };
    const { rx, sink } = await start(
      '{collection_interval: 20ms, k8s_leader_elector: k8s_leader_elector/k8s_cluster}',
      host,
    );
    const watchesBefore = api.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.received).toHaveLength(0);
    expect(api.requests.length).toBe(watchesBefore);
    callbacks!.started();
    await until(() => sink.received.length > 0, 'collections as leader');
    callbacks!.stopped();
    await new Promise((r) => setTimeout(r, 30));
    const n = sink.received.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.received.length).toBe(n);
    await rx.shutdown();
  });

  it('start refuses a k8s_leader_elector that is not configured', async () => {
    await expect(start('k8s_leader_elector: k8s_leader_elector/missing')).rejects.toThrow(
      'unknown k8s leader elector "k8s_leader_elector/missing"',
    );
  });
});
