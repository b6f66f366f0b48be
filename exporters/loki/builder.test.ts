import { describe, expect, it } from 'vitest';
import { turnsDuring } from '../../src/exporterhelper/testing/helpers.js';
import { type BuilderConfig, type LokiEntry, LokiRequestBuilder, type TextEntry } from './builder.js';
import { lokiConfigSchema } from './config.js';
import { CardinalityGuard, labelsString, levelOf } from './labels.js';
import { logs, record, resourceLogs, SPAN_ID, TRACE_ID } from './testdata.js';

function builder(over: Record<string, unknown> = {}, onDemote: (a: string) => void = () => {}) {
  const cfg = lokiConfigSchema.parse({ endpoint: 'http://loki:3100', ...over }) as BuilderConfig;
  return new LokiRequestBuilder(cfg, new CardinalityGuard(cfg.labels.max_distinct_values, onDemote));
}

/** An entry of the general path (these builders never write entries from wire bytes). */
function text(e: LokiEntry): TextEntry {
  if (e.wire !== undefined) throw new Error('a builder without fromWire wrote an entry from wire bytes');
  return e;
}

function sm(entry: LokiEntry): Record<string, string> {
  const e = text(entry);
  const out: Record<string, string> = {};
  for (const p of [e.smResource, e.smScope, e.smOwn])
    for (let i = 0; i < p.length; i += 2) out[p[i]] = p[i + 1];
  return out;
}

describe('loki request builder', async () => {
  it('maps labels the way Loki OTLP ingestion does and puts the rest in structured metadata', async () => {
    const data = logs(
      resourceLogs(
        {
          'service.name': 'checkout',
          'k8s.namespace.name': 'shop',
          'host.name': 'node-1',
          'process.pid': 42,
        },
        [
          record('paid', {
            severityNumber: 9,
            severityText: 'INFO',
            traceId: TRACE_ID,
            spanId: SPAN_ID,
            attrs: { 'user.id': 'u1', http: { method: 'GET' } },
          }),
        ],
      ),
    );
    const { requests, rejected } = await builder().build(data);
    expect(rejected).toEqual([]);
    expect(requests).toHaveLength(1);
    const [st] = requests[0].streams;
    expect(st.labels).toBe('{k8s_namespace_name="shop", level="info", service_name="checkout"}');
    const e = text(st.entries[0]);
    expect(e.line).toBe('paid');
    expect(sm(e)).toEqual({
      host_name: 'node-1',
      process_pid: '42',
      scope_name: 'test-scope',
      scope_version: '1.0.0',
      user_id: 'u1',
      http_method: 'GET',
      severity_text: 'INFO',
      severity_number: '9',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
    });
  });

  it('labels a resource without service.name as unknown_service', async () => {
    const { requests } = await builder().build(logs(resourceLogs({}, [record('x')])));
    expect(requests[0].streams[0].labels).toBe('{service_name="unknown_service"}');
  });

  it('honours configured labels and the old lokiexporter hints (hints never sent on)', async () => {
    const b = builder({ labels: { resource: { 'host.name': 'host' }, attributes: ['http.method'] } });
    const data = logs(
      resourceLogs(
        {
          'service.name': 'a',
          'host.name': 'n1',
          'cloud.account.id': 'acc',
          'loki.resource.labels': 'cloud.account.id',
          'loki.attribute.labels': 'status',
        },
        [record('x', { attrs: { 'http.method': 'POST', status: '500', other: 'o' } })],
      ),
    );
    const { requests } = await b.build(data);
    const st = requests[0].streams[0];
    expect(st.labels).toBe(
      '{cloud_account_id="acc", host="n1", http_method="POST", service_name="a", status="500"}',
    );
    expect(sm(st.entries[0])).toEqual({ scope_name: 'test-scope', scope_version: '1.0.0', other: 'o' });
  });

  it('takes the tenant from the config, a resource attribute or the loki.tenant hint', async () => {
    const data = logs(
      resourceLogs({ 'service.name': 'a', tenant: 't1' }, [record('1')]),
      resourceLogs({ 'service.name': 'b', tenant: 't2' }, [record('2')]),
      resourceLogs({ 'service.name': 'c', tenant: 't1' }, [record('3')]),
    );
    const reqs = (await builder({ tenant: { source: 'attribute', value: 'tenant' } }).build(data)).requests;
    expect(reqs.map((r) => [r.tenant, r.count])).toEqual([
      ['t1', 2],
      ['t2', 1],
    ]);
    expect((await builder({ tenant_id: 'static' }).build(data)).requests.map((r) => r.tenant)).toEqual([
      'static',
    ]);
    const hinted = logs(resourceLogs({ 'loki.tenant': 'org', org: 'acme' }, [record('1')]));
    expect((await builder().build(hinted)).requests[0].tenant).toBe('acme');
    const ctx = { metadata: { 'x-tenant': ['fromctx'] } };
    const plain = logs(resourceLogs({}, [record('1')]));
    expect(
      (await builder({ tenant: { source: 'context', value: 'X-Tenant' } }).build(plain, ctx)).requests[0]
        .tenant,
    ).toBe('fromctx');
  });

  it('groups streams and orders entries by time within each stream', async () => {
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const data = logs(
      resourceLogs({ 'service.name': 'a' }, [
        record('third', { timeUnixNano: t0 + 3n }),
        record('first', { timeUnixNano: t0 + 1n }),
      ]),
      resourceLogs({ 'service.name': 'b' }, [record('b', { timeUnixNano: t0 })]),
      resourceLogs({ 'service.name': 'a' }, [record('second', { timeUnixNano: t0 + 2n })]),
    );
    const { requests } = await builder().build(data);
    expect(requests).toHaveLength(1);
    expect(requests[0].streams.map((s) => [s.labels, s.entries.map((e) => text(e).line)])).toEqual([
      ['{service_name="a"}', ['first', 'second', 'third']],
      ['{service_name="b"}', ['b']],
    ]);
  });

  it('splits requests under max_request_size, keeping each stream in order', async () => {
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const recs = Array.from({ length: 100 }, (_, i) =>
      record(`line ${i} ${'x'.repeat(80)}`, { timeUnixNano: t0 + BigInt(i) }),
    );
    const { requests } = await builder({ max_request_size: '2KiB' }).build(
      logs(resourceLogs({ 'service.name': 'a' }, recs)),
    );
    expect(requests.length).toBeGreaterThan(4);
    expect(requests.reduce((n, r) => n + r.count, 0)).toBe(100);
    const lines = requests.flatMap((r) => r.streams.flatMap((s) => s.entries.map((e) => text(e).line)));
    expect(lines).toEqual(recs.map((r) => (r.body as { stringValue: string }).stringValue));
  });

  it('rejects records Loki would refuse, each with a clear reason', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const hour = 3_600_000_000_000n;
    const data = logs(
      resourceLogs({ 'service.name': 'a' }, [
        record('ok'),
        record('old', { timeUnixNano: now - 200n * hour }),
        record('future', { timeUnixNano: now + hour }),
        record('y'.repeat(300 * 1024)),
      ]),
      resourceLogs(Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k8s.pod.name${i}`, 'x'])), [
        record('many labels'),
      ]),
    );
    const b = builder({ labels: { resource: Array.from({ length: 16 }, (_, i) => `k8s.pod.name${i}`) } });
    const { requests, rejected } = await b.build(data);
    expect(requests.flatMap((r) => r.streams.flatMap((s) => s.entries.map((e) => text(e).line)))).toEqual([
      'ok',
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/timestamp too old/),
      expect.stringMatching(/timestamp too new/),
      expect.stringMatching(/max entry size 262144 bytes exceeded/),
      expect.stringMatching(/17 label names; limit 15/),
    ]);
  });

  it('gives each resource and level its own stream key, batch after batch (remembered keys never mix up)', async () => {
    // values and severity texts that a plain join of names, values and level would confuse
    const values = ['a', 'a|7:level1:b', '', 'é"\\\n', '1:a', 'x'.repeat(300)];
    const texts = ['', 'x', 'x|12:service_name1:a', 'weird|', 'WARNING'];
    const data = () =>
      logs(
        ...values.map((v) =>
          resourceLogs(
            { 'service.name': v, 'k8s.pod.name': v ? `${v}|` : 'p' },
            texts.map((t) => record(`${v}/${t}`, { severityText: t })),
          ),
        ),
      );
    const keys = (r: Awaited<ReturnType<LokiRequestBuilder['build']>>) =>
      r.requests.flatMap((q) =>
        q.streams.flatMap((st) => st.entries.map((e) => `${text(e).line} ${st.labels}`)),
      );
    const b = builder();
    const first = keys(await b.build(data()));
    expect(keys(await b.build(data()))).toEqual(first);
    expect(keys(await builder().build(data()))).toEqual(first);
    for (const v of values)
      for (const t of texts) {
        const level = levelOf(0, t);
        const pairs: [string, string][] = [
          ['k8s_pod_name', v ? `${v}|` : 'p'],
          ['service_name', v || 'unknown_service'],
        ];
        if (level) pairs.push(['level', level]);
        expect(first).toContain(`${v}/${t} ${labelsString(pairs)}`);
      }
  });

  it('never gives two different label sets the same remembered stream key (values that spell another set)', async () => {
    // The remembered keys are looked up by the labels joined into one string: a value that
    // spells "separator, next name, value" under a join without lengths would hand one
    // resource the stream of another (within one batch and in the next).
    const spelled = ['=', '', ':', '"', '\u0000'].flatMap((sep) =>
      ['k8s_pod_name', '12:k8s_pod_name'].flatMap((name) => [`a|${name}${sep}b`, `a|${name}${sep}1:b`]),
    );
    const sets: Record<string, string>[] = [
      { 'service.name': 'a', 'k8s.pod.name': 'b' },
      ...spelled.map((v) => ({ 'service.name': v })),
      { 'service.name': 'a', 'k8s.pod.name': 'b', 'k8s.namespace.name': 'n' },
      { 'service.name': 'a|k8s_pod_name=b|k8s_namespace_name=n' },
    ];
    const data = () =>
      logs(
        ...sets.map((attrs, i) =>
          resourceLogs(attrs, [
            record(`r${i}`, { severityNumber: 9 }),
            record(`r${i}e`, { severityNumber: 17 }),
          ]),
        ),
      );
    const expected = sets.flatMap((attrs, i) => {
      const pairs = (level: string): [string, string][] => [
        ...Object.entries(attrs).map(([k, v]): [string, string] => [k.replace(/\./g, '_'), v]),
        ['level', level],
      ];
      return [`r${i} ${labelsString(pairs('info'))}`, `r${i}e ${labelsString(pairs('error'))}`];
    });
    const lines = (r: Awaited<ReturnType<LokiRequestBuilder['build']>>) =>
      r.requests
        .flatMap((q) => q.streams.flatMap((st) => st.entries.map((e) => `${text(e).line} ${st.labels}`)))
        .sort();
    const b = builder();
    for (let batch = 0; batch < 2; batch++) expect(lines(await b.build(data()))).toEqual(expected.sort());
  });

  it('uses the observed time when the record has none', async () => {
    const obs = BigInt(Date.now()) * 1_000_000n;
    const r = record('x', { timeUnixNano: 0n, observedTimeUnixNano: obs });
    const e = (await builder().build(logs(resourceLogs({ 'service.name': 'a' }, [r])))).requests[0].streams[0]
      .entries[0];
    expect(BigInt(e.sec) * 1_000_000_000n + BigInt(e.nanos)).toBe(obs);
  });

  it('stops using an attribute as a label past the cardinality bound, and says so once', async () => {
    const demoted: string[] = [];
    const b = builder({ labels: { attributes: ['user'], max_distinct_values: 3 } }, (a) => demoted.push(a));
    const recs = Array.from({ length: 6 }, (_, i) => record(`l${i}`, { attrs: { user: `u${i}` } }));
    const { requests } = await b.build(logs(resourceLogs({ 'service.name': 'a' }, recs)));
    const streams = requests[0].streams;
    expect(streams.map((s) => s.labels)).toEqual([
      '{service_name="a", user="u0"}',
      '{service_name="a", user="u1"}',
      '{service_name="a", user="u2"}',
      '{service_name="a"}',
    ]);
    expect(sm(streams[3].entries[0]).user).toBe('u3');
    expect(demoted).toEqual(['user']);
  });

  it('writes attributes and trace ids into the line without structured metadata (Loki 2.x)', async () => {
    const data = logs(
      resourceLogs({ 'service.name': 'a', 'host.name': 'h' }, [
        record('hello world', {
          severityText: 'WARN',
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          attrs: { code: 7 },
        }),
      ]),
    );
    const json = text(
      (await builder({ structured_metadata: false }).build(data)).requests[0].streams[0].entries[0],
    );
    expect(JSON.parse(json.line)).toEqual({
      body: 'hello world',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      severity: 'WARN',
      attributes: { code: 7 },
      resources: { 'host.name': 'h' },
      instrumentation_scope: { name: 'test-scope', version: '1.0.0' },
    });
    expect(json.smOwn).toEqual([]);
    const logfmt = text(
      (await builder({ structured_metadata: false, format: 'logfmt' }).build(data)).requests[0].streams[0]
        .entries[0],
    );
    expect(logfmt.line).toBe(
      'msg="hello world" trace_id=5b8efff798038103d269b633813fc60c span_id=eee19b7ec3c1b174 severity=WARN code=7 resource_host.name=h',
    );
  });

  it('gives the event loop back while building a large batch (answers are not held meanwhile)', async () => {
    const recs = Array.from({ length: 8192 }, (_, i) => record(`line ${i}`, { attrs: { seq: i } }));
    const data = logs(resourceLogs({ 'service.name': 'a' }, recs));
    const { result, turns } = await turnsDuring(() => builder().build(data));
    expect(turns).toBeGreaterThan(1);
    expect(result.requests.reduce((n, r) => n + r.count, 0)).toBe(8192);
  });
});
