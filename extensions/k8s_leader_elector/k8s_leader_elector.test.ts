// k8s_leader_elector against the API-server stand-in's Lease API: one of two
// instances leads (the other's create gets 409 AlreadyExists or sees a live
// holder), the Lease says who, a leader renews, shutdown releases and the
// other takes over, a leader that cannot renew for renew_deadline stops
// leading; callbacks registered late run at once; YAML errors.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeNulls } from '../../src/config/null-values.js';
import { ApiServerStandin } from '../../test/support/apiserver-standin.js';
import { testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { createWith, type LeaderElectorExtension } from './factory.js';

function errors(yaml: string): string[] {
  const r = configSchema.safeParse(normalizeNulls(configSchema, parse(yaml) ?? {}));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('k8s_leader_elector config', () => {
  it('fills the collector defaults', () => {
    expect(configSchema.parse({ lease_name: 'l', lease_namespace: 'default' })).toEqual({
      auth_type: 'serviceAccount',
      lease_name: 'l',
      lease_namespace: 'default',
      lease_duration: 15_000,
      renew_deadline: 10_000,
      retry_period: 2_000,
    });
  });
  it('refuses what the collector refuses', () => {
    expect(errors('lease_name: x')).toEqual([': lease name and namespace must be set']);
    expect(errors('auth_type: kubeConfig')).toEqual([': lease name and namespace must be set']);
    expect(errors('{lease_name: x, lease_namespace: y, lease_duration: 5s, renew_deadline: 10s}')).toEqual([
      'lease_duration: leaseDuration must be greater than renewDeadline',
    ]);
    expect(errors('{lease_name: x, lease_namespace: y, renew_deadline: 2s, retry_period: 2s}')).toEqual([
      'renew_deadline: renewDeadline must be greater than retryPeriod*JitterFactor',
    ]);
    expect(errors('{lease_name: x, lease_namespace: y, lease_duraton: 5s}')[0]).toMatch(/lease_duraton/);
    expect(errors('{lease_name: x, lease_namespace: y, retry_period: often}')[0]).toMatch(/^retry_period: /);
  });
});

describe('k8s_leader_elector against the stand-in Lease API', () => {
  const api = new ApiServerStandin();
  let base = '';
  const LEASES = '/apis/coordination.k8s.io/v1/leases';
  const stops: LeaderElectorExtension[] = [];
  beforeAll(async () => {
    base = `http://127.0.0.1:${await api.listen()}`;
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) await s.shutdown();
    api.token = undefined;
  });
  afterAll(() => api.close());

  function make(): LeaderElectorExtension {
    const config = configSchema.parse({
      lease_name: 'k8s.objects.receiver.opentelemetry.io',
      lease_namespace: 'monitoring',
      lease_duration: '1s',
      renew_deadline: '400ms',
      retry_period: '100ms',
    });
    const ext = createWith(() => ({ baseUrl: base }))(
      testSettings('k8s_leader_elector', 'extension'),
      config,
      {
        pipelinesReady: () => true,
      },
    ) as LeaderElectorExtension;
    stops.push(ext);
    return ext;
  }
  const lease = () =>
    (api.lists.get(LEASES).items as any[]).find(
      (l) => l.metadata.name === 'k8s.objects.receiver.opentelemetry.io',
    );

  it('one of two leads; the Lease names it; the other takes over after a release', async () => {
    api.lists.set(LEASES, { kind: 'LeaseList', metadata: { resourceVersion: '1' }, items: [] });
    const a = make();
    const b = make();
    const state = { a: 0, b: 0 };
    a.setCallbacks(
      () => state.a++,
      () => state.a--,
    );
    b.setCallbacks(
      () => state.b++,
      () => state.b--,
    );
    await Promise.all([a.start(emptyHostLike), b.start(emptyHostLike)]);
    await until(() => state.a + state.b === 1, 'a leader');
    const [leader, follower] = state.a === 1 ? [a, b] : [b, a];
    expect(lease().metadata.namespace).toBe('monitoring');
    expect(lease().spec).toMatchObject({
      holderIdentity: leader.elector.identity,
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    expect(lease().spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // renewals keep bumping the version while the follower stays out
    const rv = Number(lease().metadata.resourceVersion);
    await until(() => Number(lease().metadata.resourceVersion) >= rv + 3, 'renewals');
    expect(follower.elector.isLeader).toBe(false);
    // a late registration on the leader runs at once
    let late = 0;
    leader.setCallbacks(
      () => late++,
      () => {},
    );
    expect(late).toBe(1);
    // shutdown releases; the follower takes over with one more transition
    await leader.shutdown();
    expect(state.a + state.b).toBe(0);
    await until(() => follower.elector.isLeader, 'the takeover');
    expect(state.a + state.b).toBe(1);
    expect(lease().spec).toMatchObject({ holderIdentity: follower.elector.identity, leaseTransitions: 1 });
  });

  it('a write with a stale resourceVersion gets 409 Conflict from the stand-in', async () => {
    api.lists.set(LEASES, {
      kind: 'LeaseList',
      metadata: { resourceVersion: '1' },
      items: [
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'x', namespace: 'monitoring', resourceVersion: '5', uid: 'u' },
          spec: {},
        },
      ],
    });
    const res = await fetch(`${base}${'/apis/coordination.k8s.io/v1/namespaces/monitoring/leases/x'}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        metadata: { name: 'x', namespace: 'monitoring', resourceVersion: '4' },
        spec: {},
      }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const created = await fetch(`${base}/apis/coordination.k8s.io/v1/namespaces/monitoring/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'x' }, spec: {} }),
    });
    expect(created.status).toBe(409);
    expect(await created.json()).toMatchObject({ reason: 'AlreadyExists' });
  });

  it('a live holder keeps others out; a leader that cannot renew for renew_deadline stops leading', async () => {
    api.lists.set(LEASES, { kind: 'LeaseList', metadata: { resourceVersion: '1' }, items: [] });
    const a = make();
    let leading = 0;
    a.setCallbacks(
      () => leading++,
      () => leading--,
    );
    await a.start(emptyHostLike);
    await until(() => leading === 1, 'leadership');
    api.token = 'not-ours'; // every request now gets 401
    await until(() => leading === 0, 'losing leadership');
    expect(a.elector.isLeader).toBe(false);
    // another holder renewed meanwhile: after the API is back, a stays out while it is live
    api.token = undefined;
    const l = lease();
    l.spec.holderIdentity = 'someone-else';
    l.metadata.resourceVersion = String(++api.resourceVersion);
    const before = api.requests.length;
    await until(() => api.requests.length > before + 3, 'a few attempts');
    expect(a.elector.isLeader).toBe(false);
  });
});

const emptyHostLike = { getExtension: () => undefined };
