import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeClient } from '../../src/k8s/client.js';
import { Informer } from '../../src/k8s/informer.js';
import { fromAnyValue, str } from '../../src/pdata/attributes.js';
import { newResource, newResourceLogs } from '../../src/pdata/create.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { configSchema } from './config.js';
import { cronJobFromJob, deploymentFromReplicaSet } from './extract.js';
import { checkSupported, createWith, factory } from './factory.js';
import { ApiServerStandin, fixture, fixtureLines, type Recorded } from './testdata/apiserver-standin.js';
import type { Pod } from './types.js';

const collectorConfigs = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/k8sattributesprocessor.yaml`, 'utf8'),
) as Record<string, unknown>;

describe('k8s_attributes config', () => {
  it('accepts the valid fixture entries and rejects the bad ones', () => {
    for (const [id, cfg] of Object.entries(collectorConfigs)) {
      const r = configSchema.safeParse(cfg ?? {});
      const bad = /\/(bad_|too_many)/.test(id);
      expect(r.success, `${id}: ${r.success ? 'accepted' : r.error.message}`).toBe(!bad);
    }
  });

  it('has the collector defaults and refuses what is not implemented yet at create time', () => {
    const c = configSchema.parse({});
    expect(c.extract.metadata).toEqual([
      'k8s.namespace.name',
      'k8s.pod.name',
      'k8s.pod.uid',
      'k8s.pod.start_time',
      'k8s.deployment.name',
      'k8s.node.name',
    ]);
    expect(c.auth_type).toBe('serviceAccount');
    expect(() => checkSupported(c)).not.toThrow();
    expect(() =>
      checkSupported(configSchema.parse(collectorConfigs['k8s_attributes/all_metadata_fields'])),
    ).toThrow(/not supported yet: .*k8s.cluster.uid/);
    expect(factory.deprecatedTypes).toEqual(['k8sattributes']);
  });

  it('derives workload names from owner names', () => {
    expect(deploymentFromReplicaSet('checkout-5d4f8c7b9', '5d4f8c7b9')).toBe('checkout');
    expect(deploymentFromReplicaSet('my-app-7c9f6b')).toBe('my-app');
    expect(cronJobFromJob('nightly-backup-28472640')).toBe('nightly-backup');
  });
});

// ---- against a stand-in API server serving recorded responses (testdata/) ----

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 3000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function logsWith(attrs: Record<string, string>): LogsData {
  const res = newResource();
  for (const [k, v] of Object.entries(attrs)) res.attributes.push({ key: k, value: str(v) });
  return { resourceLogs: [newResourceLogs(res)] };
}

const resAttrs = (d: LogsData) =>
  Object.fromEntries(d.resourceLogs[0].resource.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)]));

/** Settings whose logger records warnings. */
function warnRecordingSettings(id: string) {
  const settings = testSettings(id, 'processor');
  const warns: string[] = [];
  settings.logger = Object.assign(Object.create(settings.logger), {
    warn: (o: { err?: string }, msg?: string) => warns.push(`${msg}: ${o.err}`),
  });
  return { settings, warns };
}

const podsList = fixture('pods-list.json');
const byName = (list: { items: Pod[] }, name: string) =>
  list.items.find((p) => p.metadata.name === name) as Pod;
const CHECKOUT = byName(podsList, 'checkout-7d9c6b5f4-x8k2p');
const EXPORTER = byName(podsList, 'node-exporter-9xk2m');
const REPORT = byName(podsList, 'nightly-report-29389440-5bq7w');
const OTHER_NODE = byName(podsList, 'checkout-7d9c6b5f4-m2vqz');
const watchEvents = fixtureLines('pods-watch.ndjson');
const CART_UID = JSON.parse(watchEvents[0]).object.metadata.uid as string;
const containerId = (p: Pod) => p.status?.containerStatuses?.[0].containerID?.split('://')[1];

describe('k8s_attributes against recorded kube-apiserver responses', () => {
  const api = new ApiServerStandin();
  const next = new CollectingConsumer<'logs'>();
  const { settings, warns } = warnRecordingSettings('k8s_attributes/recorded');
  let proc: ReturnType<ReturnType<typeof createWith>>;
  const enrich = async (attrs: Record<string, string>, clientAddress?: string) => {
    await proc.consume(logsWith(attrs), clientAddress ? { clientAddress } : undefined);
    return resAttrs(next.received.at(-1) as LogsData);
  };

  beforeAll(async () => {
    const port = await api.listen();
    const config = configSchema.parse({
      auth_type: 'none',
      wait_for_metadata: true,
      pod_delete_grace_period: '0s',
      filter: { node_from_env_var: 'K8S_NODE_NAME' },
      extract: {
        metadata: [
          'k8s.namespace.name',
          'k8s.pod.name',
          'k8s.pod.uid',
          'k8s.pod.start_time',
          'k8s.pod.ip',
          'k8s.deployment.name',
          'k8s.replicaset.name',
          'k8s.replicaset.uid',
          'k8s.daemonset.name',
          'k8s.job.name',
          'k8s.cronjob.name',
          'k8s.node.name',
          'container.image.name',
          'container.image.tag',
          'container.id',
        ],
        labels: [
          { tag_name: 'app', key: 'app.kubernetes.io/name' },
          { key_regex: 'app\\.kubernetes\\.io/ver.*' },
          { tag_name: 'team', key: 'team', from: 'namespace' },
        ],
        annotations: [{ tag_name: 'owner', key: 'team.example.com/owner' }],
        otel_annotations: true,
      },
    });
    proc = createWith(() => ({ baseUrl: `http://127.0.0.1:${port}` }), {
      env: { K8S_NODE_NAME: 'worker-1' },
    })(settings, config, 'logs', next);
    await proc.start(emptyHost);
    await until(() => api.podWatches === 1, 'pod watch open');
  });

  afterAll(async () => {
    await proc.shutdown();
    await api.close();
  });

  it('lists and watches only its node (fieldSelector spec.nodeName), watching from the list version', () => {
    const [list] = api.calls('/api/v1/pods', false);
    expect(list.url.searchParams.get('fieldSelector')).toBe('spec.nodeName=worker-1');
    const [watch] = api.calls('/api/v1/pods', true);
    expect(watch.url.searchParams.get('fieldSelector')).toBe('spec.nodeName=worker-1');
    expect(watch.url.searchParams.get('resourceVersion')).toBe(podsList.metadata.resourceVersion);
    expect(watch.url.searchParams.get('allowWatchBookmarks')).toBe('true');
    const timeout = Number(watch.url.searchParams.get('timeoutSeconds'));
    expect(timeout).toBeGreaterThanOrEqual(300);
    expect(timeout).toBeLessThan(600);
  });

  it('enriches a Deployment pod: metadata, deployment from the ReplicaSet, labels, annotations, container', async () => {
    expect(await enrich({ 'k8s.pod.uid': CHECKOUT.metadata.uid, 'k8s.container.name': 'checkout' })).toEqual({
      'k8s.pod.uid': '3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
      'k8s.container.name': 'checkout',
      'k8s.namespace.name': 'shop',
      'k8s.pod.name': 'checkout-7d9c6b5f4-x8k2p',
      'k8s.pod.start_time': '2026-11-20T08:14:12Z',
      'k8s.pod.ip': '10.244.1.23',
      'k8s.node.name': 'worker-1',
      'k8s.replicaset.name': 'checkout-7d9c6b5f4',
      'k8s.replicaset.uid': 'b1e2c3d4-0a9b-4c8d-8e7f-6a5b4c3d2e1f',
      'k8s.deployment.name': 'checkout',
      app: 'checkout',
      'k8s.pod.labels.app.kubernetes.io/version': '1.4.2',
      team: 'payments', // namespace label
      owner: 'payments — Zürich',
      'service.namespace': 'shop', // resource.opentelemetry.io/service.namespace
      'container.image.name': 'ghcr.io/acme/checkout',
      'container.image.tag': '1.4.2',
      'container.id': containerId(CHECKOUT),
    });
    expect(containerId(CHECKOUT)).toMatch(/^[0-9a-f]{64}$/);
    // by name + namespace and by connection IP; what the data has is kept
    expect(
      await enrich({ 'k8s.pod.name': 'checkout-7d9c6b5f4-x8k2p', 'k8s.namespace.name': 'shop', app: 'mine' }),
    ).toMatchObject({ 'k8s.pod.uid': CHECKOUT.metadata.uid, app: 'mine' });
    expect(await enrich({}, '10.244.1.23:43210')).toMatchObject({ 'k8s.pod.uid': CHECKOUT.metadata.uid });
  });

  it('enriches DaemonSet and CronJob pods; a host-network pod is not matched by its (node) IP', async () => {
    const ds = await enrich({ 'k8s.pod.uid': EXPORTER.metadata.uid });
    expect(ds).toMatchObject({ 'k8s.daemonset.name': 'node-exporter', 'k8s.namespace.name': 'monitoring' });
    expect(ds).not.toHaveProperty('k8s.deployment.name');
    expect(ds).not.toHaveProperty('team');
    expect(await enrich({}, '172.18.0.3:9100')).toEqual({});
    expect(await enrich({ 'k8s.pod.uid': REPORT.metadata.uid })).toMatchObject({
      'k8s.job.name': 'nightly-report-29389440',
      'k8s.cronjob.name': 'nightly-report',
      'k8s.pod.ip': '10.244.1.31',
    });
  });

  it('does not know pods of other nodes (the server filtered them out)', async () => {
    expect(OTHER_NODE.spec?.nodeName).toBe('worker-2');
    expect(await enrich({ 'k8s.pod.uid': OTHER_NODE.metadata.uid })).toEqual({
      'k8s.pod.uid': OTHER_NODE.metadata.uid,
    });
  });

  it('applies ADDED, MODIFIED and DELETED events, and resumes a watch the server ended from the last version', async () => {
    // ADDED while Pending: no IP yet
    api.send(watchEvents[0]);
    await until(async () => 'k8s.pod.name' in (await enrich({ 'k8s.pod.uid': CART_UID })), 'ADDED applied');
    expect(await enrich({ 'k8s.pod.uid': CART_UID })).not.toHaveProperty('k8s.pod.ip');
    // MODIFIED (cart running with an IP; checkout relabelled), DELETED (node-exporter), BOOKMARK
    // the checkout MODIFIED event arrives split inside a multi-byte character
    api.send(watchEvents[1]);
    await api.sendSplit(watchEvents[2]);
    api.send(...watchEvents.slice(3));
    await until(
      async () => 'k8s.pod.name' in (await enrich({}, '10.244.1.40:5000')),
      'cart found by its new IP',
    );
    expect(await enrich({}, '10.244.1.40:5000')).toMatchObject({
      'k8s.pod.name': 'cart-5f8b9c7d6-qq4lm',
      'k8s.deployment.name': 'cart',
    });
    await until(
      async () => 'k8s.pod.name' in (await enrich({ 'k8s.pod.uid': EXPORTER.metadata.uid })) === false,
      'DELETED applied',
    );
    expect(
      (await enrich({ 'k8s.pod.uid': CHECKOUT.metadata.uid }))['k8s.pod.labels.app.kubernetes.io/version'],
    ).toBe('1.4.3');
    expect((await enrich({ 'k8s.pod.uid': CHECKOUT.metadata.uid })).owner).toBe('payments — Zürich');

    // the server ends the watch (its timeoutSeconds passed): a new watch from the bookmark's version
    const before = api.calls('/api/v1/pods', true).length;
    api.endWatches();
    await until(() => api.podWatches === 1 && api.calls('/api/v1/pods', true).length > before, 're-watch');
    const watch = api.calls('/api/v1/pods', true).at(-1) as Recorded;
    expect(watch.url.searchParams.get('resourceVersion')).toBe('48262');
    expect(api.calls('/api/v1/pods', false)).toHaveLength(1);
    expect(warns).toEqual([]);
  });

  it('re-lists after "410 Gone: too old resource version" and reconciles the cache', async () => {
    const [expired] = fixtureLines('watch-expired.ndjson');
    expect(JSON.parse(expired).object).toMatchObject({ code: 410, reason: 'Expired' });
    api.podList = fixture('pods-relist.json');
    const lists = api.calls('/api/v1/pods', false).length;
    api.send(expired);
    await until(() => api.calls('/api/v1/pods', false).length === lists + 1, 're-list');
    await until(() => api.podWatches === 1, 'watch after re-list');
    const watch = api.calls('/api/v1/pods', true).at(-1) as Recorded;
    expect(watch.url.searchParams.get('resourceVersion')).toBe('49012');
    expect(watch.url.searchParams.get('fieldSelector')).toBe('spec.nodeName=worker-1');
    // the cart pod was deleted while the watch was down: gone after the re-list
    expect(await enrich({ 'k8s.pod.uid': CART_UID })).toEqual({ 'k8s.pod.uid': CART_UID });
    expect(await enrich({ 'k8s.pod.uid': REPORT.metadata.uid })).toMatchObject({
      'k8s.job.name': 'nightly-report-29389440',
    });
    expect(warns).toEqual([]);
  });
});

describe('k8s_attributes watch timeouts', () => {
  it('keeps a quiet watch open past the request timeout, and re-watches when the server ends it', async () => {
    const api = new ApiServerStandin();
    const port = await api.listen();
    const { settings, warns } = warnRecordingSettings('k8s_attributes/quiet');
    const client = new KubeClient({ baseUrl: `http://127.0.0.1:${port}` }, { requestTimeoutMs: 300 });
    const informer = new Informer<Pod>(
      client,
      '/api/v1/pods',
      {},
      { upsert() {}, delete() {} },
      settings.logger,
      {
        watchTimeoutSeconds: () => 1,
      },
    );
    try {
      informer.start();
      // the server ends each watch after timeoutSeconds=1 with no event: 3× the list's 300 ms idle timeout
      await until(() => api.calls('/api/v1/pods', true).length >= 3, 'three watches', 5000);
      const watches = api.calls('/api/v1/pods', true);
      for (const w of watches) {
        expect(w.url.searchParams.get('timeoutSeconds')).toBe('1');
        expect(w.url.searchParams.get('resourceVersion')).toBe(podsList.metadata.resourceVersion);
      }
      expect(informer.lists).toBe(1);
      expect(warns).toEqual([]);
    } finally {
      await informer.stop();
      await client.close();
      await api.close();
    }
  });
});

describe('k8s_attributes passthrough', () => {
  it('only adds k8s.pod.ip from the connection, without an API server', async () => {
    const next = new CollectingConsumer<'logs'>();
    const p = createWith(undefined)(
      testSettings('k8s_attributes/pt', 'processor'),
      configSchema.parse({ passthrough: true }),
      'logs',
      next,
    );
    await p.start(emptyHost);
    await p.consume(logsWith({}), { clientAddress: '10.1.2.3:5000' });
    expect(resAttrs(next.received[0])).toEqual({ 'k8s.pod.ip': '10.1.2.3' });
    await p.shutdown();
  });
});
