// compactTraces/compactLogs (an OTLP exporter's memory queue keeps read scope lists as their
// encoding): the bytes sent afterwards must be exactly what encoding the objects gives (the
// slow path), the data must read the same, and lists nobody read must stay as they came.
import { describe, expect, it } from 'vitest';
import { itemAttribute, setItemAttribute } from '../pdata/attributes.js';
import { newResource } from '../pdata/create.js';
import { rawList } from '../pdata/lazy.js';
import type { LogRecord, LogsData, Span, TracesData } from '../pdata/types.js';
import {
  compactLogs,
  compactTraces,
  decodeLogs,
  decodeLogsLazy,
  decodeTraces,
  decodeTracesLazy,
  encodedLogsSize,
  encodedTracesSize,
  encodeLogs,
  encodeTraces,
} from './otlp-proto.js';
import { genLogs, genTraces } from './testing/fixtures.js';
import { normalize } from './testing/oracle.js';

const LONG = 'λ'.repeat(70_000); // multi-byte, and past every one-byte and two-byte length prefix

/** What processors do to items: reads, sets by key (new and existing keys), whole-field changes. */
function touch(item: Span | LogRecord, i: number): void {
  switch (i % 6) {
    case 0:
      itemAttribute(item, 'k0'); // read only
      break;
    case 1:
      setItemAttribute(item, 'env', { stringValue: 'prod' });
      break;
    case 2:
      setItemAttribute(item, 'user', { stringValue: 'ユーザー' });
      setItemAttribute(item, 'empty', { stringValue: '' });
      break;
    case 3:
      setItemAttribute(item, 'long', { stringValue: LONG });
      break;
    case 4:
      item.attributes = [];
      break;
    default:
      item.attributes.push({
        key: 'm',
        value: { kvlistValue: { values: [{ key: 'x', value: { intValue: -1n } }] } },
      });
  }
}

const spansOf = (d: TracesData) => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const recordsOf = (d: LogsData) =>
  d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));

describe('compactTraces', () => {
  it('keeps read scope lists as exactly the bytes encoding the objects gives, reading the same', () => {
    const d = decodeTracesLazy(encodeTraces(genTraces()));
    spansOf(d).forEach(touch);
    const slow = Buffer.from(encodeTraces(d));
    const before = normalize(d);
    expect(compactTraces(d)).toBe(slow.length);
    // the resource with scope entries is kept as bytes now (the one without has nothing to keep)
    expect(rawList(d.resourceSpans[0])).toHaveLength(1);
    expect(Buffer.from(encodeTraces(d)).equals(slow)).toBe(true);
    expect(encodedTracesSize(d)).toBe(slow.length);
    expect(normalize(d)).toEqual(before);
    expect(normalize(d)).toEqual(normalize(decodeTraces(slow)));
    // read again after compaction, changed again: still encoded exactly
    setItemAttribute(spansOf(d)[0], 'after', { boolValue: true });
    const again = Buffer.from(encodeTraces(d));
    expect(compactTraces(d)).toBe(again.length);
    expect(Buffer.from(encodeTraces(d)).equals(again)).toBe(true);
    expect(itemAttribute(spansOf(decodeTraces(again))[0], 'after')).toEqual({ boolValue: true });
  });

  it('leaves scope lists nobody read as they came', () => {
    const bytes = encodeTraces(genTraces());
    const d = decodeTracesLazy(bytes);
    const raws = d.resourceSpans.map((rs) => rawList(rs));
    expect(compactTraces(d)).toBe(bytes.length);
    expect(d.resourceSpans.map((rs) => rawList(rs))).toEqual(raws);
    d.resourceSpans.forEach((rs, i) => {
      expect(rawList(rs)).toBe(raws[i]);
    });
  });

  it('compacts plain (never wire) spans, empty lists and empty spans alike', () => {
    const d = genTraces();
    d.resourceSpans.push({ resource: newResource(), scopeSpans: [], schemaUrl: '' });
    const slow = Buffer.from(encodeTraces(d));
    const before = normalize(d);
    expect(compactTraces(d)).toBe(slow.length);
    expect(Buffer.from(encodeTraces(d)).equals(slow)).toBe(true);
    expect(normalize(d)).toEqual(before);
    expect(compactTraces({ resourceSpans: [] })).toBe(0);
  });

  it('matches the slow path on many requests of varied shape', () => {
    for (let seed = 0; seed < 20; seed++) {
      const src = genTraces();
      // vary the shape: drop spans, reorder scopes
      const sss = src.resourceSpans[0].scopeSpans;
      sss[0].spans = sss[0].spans.filter((_, i) => (i + seed) % 3 !== 0);
      if (seed % 2) sss.reverse();
      const d = decodeTracesLazy(encodeTraces(src));
      spansOf(d).forEach((s, i) => {
        if ((i + seed) % 4 !== 0) touch(s, i + seed);
      });
      const slow = Buffer.from(encodeTraces(d));
      expect(compactTraces(d)).toBe(slow.length);
      expect(Buffer.from(encodeTraces(d)).equals(slow)).toBe(true);
    }
  });
});

describe('compactLogs', () => {
  it('keeps read scope lists as exactly the bytes encoding the objects gives, reading the same', () => {
    const d = decodeLogsLazy(encodeLogs(genLogs()));
    recordsOf(d).forEach(touch);
    recordsOf(d)[1].body = { stringValue: 'changed body ✓' };
    const slow = Buffer.from(encodeLogs(d));
    const before = normalize(d);
    expect(compactLogs(d)).toBe(slow.length);
    expect(rawList(d.resourceLogs[0])).toHaveLength(1);
    expect(Buffer.from(encodeLogs(d)).equals(slow)).toBe(true);
    expect(encodedLogsSize(d)).toBe(slow.length);
    expect(normalize(d)).toEqual(before);
    expect(normalize(d)).toEqual(normalize(decodeLogs(slow)));
  });

  it('leaves scope lists nobody read as they came', () => {
    const bytes = encodeLogs(genLogs());
    const d = decodeLogsLazy(bytes);
    const raws = d.resourceLogs.map((rl) => rawList(rl));
    expect(compactLogs(d)).toBe(bytes.length);
    d.resourceLogs.forEach((rl, i) => {
      expect(rawList(rl)).toBe(raws[i]);
    });
  });

  it('compacts plain log records', () => {
    const d = genLogs();
    const slow = Buffer.from(encodeLogs(d));
    expect(compactLogs(d)).toBe(slow.length);
    expect(Buffer.from(encodeLogs(d)).equals(slow)).toBe(true);
    expect(normalize(d)).toEqual(normalize(decodeLogs(slow)));
  });
});
