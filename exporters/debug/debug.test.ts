import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { str } from '../../src/pdata/attributes.js';
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
import { idFromHex } from '../../src/pdata/ids.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import { testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { DebugExporter } from './exporter.js';
import { factory } from './factory.js';
import { Sampler } from './sampler.js';
import { goTime } from './text.js';

function traces(): TracesData {
  const res = newResource();
  res.attributes.push({ key: 'service.name', value: str('checkout') });
  const rs = newResourceSpans(res);
  const ss = newScopeSpans(newScope('lib', '1.2'));
  const s = newSpan();
  s.name = 'GET /cart';
  s.kind = 2;
  s.traceId = idFromHex('0102030405060708090a0b0c0d0e0f10', 16)!;
  s.spanId = idFromHex('1112131415161718', 8)!;
  s.startTimeUnixNano = 1581452772000000321n;
  s.attributes.push({ key: 'http.status_code', value: { intValue: 200n } });
  ss.spans.push(s);
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

function logs(): LogsData {
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  const r = newLogRecord();
  r.body = str('hello world');
  r.severityNumber = 9;
  r.severityText = 'INFO';
  sl.logRecords.push(r);
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function capturingSettings() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  const settings = { ...testSettings('debug', 'exporter'), logger: pino({ base: undefined }, stream) };
  return { settings, lines };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('debug exporter', () => {
  it('accepts the collector fixture; defaults are the collector defaults', () => {
    const raw = parse(readFileSync(`${CONFORMANCE_DIR}collector-configs/debugexporter.yaml`, 'utf8'));
    expect(factory.configSchema.parse(raw)).toMatchObject({
      verbosity: 'detailed',
      sampling_initial: 10,
      sampling_thereafter: 50,
      use_internal_logger: false,
    });
    expect(factory.configSchema.parse({})).toEqual({
      verbosity: 'basic',
      sampling_initial: 2,
      sampling_thereafter: 1,
      use_internal_logger: true,
    });
    expect(() => factory.configSchema.parse({ verbosity: 'loud' })).toThrow();
  });

  it('basic: one summary line per batch through the component logger', async () => {
    const { settings, lines } = capturingSettings();
    const e = factory.create(settings, factory.configSchema.parse({}), ['traces', 'logs']);
    await e.start({ getExtension: () => undefined });
    await e.consume('traces', traces());
    await e.consume('logs', logs());
    await until(() => lines.length === 2);
    expect(
      lines.map((l) => [l.msg, l['resource spans'] ?? l['resource logs'], l.spans ?? l['log records']]),
    ).toEqual([
      ['Traces', 1, 1],
      ['Logs', 1, 1],
    ]);
    await e.shutdown();
  });

  it('detailed: the full data in the collector-like layout', async () => {
    const out: string[] = [];
    const e = new DebugExporter(
      testSettings('debug', 'exporter'),
      factory.configSchema.parse({ verbosity: 'detailed', use_internal_logger: false }),
      [(t) => out.push(t)],
    );
    await e.consume('traces', traces());
    const text = out.join('');
    expect(text).toContain('Traces\t{"resource spans":1,"spans":1}');
    expect(text).toContain('ResourceSpans #0');
    expect(text).toContain('     -> service.name: Str(checkout)');
    expect(text).toContain('InstrumentationScope lib 1.2');
    expect(text).toContain('    Trace ID       : 0102030405060708090a0b0c0d0e0f10');
    expect(text).toContain('    Kind           : Server');
    expect(text).toContain('    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC');
    expect(text).toContain('     -> http.status_code: Int(200)');
    out.length = 0;
    await e.consume('logs', logs());
    expect(out.join('')).toMatch(/SeverityNumber: Info\(9\)\nBody: Str\(hello world\)/);
  });

  it('normal: one compact line per item', async () => {
    const out: string[] = [];
    const e = new DebugExporter(
      testSettings('debug', 'exporter'),
      factory.configSchema.parse({ verbosity: 'normal', use_internal_logger: false }),
      [(t) => out.push(t)],
    );
    await e.consume('traces', traces());
    expect(out.join('').split('\n')).toContain(
      'GET /cart 0102030405060708090a0b0c0d0e0f10 1112131415161718 http.status_code=200',
    );
  });

  it('samples like zap: first N per second, then every Mth', () => {
    let now = 0;
    const s = new Sampler(2, 3, () => now);
    const got = Array.from({ length: 8 }, () => s.allow());
    expect(got).toEqual([true, true, false, false, true, false, false, true]);
    now = 1000;
    expect(s.allow()).toBe(true);
    expect(goTime(0n)).toBe('1970-01-01 00:00:00.000000000 +0000 UTC');
  });
});
