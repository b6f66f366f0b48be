import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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
} from '../../src/pdata/create.js';
import type { KeyValue, LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const fixture = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/attributesprocessor.yaml`, 'utf8'),
) as Record<string, unknown>;

const attrs = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

function spansOf(service: string, spans: { name: string; attrs: Record<string, unknown> }[]): TracesData {
  const res = newResource();
  res.attributes.push({ key: 'service.name', value: str(service) });
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('lib', '1.0'));
  for (const s of spans) {
    const span = newSpan();
    span.name = s.name;
    span.attributes = attrs(s.attrs);
    ss.spans.push(span);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

async function processTraces(cfgName: string, data: TracesData) {
  const next = new CollectingConsumer<'traces'>();
  const p = factory.create(
    testSettings(cfgName, 'processor'),
    factory.configSchema.parse(fixture[cfgName]),
    'traces',
    next,
  );
  await p.consume(data);
  return next.received[0].resourceSpans.flatMap((rs) =>
    rs.scopeSpans[0].spans.map((s) => plain(s.attributes)),
  );
}

describe('attributes processor', () => {
  it('accepts every entry of the collector fixture', () => {
    for (const [id, cfg] of Object.entries(fixture)) {
      const r = factory.configSchema.safeParse(cfg);
      expect(r.success, `${id}: ${r.success ? '' : r.error.message}`).toBe(true);
    }
  });

  it('applies the "complex" example in order', async () => {
    const out = await processTraces(
      'attributes/complex',
      spansOf('svc', [
        { name: 's1', attrs: { timeout: 10, 'svc.operation': 'addition', operation: 'addition' } },
        { name: 's2', attrs: { operation: 'subtract', math_value: 123 } },
        { name: 's3', attrs: { timeout: 10, math_value: 4 } },
      ]),
    );
    expect(out).toEqual([
      { timeout: 10, 'svc.operation': 'addition' },
      { 'svc.operation': 'subtract', math_value: 123 },
      { timeout: 10, math_value: 4, 'svc.operation': 'default' },
    ]);
  });

  it('excludes records that match every exclude property (excludemulti example)', async () => {
    const mk = (service: string, a: Record<string, unknown>) => spansOf(service, [{ name: 'x', attrs: a }]);
    const data: TracesData = {
      resourceSpans: [
        ...mk('svcB', { env: 'dev', test_request: 123, credit_card: 1234 }).resourceSpans,
        ...mk('svcB', { env: 1, test_request: 'dev', credit_card: 1234 }).resourceSpans,
        ...mk('svcC', { env: 'dev', test_request: false, credit_card: 1 }).resourceSpans,
      ],
    };
    const out = await processTraces('attributes/excludemulti', data);
    expect(out.map((a) => 'credit_card' in a)).toEqual([true, false, false]);
  });

  it('include by regexp service and exclude by regexp span name (regexp example)', async () => {
    const data: TracesData = {
      resourceSpans: [
        ...spansOf('auth-svc', [
          { name: 'login-user', attrs: { password: 'p', token: 't' } },
          { name: 'refresh', attrs: { password: 'p', token: 't' } },
        ]).resourceSpans,
        ...spansOf('billing', [{ name: 'refresh', attrs: { password: 'p', token: 't' } }]).resourceSpans,
      ],
    };
    const next = new CollectingConsumer<'traces'>();
    const p = factory.create(
      testSettings('a', 'processor'),
      factory.configSchema.parse(fixture['attributes/regexp']),
      'traces',
      next,
    );
    await p.consume(data);
    const out = next.received[0].resourceSpans.flatMap((rs) =>
      rs.scopeSpans[0].spans.map((s) => plain(s.attributes)),
    );
    expect(out).toEqual([
      { password: 'p', token: 't' },
      { password: 'obfuscated' },
      { password: 'p', token: 't' },
    ]);
  });

  it('strict attribute values compare by type (selectiveprocessing example)', async () => {
    const out = await processTraces(
      'attributes/selectiveprocessing',
      spansOf('svcB', [
        { name: 'a', attrs: { credit_card: 1, redact_trace: 'false' } },
        { name: 'b', attrs: { credit_card: 1, redact_trace: false } },
      ]),
    );
    expect(out).toEqual([{ redact_trace: 'false' }, { credit_card: 1, redact_trace: false }]);
  });

  it('matches logs by body and severity and edits log attributes', async () => {
    const rl = newResourceLogs();
    const sl = newScopeLogs();
    for (const [body, sev, sevText] of [
      ['AUTH ok', 9, 'info'],
      ['other', 5, 'debug'],
      ['AUTH bad', 0, ''],
    ] as const) {
      const r = newLogRecord();
      r.body = str(body);
      r.severityNumber = sev;
      r.severityText = sevText;
      r.attributes = attrs({ password: 'p', token: 't' });
      sl.logRecords.push(r);
    }
    rl.scopeLogs.push(sl);
    const data: LogsData = { resourceLogs: [rl] };
    const next = new CollectingConsumer<'logs'>();
    const cfg = factory.configSchema.parse({
      include: {
        match_type: 'regexp',
        log_bodies: ['AUTH.*'],
        log_severity_number: { min: 'INFO', match_undefined: false },
      },
      actions: [{ key: 'token', action: 'delete' }],
    });
    await factory.create(testSettings('a', 'processor'), cfg, 'logs', next).consume(data);
    expect(
      next.received[0].resourceLogs[0].scopeLogs[0].logRecords.map((r) => 'token' in plain(r.attributes)),
    ).toEqual([false, true, true]);
  });

  it('edits metric data point attributes, filtered by metric name', async () => {
    const rm = newResourceMetrics();
    const sm = newScopeMetrics();
    const pt = () => ({
      attributes: attrs({ a: '1' }),
      startTimeUnixNano: 0n,
      timeUnixNano: 0n,
      asInt: 1n,
      exemplars: [],
      flags: 0,
    });
    sm.metrics.push({
      name: 'http.requests',
      description: '',
      unit: '',
      metadata: [],
      gauge: { dataPoints: [pt(), pt()] },
    });
    sm.metrics.push({
      name: 'other',
      description: '',
      unit: '',
      metadata: [],
      gauge: { dataPoints: [pt()] },
    });
    rm.scopeMetrics.push(sm);
    const data: MetricsData = { resourceMetrics: [rm] };
    const next = new CollectingConsumer<'metrics'>();
    const cfg = factory.configSchema.parse({
      include: { match_type: 'strict', metric_names: ['http.requests'] },
      actions: [{ key: 'a', action: 'convert', converted_type: 'int' }],
    });
    await factory.create(testSettings('a', 'processor'), cfg, 'metrics', next).consume(data);
    const got = next.received[0].resourceMetrics[0].scopeMetrics[0].metrics.map((m) =>
      m.gauge?.dataPoints.map((p) => p.attributes[0].value),
    );
    expect(got).toEqual([[{ intValue: 1n }, { intValue: 1n }], [{ stringValue: '1' }]]);
  });

  it('refuses matcher properties that do not apply to the signal, and an empty action list', () => {
    const cfg = factory.configSchema.parse({
      include: { match_type: 'strict', span_names: ['x'] },
      actions: [{ key: 'a', action: 'delete' }],
    });
    expect(() =>
      factory.create(testSettings('a', 'processor'), cfg, 'logs', new CollectingConsumer()),
    ).toThrow(/span_names/);
    expect(() => factory.configSchema.parse({})).toThrow(/actions/);
  });
});
