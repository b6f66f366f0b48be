import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/proto-traces.js';
import { ConsumerError } from '../../src/component/errors.js';
import { fromAnyValue, str, toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceSpans,
  newScope,
  newScopeLogs,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import { rawList } from '../../src/pdata/lazy.js';
import type { KeyValue, LogsData, TracesData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const fixture = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/transformprocessor.yaml`, 'utf8'),
) as Record<string, unknown>;

const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

function traces(spans: { name: string; attrs?: Record<string, unknown> }[]): TracesData {
  const res = newResource();
  res.attributes.push({ key: 'service.name', value: str('svc') });
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('lib', '1.0'));
  for (const s of spans) {
    const span = newSpan();
    span.name = s.name;
    span.attributes = Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: toAnyValue(v) }));
    ss.spans.push(span);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

function logs(bodies: string[]): LogsData {
  const rl = newResourceLogs(newResource());
  const sl = newScopeLogs(newScope());
  for (const b of bodies) {
    const r = newLogRecord();
    r.body = { stringValue: b };
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function create<S extends 'traces' | 'logs' | 'metrics'>(cfg: unknown, signal: S) {
  const next = new CollectingConsumer<S>();
  const p = factory.create(
    testSettings('transform', 'processor'),
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

describe('transform config', () => {
  it('accepts the valid entries of the collector fixture', () => {
    for (const id of [
      'transform',
      'transform/with_conditions',
      'transform/ignore_errors',
      'transform/structured_configuration_with_path_context',
      'transform/structured_configuration_with_inferred_context',
      'transform/flat_configuration',
      'transform/with_shared_cache_key',
      'transform/context_statements_error_mode',
    ])
      expect(issues(fixture[id]), id).toEqual([]);
  });

  it('rejects the invalid entries with the YAML path and column', () => {
    expect(issues(fixture['transform/bad_syntax_log'])).toEqual([
      'log_statements::0::statements::0: column 18: expected "," or ")", found "where"',
    ]);
    expect(issues(fixture['transform/bad_syntax_multi_signal'])).toHaveLength(3);
    expect(issues(fixture['transform/unknown_function_trace'])).toEqual([
      'trace_statements::0::statements::1: column 1: undefined function "not_a_function"',
    ]);
    expect(issues(fixture['transform/unknown_context'])[0]).toMatch(
      /trace_statements::0::context: unknown context test/,
    );
    expect(issues(fixture['transform/unknown_error_mode'])[0]).toMatch(/error_mode: unknown error mode test/);
    expect(issues(fixture['transform/mixed_configuration_styles'])[0]).toMatch(
      /trace_statements: configuring multiple configuration styles is not supported/,
    );
  });

  it('names the flat statement that fails and its column', () => {
    expect(
      issues({ log_statements: ['set(log.body, "a")', 'set(log.attributes["x"], Concat(["a"] "-"))'] }),
    ).toEqual(['log_statements::1: column 39: expected "," or ")", found "\\"-\\""']);
    expect(issues({ trace_statements: ['set(attributes["x"], "y")'] })[0]).toMatch(/unable to infer context/);
    expect(issues({ trace_statements: ['set(log.body, "y")'] })[0]).toMatch(
      /context "log" cannot be used here/,
    );
    expect(issues({ trace_statements: [{ context: 'log', statements: ['set(body, "y")'] }] })[0]).toMatch(
      /context "log" is not valid here/,
    );
    expect(issues({ flatten_data: true })[0]).toMatch(/feature gate/);
    expect(issues({ nope: 1 })[0]).toMatch(/nope/);
  });
});

describe('transform processor', () => {
  it('runs the flat statements of the fixture', async () => {
    const { p, next } = create(fixture['transform/flat_configuration'], 'traces');
    await p.consume(traces([{ name: 'a', attrs: { 'http.path': '/animal' } }, { name: 'b' }]));
    const rs = next.received[0].resourceSpans[0];
    expect(rs.scopeSpans[0].spans.map((s) => s.name)).toEqual(['bear', 'b']);
    expect(plain(rs.resource.attributes).name).toBe('bear');
  });

  it('applies group conditions (ORed) before the statements', async () => {
    const { p, next } = create(
      {
        trace_statements: [
          {
            context: 'span',
            conditions: ['attributes["http.path"] == "/animal"', 'name == "other"'],
            statements: ['set(name, "bear")', 'set(attributes["seen"], true)'],
          },
        ],
      },
      'traces',
    );
    await p.consume(
      traces([{ name: 'a', attrs: { 'http.path': '/animal' } }, { name: 'other' }, { name: 'c' }]),
    );
    const spans = next.received[0].resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((s) => [s.name, plain(s.attributes).seen])).toEqual([
      ['bear', true],
      ['bear', true],
      ['c', undefined],
    ]);
  });

  it('error_mode propagate rejects the request as retryable; ignore goes on', async () => {
    const cfg = (mode: string) => ({
      error_mode: mode,
      log_statements: ['set(log.attributes["x"], ParseJSON(log.body))', 'set(log.attributes["after"], 1)'],
    });
    const bad = logs(['not json']);
    const { p } = create(cfg('propagate'), 'logs');
    const err = await p.consume(bad).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(true);
    expect((err as Error).message).toMatch(
      /failed to execute statement: set\(log.attributes\["x"\], ParseJSON\(log.body\)\)/,
    );
    const ok = create(cfg('ignore'), 'logs');
    await ok.p.consume(logs(['not json']));
    expect(plain(ok.next.received[0].resourceLogs[0].scopeLogs[0].logRecords[0].attributes)).toEqual({
      after: 1,
    });
  });

  it('resource-only statements leave lazily decoded spans undecoded', async () => {
    const data = decodeTracesLazy(encodeTraces(traces([{ name: 'a' }, { name: 'b' }])));
    const { p, next } = create(
      {
        trace_statements: [
          {
            statements: [
              'set(resource.attributes["env"], "prod") where resource.attributes["service.name"] == "svc"',
            ],
          },
          { context: 'span', statements: ['set(resource.attributes["spans"], "seen")'] },
        ],
      },
      'traces',
    );
    await p.consume(data);
    const rs = next.received[0].resourceSpans[0];
    expect(rawList(rs)).toBeDefined(); // still the wire bytes
    expect(plain(rs.resource.attributes)).toMatchObject({ env: 'prod', spans: 'seen' });
    expect(rs.scopeSpans[0].spans).toHaveLength(2);
  });

  it('a cache is per item unless shared_cache', async () => {
    const { p, next } = create(
      {
        log_statements: [
          { statements: ['set(log.cache["n"], log.body)'], shared_cache: true },
          { statements: ['set(log.attributes["from_shared"], log.cache["n"])'], shared_cache: true },
          { statements: ['set(log.attributes["own"], log.cache["n"])'] },
        ],
      },
      'logs',
    );
    await p.consume(logs(['one', 'two']));
    const recs = next.received[0].resourceLogs[0].scopeLogs[0].logRecords;
    expect(recs.map((r) => plain(r.attributes))).toEqual([{ from_shared: 'two' }, { from_shared: 'two' }]);
  });
});
