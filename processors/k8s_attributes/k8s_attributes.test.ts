import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromAnyValue, str } from '../../src/pdata/attributes.js';
import { newResource, newResourceLogs } from '../../src/pdata/create.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { cronJobFromJob, deploymentFromReplicaSet } from './extract.js';
import { checkSupported, createWith, factory } from './factory.js';
import type { Pod } from './types.js';

const fixture = parse(
  readFileSync(
    new URL('../../../shared/conformance/collector-configs/k8sattributesprocessor.yaml', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

describe('k8s_attributes config', () => {
  it('accepts the valid fixture entries and rejects the bad ones', () => {
    for (const [id, cfg] of Object.entries(fixture)) {
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
    expect(() => checkSupported(configSchema.parse(fixture['k8s_attributes/all_metadata_fields']))).toThrow(
      /not supported yet: .*k8s.cluster.uid/,
    );
    expect(factory.deprecatedTypes).toEqual(['k8sattributes']);
  });

  it('derives workload names from owner names', () => {
    expect(deploymentFromReplicaSet('checkout-5d4f8c7b9', '5d4f8c7b9')).toBe('checkout');
    expect(deploymentFromReplicaSet('my-app-7c9f6b')).toBe('my-app');
    expect(cronJobFromJob('nightly-backup-28472640')).toBe('nightly-backup');
  });
});

// ---- stand-in API server ----

function pod(name: string, uid: string, ip: string, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid,
      resourceVersion: '1',
      creationTimestamp: '2026-11-01T10:00:00Z',
      labels: { app: name.split('-')[0], 'pod-template-hash': '5d4f8c7b9' },
      annotations: { 'annotation-one': 'a1-value' },
      ownerReferences: [
        { kind: 'ReplicaSet', name: `${name.split('-')[0]}-5d4f8c7b9`, uid: 'rs-uid', controller: true },
      ],
      ...extra,
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'ghcr.io/acme/checkout:1.4.2' }] },
    status: {
      podIP: ip,
      containerStatuses: [{ name: 'app', containerID: 'containerd://abc123', restartCount: 0 }],
    },
  };
}

class FakeApi {
  server: Server;
  pods: Pod[] = [pod('checkout-5d4f8c7b9-x1', 'uid-1', '10.0.0.11')];
  listRv = '100';
  requests: URL[] = [];
  watches: ServerResponse[] = [];

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(url);
    if (url.pathname === '/api/v1/namespaces' && url.searchParams.get('watch') !== 'true') {
      res.end(
        JSON.stringify({
          kind: 'NamespaceList',
          metadata: { resourceVersion: '5' },
          items: [{ metadata: { name: 'shop', uid: 'ns-uid', labels: { team: 'payments' } } }],
        }),
      );
      return;
    }
    if (url.pathname === '/api/v1/namespaces') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return; // namespace watch: stays open, no events
    }
    if (url.pathname !== '/api/v1/pods') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.watches.push(res);
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: this.listRv },
        items: this.pods,
      }),
    );
  }

  event(type: string, object: unknown) {
    this.watches.at(-1)?.write(`${JSON.stringify({ type, object })}\n`);
  }

  async close() {
    for (const w of this.watches) w.end();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
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

describe('k8s_attributes against a stand-in API server', () => {
  const api = new FakeApi();
  let base = '';
  const next = new CollectingConsumer<'logs'>();
  let proc: ReturnType<ReturnType<typeof createWith>>;

  beforeAll(async () => {
    base = await api.listen();
    process.env.TSUNAGI_TEST_NODE = 'node-1';
    const config = configSchema.parse({
      auth_type: 'none',
      wait_for_metadata: true,
      pod_delete_grace_period: '0s',
      filter: { node_from_env_var: 'TSUNAGI_TEST_NODE', labels: [{ key: 'app', op: 'exists' }] },
      extract: {
        metadata: [
          'k8s.namespace.name',
          'k8s.pod.name',
          'k8s.pod.uid',
          'k8s.pod.start_time',
          'k8s.deployment.name',
          'k8s.node.name',
          'k8s.pod.ip',
          'container.image.name',
          'container.image.tag',
          'container.id',
        ],
        labels: [
          { tag_name: 'l1', key: 'app', from: 'pod' },
          { tag_name: 'team', key: 'team', from: 'namespace' },
        ],
        annotations: [{ tag_name: 'a1', key: 'annotation-one' }],
      },
    });
    proc = createWith(() => ({ baseUrl: base }))(
      testSettings('k8s_attributes', 'processor'),
      config,
      'logs',
      next,
    );
    await proc.start(emptyHost);
  });

  afterAll(async () => {
    await proc.shutdown();
    await api.close();
  });

  it('lists pods with the node field selector and label selector, then watches from the list version', async () => {
    const list = api.requests.find((u) => u.pathname === '/api/v1/pods' && !u.searchParams.has('watch'));
    expect(list?.searchParams.get('fieldSelector')).toBe('spec.nodeName=node-1');
    expect(list?.searchParams.get('labelSelector')).toBe('app');
    await until(() => api.watches.length >= 1);
    const watch = api.requests.find(
      (u) => u.pathname === '/api/v1/pods' && u.searchParams.get('watch') === 'true',
    );
    expect(watch?.searchParams.get('resourceVersion')).toBe('100');
  });

  it('enriches by pod uid, by name + namespace, and by connection IP, never overwriting', async () => {
    await proc.consume(logsWith({ 'k8s.pod.uid': 'uid-1', 'k8s.container.name': 'app' }));
    expect(resAttrs(next.received.at(-1)!)).toEqual({
      'k8s.pod.uid': 'uid-1',
      'k8s.container.name': 'app',
      'k8s.namespace.name': 'shop',
      'k8s.pod.name': 'checkout-5d4f8c7b9-x1',
      'k8s.pod.start_time': '2026-11-01T10:00:00Z',
      'k8s.pod.ip': '10.0.0.11',
      'k8s.node.name': 'node-1',
      'k8s.deployment.name': 'checkout',
      l1: 'checkout',
      a1: 'a1-value',
      team: 'payments',
      'container.image.name': 'ghcr.io/acme/checkout',
      'container.image.tag': '1.4.2',
      'container.id': 'abc123',
    });
    await proc.consume(
      logsWith({ 'k8s.pod.name': 'checkout-5d4f8c7b9-x1', 'k8s.namespace.name': 'shop', l1: 'mine' }),
    );
    expect(resAttrs(next.received.at(-1)!)).toMatchObject({ 'k8s.pod.uid': 'uid-1', l1: 'mine' });
    await proc.consume(logsWith({}), { clientAddress: '10.0.0.11:43210' });
    expect(resAttrs(next.received.at(-1)!)).toMatchObject({ 'k8s.pod.uid': 'uid-1' });
    await proc.consume(logsWith({ 'k8s.pod.uid': 'unknown' }));
    expect(resAttrs(next.received.at(-1)!)).toEqual({ 'k8s.pod.uid': 'unknown' });
  });

  it('applies watch events: ADDED, MODIFIED, DELETED', async () => {
    await until(() => api.watches.length >= 1);
    api.event('ADDED', {
      ...pod('cart-6b8d9f7c5-z9', 'uid-2', '10.0.0.12'),
      metadata: { ...pod('cart-6b8d9f7c5-z9', 'uid-2', '10.0.0.12').metadata, resourceVersion: '101' },
    });
    const probe = async (uid: string) => {
      await proc.consume(logsWith({ 'k8s.pod.uid': uid }));
      return resAttrs(next.received.at(-1)!);
    };
    await until(() => api.watches.length >= 1);
    for (let i = 0; i < 100 && !(await probe('uid-2'))['k8s.pod.name']; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await probe('uid-2')).toMatchObject({
      'k8s.pod.name': 'cart-6b8d9f7c5-z9',
      'k8s.deployment.name': 'cart',
    });

    const modified = pod('cart-6b8d9f7c5-z9', 'uid-2', '10.0.0.12', {
      resourceVersion: '102',
      labels: { app: 'cart-v2' },
    });
    api.event('MODIFIED', modified);
    for (let i = 0; i < 100 && (await probe('uid-2')).l1 !== 'cart-v2'; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await probe('uid-2')).l1).toBe('cart-v2');

    api.event('DELETED', modified);
    for (let i = 0; i < 100 && (await probe('uid-2'))['k8s.pod.name']; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await probe('uid-2')).toEqual({ 'k8s.pod.uid': 'uid-2' });
  });

  it('re-lists after 410 Gone and reconciles the cache', async () => {
    const listsBefore = api.requests.filter(
      (u) => u.pathname === '/api/v1/pods' && !u.searchParams.has('watch'),
    ).length;
    api.pods = [pod('payments-7f9c8d6b5-q2', 'uid-3', '10.0.0.13')];
    api.listRv = '200';
    const watchesBefore = api.watches.length;
    api.event('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 100 (150)',
    });
    await until(() => api.watches.length > watchesBefore);
    const lists = api.requests.filter((u) => u.pathname === '/api/v1/pods' && !u.searchParams.has('watch'));
    expect(lists.length).toBe(listsBefore + 1);
    const lastWatch = api.requests
      .filter((u) => u.searchParams.get('watch') === 'true' && u.pathname === '/api/v1/pods')
      .at(-1);
    expect(lastWatch?.searchParams.get('resourceVersion')).toBe('200');
    await proc.consume(logsWith({ 'k8s.pod.uid': 'uid-3' }));
    expect(resAttrs(next.received.at(-1)!)).toMatchObject({
      'k8s.pod.name': 'payments-7f9c8d6b5-q2',
      team: 'payments',
    });
    await proc.consume(logsWith({ 'k8s.pod.uid': 'uid-1' }));
    expect(resAttrs(next.received.at(-1)!)).toEqual({ 'k8s.pod.uid': 'uid-1' });
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
