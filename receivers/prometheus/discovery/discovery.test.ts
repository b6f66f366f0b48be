// Discovery through the running receiver: file_sd changes picked up (and a
// bad file keeping its targets), Kubernetes pods and endpoints from the
// kube-apiserver stand-in with the usual annotation relabeling, targets that
// go away getting end-of-run staleness markers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expandEnv } from '../../../src/config/expand.js';
import { anyValueToString } from '../../../src/pdata/attributes.js';
import type { MetricsData } from '../../../src/pdata/types.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../../test/support/component.js';
import { MetricsTarget } from '../../../test/support/metrics-target.js';
import { waitFor } from '../../../test/support/tsunagi-process.js';
import { factory } from '../factory.js';
import type { PrometheusReceiver } from '../receiver.js';
import { buildNodeGroup, buildServiceGroup } from './kubernetes/service-node.js';
import { CoreV1Standin } from './testdata/apiserver-standin.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function target(text: string): Promise<MetricsTarget> {
  const t = await new MetricsTarget({ text }).listen();
  cleanups.push(() => t.close());
  return t;
}

async function receiver(yaml: string) {
  const consumer = new CollectingConsumer<'metrics'>();
  const cfg = factory.configSchema.parse(expandEnv(parseYaml(yaml), {}).value);
  const r = factory.create(testSettings('prometheus'), cfg, { metrics: consumer }) as PrometheusReceiver;
  await (r as unknown as { start(h: typeof emptyHost): Promise<void> }).start(emptyHost);
  cleanups.push(() => r.shutdown());
  return { r, consumer, pool: r.pools[0] };
}

interface Point {
  name: string;
  resource: Record<string, string>;
  attrs: Record<string, string>;
  value: number | undefined;
  stale: boolean;
}
const kv = (a: { key: string; value: any }[]) =>
  Object.fromEntries(a.map((x) => [x.key, anyValueToString(x.value)]));
function points(batches: MetricsData[]): Point[][] {
  return batches.map((md) =>
    md.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) =>
        sm.metrics.flatMap((m) =>
          (m.gauge?.dataPoints ?? m.sum?.dataPoints ?? []).map((p) => ({
            name: m.name,
            resource: kv(rm.resource.attributes),
            attrs: kv(p.attributes),
            value: p.asDouble,
            stale: p.flags === 1,
          })),
        ),
      ),
    ),
  );
}

describe('file_sd_configs', () => {
  it('picks up changes; a target that goes away gets staleness markers, up included; a bad file keeps its targets', async () => {
    const a = await target('from_a 1\n');
    const b = await target('from_b 2\n');
    const dir = mkdtempSync(join(tmpdir(), 'tsunagi-filesd-'));
    const file = join(dir, 'targets.yaml');
    writeFileSync(file, `- targets: ['${a.address}']\n  labels: { env: one }\n`);
    const { consumer, pool } = await receiver(`
config:
  scrape_configs:
    - job_name: files
      scrape_interval: 500ms
      file_sd_configs: [{ files: ['${dir}/*.yaml'] }]
`);
    const seen = (name: string, pred: (p: Point) => boolean = () => true) =>
      points(consumer.received).some((batch) => batch.some((p) => p.name === name && pred(p)));
    await waitFor(() => seen('from_a', (p) => p.attrs.env === 'one' && p.value === 1), 'target a scraped');
    expect(pool.activeTargets()[0].discoveredLabels).toMatchObject({ __meta_filepath: file, env: 'one' });

    writeFileSync(file, `- targets: ['${b.address}']\n  labels: { env: two }\n`);
    await waitFor(
      () => seen('from_b', (p) => p.attrs.env === 'two'),
      'target b scraped after the file changed',
    );
    expect(pool.activeTargets().map((t) => t.labels.instance)).toEqual([b.address]);
    await waitFor(() => seen('from_a', (p) => p.stale), 'staleness markers for target a');
    const end = points(consumer.received).find((batch) =>
      batch.some((p) => p.name === 'from_a' && p.stale),
    ) as Point[];
    expect(end.every((p) => p.stale && p.resource['service.instance.id'] === a.address)).toBe(true);
    expect(end.map((p) => p.name)).toContain('up');

    writeFileSync(file, 'not: [valid');
    await new Promise((r) => setTimeout(r, 300)); // a watch event and a re-read happen
    expect(pool.activeTargets().map((t) => t.labels.instance)).toEqual([b.address]);
  });
});

const pod = (
  name: string,
  o: { ip?: string; port?: number; annotations?: Record<string, string>; uid?: string },
) => ({
  metadata: {
    name,
    namespace: 'shop',
    uid: o.uid ?? `uid-${name}`,
    labels: { app: name, 'app.kubernetes.io/part-of': 'shop' },
    annotations: o.annotations ?? {},
    ownerReferences: [{ kind: 'ReplicaSet', name: `${name}-5d8f`, uid: 'rs', controller: true }],
  },
  spec: {
    nodeName: 'node-1',
    containers: [
      {
        name: 'main',
        image: 'shop/app:1',
        ports: o.port ? [{ name: 'metrics', containerPort: o.port, protocol: 'TCP' }] : [],
      },
    ],
  },
  status: {
    podIP: o.ip,
    hostIP: '10.0.0.1',
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'main', containerID: `containerd://${name}` }],
  },
});

const ANNOTATION_RELABEL = `
      relabel_configs:
        - { source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], regex: 'true', action: keep }
        - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
          regex: '([^:]+)(?::\\d+)?;(\\d+)'
          replacement: '$$1:$$2'
          target_label: __address__
        - { regex: '__meta_kubernetes_pod_label_(.+)', action: labelmap }
        - { source_labels: [__meta_kubernetes_namespace], target_label: namespace }
        - { source_labels: [__meta_kubernetes_pod_name], target_label: pod }
`;

describe('kubernetes_sd_configs (against the kube-apiserver stand-in)', () => {
  it('role pod: annotated pods scraped, with Prometheus labels and k8s resource attributes; deletes and adds followed', async () => {
    const t1 = await target('pod_metric 1\n');
    const t2 = await target('pod_metric 2\n');
    const api = new CoreV1Standin();
    api.token = 'sekret';
    api.setItems('pods', [
      pod('web', {
        ip: '127.0.0.1',
        port: 1,
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(t1.port) },
      }),
      pod('quiet', { ip: '127.0.0.1', port: t1.port }),
      pod('starting', { annotations: { 'prometheus.io/scrape': 'true' } }),
    ]);
    const port = await api.listen();
    cleanups.push(() => api.close());
    const { consumer, pool } = await receiver(`
config:
  scrape_configs:
    - job_name: pods
      scrape_interval: 500ms
      kubernetes_sd_configs:
        - { role: pod, api_server: 'http://127.0.0.1:${port}', bearer_token: sekret, namespaces: { names: [shop] } }
${ANNOTATION_RELABEL}
`);
    const scraped = (value: number) =>
      points(consumer.received)
        .flat()
        .find((p) => p.name === 'pod_metric' && p.value === value);
    await waitFor(() => scraped(1) !== undefined, 'the annotated pod scraped');
    expect(api.calls('/api/v1/namespaces/shop/pods', false)[0].authorization).toBe('Bearer sekret');
    const [t] = pool.activeTargets();
    expect(t.discoveredLabels).toMatchObject({
      __address__: '127.0.0.1:1',
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_pod_name: 'web',
      __meta_kubernetes_pod_ip: '127.0.0.1',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_node_name: 'node-1',
      __meta_kubernetes_pod_host_ip: '10.0.0.1',
      __meta_kubernetes_pod_uid: 'uid-web',
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_label_app_kubernetes_io_part_of: 'shop',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_container_name: 'main',
      __meta_kubernetes_pod_container_id: 'containerd://web',
      __meta_kubernetes_pod_container_image: 'shop/app:1',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_container_port_name: 'metrics',
      __meta_kubernetes_pod_container_port_number: '1',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
      __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
      __meta_kubernetes_pod_controller_name: 'web-5d8f',
    });
    expect(t.labels).toEqual({
      app: 'web',
      app_kubernetes_io_part_of: 'shop',
      instance: t1.address,
      job: 'pods',
      namespace: 'shop',
      pod: 'web',
    });
    expect(scraped(1)?.resource).toMatchObject({
      'service.name': 'pods',
      'k8s.pod.name': 'web',
      'k8s.pod.uid': 'uid-web',
      'k8s.namespace.name': 'shop',
      'k8s.node.name': 'node-1',
      'k8s.container.name': 'main',
      'k8s.replicaset.name': 'web-5d8f',
    });

    api.event('pods', 'DELETED', api.itemsOf('pods')[0]);
    api.event(
      'pods',
      'ADDED',
      pod('api', { ip: '127.0.0.1', port: t2.port, annotations: { 'prometheus.io/scrape': 'true' } }),
    );
    await waitFor(() => scraped(2) !== undefined, 'the added pod scraped');
    expect(pool.activeTargets().map((x) => x.labels.pod)).toEqual(['api']);
    await waitFor(
      () =>
        points(consumer.received)
          .flat()
          .some((p) => p.name === 'pod_metric' && p.stale && p.attrs.pod === 'web'),
      'staleness markers for the deleted pod',
    );
  });

  it('role endpoints: endpoint, service and pod labels joined; uncovered container ports become targets', async () => {
    const api = new CoreV1Standin();
    api.setItems('pods', [pod('web', { ip: '10.1.0.5', port: 8080 })]);
    (api.itemsOf('pods')[0].spec.containers as any[]).push({
      name: 'sidecar',
      image: 'envoy',
      ports: [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }],
    });
    api.setItems('services', [
      {
        metadata: {
          name: 'web',
          namespace: 'shop',
          uid: 's1',
          labels: { tier: 'fe' },
          annotations: { a: 'b' },
        },
      },
    ]);
    api.setItems('endpoints', [
      {
        metadata: { name: 'web', namespace: 'shop', uid: 'e1', labels: { 'k8s-app': 'web' } },
        subsets: [
          {
            addresses: [
              {
                ip: '10.1.0.5',
                nodeName: 'node-1',
                targetRef: { kind: 'Pod', name: 'web', namespace: 'shop' },
              },
            ],
            notReadyAddresses: [{ ip: '10.1.0.9', hostname: 'h9' }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    ]);
    const port = await api.listen();
    cleanups.push(() => api.close());
    const { pool } = await receiver(`
config:
  scrape_configs:
    - job_name: eps
      scrape_interval: 1h
      kubernetes_sd_configs: [{ role: endpoints, api_server: 'http://127.0.0.1:${port}' }]
`);
    await waitFor(() => pool.activeTargets().length === 3, 'three targets');
    const byAddr = Object.fromEntries(
      pool.activeTargets().map((t) => [t.discoveredLabels.__address__, t.discoveredLabels]),
    );
    expect(byAddr['10.1.0.5:8080']).toMatchObject({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpoints_name: 'web',
      __meta_kubernetes_endpoints_label_k8s_app: 'web',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_tier: 'fe',
      __meta_kubernetes_service_annotation_a: 'b',
      __meta_kubernetes_endpoint_ready: 'true',
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_node_name: 'node-1',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: 'web',
      __meta_kubernetes_pod_name: 'web',
      __meta_kubernetes_pod_container_name: 'main',
      __meta_kubernetes_pod_container_port_number: '8080',
    });
    expect(byAddr['10.1.0.9:8080']).toMatchObject({
      __meta_kubernetes_endpoint_ready: 'false',
      __meta_kubernetes_endpoint_hostname: 'h9',
    });
    expect(byAddr['10.1.0.9:8080'].__meta_kubernetes_pod_name).toBeUndefined();
    expect(byAddr['10.1.0.5:9901']).toMatchObject({
      __meta_kubernetes_pod_container_name: 'sidecar',
      __meta_kubernetes_pod_container_port_name: 'admin',
      __meta_kubernetes_service_name: 'web',
    });
    expect(byAddr['10.1.0.5:9901'].__meta_kubernetes_endpoint_ready).toBeUndefined();
  });

  it('roles service and node', () => {
    const svc = buildServiceGroup({
      metadata: { name: 'web', namespace: 'shop', uid: 'u' },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    });
    expect(svc.source).toBe('svc/shop/web');
    expect(Object.fromEntries(svc.targets[0])).toEqual({
      __address__: 'web.shop.svc:80',
      __meta_kubernetes_service_port_name: 'http',
      __meta_kubernetes_service_port_number: '80',
      __meta_kubernetes_service_port_protocol: 'TCP',
      __meta_kubernetes_service_type: 'ClusterIP',
      __meta_kubernetes_service_cluster_ip: '10.96.0.10',
    });
    const node = buildNodeGroup({
      metadata: { name: 'node-1', uid: 'n', labels: { 'kubernetes.io/os': 'linux' } },
      status: {
        addresses: [
          { type: 'Hostname', address: 'node-1' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    });
    expect(Object.fromEntries(node?.targets[0] ?? [])).toEqual({
      __address__: '10.0.0.1:10250',
      instance: 'node-1',
      __meta_kubernetes_node_address_Hostname: 'node-1',
      __meta_kubernetes_node_address_InternalIP: '10.0.0.1',
    });
    expect(node?.labels.get('__meta_kubernetes_node_label_kubernetes_io_os')).toBe('linux');
  });
});
