// k8s_objects against the API-server stand-in: discovery picks the group,
// pull lists at start and every interval, watch lists for a version then
// streams events as {type, object} records (exclude_watch_type honoured,
// 410 Gone re-lists), and the YAML errors of the collector's Validate.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeNulls } from '../../src/config/null-values.js';
import { fromAnyValue, getAttr } from '../../src/pdata/attributes.js';
import type { LogsData } from '../../src/pdata/types.js';
import { ApiServerStandin } from '../../test/support/apiserver-standin.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { createWith } from './factory.js';

function errors(yaml: string): string[] {
  const r = configSchema.safeParse(normalizeNulls(configSchema, parse(yaml) ?? {}));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const event = (name: string, ns: string, rv: string, reason = 'Pulled') => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: rv },
  reason,
  note: `container image "nginx:1.27" already present on machine (${name})`,
  regarding: { kind: 'Pod', name: 'web-0', namespace: ns },
  deprecatedCount: 1,
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const records = (sink: CollectingConsumer<'logs'>) =>
  sink.received.flatMap((d: LogsData) =>
    d.resourceLogs.flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) =>
        sl.logRecords.map((r) => ({
          ns: fromAnyValue(getAttr(rl.resource.attributes, 'k8s.namespace.name')),
          attrs: Object.fromEntries(r.attributes.map((a) => [a.key, fromAnyValue(a.value)])),
          body: fromAnyValue(r.body) as any,
          observed: r.observedTimeUnixNano,
        })),
      ),
    ),
  );

describe('k8s_objects config', () => {
  it('fills the collector defaults', () => {
    const c = configSchema.parse(parse('objects: [{name: pods}, {name: events, mode: watch}]'));
    expect(c.auth_type).toBe('serviceAccount');
    expect(c.error_mode).toBe('propagate');
    expect(c.include_initial_state).toBe(false);
    expect(c.objects[0]).toMatchObject({ mode: 'pull', interval: 3_600_000, group: '', namespaces: [] });
    expect(c.objects[1]).toMatchObject({ mode: 'watch', interval: 0, exclude_watch_type: [] });
  });

  it('accepts the README example and the kube-stack chart use', () => {
    expect(
      errors(`
auth_type: serviceAccount
objects:
  - name: pods
    mode: pull
    label_selector: environment in (production),tier in (frontend)
    field_selector: status.phase=Running
    interval: 15m
  - name: events
    mode: watch
    group: events.k8s.io
    namespaces: [default]
`),
    ).toEqual([]);
    expect(
      errors(`
k8s_leader_elector: k8s_leader_elector/k8s_objects
objects:
  - {name: events, mode: watch, group: events.k8s.io, exclude_watch_type: [DELETED]}
`),
    ).toEqual([]);
  });

  it('refuses what the collector refuses, at the path', () => {
    expect(errors('objects: [{name: pods, mode: poll}]')).toEqual(['objects.0.mode: invalid mode: poll']);
    expect(errors('objects: [{name: pods, mode: pull, exclude_watch_type: [DELETED]}]')).toEqual([
      'objects.0.exclude_watch_type: the Exclude config can only be used with watch mode',
    ]);
    expect(errors('error_mode: loud')[0]).toMatch(/^error_mode: /);
    expect(errors('objects: [{name: events, mode: watch, exclude_watch_type: [REMOVED]}]')[0]).toMatch(
      /^objects\.0\.exclude_watch_type\.0: /,
    );
    expect(errors('objects: [{name: pods, intervall: 1m}]')[0]).toMatch(/^objects\.0: .*intervall/);
    expect(errors('auth_type: password')[0]).toMatch(/^auth_type: /);
    expect(errors('objects: [{name: pods, interval: soon}]')[0]).toMatch(/^objects\.0\.interval: /);
  });
});

describe('k8s_objects against the API-server stand-in', () => {
  const api = new ApiServerStandin();
  let base = '';
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    base = `http://127.0.0.1:${await api.listen()}`;
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    api.lists.clear();
  });
  afterAll(() => api.close());

  async function start(yaml: string) {
    const sink = new CollectingConsumer<'logs'>();
    const config = configSchema.parse(parse(yaml));
    const rx = createWith(() => ({ baseUrl: base }), { retryMs: 20, watchTimeoutSeconds: () => 60 })(
      testSettings('k8s_objects'),
      config,
      { logs: sink },
    );
    await rx.start(emptyHost);
    stops.push(() => rx.shutdown());
    return sink;
  }

  it('pull: lists every interval, one record per object, body = the object, grouped by namespace', async () => {
    api.lists.set('/api/v1/pods', {
      kind: 'PodList',
      metadata: { resourceVersion: '10' },
      items: [
        {
          metadata: { name: 'a', namespace: 'shop', uid: 'u1', labels: { tier: 'web' } },
          spec: { nodeName: 'n1' },
        },
        { metadata: { name: 'b', namespace: 'db', uid: 'u2', labels: { tier: 'db' } } },
      ],
    });
    const sink = await start('objects: [{name: pods, mode: pull, interval: 50ms, label_selector: tier=web}]');
    await until(() => records(sink).length >= 2, 'two pulls');
    const [first] = records(sink);
    expect(first.ns).toBe('shop');
    expect(first.attrs).toEqual({ 'k8s.resource.name': 'pods' });
    expect(first.body).toEqual({
      metadata: { name: 'a', namespace: 'shop', uid: 'u1', labels: { tier: 'web' } },
      spec: { nodeName: 'n1' },
    });
    expect(first.observed).toBeGreaterThan(0n);
    // the selector went to the server; b never came back
    expect(records(sink).every((r) => r.body.metadata.name === 'a')).toBe(true);
    expect(api.calls('/api/v1/pods', false)[0].url.searchParams.get('labelSelector')).toBe('tier=web');
  });

  it('watch: picks the configured group, lists for a version, emits {type, object} with event.* attributes', async () => {
    api.lists.set('/api/v1/events', { kind: 'EventList', metadata: { resourceVersion: '5' }, items: [] });
    api.lists.set('/apis/events.k8s.io/v1/events', {
      kind: 'EventList',
      metadata: { resourceVersion: '40' },
      items: [event('old', 'default', '39')],
    });
    const sink = await start(
      'objects: [{name: events, mode: watch, group: events.k8s.io, exclude_watch_type: [DELETED]}]',
    );
    await until(() => api.watchesOf('/apis/events.k8s.io/v1/events').length === 1, 'the watch');
    const w = api.calls('/apis/events.k8s.io/v1/events', true)[0];
    expect(w.url.searchParams.get('resourceVersion')).toBe('40');
    expect(api.calls('/api/v1/events', true)).toHaveLength(0);
    const e1 = event('web-0.17f', 'default', '41');
    api.sendTo('/apis/events.k8s.io/v1/events', JSON.stringify({ type: 'ADDED', object: e1 }));
    api.sendTo(
      '/apis/events.k8s.io/v1/events',
      JSON.stringify({ type: 'DELETED', object: event('gone', 'default', '42') }),
      JSON.stringify({ type: 'MODIFIED', object: { ...e1, deprecatedCount: 2 } }),
    );
    await until(() => records(sink).length >= 2, 'two events');
    const got = records(sink);
    expect(got).toHaveLength(2); // the listed "old" event is state, not news; DELETED excluded
    expect(got[0]).toMatchObject({
      ns: 'default',
      attrs: { 'k8s.resource.name': 'events', 'event.domain': 'k8s', 'event.name': 'web-0.17f' },
      body: { type: 'ADDED', object: e1 },
    });
    expect(got[1].body.type).toBe('MODIFIED');
    expect(got[1].body.object.deprecatedCount).toBe(2);
  });

  it('watch: 410 Gone re-lists and resumes from the new version; namespaces watch each namespace', async () => {
    api.lists.set('/api/v1/configmaps', {
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '100' },
      items: [],
    });
    const sink = await start('objects: [{name: configmaps, mode: watch, namespaces: [team-a]}]');
    const path = '/api/v1/namespaces/team-a/configmaps';
    await until(() => api.watchesOf(path).length === 1, 'the namespaced watch');
    api.lists.get('/api/v1/configmaps').metadata.resourceVersion = '200';
    api.sendTo(
      path,
      JSON.stringify({
        type: 'ERROR',
        object: { kind: 'Status', code: 410, message: 'too old resource version' },
      }),
    );
    await until(() => api.calls(path, true).length === 2, 'the second watch');
    expect(api.calls(path, true)[1].url.searchParams.get('resourceVersion')).toBe('200');
    await until(() => api.watchesOf(path).length === 1, 'the second watch open');
    api.emit('/api/v1/configmaps', 'ADDED', {
      metadata: { name: 'cfg', namespace: 'team-a', resourceVersion: '201' },
      data: { k: 'v' },
    });
    await until(() => records(sink).length === 1, 'the event after the re-list');
    expect(records(sink)[0].body.object.data).toEqual({ k: 'v' });
  });

  it('include_initial_state sends the listed objects as ADDED first', async () => {
    api.lists.set('/api/v1/namespaces', {
      kind: 'NamespaceList',
      metadata: { resourceVersion: '7' },
      items: [{ metadata: { name: 'kube-system', uid: 'ns1', resourceVersion: '3' } }],
    });
    const sink = await start('include_initial_state: true\nobjects: [{name: namespaces, mode: watch}]');
    await until(() => records(sink).length === 1, 'the initial state');
    expect(records(sink)[0]).toMatchObject({
      ns: undefined,
      attrs: { 'event.name': 'kube-system' },
      body: { type: 'ADDED', object: { metadata: { name: 'kube-system' } } },
    });
  });

  it('a resource the server does not have is skipped; the others run', async () => {
    api.lists.set('/api/v1/pods', { kind: 'PodList', metadata: {}, items: [{ metadata: { name: 'p' } }] });
    const sink = await start('objects: [{name: widgets}, {name: pods}]');
    await until(() => records(sink).length === 1, 'the pods pull');
  });
});
