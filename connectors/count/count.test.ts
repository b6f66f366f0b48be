import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Consumer } from '../../src/component/consumer.js';
import { ConsumerError, permanentError } from '../../src/component/errors.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { fromAnyValue, str, toAnyValue } from '../../src/pdata/attributes.js';
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
  newSpanEvent,
} from '../../src/pdata/create.js';
import type { Signal } from '../../src/pdata/signal.js';
import type { KeyValue, LogsData, Metric, MetricsData, TracesData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { testConnectorNext, testSettings } from '../../test/support/component.js';
import type { CountConfig } from './config.js';
import { MAX_IN_FLIGHT } from './connector.js';
import { factory } from './factory.js';

const kv = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((x) => [x.key, fromAnyValue(x.value)]));

function traces(): TracesData {
  const res = newResource();
  res.attributes = kv({ 'service.name': 'api', env: 'prod' });
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('lib'));
  ss.scope.attributes = kv({ team: 'core' });
  for (const [name, attrs, events, start] of [
    ['a', { region: 'east' }, ['e1', 'e2'], 100n],
    ['b', { region: 'west' }, [], 50n],
    ['c', {}, ['e3'], 300n],
  ] as const) {
    const span = newSpan();
    span.name = name;
    span.attributes = kv(attrs);
    span.startTimeUnixNano = start;
    span.endTimeUnixNano = start + 10n;
    for (const e of events) {
      const ev = newSpanEvent();
      ev.name = e;
      ev.timeUnixNano = start + 1n;
      span.events.push(ev);
    }
    ss.spans.push(span);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

function logs(resources: [Record<string, unknown>, Record<string, unknown>[]][]): LogsData {
  return {
    resourceLogs: resources.map(([r, records]) => {
      const res = newResource();
      res.attributes = kv(r);
      const rl = newResourceLogs(res);
      const sl = newScopeLogs(newScope('lib'));
      for (const a of records) {
        const lr = newLogRecord();
        const { sev, time, ...attrs } = a as { sev?: number; time?: number };
        lr.severityNumber = sev ?? 9;
        lr.timeUnixNano = BigInt(time ?? 0);
        lr.attributes = kv(attrs);
        sl.logRecords.push(lr);
      }
      rl.scopeLogs.push(sl);
      return rl;
    }),
  };
}

function metrics(): MetricsData {
  const rm = newResourceMetrics();
  rm.resource.attributes = kv({ host: 'h1' });
  const sm = newScopeMetrics(newScope('m'));
  const point = (a: Record<string, unknown>) => ({
    attributes: kv(a),
    startTimeUnixNano: 5n,
    timeUnixNano: 9n,
    asDouble: 1,
    exemplars: [],
    flags: 0,
  });
  sm.metrics.push(
    {
      name: 'cpu',
      description: '',
      unit: '',
      metadata: [],
      gauge: { dataPoints: [point({ env: 'prod' }), point({ env: 'test' })] },
    },
    {
      name: 'mem',
      description: '',
      unit: '',
      metadata: [],
      sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [point({ env: 'prod' })] },
    },
  );
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

const configOf = (yaml: string) => {
  const r = parseComponentConfig(factory, parse(yaml), 'connectors::count');
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.config as CountConfig;
};
const errorsOf = (yaml: string) => {
  const r = parseComponentConfig(factory, parse(yaml), 'connectors::count');
  return r.ok ? [] : r.issues.map(formatIssue);
};

function make<S extends Signal>(signal: S, yaml = '', metricsRegistry = new SelfMetrics()) {
  const { next, sinks } = testConnectorNext<'metrics'>(['metrics/out']);
  const c = factory.create(
    testSettings('count', 'connector', metricsRegistry),
    configOf(yaml),
    signal,
    'metrics',
    next,
  );
  return { c, out: sinks.get('metrics/out')!, metricsRegistry };
}

/** name → [{attributes, value}] over everything emitted, with the resource of each. */
function summary(emitted: MetricsData[]) {
  const out: Record<
    string,
    { resource: Record<string, unknown>; attrs: Record<string, unknown>; value: number }[]
  > = {};
  for (const d of emitted)
    for (const rm of d.resourceMetrics)
      for (const sm of rm.scopeMetrics) {
        expect(sm.scope.name).toBe('otelcol/countconnector');
        for (const m of sm.metrics) {
          expect(m.sum?.isMonotonic).toBe(true);
          expect(m.sum?.aggregationTemporality).toBe(1); // delta
          out[m.name] ??= [];
          for (const p of m.sum!.dataPoints)
            out[m.name].push({
              resource: plain(rm.resource.attributes),
              attrs: plain(p.attributes),
              value: Number(p.asInt),
            });
        }
      }
  return out;
}

const allMetrics = (d: MetricsData[]): Metric[] =>
  d.flatMap((x) => x.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)));

describe('count config', () => {
  it('takes the README examples', () => {
    expect(
      errorsOf(`
spanevents:
  my.prod.event.count:
    description: The number of span events from my prod environment.
    conditions:
      - 'attributes["env"] == "prod"'
      - 'name == "prodevent"'
logs:
  my.log.count:
    description: The number of logs from each environment.
    attributes:
      - key: env
        default_value: unspecified_environment
  my.error.log.count:
    conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
metrics:
  my.prod.metric.count:
    conditions: ['resource.attributes["env"] == "prod"']
datapoints:
  my.prod.datapoint.count:
    conditions: ['attributes["env"] == "prod"']
`),
    ).toEqual([]);
  });

  it('refuses what the collector refuses, each at its path', () => {
    expect(
      errorsOf(`
spans:
  "":
    description: x
  my.span.count:
    conditions: ['attributes["env"] == ']
    attributes: [{default_value: x}]
metrics:
  my.metric.count:
    attributes: [{key: env}]
logs:
  my.log.count:
    conditions: ['undefined_thing == 1']
    atributes: []
datapoints:
  my.dp.count:
    attributes: [{key: env, default_value: true}]
`),
    ).toEqual([
      'connectors::count::datapoints::my.dp.count::attributes::0::default_value: invalid value boolean true',
      "connectors::count::logs::my.log.count::atributes: unknown key (did you mean 'attributes'?)",
    ]);
    expect(
      errorsOf(`
spans:
  "":
    description: x
  my.span.count:
    conditions: ['attributes["env"] == ']
    attributes: [{default_value: x}]
metrics:
  my.metric.count:
    attributes: [{key: env}]
logs:
  my.log.count:
    conditions: ['name == "x"']
`),
    ).toEqual([
      'connectors::count::spans: metric name missing',
      'connectors::count::spans::my.span.count::attributes::0::key: attribute key missing',
      expect.stringMatching(/^connectors::count::spans::my\.span\.count::conditions::0: column \d+: /),
      'connectors::count::metrics::my.metric.count::attributes: metrics attributes not supported: metric "my.metric.count"',
      expect.stringMatching(/^connectors::count::logs::my\.log\.count::conditions::0: .*name/),
    ]);
  });
});

describe('count connector', () => {
  it('counts spans and span events per resource by default, with the resource attributes', async () => {
    const { c, out } = make('traces');
    await c.consume(traces());
    expect(summary(out.received)).toEqual({
      'trace.span.count': [{ resource: { 'service.name': 'api', env: 'prod' }, attrs: {}, value: 3 }],
      'trace.span.event.count': [{ resource: { 'service.name': 'api', env: 'prod' }, attrs: {}, value: 3 }],
    });
    const [spanCount] = allMetrics(out.received);
    expect(spanCount.description).toBe('The number of spans observed.');
    // earliest and latest time of what was counted
    expect(spanCount.sum!.dataPoints[0].startTimeUnixNano).toBe(50n);
    expect(spanCount.sum!.dataPoints[0].timeUnixNano).toBe(310n);
  });

  it('counts metrics and data points, and log records, by default', async () => {
    const m = make('metrics');
    await m.c.consume(metrics());
    expect(summary(m.out.received)).toEqual({
      'metric.count': [{ resource: { host: 'h1' }, attrs: {}, value: 2 }],
      'metric.datapoint.count': [{ resource: { host: 'h1' }, attrs: {}, value: 3 }],
    });
    const l = make('logs');
    await l.c.consume(
      logs([
        [{ host: 'a' }, [{}, {}]],
        [{ host: 'b' }, [{}]],
        [{ host: 'c' }, []],
      ]),
    );
    expect(summary(l.out.received)).toEqual({
      'log.record.count': [
        { resource: { host: 'a' }, attrs: {}, value: 2 },
        { resource: { host: 'b' }, attrs: {}, value: 1 },
      ],
    });
  });

  it('custom metrics replace the default of their section only; conditions are ORed', async () => {
    const { c, out } = make(
      'traces',
      `
spans:
  east.or.c:
    description: spans in the east or named c
    conditions: ['attributes["region"] == "east"', 'name == "c"']
`,
    );
    await c.consume(traces());
    const s = summary(out.received);
    expect(s['east.or.c']).toEqual([
      { resource: { 'service.name': 'api', env: 'prod' }, attrs: {}, value: 2 },
    ]);
    expect(s['trace.span.count']).toBeUndefined();
    expect(s['trace.span.event.count']?.[0].value).toBe(3);
  });

  it('counts per attribute value: from the item, else its scope, else its resource; default_value for the rest', async () => {
    const { c, out } = make(
      'traces',
      `
spans:
  by.region:
    attributes: [{key: region}]
  by.region.or.default:
    attributes: [{key: region, default_value: nowhere}]
  by.team.and.env:
    attributes: [{key: team}, {key: env}]
spanevents: {}
`,
    );
    await c.consume(traces());
    const s = summary(out.received);
    const vals = (name: string) => s[name].map((p) => [p.attrs, p.value]);
    // span c has no region and no default: not counted
    expect(vals('by.region')).toEqual([
      [{ region: 'east' }, 1],
      [{ region: 'west' }, 1],
    ]);
    expect(vals('by.region.or.default')).toEqual([
      [{ region: 'east' }, 1],
      [{ region: 'west' }, 1],
      [{ region: 'nowhere' }, 1],
    ]);
    expect(vals('by.team.and.env')).toEqual([[{ team: 'core', env: 'prod' }, 3]]);
    expect(s['trace.span.event.count']).toBeUndefined(); // `spanevents: {}` counts nothing
  });

  it('counts log records by severity condition and attribute', async () => {
    const { c, out } = make(
      'logs',
      `
logs:
  my.error.log.count:
    description: Error+ logs.
    conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
    attributes: [{key: env, default_value: unspecified}]
`,
    );
    await c.consume(
      logs([
        [
          { env: 'prod' },
          [
            { sev: 17, time: 20 },
            { sev: 9, time: 5 },
            { sev: 21, env: 'canary', time: 10 },
          ],
        ],
        [{}, [{ sev: 18 }]],
      ]),
    );
    expect(summary(out.received)['my.error.log.count']).toEqual([
      { resource: { env: 'prod' }, attrs: { env: 'prod' }, value: 1 },
      { resource: { env: 'prod' }, attrs: { env: 'canary' }, value: 1 },
      { resource: {}, attrs: { env: 'unspecified' }, value: 1 },
    ]);
  });

  it('answers at once while the metrics pipeline has not; shutdown waits for what is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: MetricsData[] = [];
    const next = {
      pipelineIds: ['m'],
      consume: async (d: MetricsData) => {
        await gate;
        seen.push(d);
      },
      to: () => next as Consumer<'metrics'>,
    };
    const c = factory.create(testSettings('count', 'connector'), configOf(''), 'logs', 'metrics', next);
    await c.consume(logs([[{}, [{}]]])); // resolves although the pipeline has not answered
    expect(seen).toHaveLength(0);
    let stopped = false;
    const stopping = c.shutdown().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(seen).toHaveLength(1);
  });

  it('counts and logs what the metrics pipeline refuses; refuses new requests when too many counts are unanswered', async () => {
    const { c, out, metricsRegistry } = make('logs');
    out.failWith = permanentError('bad metric');
    await c.consume(logs([[{}, [{}, {}]]]));
    await c.shutdown();
    expect(await metricsRegistry.render()).toContain(
      'tsunagi_connector_emit_refused_metric_points_total{connector="count"} 1',
    );
    const hanging = {
      pipelineIds: ['m'],
      consume: () => new Promise<void>(() => {}),
      to: () => hanging as Consumer<'metrics'>,
    };
    const h = factory.create(testSettings('count', 'connector'), configOf(''), 'logs', 'metrics', hanging);
    for (let i = 0; i < MAX_IN_FLIGHT; i++) await h.consume(logs([[{}, [{}]]]));
    const err = (await h.consume(logs([[{}, [{}]]])).catch((e) => e)) as ConsumerError;
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
    expect(err.throttled).toBe(true);
  });

  it('a condition that fails to evaluate refuses the request permanently and counts nothing', async () => {
    const { c, out } = make('logs', `logs: {bad: {conditions: ['Substring(attributes["s"], 0, 5) == "x"']}}`);
    const err = (await c.consume(logs([[{}, [{ s: 'ab' }]]])).catch((e) => e)) as ConsumerError;
    expect(err.retryable).toBe(false);
    await c.shutdown();
    expect(out.received).toHaveLength(0);
  });

  it('keeps int and double attribute values; other types count as ""', async () => {
    const { c, out } = make('logs', `logs: {by.n: {attributes: [{key: n}]}}`);
    await c.consume(logs([[{}, [{ n: 3 }, { n: 2.5 }, { n: true }, { n: 'x' }]]]));
    expect(summary(out.received)['by.n'].map((p) => p.attrs.n)).toEqual([3, 2.5, '', 'x']);
    const emitted = allMetrics(out.received)[0].sum!.dataPoints.map((p) => p.attributes[0].value);
    expect(emitted[0]).toEqual({ intValue: 3n });
    expect(emitted[2]).toEqual(str(''));
  });
});
