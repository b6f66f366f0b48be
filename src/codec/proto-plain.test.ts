// A record that keeps its parser's plain attribute map must encode to exactly
// the bytes of the same record with the map converted by toKeyValues(), and
// any change made through `attributes` must be what gets encoded.
import { describe, expect, it } from 'vitest';
import { newLogRecord, newResource, newResourceLogs, newScope, newScopeLogs } from '../pdata/create.js';
import { PlainLogRecord, plainAttributes, toKeyValues } from '../pdata/plain-record.js';
import type { LogRecord, LogsData } from '../pdata/types.js';
import { decodeLogs, encodeLogs } from './otlp-proto.js';

function logsOf(records: LogRecord[]): LogsData {
  const rl = newResourceLogs(newResource());
  const sl = newScopeLogs(newScope('s'));
  sl.logRecords = records;
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

function plainRecord(m: Record<string, unknown>): PlainLogRecord {
  const r = new PlainLogRecord(m);
  r.timeUnixNano = 1_700_000_000_123_456_789n;
  r.body = { stringValue: 'line' };
  return r;
}

function convertedRecord(m: Record<string, unknown>): LogRecord {
  const r = newLogRecord();
  r.timeUnixNano = 1_700_000_000_123_456_789n;
  r.body = { stringValue: 'line' };
  r.attributes = toKeyValues(m);
  return r;
}

// A small deterministic generator of the values JSON and the stanza operators produce.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const STRINGS = [
  '',
  'a',
  'GET /api/orders',
  'ünïcödé ✓',
  '日本語のログ',
  'x'.repeat(40),
  '\u{1F600} emoji',
  'lone \ud800',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  127,
  128,
  200,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  2 ** 53,
  1.5,
  -0.25,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1e300,
];
function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 2 ? 7 : 10));
  switch (k) {
    case 0:
      return STRINGS[Math.floor(r() * STRINGS.length)];
    case 1:
      return NUMBERS[Math.floor(r() * NUMBERS.length)];
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return [2n ** 63n - 1n, -(2n ** 63n), 0n, 5n][Math.floor(r() * 4)];
    case 5:
      return new Uint8Array([1, 2, 3, 255].slice(0, Math.floor(r() * 5)));
    case 6:
      return r() < 0.5 ? undefined : 'defined';
    case 7:
    case 8:
      return map(r, depth + 1);
    default:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  }
}
function map(r: () => number, depth: number): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++)
    m[i === 0 && r() < 0.2 ? '' : `${STRINGS[Math.floor(r() * STRINGS.length)]}${i}`] = value(r, depth);
  return m;
}

describe('plain attribute maps', () => {
  it('encode byte for byte as the converted KeyValue list, for 3000 generated maps', () => {
    const r = rng(42);
    for (let i = 0; i < 3000; i++) {
      const m = map(r, 0);
      const plain = encodeLogs(logsOf([plainRecord(m)]));
      const converted = encodeLogs(logsOf([convertedRecord(m)]));
      expect(
        Buffer.from(plain).equals(Buffer.from(converted)),
        JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).toBe(true);
    }
  });

  it('encode a typical parsed line, and decode to the same attributes', () => {
    const m = {
      'log.file.path': '/var/log/pods/a_b_c/app/0.log',
      'log.iostream': 'stdout',
      level: 'info',
      status: 200,
      latency: 1.5,
      ok: true,
      nested: { a: [1, 'x'] },
      gone: undefined,
    };
    const d = decodeLogs(encodeLogs(logsOf([plainRecord(m)])));
    expect(d.resourceLogs[0].scopeLogs[0].logRecords[0].attributes).toEqual(toKeyValues(m));
    expect(toKeyValues(m).map((kv) => kv.key)).not.toContain('gone');
  });

  it('convert on first read; a change made through attributes is what is encoded', () => {
    const rec = plainRecord({ level: 'info', user: 'alice' });
    expect(plainAttributes(rec)).toBeDefined();
    const attrs = rec.attributes;
    expect(attrs).toEqual([
      { key: 'level', value: { stringValue: 'info' } },
      { key: 'user', value: { stringValue: 'alice' } },
    ]);
    expect(plainAttributes(rec)).toBeUndefined();
    expect(rec.attributes).toBe(attrs); // one conversion, then the list itself
    attrs.splice(1, 1);
    attrs.push({ key: 'tenant', value: { stringValue: 't1' } });
    const got = decodeLogs(encodeLogs(logsOf([rec]))).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(got.attributes.map((kv) => kv.key)).toEqual(['level', 'tenant']);

    const replaced = plainRecord({ a: 1 });
    replaced.attributes = [{ key: 'b', value: { boolValue: true } }];
    const got2 = decodeLogs(encodeLogs(logsOf([replaced]))).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(got2.attributes).toEqual([{ key: 'b', value: { boolValue: true } }]);
  });
});
