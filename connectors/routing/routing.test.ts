import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeLogsLazy, encodeLogs } from '../../src/codec/proto-logs.js';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/proto-traces.js';
import { ConsumerError, permanentError, retryableError } from '../../src/component/errors.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { getAttr, str, toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceMetrics,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeMetrics,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import { rawList } from '../../src/pdata/lazy.js';
import type { Signal } from '../../src/pdata/signal.js';
import type { KeyValue, LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { testConnectorNext, testSettings } from '../../test/support/component.js';
import type { RoutingConfig } from './config.js';
import { factory } from './factory.js';

const kv = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));

function traces(resources: [Record<string, unknown>, { name: string; attrs?: Record<string, unknown> }[]][]) {
  return {
    resourceSpans: resources.map(([rattrs, spans]) => {
      const res = newResource();
      res.attributes = kv(rattrs);
      const rs = newResourceSpans(res);
      const ss = newScopeSpans(newScope('lib'));
      for (const s of spans) {
        const span = newSpan();
        span.name = s.name;
        span.attributes = kv(s.attrs ?? {});
        ss.spans.push(span);
      }
      rs.scopeSpans.push(ss);
      return rs;
    }),
  } satisfies TracesData;
}

function logs(resources: [Record<string, unknown>, Record<string, unknown>[]][]): LogsData {
  return {
    resourceLogs: resources.map(([rattrs, records]) => {
      const res = newResource();
      res.attributes = kv(rattrs);
      const rl = newResourceLogs(res);
      const sl = newScopeLogs(newScope('lib'));
      for (const attrs of records) {
        const r = newLogRecord();
        r.attributes = kv(attrs);
        r.body = str(String(attrs.msg ?? ''));
        sl.logRecords.push(r);
      }
      rl.scopeLogs.push(sl);
      return rl;
    }),
  };
}

function gauge(points: Record<string, unknown>[]): MetricsData {
  const rm = newResourceMetrics();
  const sm = newScopeMetrics(newScope('m'));
  sm.metrics.push({
    name: 'g',
    description: '',
    unit: '',
    metadata: [],
    gauge: {
      dataPoints: points.map((a) => ({
        attributes: kv(a),
        startTimeUnixNano: 0n,
        timeUnixNano: 1n,
        asInt: 1n,
        exemplars: [],
        flags: 0,
      })),
    },
  });
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

const configOf = (yaml: string): RoutingConfig => {
  const r = parseComponentConfig(factory, parse(yaml), 'connectors::routing');
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.config as RoutingConfig;
};

const errorsOf = (yaml: string) => {
  const r = parseComponentConfig(factory, parse(yaml), 'connectors::routing');
  return r.ok ? [] : r.issues.map(formatIssue);
};

function make<S extends Signal>(signal: S, yaml: string, pipelines: string[], metrics = new SelfMetrics()) {
  const { next, sinks } = testConnectorNext<S>(pipelines);
  const c = factory.create(
    testSettings('routing', 'connector', metrics),
    configOf(yaml),
    signal,
    signal,
    next,
  );
  return { c, sinks, metrics };
}

const names = (d: TracesData[]) =>
  d.flatMap((t) =>
    t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))),
  );
const messages = (d: LogsData[]) =>
  d.flatMap((l) =>
    l.resourceLogs.flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => (r.body as { stringValue: string }).stringValue)),
    ),
  );

describe('routing config', () => {
  it('accepts the README examples (request, log and resource contexts, statements and conditions)', () => {
    expect(
      errorsOf(`
default_pipelines: [logs/other]
table:
  - context: request
    condition: request["X-Tenant"] == "acme"
    pipelines: [logs/acme]
  - context: log
    condition: severity_number < SEVERITY_NUMBER_ERROR
    pipelines: [logs/cheap]
  - context: resource
    condition: attributes["service.name"] == "service1"
    pipelines: [logs/service1]
  - statement: route() where attributes["X-Tenant"] == "red"
    pipelines: [traces/red]
  - condition: span.attributes["env"] == "prod" and resource.attributes["region"] == "east"
    pipelines: [traces/prod]
`),
    ).toEqual([]);
    const c = configOf('table: [{condition: \'attributes["x"] == "y"\', pipelines: [p]}]');
    expect(c.error_mode).toBe('propagate');
    expect(c.default_pipelines).toEqual([]);
  });

  it('refuses what the collector refuses, each at its path', () => {
    const one = (yaml: string) => errorsOf(yaml);
    expect(one('default_pipelines: [a]')).toEqual([
      'connectors::routing::table: invalid routing table: the routing table is empty',
    ]);
    expect(one('error_mode: loud\ntable: [{condition: "true", pipelines: [a]}]')).toEqual([
      'connectors::routing::error_mode: invalid value string "loud": expected one of "ignore", "silent", "propagate"',
    ]);
    expect(one('table: [{context: profile, condition: "true", pipelines: [a]}]')).toEqual([
      'connectors::routing::table::0::context: invalid value string "profile": expected one of "resource", "span", "metric", "datapoint", "log", "request"',
    ]);
    expect(one('table: [{condition: "true", pipeline: [a]}]')).toEqual([
      "connectors::routing::table::0::pipeline: unknown key (did you mean 'pipelines'?)",
      'connectors::routing::table::0::pipelines: invalid route: no pipelines defined',
    ]);
    expect(
      one(`
match_once: true
table:
  - pipelines: [a]
  - statement: route() where attributes["a"] == "b"
    condition: attributes["a"] == "b"
    pipelines: [a]
  - condition: attributes["a"] == "b"
  - context: request
    statement: route() where request["a"] == "b"
    pipelines: [a]
  - context: request
    condition: request["a"] == "b" and request["c"] != "d"
    pipelines: [a]
  - context: request
    condition: request["a"] == b
    pipelines: [a]
  - condition: attributes["a"] ==
    pipelines: [a]
  - statement: set(attributes["a"], "b") where attributes["a"] == "c"
    pipelines: [a]
  - context: log
    condition: span.name == "x"
    pipelines: [a]
  - context: span
    condition: not_a_function(name)
    pipelines: [a]
`),
    ).toEqual([
      'connectors::routing::match_once: match_once was removed from the routing connector (collector v0.120.0): every item goes to the first route that matches; see the routing connector README for how to migrate',
      'connectors::routing::table::0: invalid route: no condition or statement provided',
      'connectors::routing::table::1: invalid route: both condition and statement provided',
      'connectors::routing::table::2::pipelines: invalid route: no pipelines defined',
      `connectors::routing::table::3::context: "request" context requires a 'condition'`,
      'connectors::routing::table::4::condition: condition contains multiple comparators',
      `connectors::routing::table::5::condition: condition must have format 'request["<name>"] <comparator> "<value>"'`,
      expect.stringMatching(/^connectors::routing::table::6::condition: column \d+: /),
      'connectors::routing::table::7::statement: a routing statement must be "route() where <condition>" (Tsunagi runs no other editor here); or give the condition in `condition`',
      expect.stringMatching(/^connectors::routing::table::8::condition: .*span/),
      expect.stringMatching(/^connectors::routing::table::9::condition: column 1: .*not_a_function/),
    ]);
  });
});

describe('routing connector', () => {
  const tenantTable = `
default_pipelines: [traces/other]
table:
  - condition: attributes["tenant"] == "acme"
    pipelines: [traces/acme]
  - statement: route() where attributes["tenant"] == "ecorp"
    pipelines: [traces/ecorp]
`;

  it('routes whole resources by a resource attribute, the rest to the default pipelines', async () => {
    const { c, sinks } = make('traces', tenantTable, ['traces/acme', 'traces/ecorp', 'traces/other']);
    await c.consume(
      traces([
        [{ tenant: 'acme' }, [{ name: 'a1' }, { name: 'a2' }]],
        [{ tenant: 'ecorp' }, [{ name: 'e1' }]],
        [{ tenant: 'globex' }, [{ name: 'g1' }]],
        [{}, [{ name: 'n1' }]],
        [{ tenant: 'acme' }, [{ name: 'a3' }]],
      ]),
    );
    expect(names(sinks.get('traces/acme')!.received)).toEqual(['a1', 'a2', 'a3']);
    expect(sinks.get('traces/acme')!.received).toHaveLength(1); // one request per route
    expect(names(sinks.get('traces/ecorp')!.received)).toEqual(['e1']);
    expect(names(sinks.get('traces/other')!.received)).toEqual(['g1', 'n1']);
  });

  it('leaves lazily decoded spans undecoded when the condition reads only resource paths', async () => {
    const { c, sinks } = make('traces', tenantTable, ['traces/acme', 'traces/ecorp', 'traces/other']);
    const data = decodeTracesLazy(
      encodeTraces(
        traces([
          [{ tenant: 'acme' }, [{ name: 'a1' }]],
          [{ tenant: 'x' }, [{ name: 'x1' }]],
        ]),
      ),
    );
    await c.consume(data);
    const acme = sinks.get('traces/acme')!.received[0].resourceSpans[0];
    const other = sinks.get('traces/other')!.received[0].resourceSpans[0];
    expect(rawList(acme)).toBeDefined();
    expect(rawList(other)).toBeDefined();
    // a span-context condition on a resource path is evaluated per resource too
    const span = make(
      'traces',
      `table: [{context: span, condition: 'resource.attributes["tenant"] == "acme"', pipelines: [a]}]`,
      ['a'],
    );
    await span.c.consume(decodeTracesLazy(encodeTraces(traces([[{ tenant: 'acme' }, [{ name: 'a1' }]]]))));
    expect(rawList(span.sinks.get('a')!.received[0].resourceSpans[0])).toBeDefined();
  });

  it('routes single spans, splitting a resource; each part gets its own resource object', async () => {
    const { c, sinks } = make(
      'traces',
      `
default_pipelines: [rest]
table:
  - context: span
    condition: attributes["http.route"] == "/health"
    pipelines: [health]
`,
      ['health', 'rest'],
    );
    const data = traces([
      [{ 'service.name': 'api' }, [{ name: 'h1', attrs: { 'http.route': '/health' } }, { name: 'o1' }]],
    ]);
    await c.consume(data);
    const h = sinks.get('health')!.received[0].resourceSpans[0];
    const r = sinks.get('rest')!.received[0].resourceSpans[0];
    expect(names([{ resourceSpans: [h] }])).toEqual(['h1']);
    expect(names([{ resourceSpans: [r] }])).toEqual(['o1']);
    expect(h.resource).not.toBe(r.resource);
    expect(h.resource.attributes).toEqual(r.resource.attributes);
    expect(h.scopeSpans[0].scope).not.toBe(r.scopeSpans[0].scope);
  });

  it('sends an item to the first route it matches only (match once), in table order', async () => {
    const { c, sinks } = make(
      'logs',
      `
table:
  - context: log
    condition: attributes["region"] == "east"
    pipelines: [logs/east]
  - context: log
    condition: attributes["env"] == "prod"
    pipelines: [logs/prod]
  - context: resource
    condition: attributes["host"] == "h1"
    pipelines: [logs/h1]
`,
      ['logs/east', 'logs/prod', 'logs/h1'],
    );
    await c.consume(
      logs([
        [
          { host: 'h1' },
          [
            { msg: 'east-prod', region: 'east', env: 'prod' },
            { msg: 'west-prod', region: 'west', env: 'prod' },
            { msg: 'west-dev', region: 'west', env: 'dev' },
          ],
        ],
      ]),
    );
    expect(messages(sinks.get('logs/east')!.received)).toEqual(['east-prod']);
    expect(messages(sinks.get('logs/prod')!.received)).toEqual(['west-prod']);
    expect(messages(sinks.get('logs/h1')!.received)).toEqual(['west-dev']);
  });

  it('a route to several pipelines delivers to each; routes to the same pipelines share one request', async () => {
    const { c, sinks } = make(
      'logs',
      `
table:
  - {condition: 'attributes["t"] == "a"', pipelines: [x, y]}
  - {condition: 'attributes["t"] == "b"', pipelines: [y, x]}
`,
      ['x', 'y'],
    );
    await c.consume(
      logs([
        [{ t: 'a' }, [{ msg: 'm-a' }]],
        [{ t: 'b' }, [{ msg: 'm-b' }]],
      ]),
    );
    for (const id of ['x', 'y']) {
      expect(sinks.get(id)!.received).toHaveLength(1);
      expect(messages(sinks.get(id)!.received)).toEqual(['m-a', 'm-b']);
    }
  });

  it('routes by request metadata (the request context)', async () => {
    const { c, sinks } = make(
      'logs',
      `
default_pipelines: [logs/other]
table:
  - context: request
    condition: request["X-Tenant"] == "acme"
    pipelines: [logs/acme]
  - context: request
    condition: request["X-Tenant"] != "acme"
    pipelines: [logs/not-acme]
`,
      ['logs/acme', 'logs/not-acme', 'logs/other'],
    );
    await c.consume(logs([[{}, [{ msg: '1' }]]]), { metadata: { 'x-tenant': ['acme'] } });
    await c.consume(logs([[{}, [{ msg: '2' }]]]), { metadata: { 'x-tenant': ['ecorp'] } });
    await c.consume(logs([[{}, [{ msg: '3' }]]]));
    expect(messages(sinks.get('logs/acme')!.received)).toEqual(['1']);
    expect(messages(sinks.get('logs/not-acme')!.received)).toEqual(['2']);
    expect(messages(sinks.get('logs/other')!.received)).toEqual(['3']);
  });

  it('routes data points, splitting a metric into two with their own descriptors', async () => {
    const { c, sinks } = make(
      'metrics',
      `
default_pipelines: [rest]
table: [{context: datapoint, condition: 'attributes["k"] == "v"', pipelines: [kv]}]
`,
      ['kv', 'rest'],
    );
    await c.consume(gauge([{ k: 'v' }, { k: 'w' }, { k: 'v' }]));
    const points = (id: string) =>
      sinks
        .get(id)!
        .received[0].resourceMetrics[0].scopeMetrics[0].metrics[0].gauge!.dataPoints.map((p) =>
          getAttr(p.attributes, 'k'),
        );
    expect(points('kv')).toEqual([str('v'), str('v')]);
    expect(points('rest')).toEqual([str('w')]);
  });

  it('routes metrics by name (the metric context)', async () => {
    const { c, sinks } = make(
      'metrics',
      `table: [{context: metric, condition: 'name == "g"', pipelines: [g]}]
default_pipelines: [rest]`,
      ['g', 'rest'],
    );
    await c.consume(gauge([{ k: 'v' }]));
    expect(sinks.get('g')!.received).toHaveLength(1);
    expect(sinks.get('rest')!.received).toHaveLength(0);
  });

  it('without default_pipelines, what matches no route is dropped and counted', async () => {
    const { c, sinks, metrics } = make(
      'traces',
      'table: [{condition: \'attributes["t"] == "a"\', pipelines: [a]}]',
      ['a'],
    );
    await c.consume(decodeTracesLazy(encodeTraces(traces([[{ t: 'b' }, [{ name: 's1' }, { name: 's2' }]]]))));
    expect(sinks.get('a')!.received).toHaveLength(0);
    expect(await metrics.render()).toContain(
      'tsunagi_connector_routing_unrouted_spans_total{connector="routing"} 2',
    );
  });

  it('error_mode propagate refuses the request (permanently); ignore sends the item on as not matching', async () => {
    const table = (mode: string) => `
error_mode: ${mode}
default_pipelines: [other]
table: [{context: log, condition: 'Substring(attributes["n"], 0, 3) == "big"', pipelines: [big]}]
`;
    // "x" is too short for the substring: the condition fails to evaluate for it.
    const data = () =>
      logs([
        [
          {},
          [
            { msg: 'bad', n: 'x' },
            { msg: 'ok', n: 'bigger' },
          ],
        ],
      ]);
    const p = make('logs', table('propagate'), ['big', 'other']);
    const err = await p.c.consume(data()).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect(p.sinks.get('big')!.received).toHaveLength(0);
    for (const mode of ['ignore', 'silent']) {
      const i = make('logs', table(mode), ['big', 'other']);
      await i.c.consume(data());
      expect(messages(i.sinks.get('big')!.received)).toEqual(['ok']);
      expect(messages(i.sinks.get('other')!.received)).toEqual(['bad']);
    }
  });

  it('the answer is every group pipeline: a refusal comes back (retryable if one is), the other group still delivered', async () => {
    const { c, sinks } = make('logs', tenantTable.replaceAll('traces/', 'logs/'), [
      'logs/acme',
      'logs/ecorp',
      'logs/other',
    ]);
    sinks.get('logs/acme')!.failWith = retryableError('queue full', { throttled: true });
    sinks.get('logs/other')!.failWith = permanentError('bad');
    const err = (await c
      .consume(
        logs([
          [{ tenant: 'acme' }, [{ msg: 'a' }]],
          [{ tenant: 'ecorp' }, [{ msg: 'e' }]],
          [{}, [{ msg: 'o' }]],
        ]),
      )
      .catch((e) => e)) as ConsumerError;
    expect(err.retryable).toBe(true);
    expect(err.throttled).toBe(true);
    expect(err.message).toMatch(/queue full.*bad|bad.*queue full/);
    expect(messages(sinks.get('logs/ecorp')!.received)).toEqual(['e']);
  });

  it('a route whose context the signal does not have never matches there', async () => {
    const { c, sinks } = make(
      'logs',
      `
default_pipelines: [other]
table: [{context: span, condition: 'name == "x"', pipelines: [spans]}]
`,
      ['spans', 'other'],
    );
    await c.consume(logs([[{}, [{ msg: 'x' }]]]));
    expect(sinks.get('spans')!.received).toHaveLength(0);
    expect(messages(sinks.get('other')!.received)).toEqual(['x']);
  });

  it('a lazily decoded log request routed by record attribute is decoded (and split) correctly', async () => {
    const { c, sinks } = make(
      'logs',
      `table: [{context: log, condition: 'attributes["k"] == 1', pipelines: [one]}]
default_pipelines: [rest]`,
      ['one', 'rest'],
    );
    await c.consume(
      decodeLogsLazy(
        encodeLogs(
          logs([
            [
              { h: 'x' },
              [
                { msg: 'a', k: 1 },
                { msg: 'b', k: 2 },
              ],
            ],
          ]),
        ),
      ),
    );
    expect(messages(sinks.get('one')!.received)).toEqual(['a']);
    expect(messages(sinks.get('rest')!.received)).toEqual(['b']);
  });
});
