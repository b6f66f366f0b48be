import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseComponentConfig } from '../../src/config/validate.js';
import { fromAnyValue, str } from '../../src/pdata/attributes.js';
import { newResource, newResourceLogs, newResourceSpans } from '../../src/pdata/create.js';
import type { KeyValue, LogsData, TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { ApiServerStandin } from '../../test/support/apiserver-standin.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { parseResourceAttributes } from './detectors/env.js';
import { hostArch, osType, type SystemSources } from './detectors/system.js';
import { createWith, type DetectorOverrides, factory } from './factory.js';
import {
  azureStandIn,
  dockerStandIn,
  gceStandIn,
  imdsStandIn,
  type StandIn,
} from './testdata/metadata-standins.js';

const stands: (StandIn | ApiServerStandin)[] = [];
afterAll(async () => {
  for (const s of stands) await s.close();
});
async function up<T extends StandIn | ApiServerStandin>(s: T, path?: string): Promise<[T, number]> {
  stands.push(s);
  const port = s instanceof ApiServerStandin ? await s.listen() : await s.listen(path);
  return [s, port];
}

const asMap = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

/** Runs the processor with `cfg` and returns the resource attributes and schema URL it gives a log batch. */
async function detectVia(
  cfg: Record<string, unknown>,
  o: DetectorOverrides = {},
  resource: KeyValue[] = [],
  logger?: Logger,
) {
  const next = new CollectingConsumer<'logs'>();
  const settings = testSettings('resource_detection', 'processor');
  const p = createWith(o)(logger ? { ...settings, logger } : settings, configSchema.parse(cfg), 'logs', next);
  await p.start({ getExtension: () => undefined });
  const res = newResource();
  res.attributes.push(...resource);
  const data: LogsData = { resourceLogs: [newResourceLogs(res)] };
  await p.consume(data);
  await p.shutdown();
  const rl = next.received[0].resourceLogs[0];
  return { attrs: asMap(rl.resource.attributes), schemaUrl: rl.schemaUrl };
}

const fakeSystem = (over: Partial<SystemSources> = {}): SystemSources => ({
  hostname: () => 'web-1',
  readFile: (p) => {
    if (p === '/etc/hosts') return '127.0.0.1 localhost\n10.0.0.5 web-1.prod.example.com web-1 # the host\n';
    if (p === '/etc/machine-id') return '3d1219c7c4c5404aaa1f6d2a48adfda4\n';
    if (p === '/etc/os-release')
      return 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';
    throw new Error(`ENOENT: ${p}`);
  },
  lookup: async () => '10.0.0.5',
  reverse: async () => ['web-1.reverse.example.com.'],
  resolveCname: async () => {
    throw new Error('ENOTFOUND');
  },
  networkInterfaces: () => ({
    lo: [
      {
        address: '127.0.0.1',
        netmask: '255.0.0.0',
        family: 'IPv4',
        mac: '00:00:00:00:00:00',
        internal: true,
        cidr: null,
      },
    ],
    eth0: [
      {
        address: '10.0.0.5',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: 'ac:de:48:23:45:67',
        internal: false,
        cidr: null,
      },
    ],
  }),
  ...over,
});

describe('env detector', () => {
  it('parses OTEL_RESOURCE_ATTRIBUTES as the collector does (spaces trimmed, values URL-decoded)', () => {
    expect(
      asMap(parseResourceAttributes('service.name=checkout, deployment.environment = prod ,team=a%2Cb+c')),
    ).toEqual({
      'service.name': 'checkout',
      'deployment.environment': 'prod',
      team: 'a,b c',
    });
    expect(() => parseResourceAttributes('no-equals-sign')).toThrow(/invalid resource format/);
    expect(() => parseResourceAttributes('a=1,b')).toThrow(/invalid text: "b"/);
    expect(() => parseResourceAttributes('a=%zz')).toThrow(/invalid URL escape/);
  });

  it('adds the attributes to every resource, the older OTEL_RESOURCE as a fallback, OTEL_SERVICE_NAME not read', async () => {
    const env = {
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.cluster.name=prod-eu,team=payments',
      OTEL_SERVICE_NAME: 'ignored',
    };
    expect((await detectVia({ detectors: ['env'] }, { env })).attrs).toEqual({
      'k8s.cluster.name': 'prod-eu',
      team: 'payments',
    });
    expect((await detectVia({ detectors: ['env'] }, { env: { OTEL_RESOURCE: 'x=1' } })).attrs).toEqual({
      x: '1',
    });
  });

  it('a malformed variable fails detection, and the start (the collector propagates detector errors)', async () => {
    await expect(
      detectVia(
        { detectors: ['env'], timeout: '50ms', retry: { enabled: false } },
        { env: { OTEL_RESOURCE_ATTRIBUTES: 'oops' } },
      ),
    ).rejects.toThrow(/resource detection failed: env: invalid resource format/);
  });
});

describe('system detector', () => {
  it('host.name from dns (/etc/hosts canonical name) then os; os.type; the rest only when enabled', async () => {
    const { attrs, schemaUrl } = await detectVia({ detectors: ['system'] }, { system: fakeSystem() });
    expect(attrs).toEqual({ 'host.name': 'web-1.prod.example.com', 'os.type': osType() });
    expect(schemaUrl).toBe('https://opentelemetry.io/schemas/1.6.1');
    const all = await detectVia(
      {
        detectors: ['system'],
        system: {
          hostname_sources: ['os'],
          resource_attributes: {
            'host.id': { enabled: true },
            'host.arch': { enabled: true },
            'os.description': { enabled: true },
            'host.ip': { enabled: true },
            'host.mac': { enabled: true },
            'os.type': { enabled: false },
          },
        },
      },
      { system: fakeSystem() },
    );
    expect(all.attrs['host.name']).toBe('web-1');
    expect(all.attrs['host.id']).toBe('3d1219c7c4c5404aaa1f6d2a48adfda4');
    expect(all.attrs['host.arch']).toBe(hostArch());
    expect(all.attrs['os.description']).toMatch(/^Debian GNU\/Linux 12 \(bookworm\) \(/);
    expect(all.attrs['host.ip']).toEqual(['10.0.0.5']);
    expect(all.attrs['host.mac']).toEqual(['AC-DE-48-23-45-67']);
    expect(all.attrs['os.type']).toBeUndefined();
  });

  it('lookup and dns fall back through reverse DNS; a failing source gives way to the next', async () => {
    const noHosts = fakeSystem({
      readFile: () => {
        throw new Error('ENOENT');
      },
    });
    expect(
      (
        await detectVia(
          { detectors: ['system'], system: { hostname_sources: ['lookup'] } },
          { system: noHosts },
        )
      ).attrs['host.name'],
    ).toBe('web-1.reverse.example.com');
    const noDns = fakeSystem({
      readFile: () => {
        throw new Error('ENOENT');
      },
      lookup: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    expect((await detectVia({ detectors: ['system'] }, { system: noDns })).attrs['host.name']).toBe('web-1');
  });

  it('on this machine: host.name is a real name and host.id the machine-id', async () => {
    const { attrs } = await detectVia({
      detectors: ['system'],
      system: { hostname_sources: ['os'], resource_attributes: { 'host.id': { enabled: true } } },
    });
    expect(attrs['host.name']).toBe((await import('node:os')).hostname());
    expect(attrs['host.id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('maps Node platform and arch names to the semantic conventions (as GOOS/GOARCH are)', () => {
    expect([osType('linux'), osType('win32'), osType('darwin'), osType('sunos')]).toEqual([
      'linux',
      'windows',
      'darwin',
      'solaris',
    ]);
    expect([hostArch('x64'), hostArch('ia32'), hostArch('arm'), hostArch('arm64')]).toEqual([
      'amd64',
      'x86',
      'arm32',
      'arm64',
    ]);
  });
});

describe('docker detector (Docker Engine API on a unix socket)', () => {
  it('reads host.name and os.type from /info, the API version from /_ping', async () => {
    const sock = join(mkdtempSync(join(tmpdir(), 'docker-')), 'docker.sock');
    const [d] = await up(
      dockerStandIn({ Name: 'docker-host-7', OSType: 'linux', ServerVersion: '24.0.7' }),
      sock,
    );
    const { attrs } = await detectVia({ detectors: ['docker'] }, { env: { DOCKER_HOST: `unix://${sock}` } });
    expect(attrs).toEqual({ 'host.name': 'docker-host-7', 'os.type': 'linux' });
    expect(d.requests.map((r) => r.url)).toEqual(['/_ping', '/v1.43/info']);
  });

  it('no daemon: nothing detected; with fail_on_missing_metadata: a start failure', async () => {
    const env = { DOCKER_HOST: `unix://${join(tmpdir(), 'no-such-docker.sock')}` };
    expect((await detectVia({ detectors: ['docker'] }, { env })).attrs).toEqual({});
    await expect(
      detectVia(
        {
          detectors: ['docker'],
          fail_on_missing_metadata: true,
          timeout: '200ms',
          retry: { enabled: false },
        },
        { env },
      ),
    ).rejects.toThrow(/docker: failed to fetch Docker OS type/);
  });
});

/** A warn-level logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; lines: { msg: string; err?: string }[] } {
  const lines: { msg: string; err?: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('k8s_api detector (API-server stand-in)', () => {
  const NODE_UID = '0b9b2c1e-4f0a-4d6b-9d77-1b4c0a6f0e11';
  const CLUSTER_UID = '218fc5a9-a5f1-4b54-aa05-46717d0ab26d';
  let env: NodeJS.ProcessEnv;
  let api: ApiServerStandin;

  beforeAll(async () => {
    api = new ApiServerStandin();
    api.lists.set('/api/v1/nodes', {
      kind: 'NodeList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '4711' },
      items: [{ kind: 'Node', apiVersion: 'v1', metadata: { name: 'node-a', uid: NODE_UID } }],
    });
    api.lists.set('/api/v1/namespaces', {
      kind: 'NamespaceList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '4711' },
      items: [
        { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default', uid: 'not-this-one' } },
        { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'kube-system', uid: CLUSTER_UID } },
      ],
    });
    api.token = 's3cret';
    const [, port] = await up(api);
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: t
contexts: [{ name: t, context: { cluster: c, user: u } }]
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}" } }]
users: [{ name: u, user: { token: s3cret } }]
`,
    );
    env = { K8S_NODE_NAME: 'node-a', KUBECONFIG: kubeconfig };
  });

  it('reads the node of K8S_NODE_NAME and the cluster UID (the kube-system namespace UID)', async () => {
    const { attrs, schemaUrl } = await detectVia(
      { detectors: ['k8s_api'], k8s_api: { auth_type: 'kubeConfig' } },
      { env },
    );
    expect(attrs).toEqual({
      'k8s.node.name': 'node-a',
      'k8s.node.uid': NODE_UID,
      'k8s.cluster.uid': CLUSTER_UID,
    });
    expect(schemaUrl).toBe('https://opentelemetry.io/schemas/1.40.0');
    expect(api.calls('/api/v1/nodes/node-a', false)[0].authorization).toBe('Bearer s3cret');
    expect(api.calls('/api/v1/namespaces/kube-system', false).length).toBeGreaterThan(0);
  });

  it('node_from_env_var names the variable; the kube-stack config shape validates and detects', async () => {
    const { attrs } = await detectVia(
      {
        detectors: ['env', 'k8s_api'],
        override: false,
        timeout: '2s',
        k8s_api: { auth_type: 'kubeConfig', node_from_env_var: 'MY_NODE' },
      },
      { env: { KUBECONFIG: env.KUBECONFIG, MY_NODE: 'node-a', OTEL_RESOURCE_ATTRIBUTES: 'team=infra' } },
    );
    expect(attrs).toEqual({
      team: 'infra',
      'k8s.node.name': 'node-a',
      'k8s.node.uid': NODE_UID,
      'k8s.cluster.uid': CLUSTER_UID,
    });
  });

  it('resource_attributes switch attributes off; with the node ones off the node is not read', async () => {
    const before = api.calls('/api/v1/nodes/node-a', false).length;
    const { attrs } = await detectVia(
      {
        detectors: ['k8s_api'],
        k8s_api: {
          auth_type: 'kubeConfig',
          resource_attributes: { 'k8s.node.name': { enabled: false }, 'k8s.node.uid': { enabled: false } },
        },
      },
      { env },
    );
    expect(attrs).toEqual({ 'k8s.cluster.uid': CLUSTER_UID });
    expect(api.calls('/api/v1/nodes/node-a', false).length).toBe(before);
    const noCluster = await detectVia(
      {
        detectors: ['k8s_api'],
        k8s_api: { auth_type: 'kubeConfig', resource_attributes: { 'k8s.cluster.uid': { enabled: false } } },
      },
      { env },
    );
    expect(noCluster.attrs).toEqual({ 'k8s.node.name': 'node-a', 'k8s.node.uid': NODE_UID });
  });

  it('kube-system answered 403 (RBAC without namespaces get): warned, the node attributes still set', async () => {
    api.forbidden.set(
      '/api/v1/namespaces/kube-system',
      'namespaces "kube-system" is forbidden: User "system:serviceaccount:monitoring:tsunagi" cannot get resource "namespaces" in API group "" in the namespace "kube-system"',
    );
    try {
      const { logger, lines } = capturingLogger();
      const { attrs } = await detectVia(
        { detectors: ['k8s_api'], k8s_api: { auth_type: 'kubeConfig' } },
        { env },
        [],
        logger,
      );
      expect(attrs).toEqual({ 'k8s.node.name': 'node-a', 'k8s.node.uid': NODE_UID });
      const warned = lines.find((l) => l.msg.startsWith('no permission to get kube-system namespace'));
      expect(warned?.err).toMatch(/HTTP 403.*kube-system.*is forbidden/);
    } finally {
      api.forbidden.clear();
    }
  });

  it('kube-system answered 404 is an error: the processor does not start', async () => {
    const saved = api.lists.get('/api/v1/namespaces');
    api.lists.set('/api/v1/namespaces', { ...saved, items: [] });
    try {
      await expect(
        detectVia(
          { detectors: ['k8s_api'], k8s_api: { auth_type: 'kubeConfig' }, retry: { enabled: false } },
          { env },
        ),
      ).rejects.toThrow(
        /k8s_api: failed getting k8s cluster UID: GET \/api\/v1\/namespaces\/kube-system: HTTP 404/,
      );
    } finally {
      api.lists.set('/api/v1/namespaces', saved);
    }
  });

  it('a node the API server does not know (404) or refuses (403) is an error, as upstream', async () => {
    await expect(
      detectVia(
        { detectors: ['k8s_api'], k8s_api: { auth_type: 'kubeConfig' }, retry: { enabled: false } },
        { env: { ...env, K8S_NODE_NAME: 'node-z' } },
      ),
    ).rejects.toThrow(
      /failed getting k8s node UID: failed to fetch node with name node-z from K8s API: .*HTTP 404.*nodes \\?"node-z\\?" not found/,
    );
    api.forbidden.set(
      '/api/v1/nodes/node-a',
      'nodes "node-a" is forbidden: User "system:serviceaccount:monitoring:tsunagi" cannot get resource "nodes" in API group "" at the cluster scope',
    );
    try {
      await expect(
        detectVia(
          { detectors: ['k8s_api'], k8s_api: { auth_type: 'kubeConfig' }, retry: { enabled: false } },
          { env },
        ),
      ).rejects.toThrow(/failed getting k8s node UID: .*HTTP 403/);
    } finally {
      api.forbidden.clear();
    }
  });

  it('without the node name variable the processor does not start', async () => {
    await expect(detectVia({ detectors: ['k8s_api'] }, { env: {} })).rejects.toThrow(
      /node name can't be found/,
    );
  });

  it('k8snode is the deprecated alias: same detection from its own key, and a deprecation warning', async () => {
    const { logger, lines } = capturingLogger();
    const { attrs } = await detectVia(
      {
        detectors: ['k8snode'],
        k8snode: { auth_type: 'kubeConfig', resource_attributes: { 'k8s.cluster.uid': { enabled: false } } },
        // the k8s_api key does not configure the alias
        k8s_api: { auth_type: 'none' },
      },
      { env },
      [],
      logger,
    );
    expect(attrs).toEqual({ 'k8s.node.name': 'node-a', 'k8s.node.uid': NODE_UID });
    expect(lines.map((l) => l.msg)).toContain('the k8snode detector name is deprecated, use k8s_api instead');
  });
});

describe('ec2 detector (IMDS stand-in)', () => {
  it('uses an IMDSv2 token and reads the identity document and hostname', async () => {
    const [imds, port] = await up(imdsStandIn({ requireToken: true }));
    const { attrs, schemaUrl } = await detectVia(
      { detectors: ['ec2'] },
      { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` } },
    );
    expect(attrs).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_ec2',
      'cloud.region': 'eu-west-1',
      'cloud.account.id': '123456789012',
      'cloud.availability_zone': 'eu-west-1b',
      'host.id': 'i-0abcdef1234567890',
      'host.image.id': 'ami-0abcdef1234567890',
      'host.type': 't3.medium',
      'host.name': 'ip-10-0-1-23.eu-west-1.compute.internal',
    });
    expect(schemaUrl).toBe('https://opentelemetry.io/schemas/1.6.1');
    expect(imds.requests[0]).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
    expect(imds.requests[0].headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
  });

  it('falls back to IMDSv1 when the token endpoint refuses (403), reads tags from IMDS when asked', async () => {
    const [, port] = await up(
      imdsStandIn({ tokenStatus: 403, tags: { Name: 'web', team: 'payments', secret: 'x' } }),
    );
    const { attrs } = await detectVia(
      {
        detectors: ['ec2'],
        ec2: {
          tags: ['^Name$', '^te'],
          tags_from_imds: true,
          resource_attributes: { 'host.image.id': { enabled: false } },
        },
      },
      { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` } },
    );
    expect(attrs['ec2.tag.Name']).toBe('web');
    expect(attrs['ec2.tag.team']).toBe('payments');
    expect(attrs['ec2.tag.secret']).toBeUndefined();
    expect(attrs['host.image.id']).toBeUndefined();
  });

  it('not on EC2 (nothing listening, or a service that never answers): nothing detected, within the timeout', async () => {
    const closed = await detectVia(
      { detectors: ['ec2'], ec2: { max_attempts: 1 } },
      { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1' } },
    );
    expect(closed.attrs).toEqual({});
    const [hanging, port] = await up(imdsStandIn());
    hanging.hang = true;
    const started = Date.now();
    const slow = await detectVia(
      { detectors: ['ec2'], timeout: '300ms' },
      { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` } },
    );
    expect(slow.attrs).toEqual({});
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('on EC2 but the identity document fails (500, retried): detection fails until the timeout, then start fails', async () => {
    const [, port] = await up(imdsStandIn({ failing: ['/latest/dynamic/instance-identity/document'] }));
    await expect(
      detectVia(
        { detectors: ['ec2'], timeout: '1500ms', retry: { initial_interval: '100ms' } },
        { env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` } },
      ),
    ).rejects.toThrow(
      /ec2: failed getting identity document: GET \/latest\/dynamic\/instance-identity\/document: HTTP 500/,
    );
  });

  it('AWS_EC2_METADATA_DISABLED=true: not asked at all', async () => {
    const [imds, port] = await up(imdsStandIn());
    const r = await detectVia(
      { detectors: ['ec2'] },
      {
        env: {
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}`,
        },
      },
    );
    expect(r.attrs).toEqual({});
    expect(imds.requests).toHaveLength(0);
  });
});

describe('gcp detector (GCE metadata server stand-in)', () => {
  const gce = {
    'project/project-id': 'acme-prod',
    'instance/zone': 'projects/123456/zones/europe-west1-b',
    'instance/machine-type': 'projects/123456/machineTypes/e2-standard-4',
    'instance/id': '4520031799277581759',
    'instance/name': 'web-7',
    'instance/hostname': 'web-7.europe-west1-b.c.acme-prod.internal',
    'instance/attributes/created-by': 'projects/123456/zones/europe-west1-b/instanceGroupManagers/web-mig',
    'instance/attributes/cluster-name': 'prod-cluster',
    'instance/attributes/cluster-location': 'europe-west1',
  };

  it('Compute Engine: project, zone and region, machine type, instance; Metadata-Flavor sent', async () => {
    const [md, port] = await up(gceStandIn(gce));
    const { attrs } = await detectVia(
      {
        detectors: ['gcp'],
        gcp: { resource_attributes: { 'gcp.gce.instance.hostname': { enabled: true } } },
      },
      { env: { GCE_METADATA_HOST: `127.0.0.1:${port}` } },
    );
    expect(attrs).toEqual({
      'cloud.provider': 'gcp',
      'cloud.account.id': 'acme-prod',
      'cloud.platform': 'gcp_compute_engine',
      'cloud.availability_zone': 'europe-west1-b',
      'cloud.region': 'europe-west1',
      'host.type': 'e2-standard-4',
      'host.id': '4520031799277581759',
      'host.name': 'web-7',
      'gcp.gce.instance.hostname': 'web-7.europe-west1-b.c.acme-prod.internal',
      'gcp.gce.instance_group_manager.name': 'web-mig',
      'gcp.gce.instance_group_manager.zone': 'europe-west1-b',
    });
    expect(md.requests.every((r) => r.headers['metadata-flavor'] === 'Google')).toBe(true);
  });

  it('GKE (KUBERNETES_SERVICE_HOST set): cluster name and location', async () => {
    const [, port] = await up(gceStandIn(gce));
    const { attrs } = await detectVia(
      { detectors: ['gcp'] },
      { env: { GCE_METADATA_HOST: `127.0.0.1:${port}`, KUBERNETES_SERVICE_HOST: '10.0.0.1' } },
    );
    expect(attrs).toMatchObject({
      'cloud.platform': 'gcp_kubernetes_engine',
      'cloud.region': 'europe-west1',
      'k8s.cluster.name': 'prod-cluster',
      'host.id': '4520031799277581759',
      'host.name': 'web-7',
    });
  });

  it('not on GCP (no GCE_METADATA_HOST, no metadata server answering): nothing detected, within the timeout', async () => {
    const started = Date.now();
    expect((await detectVia({ detectors: ['gcp'], timeout: '300ms' }, { env: {} })).attrs).toEqual({});
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a value the server does not have (404) is a detection error, as upstream', async () => {
    const partial: Record<string, string> = { ...gce };
    delete partial['instance/machine-type'];
    const [, port] = await up(gceStandIn(partial));
    await expect(
      detectVia(
        { detectors: ['gcp'], timeout: '300ms', retry: { enabled: false } },
        { env: { GCE_METADATA_HOST: `127.0.0.1:${port}` } },
      ),
    ).rejects.toThrow(/gcp: metadata: GCE metadata "instance\/machine-type" not defined/);
  });
});

describe('azure detector (IMDS stand-in)', () => {
  const compute = {
    location: 'westeurope',
    name: 'vm-web-3',
    vmId: '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
    vmSize: 'Standard_D2s_v3',
    subscriptionId: '8d10da13-8125-4ba9-a717-bf7490507b3d',
    resourceGroupName: 'rg-prod',
    vmScaleSetName: 'vmss-web',
    zone: '2',
    tagsList: [
      { name: 'env', value: 'prod' },
      { name: 'owner', value: 'team-a' },
    ],
  };

  it('reads the compute metadata with the Metadata header and api-version', async () => {
    const [imds, port] = await up(azureStandIn(compute));
    const o = { azureEndpoint: `http://127.0.0.1:${port}/metadata/instance/compute` };
    const { attrs } = await detectVia(
      {
        detectors: ['azure'],
        azure: { tags: ['^env$'], resource_attributes: { 'cloud.availability_zone': { enabled: true } } },
      },
      o,
    );
    expect(attrs).toEqual({
      'cloud.provider': 'azure',
      'cloud.platform': 'azure_vm',
      'host.name': 'vm-web-3',
      'cloud.region': 'westeurope',
      'host.id': '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
      'cloud.account.id': '8d10da13-8125-4ba9-a717-bf7490507b3d',
      'azure.vm.name': 'vm-web-3',
      'azure.vm.size': 'Standard_D2s_v3',
      'azure.vm.scaleset.name': 'vmss-web',
      'azure.resourcegroup.name': 'rg-prod',
      'cloud.availability_zone': '2',
      'azure.tags.env': 'prod',
    });
    expect(imds.requests[0].url).toBe('/metadata/instance/compute?format=json&api-version=2020-09-01');
  });

  it('an error answer or no service: nothing detected; with fail_on_missing_metadata: a start failure', async () => {
    const [, port] = await up(azureStandIn(compute, { status: 500 }));
    const o = { azureEndpoint: `http://127.0.0.1:${port}/metadata/instance/compute` };
    expect((await detectVia({ detectors: ['azure'] }, o)).attrs).toEqual({});
    await expect(
      detectVia(
        { detectors: ['azure'], fail_on_missing_metadata: true, timeout: '200ms', retry: { enabled: false } },
        o,
      ),
    ).rejects.toThrow(/Azure IMDS replied with status code: 500/);
  });
});

describe('merging', () => {
  const env = { OTEL_RESOURCE_ATTRIBUTES: 'host.name=from-env,team=a' };

  it('the first detector to set an attribute wins; override decides against the data', async () => {
    const o = { env, system: fakeSystem() };
    expect((await detectVia({ detectors: ['env', 'system'] }, o)).attrs['host.name']).toBe('from-env');
    expect((await detectVia({ detectors: ['system', 'env'] }, o)).attrs['host.name']).toBe(
      'web-1.prod.example.com',
    );
    const existing = [{ key: 'team', value: str('from-data') }];
    expect((await detectVia({ detectors: ['env'] }, o, existing)).attrs.team).toBe('a');
    expect((await detectVia({ detectors: ['env'], override: false }, o, existing)).attrs.team).toBe(
      'from-data',
    );
  });

  it('fills an empty schema URL only; the deprecated attributes allowlist keeps the listed keys', async () => {
    const o = { env, system: fakeSystem() };
    const r = await detectVia({ detectors: ['env', 'system'], attributes: ['team', 'os.type'] }, o);
    expect(r.attrs).toEqual({ team: 'a', 'os.type': osType() });
    expect(r.schemaUrl).toBe('https://opentelemetry.io/schemas/1.6.1');
  });

  it('detects once per processor, shared by its pipelines; leaves spans undecoded', async () => {
    let runs = 0;
    const cfg = configSchema.parse({ detectors: ['env'] });
    const make = () =>
      createWith({
        get env() {
          runs++;
          return env;
        },
      });
    const t = new CollectingConsumer<'traces'>();
    const l = new CollectingConsumer<'logs'>();
    const pt = make()(testSettings('resource_detection', 'processor'), cfg, 'traces', t);
    const pl = make()(testSettings('resource_detection', 'processor'), cfg, 'logs', l);
    await Promise.all([
      pt.start({ getExtension: () => undefined }),
      pl.start({ getExtension: () => undefined }),
    ]);
    const rs = newResourceSpans();
    const traces: TracesData = { resourceSpans: [rs] };
    await pt.consume(traces);
    expect(asMap(t.received[0].resourceSpans[0].resource.attributes)).toEqual({
      'host.name': 'from-env',
      team: 'a',
    });
    expect(runs).toBe(1);
    await pt.shutdown();
    await pl.shutdown();
  });
});

describe('resource_detection config', () => {
  const issues = (yaml: string) => {
    const r = parseComponentConfig(factory, parse(yaml), 'processors::resource_detection');
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('has the collector defaults and names', () => {
    const c = configSchema.parse({});
    expect(c).toMatchObject({
      detectors: ['env'],
      override: true,
      timeout: 5000,
      refresh_interval: 0,
      fail_on_missing_metadata: false,
      retry: {
        enabled: true,
        initial_interval: 1000,
        randomization_factor: 0.5,
        multiplier: 2,
        max_interval: 30_000,
        max_elapsed_time: 0,
      },
      system: { hostname_sources: ['dns', 'os'] },
      k8s_api: { auth_type: 'serviceAccount', node_from_env_var: 'K8S_NODE_NAME' },
      k8snode: { auth_type: 'serviceAccount', node_from_env_var: 'K8S_NODE_NAME' },
      ec2: { tags: [], tags_from_imds: false, max_attempts: 3, max_backoff: 20_000 },
    });
    expect(factory.type).toBe('resource_detection');
    expect(factory.deprecatedTypes).toEqual(['resourcedetection']);
  });

  it.each([
    ['detectors: [env, ecs]', 'detectors::1: the ecs detector is not supported yet'],
    ['detectors: [env, nope]', 'detectors::1: invalid detector key: nope'],
    ['system: { hostname_sources: [dns, fqdn] }', 'system::hostname_sources::1:'],
    [
      'system: { resource_attributes: { host.nme: { enabled: true } } }',
      'system::resource_attributes::host.nme: unknown resource attribute for the system detector',
    ],
    [
      'system: { resource_attributes: { os.name: { enabled: true } } }',
      'system::resource_attributes::os.name: os.name is not supported yet',
    ],
    [
      'ec2: { tags: ["^Name$"] }',
      'ec2::tags: ec2 tags through the EC2 DescribeTags API are not supported yet',
    ],
    ['azure: { tags: ["a(b"] }', 'azure::tags::0: invalid regexp'],
    ['timeout: 0s', 'retry: retry.enabled with timeout 0'],
    ['timeout: fast', 'timeout: invalid duration'],
    ['overide: false', 'processors::resource_detection::overide: unknown key'],
    ['k8snode: { auth_type: password }', 'k8snode::auth_type:'],
    ['k8s_api: { auth_type: password }', 'k8s_api::auth_type:'],
    ['k8s_api: { node_name: n1 }', 'k8s_api::node_name: unknown key'],
    [
      'k8s_api: { resource_attributes: { k8s.cluster.name: { enabled: true } } }',
      'k8s_api::resource_attributes::k8s.cluster.name: unknown resource attribute for the k8s_api detector',
    ],
  ])('rejects %s', (yaml, expected) => {
    const got = issues(yaml);
    expect(
      got.some((m) => m.includes(expected)),
      JSON.stringify(got),
    ).toBe(true);
  });
});
