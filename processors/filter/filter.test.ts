import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeLogsLazy, encodeLogs } from '../../src/codec/proto-logs.js';
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
import { rawList } from '../../src/pdata/lazy.js';
import type { LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const fixture = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/filterprocessor.yaml`, 'utf8'),
) as Record<string, unknown>;

const kv = (o: Record<string, unknown>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));

function traces(
  services: [string, { name: string; attrs?: Record<string, unknown>; events?: string[] }[]][],
): TracesData {
  return {
    resourceSpans: services.map(([svc, spans]) => {
      const res = newResource();
      res.attributes.push({ key: 'service.name', value: str(svc) });
      const rs = newResourceSpans(res);
      const ss = newScopeSpans(newScope('lib'));
      for (const s of spans) {
        const span = newSpan();
        span.name = s.name;
        span.attributes = kv(s.attrs ?? {});
        for (const e of s.events ?? []) {
          const ev = newSpanEvent();
          ev.name = e;
          span.events.push(ev);
        }
        ss.spans.push(span);
      }
      rs.scopeSpans.push(ss);
      return rs;
    }),
  };
}

function logs(
  records: { body: string; sev?: number; attrs?: Record<string, unknown> }[],
  host = 'h1',
): LogsData {
  const rl = newResourceLogs(newResource());
  rl.resource.attributes = kv({ 'host.name': host });
  const sl = newScopeLogs(newScope());
  for (const r of records) {
    const l = newLogRecord();
    l.body = { stringValue: r.body };
    l.severityNumber = r.sev ?? 0;
    l.attributes = kv(r.attrs ?? {});
    sl.logRecords.push(l);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function metrics(): MetricsData {
  const rm = newResourceMetrics(newResource());
  const sm = newScopeMetrics(newScope());
  for (const name of ['keep', 'drop.me', 'points']) {
    sm.metrics.push({
      name,
      description: '',
      unit: '',
      metadata: [],
      gauge: {
        dataPoints: ['a', 'b'].map((t) => ({
          attributes: kv({ t }),
          startTimeUnixNano: 0n,
          timeUnixNano: 0n,
          asInt: 1n,
          exemplars: [],
          flags: 0,
        })),
      },
    });
  }
  rm.scopeMetrics.push(sm);
  return { resourceMetrics: [rm] };
}

function create<S extends 'traces' | 'logs' | 'metrics'>(cfg: unknown, signal: S) {
  const next = new CollectingConsumer<S>();
  const p = factory.create(
    testSettings('filter', 'processor'),
    factory.configSchema.parse(cfg),
    signal,
    next,
  );
  return { p, next };
}

const issues = (cfg: unknown) => {
  const r = factory.configSchema.safeParse(cfg);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('::')}: ${i.message}`);
};

describe('filter config', () => {
  it('accepts the OTTL entries of the collector fixture and rejects the bad ones with path and column', () => {
    expect(issues(fixture['filter/ottl'])).toEqual([]);
    expect(issues(fixture['filter/multiline'])).toEqual([]);
    expect(issues(fixture['filter/bad_syntax_span'])).toEqual([
      'traces::span::0: column 12: unknown path "test" for context "span"',
    ]);
    expect(issues(fixture['filter/bad_syntax_log'])[0]).toMatch(/^logs::log_record::0: column 12: /);
    expect(issues(fixture['filter/spans_mix_config'])[0]).toMatch(
      /cannot use "traces.resource", "traces.span"/,
    );
    expect(issues(fixture['filter/logs_mix_config'])[0]).toMatch(/cannot use "logs.resource", "logs.log"/);
    expect(issues(fixture['filter/metrics_mix_config']).join('\n')).toMatch(/expr.*not supported/);
  });

  it('checks the inferred and legacy forms', () => {
    expect(
      issues({ trace_conditions: ['span.name == "x"', { conditions: ['span.name == "y"'] }] })[0],
    ).toMatch(/multiple configuration styles/);
    expect(issues({ log_conditions: ['log.body == "x"', 'log.body =='] })[0]).toMatch(
      /^log_conditions::1: column 12: expected a value/,
    );
    expect(issues({ trace_conditions: ['name == "x"'] })[0]).toMatch(/unable to infer context/);
    expect(issues({ logs: { include: { severity_number: { min: 'LOUD' } } } })[0]).toMatch(
      /'LOUD' is not a valid severity/,
    );
    expect(issues({ logs: { include: { bodies: ['x'] } } })[0]).toMatch(/unrecognized match_type/);
    expect(issues({ spans: { include: { match_type: 'strict' } } })[0]).toMatch(/at least one of/);
    expect(issues({ error_mode: 'loud' })[0]).toMatch(/unknown error mode loud/);
  });
});

describe('filter processor', () => {
  it('drops spans and span events by OTTL conditions and removes empty containers', async () => {
    const { p, next } = create(
      {
        traces: {
          span: ['attributes["http.route"] == "/health"'],
          spanevent: ['name == "noise"'],
        },
      },
      'traces',
    );
    await p.consume(
      traces([
        ['a', [{ name: 'GET /health', attrs: { 'http.route': '/health' } }]],
        ['b', [{ name: 'GET /x', attrs: { 'http.route': '/x' }, events: ['noise', 'exception'] }]],
      ]),
    );
    const out = next.received[0];
    expect(out.resourceSpans).toHaveLength(1);
    const span = out.resourceSpans[0].scopeSpans[0].spans[0];
    expect([span.name, span.events.map((e) => e.name)]).toEqual(['GET /x', ['exception']]);
  });

  it('accepts without calling the next consumer when everything is dropped', async () => {
    const { p, next } = create({ trace_conditions: ['span.name != ""'] }, 'traces');
    await p.consume(traces([['a', [{ name: 'x' }]]]));
    expect(next.received).toHaveLength(0);
  });

  it('infers each condition of trace_conditions separately', async () => {
    const { p, next } = create(
      { trace_conditions: ['resource.attributes["service.name"] == "a"', 'span.name == "drop"'] },
      'traces',
    );
    await p.consume(
      traces([
        ['a', [{ name: 'x' }]],
        ['b', [{ name: 'drop' }, { name: 'keep' }]],
      ]),
    );
    const rs = next.received[0].resourceSpans;
    expect(rs.map((r) => r.scopeSpans[0].spans.map((s) => s.name))).toEqual([['keep']]);
  });

  it('log conditions: debug logs dropped; resource-only conditions do not decode records', async () => {
    const { p, next } = create({ logs: { log_record: ['severity_number < SEVERITY_NUMBER_INFO'] } }, 'logs');
    await p.consume(
      logs([
        { body: 'dbg', sev: 5 },
        { body: 'info', sev: 9 },
      ]),
    );
    expect(next.received[0].resourceLogs[0].scopeLogs[0].logRecords.map((l) => fromAnyValue(l.body))).toEqual(
      ['info'],
    );

    const lazy = create({ log_conditions: ['resource.attributes["host.name"] == "h2"'] }, 'logs');
    const keep = decodeLogsLazy(encodeLogs(logs([{ body: 'a' }], 'h1')));
    await lazy.p.consume(keep);
    expect(rawList(lazy.next.received[0].resourceLogs[0])).toBeDefined();
    await lazy.p.consume(decodeLogsLazy(encodeLogs(logs([{ body: 'a' }], 'h2'))));
    expect(lazy.next.received).toHaveLength(1);
  });

  it('legacy logs include/exclude: severity_number min, bodies, record attributes', async () => {
    const { p, next } = create(
      {
        logs: {
          include: { severity_number: { min: 'INFO', match_undefined: true } },
          exclude: { match_type: 'regexp', bodies: ['^healthz'] },
        },
      },
      'logs',
    );
    await p.consume(
      logs([
        { body: 'debug', sev: 5 },
        { body: 'undefined sev' },
        { body: 'healthz ok', sev: 9 },
        { body: 'error', sev: 17 },
      ]),
    );
    expect(next.received[0].resourceLogs[0].scopeLogs[0].logRecords.map((l) => fromAnyValue(l.body))).toEqual(
      ['undefined sev', 'error'],
    );
  });

  it('legacy spans include/exclude with services and span names', async () => {
    const { p, next } = create(
      {
        spans: {
          include: { match_type: 'strict', services: ['a', 'b'] },
          exclude: { match_type: 'regexp', span_names: ['^GET /health'] },
        },
      },
      'traces',
    );
    await p.consume(
      traces([
        ['a', [{ name: 'GET /health' }, { name: 'GET /users' }]],
        ['c', [{ name: 'GET /users' }]],
      ]),
    );
    expect(next.received[0].resourceSpans.map((r) => r.scopeSpans[0].spans.map((s) => s.name))).toEqual([
      ['GET /users'],
    ]);
  });

  it('metrics: metric and datapoint conditions; a metric without points left is dropped', async () => {
    const { p, next } = create(
      { metrics: { metric: ['name == "drop.me"'], datapoint: ['metric.name == "points"'] } },
      'metrics',
    );
    await p.consume(metrics());
    expect(next.received[0].resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual(['keep']);
    const legacy = create(
      { metrics: { exclude: { match_type: 'regexp', metric_names: ['^drop\\.'] } } },
      'metrics',
    );
    await legacy.p.consume(metrics());
    expect(legacy.next.received[0].resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual([
      'keep',
      'points',
    ]);
  });

  it('error_mode ignore treats a failing condition as false; propagate rejects', async () => {
    const cond = ['Int(log.body) > 1 and ParseJSON(log.body)["x"] == 1'];
    const ignore = create({ error_mode: 'ignore', logs: { log_record: cond } }, 'logs');
    await ignore.p.consume(logs([{ body: '5' }]));
    expect(ignore.next.received).toHaveLength(1);
    const prop = create({ error_mode: 'propagate', logs: { log_record: cond } }, 'logs');
    await expect(prop.p.consume(logs([{ body: '5' }]))).rejects.toThrow(/failed to eval condition/);
  });
});
