import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/exporterhelper/testing/helpers.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { ApiServerStandin } from '../../test/support/apiserver-standin.js';
import { DnsResponder } from '../../test/support/dns-responder.js';
import { DnsResolver } from './dns-resolver.js';
import { K8sResolver, splitService } from './k8s-resolver.js';
import { StaticResolver } from './resolver.js';

describe('static resolver', () => {
  it('reports the hostnames once, sorted and without duplicates', async () => {
    const seen: string[][] = [];
    await new StaticResolver(['c:4317', 'a:4317', 'b', 'a:4317']).start((l) => seen.push(l));
    expect(seen).toEqual([['a:4317', 'b', 'c:4317']]);
  });
});

describe('dns resolver (against a DNS server on loopback)', () => {
  const dns = new DnsResponder();
  let server: string;
  beforeAll(async () => {
    server = await dns.listen();
  });
  afterAll(() => dns.close());

  const resolver = (hostname: string, port?: string, intervalMs = 60_000, timeoutMs = 1000) =>
    new DnsResolver({ hostname, port, intervalMs, timeoutMs, servers: [server], logger: silentLogger() });

  it('turns A and AAAA answers into sorted endpoints with the port, IPv6 bracketed', async () => {
    dns.set('gateways.observability.svc.cluster.local', { a: ['10.0.0.3', '10.0.0.1'], aaaa: ['fd00::2'] });
    const seen: string[][] = [];
    const r = resolver('gateways.observability.svc.cluster.local', '4317');
    await r.start((l) => seen.push(l));
    await r.shutdown();
    expect(seen).toEqual([['10.0.0.1:4317', '10.0.0.3:4317', '[fd00::2]:4317']]);
  });

  it('without a port reports bare addresses (the exporter then dials :4317)', async () => {
    dns.set('bare.local', { a: ['10.1.0.1'] });
    const seen: string[][] = [];
    const r = resolver('bare.local');
    await r.start((l) => seen.push(l));
    await r.shutdown();
    expect(seen).toEqual([['10.1.0.1']]);
  });

  it('re-resolves every interval and reports only changes; a failed lookup keeps the last list', async () => {
    dns.set('scaling.local', { a: ['10.2.0.1', '10.2.0.2'] });
    const seen: string[][] = [];
    const r = resolver('scaling.local', '4317', 50, 200);
    await r.start((l) => seen.push(l));
    const before = r.resolutions;
    await waitFor(() => r.resolutions >= before + 2);
    expect(seen).toHaveLength(1); // same answer: no change reported
    dns.set('scaling.local', { a: ['10.2.0.1', '10.2.0.2', '10.2.0.3'] });
    await waitFor(() => seen.length === 2);
    expect(seen[1]).toEqual(['10.2.0.1:4317', '10.2.0.2:4317', '10.2.0.3:4317']);
    dns.silent = true; // the server stops answering: lookups time out
    const failures = r.failures;
    await waitFor(() => r.failures >= failures + 2);
    dns.silent = false;
    dns.set('scaling.local', { a: ['10.2.0.2'] });
    await waitFor(() => seen.length === 3);
    await r.shutdown();
    expect(seen[2]).toEqual(['10.2.0.2:4317']);
  });

  it('an unknown name is an empty list, not a failure', async () => {
    const seen: string[][] = [];
    const r = resolver('nowhere.local', '4317');
    await r.start((l) => seen.push(l));
    await r.shutdown();
    expect(seen).toEqual([[]]);
    expect(r.failures).toBe(0);
  });
});

describe('k8s resolver (EndpointSlices against the API-server stand-in)', () => {
  const api = new ApiServerStandin();
  let baseUrl: string;
  const PATH = '/apis/discovery.k8s.io/v1/namespaces/observability/endpointslices';
  const slice = (name: string, eps: { ip: string; ready?: boolean; hostname?: string }[], rv = '1') => ({
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: {
      name,
      namespace: 'observability',
      uid: `uid-${name}`,
      resourceVersion: rv,
      labels: { 'kubernetes.io/service-name': 'gateway-headless' },
    },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      hostname: e.hostname,
      conditions: e.ready === undefined ? {} : { ready: e.ready },
    })),
  });

  beforeAll(async () => {
    baseUrl = `http://127.0.0.1:${await api.listen()}`;
    api.lists.set(PATH, {
      kind: 'EndpointSliceList',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: { resourceVersion: '10' },
      items: [
        slice('gateway-headless-abc', [
          { ip: '10.0.1.2', ready: true, hostname: 'gateway-1' },
          { ip: '10.0.1.1', hostname: 'gateway-0' }, // no condition: counts as ready
          { ip: '10.0.1.9', ready: false, hostname: 'gateway-9' },
        ]),
        // another Service's slice in the namespace: filtered out by the label selector
        {
          ...slice('other-xyz', [{ ip: '10.9.9.9' }]),
          metadata: { name: 'other-xyz', uid: 'o', labels: { 'kubernetes.io/service-name': 'other' } },
        },
      ],
    });
  });
  afterAll(() => api.close());

  it('lists the ready endpoints with every port, then follows the watch', async () => {
    const seen: string[][] = [];
    const r = new K8sResolver({
      service: 'gateway-headless.observability',
      ports: [4317, 14317],
      timeoutMs: 5000,
      returnHostnames: false,
      logger: silentLogger(),
      target: { baseUrl },
    });
    await r.start((l) => seen.push(l));
    expect(seen[0]).toEqual(['10.0.1.1:14317', '10.0.1.1:4317', '10.0.1.2:14317', '10.0.1.2:4317']);
    const list = api.calls(PATH, false)[0];
    expect(list.url.searchParams.get('labelSelector')).toBe('kubernetes.io/service-name=gateway-headless');
    await waitFor(() => api.watchesOf(PATH).length === 1);
    // a pod becomes ready, another one goes away
    const updated = slice(
      'gateway-headless-abc',
      [
        { ip: '10.0.1.2', ready: true },
        { ip: '10.0.1.9', ready: true },
      ],
      '11',
    );
    api.sendTo(PATH, JSON.stringify({ type: 'MODIFIED', object: updated }));
    await waitFor(() => seen.length === 2);
    expect(seen[1]).toEqual(['10.0.1.2:14317', '10.0.1.2:4317', '10.0.1.9:14317', '10.0.1.9:4317']);
    api.sendTo(PATH, JSON.stringify({ type: 'DELETED', object: updated }));
    await waitFor(() => seen.length === 3);
    expect(seen[2]).toEqual([]);
    await r.shutdown();
  });

  it('returns pod hostnames with return_hostnames, bare without ports', async () => {
    const seen: string[][] = [];
    const r = new K8sResolver({
      service: 'gateway-headless.observability',
      ports: [],
      timeoutMs: 5000,
      returnHostnames: true,
      logger: silentLogger(),
      target: { baseUrl },
    });
    await r.start((l) => seen.push(l));
    await r.shutdown();
    expect(seen[0]).toEqual([
      'gateway-0.gateway-headless.observability',
      'gateway-1.gateway-headless.observability',
    ]);
  });

  it('takes the namespace from the service name, else the pod, else default', () => {
    expect(splitService('lb-svc.kube-public')).toEqual({ name: 'lb-svc', namespace: 'kube-public' });
    expect(splitService('lb-svc', '/nonexistent')).toEqual({ name: 'lb-svc', namespace: 'default' });
  });
});
