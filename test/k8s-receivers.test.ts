// The Kubernetes components through the built binary, as the kube-stack
// Helm chart configures them (two leader electors, k8s_objects watching
// events.k8s.io events, k8s_cluster, kubelet_stats), against the API-server
// and kubelet stand-ins (auth_type kubeConfig → a kubeconfig naming the
// stand-in; kubelet_stats over the read-only port): the instance takes both
// Leases, events arrive as log records, cluster and kubelet metrics arrive
// at an OTLP sink, and shutdown releases the Leases.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiServerStandin } from './support/apiserver-standin.js';
import { KubeletStandin } from './support/kubelet-standin.js';
import { OtlpSink } from './support/otlp-sink.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const api = new ApiServerStandin();
const kubelet = new KubeletStandin();
let sink: OtlpSink;
let apiPort = 0;
let kubeletPort = 0;
const LEASES = '/apis/coordination.k8s.io/v1/leases';

beforeAll(async () => {
  apiPort = await api.listen();
  kubeletPort = await kubelet.listen();
  sink = await new OtlpSink().start();
  api.lists.set(LEASES, { kind: 'LeaseList', metadata: { resourceVersion: '1' }, items: [] });
  api.lists.set('/api/v1/events', { kind: 'EventList', metadata: { resourceVersion: '1' }, items: [] });
  api.lists.set('/apis/events.k8s.io/v1/events', {
    kind: 'EventList',
    metadata: { resourceVersion: '50' },
    items: [],
  });
  api.lists.set('/api/v1/pods', {
    kind: 'PodList',
    metadata: { resourceVersion: '50' },
    items: [
      {
        metadata: { name: 'web-0', namespace: 'shop', uid: 'pod-1' },
        spec: { nodeName: 'worker-1', containers: [{ name: 'web', image: 'nginx:1.27' }] },
        status: { phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 2 }] },
      },
    ],
  });
  api.lists.set('/api/v1/nodes', {
    kind: 'NodeList',
    metadata: { resourceVersion: '50' },
    items: [
      {
        metadata: { name: 'worker-1', uid: 'node-1' },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          allocatable: { cpu: '4', memory: '16Gi' },
        },
      },
    ],
  });
  for (const p of [
    '/api/v1/namespaces',
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/replicasets',
    '/apis/apps/v1/daemonsets',
    '/apis/apps/v1/statefulsets',
  ])
    api.lists.set(p, { kind: 'List', metadata: { resourceVersion: '50' }, items: [] });
});

afterAll(async () => {
  await sink.stop();
  await api.close();
  await kubelet.close();
});

it('kube-stack style config: leases taken, events as logs, cluster and kubelet metrics, leases released', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-k8s-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
current-context: standin
contexts: [{name: standin, context: {cluster: standin, user: standin}}]
clusters: [{name: standin, cluster: {server: "http://127.0.0.1:${apiPort}"}}]
users: [{name: standin, user: {token: t0ken}}]
`,
  );
  api.token = 't0ken';
  const config = `
extensions:
  k8s_leader_elector/k8s_cluster:
    auth_type: kubeConfig
    lease_name: k8s.cluster.receiver.opentelemetry.io
    lease_namespace: default
  k8s_leader_elector/k8s_objects:
    auth_type: kubeConfig
    lease_name: k8s.objects.receiver.opentelemetry.io
    lease_namespace: default
receivers:
  k8s_cluster:
    auth_type: kubeConfig
    collection_interval: 200ms
    k8s_leader_elector: k8s_leader_elector/k8s_cluster
    node_conditions_to_report: [Ready, MemoryPressure]
    allocatable_types_to_report: [cpu, memory]
  k8s_objects:
    auth_type: kubeConfig
    k8s_leader_elector: k8s_leader_elector/k8s_objects
    objects:
      - {name: events, mode: watch, group: events.k8s.io, exclude_watch_type: [DELETED]}
  kubelet_stats:
    auth_type: none
    endpoint: http://127.0.0.1:${kubeletPort}
    collection_interval: 200ms
    initial_delay: 0s
    metric_groups: [node, pod, container, volume]
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
service:
  extensions: [k8s_leader_elector/k8s_objects, k8s_leader_elector/k8s_cluster]
  pipelines:
    logs: { receivers: [k8s_objects], exporters: [otlp_http] }
    metrics: { receivers: [k8s_cluster, kubelet_stats], exporters: [otlp_http] }
`;
  const t = await startTsunagi(config, { KUBECONFIG: kubeconfig });
  try {
    const leases = () => api.lists.get(LEASES).items as any[];
    await waitFor(
      () => leases().length === 2 && leases().every((l) => l.spec.holderIdentity),
      'both leases taken',
    );
    await waitFor(
      () => api.watchesOf('/apis/events.k8s.io/v1/events').length === 1,
      'the events watch (as leader)',
    );
    api.emit('/apis/events.k8s.io/v1/events', 'ADDED', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web-0.181a', namespace: 'shop', uid: 'ev-1', resourceVersion: '51' },
      reason: 'BackOff',
      note: 'Back-off restarting failed container web',
    });
    await waitFor(() => sink.requests.logs.length > 0, 'the event as a log record');
    const rl = sink.requests.logs[0].resourceLogs[0];
    const attr = (kvs: any[], key: string) => kvs.find((a) => a.key === key)?.value?.stringValue;
    expect(attr(rl.resource.attributes, 'k8s.namespace.name')).toBe('shop');
    const rec = rl.scopeLogs[0].logRecords[0];
    expect(attr(rec.attributes, 'event.name')).toBe('web-0.181a');
    expect(attr(rec.attributes, 'k8s.resource.name')).toBe('events');
    expect(rec.body.kvlistValue.values.find((v: any) => v.key === 'type').value.stringValue).toBe('ADDED');
    const names = () =>
      new Set(
        sink.requests.metrics.flatMap((r: any) =>
          r.resourceMetrics.flatMap((rm: any) =>
            rm.scopeMetrics.flatMap((sm: any) => sm.metrics.map((m: any) => m.name)),
          ),
        ),
      );
    await waitFor(
      () =>
        [
          'k8s.pod.phase',
          'k8s.container.restarts',
          'k8s.node.condition_ready',
          'k8s.node.allocatable_cpu',
          'k8s.node.cpu.usage',
          'container.cpu.time',
          'k8s.volume.capacity',
        ].every((n) => names().has(n)),
      'cluster and kubelet metrics',
    );
  } finally {
    expect(await t.stop()).toBe(0);
  }
  const leases = api.lists.get(LEASES).items as any[];
  expect(leases.map((l) => l.spec.holderIdentity)).toEqual(['', '']); // released at shutdown
  api.token = undefined;
});
