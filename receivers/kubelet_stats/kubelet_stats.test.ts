// kubelet_stats against a kubelet stand-in serving a realistic
// /stats/summary: the collector's metric names, units, types and resource
// attributes per group, enable flags, extra_metadata_labels from /pods,
// serviceAccount's bearer token, and the YAML errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeNulls } from '../../src/config/null-values.js';
import { fromAnyValue } from '../../src/pdata/attributes.js';
import type { Metric, MetricsData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { KubeletStandin, NODE_START } from '../../test/support/kubelet-standin.js';
import { configSchema } from './config.js';
import { createWith } from './factory.js';
import type { KubeletStatsReceiver } from './receiver.js';
import { SCOPE_NAME } from './translate.js';

function errors(yaml: string): string[] {
  const r = configSchema.safeParse(normalizeNulls(configSchema, parse(yaml) ?? {}));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

type Flat = {
  resource: Record<string, unknown>;
  metric: Metric;
  value: number;
  attrs: Record<string, unknown>;
  start: bigint;
};
function flatten(d: MetricsData): Flat[] {
  return d.resourceMetrics.flatMap((rm) => {
    const resource = Object.fromEntries(rm.resource.attributes.map((a) => [a.key, fromAnyValue(a.value)]));
    return rm.scopeMetrics.flatMap((sm) => {
      expect(sm.scope.name).toBe(SCOPE_NAME);
      return sm.metrics.flatMap((metric) =>
        (metric.sum ?? metric.gauge)!.dataPoints.map((dp) => ({
          resource,
          metric,
          value: dp.asDouble ?? Number(dp.asInt),
          attrs: Object.fromEntries(dp.attributes.map((a) => [a.key, fromAnyValue(a.value)])),
          start: dp.startTimeUnixNano,
        })),
      );
    });
  });
}

describe('kubelet_stats config', () => {
  it('fills the collector defaults', () => {
    const c = configSchema.parse({});
    expect(c).toMatchObject({
      auth_type: 'tls',
      collection_interval: 10_000,
      initial_delay: 1_000,
      metric_groups: ['container', 'pod', 'node'],
      extra_metadata_labels: [],
      insecure_skip_verify: false,
      endpoint: '',
    });
  });
  it("accepts the collector's fixture entries and the kube-stack chart's use", () => {
    for (const y of [
      '',
      '{collection_interval: 10s, auth_type: tls, ca_file: /path/to/ca.crt, key_file: /path/to/apiserver.key, cert_file: /path/to/apiserver.crt, endpoint: "1.2.3.4:5555", insecure_skip_verify: true}',
      '{collection_interval: 10s, auth_type: serviceAccount, insecure_skip_verify: true}',
      '{collection_interval: 10s, auth_type: serviceAccount, extra_metadata_labels: [container.id, k8s.volume.type]}',
      '{collection_interval: 10s, auth_type: serviceAccount, extra_metadata_labels: [k8s.volume.type], k8s_api_config: {auth_type: kubeConfig}}',
      `
auth_type: serviceAccount
collection_interval: 15s
endpoint: https://\${env:OTEL_K8S_NODE_IP}:10250
extra_metadata_labels: [container.id, k8s.volume.type]
insecure_skip_verify: true
k8s_api_config: {auth_type: serviceAccount}
metric_groups: [node, pod, volume, container]
metrics:
  container.cpu.usage: {enabled: true}
  k8s.node.cpu.usage: {enabled: true}
  k8s.node.uptime: {enabled: true}
  k8s.pod.cpu.usage: {enabled: true}
  k8s.pod.uptime: {enabled: true}
`,
    ])
      expect(errors(y), y).toEqual([]);
  });
  it('refuses what the collector refuses', () => {
    expect(errors('metric_groups: [node, disk]')).toEqual(['metric_groups: invalid entry in metric_groups']);
    expect(errors('extra_metadata_labels: [k8s.pod.ip]')[0]).toMatch(/^extra_metadata_labels\.0: /);
    expect(errors('auth_type: token')[0]).toMatch(/^auth_type: /);
    expect(errors('metrics: {k8s.node.cpu.usag: {enabled: true}}')[0]).toMatch(/^metrics/);
    expect(errors('metrics: {k8s.node.uptime: {enable: true}}')[0]).toMatch(/^metrics\.k8s\.node\.uptime: /);
    expect(errors('collection_interval: often')[0]).toMatch(/^collection_interval: /);
    expect(errors('endpont: x:1')[0]).toMatch(/endpont/);
  });
});

describe('kubelet_stats against a kubelet stand-in', () => {
  const kubelet = new KubeletStandin();
  let endpoint = '';
  beforeAll(async () => {
    endpoint = `http://127.0.0.1:${await kubelet.listen()}`;
  });
  afterAll(() => kubelet.close());

  async function scrapeOnce(yaml: string, auth = {}) {
    const sink = new CollectingConsumer<'metrics'>();
    const config = configSchema.parse({ initial_delay: '1h', ...parse(yaml) });
    const rx = createWith(auth)(testSettings('kubelet_stats'), config, {
      metrics: sink,
    }) as KubeletStatsReceiver;
    await rx.start();
    await rx.scrape();
    await rx.shutdown();
    return flatten(sink.received[0] ?? { resourceMetrics: [] });
  }

  it('default groups: node, pod and container metrics with the collector names, units, types and resources', async () => {
    const got = await scrapeOnce(`{auth_type: none, endpoint: "${endpoint}"}`);
    const one = (name: string, where: Record<string, unknown> = {}) => {
      const xs = got.filter(
        (f) =>
          f.metric.name === name &&
          Object.entries(where).every(([k, v]) => f.resource[k] === v || f.attrs[k] === v),
      );
      expect(xs, name).toHaveLength(1);
      return xs[0];
    };
    const nodeCpu = one('k8s.node.cpu.time');
    expect(nodeCpu.resource).toEqual({ 'k8s.node.name': 'worker-1' });
    expect(nodeCpu.value).toBeCloseTo(123_456);
    expect(nodeCpu.metric.unit).toBe('s');
    expect(nodeCpu.metric.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 });
    expect(nodeCpu.start).toBe(BigInt(Date.parse(NODE_START)) * 1_000_000n);
    expect(one('k8s.node.cpu.usage')).toMatchObject({ value: 0.35, metric: { unit: '{cpu}' } });
    expect(one('k8s.node.memory.working_set').value).toBe(2_800_000_000);
    expect(one('k8s.node.filesystem.usage').value).toBe(60_000_000_000);
    expect(one('k8s.node.network.io', { direction: 'receive' })).toMatchObject({
      value: 9_000_000,
      attrs: { interface: 'eth0', direction: 'receive' },
    });
    expect(one('k8s.node.network.errors', { direction: 'transmit' }).value).toBe(0);
    const podMem = one('k8s.pod.memory.working_set');
    expect(podMem.resource).toEqual({
      'k8s.pod.uid': 'a1b2c3d4-0000-4000-8000-000000000001',
      'k8s.pod.name': 'web-7d4b9c-x2x8k',
      'k8s.namespace.name': 'shop',
    });
    expect(podMem.value).toBe(49_000_000);
    expect(podMem.metric.gauge).toBeDefined();
    expect(one('k8s.pod.filesystem.usage').value).toBe(61_440); // ephemeral-storage
    const ctr = one('container.cpu.time');
    expect(ctr.resource).toMatchObject({ 'k8s.container.name': 'nginx', 'k8s.pod.name': 'web-7d4b9c-x2x8k' });
    expect(ctr.value).toBeCloseTo(45);
    expect(one('container.memory.rss').value).toBe(30_000_000);
    expect(one('container.filesystem.usage').value).toBe(40_960); // rootfs
    // off by default, and volume is not a default group
    expect(got.some((f) => f.metric.name.endsWith('.uptime'))).toBe(false);
    expect(got.some((f) => f.metric.name.startsWith('k8s.volume.'))).toBe(false);
    expect(got.some((f) => 'container.id' in f.resource)).toBe(false);
  });

  it('enable flags, the volume group and extra_metadata_labels from /pods', async () => {
    const got = await scrapeOnce(`
auth_type: none
endpoint: "${endpoint}"
metric_groups: [volume, container]
extra_metadata_labels: [container.id, k8s.volume.type]
metrics:
  container.uptime: {enabled: true}
  container.memory.rss: {enabled: false}
collect_all_network_interfaces: {node: true}
`);
    expect(
      got.some((f) => f.metric.name.startsWith('k8s.node.') || f.metric.name.startsWith('k8s.pod.')),
    ).toBe(false);
    expect(got.some((f) => f.metric.name === 'container.memory.rss')).toBe(false);
    const up = got.find((f) => f.metric.name === 'container.uptime')!;
    expect(up.value).toBeGreaterThan(0);
    expect(up.resource['container.id']).toBe('4f1c2e9b7a');
    const data = got.filter(
      (f) => f.metric.name === 'k8s.volume.capacity' && f.resource['k8s.volume.name'] === 'data',
    );
    expect(data).toHaveLength(1);
    expect(data[0].resource).toMatchObject({
      'k8s.volume.type': 'persistentVolumeClaim',
      'k8s.persistentvolumeclaim.name': 'web-data',
    });
    expect(data[0].value).toBe(1_000_000_000);
    expect(
      got.find((f) => f.metric.name === 'k8s.volume.inodes.used' && f.resource['k8s.volume.name'] === 'data')!
        .value,
    ).toBe(5_536);
    expect(kubelet.requests.some((r) => r.path === '/pods')).toBe(true);
  });

  it('all interfaces with collect_all_network_interfaces.node', async () => {
    const got = await scrapeOnce(
      `{auth_type: none, endpoint: "${endpoint}", metric_groups: [node], collect_all_network_interfaces: {node: true}}`,
    );
    const ifaces = new Set(
      got.filter((f) => f.metric.name === 'k8s.node.network.io').map((f) => f.attrs.interface),
    );
    expect([...ifaces].sort()).toEqual(['cni0', 'eth0']);
  });

  it("serviceAccount sends the pod's token; a refused scrape emits nothing and does not throw", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelet-sa-'));
    writeFileSync(join(dir, 'token'), 'sa-token-1\n');
    writeFileSync(join(dir, 'ca.crt'), '');
    kubelet.token = 'sa-token-1';
    const got = await scrapeOnce(
      `{auth_type: serviceAccount, insecure_skip_verify: true, endpoint: "${endpoint}"}`,
      {
        serviceAccountDir: dir,
      },
    );
    expect(got.length).toBeGreaterThan(10);
    expect(kubelet.requests.at(-1)?.authorization).toBe('Bearer sa-token-1');
    kubelet.token = 'rotated';
    expect(
      await scrapeOnce(`{auth_type: serviceAccount, insecure_skip_verify: true, endpoint: "${endpoint}"}`, {
        serviceAccountDir: dir,
      }),
    ).toEqual([]);
    kubelet.token = undefined;
  });
});
