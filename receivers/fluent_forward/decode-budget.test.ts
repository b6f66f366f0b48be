// The forward frame decoder runs under a decode budget (src/codec/decode-budget.ts)
// and a large map decodes in linear time.
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { DecodeBudget, DecodeLimitError } from '../../src/codec/decode-budget.js';
import { decodeEntries, decodeFrame } from './events.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const small = () => new DecodeBudget({ maxBytes: 4 * 1024 * 1024, maxItems: 1_000_000, maxDepth: 100 });

describe('forward frames under a decode budget', () => {
  it('a Forward frame of many empty records is refused once its decoded form passes the budget', () => {
    const entries = Array.from({ length: 50_000 }, () => [1_700_000_000, {}]);
    const frame = packr.pack(['tag', entries]);
    expect(decodeFrame(frame, 0, frame.length).kind).toBe('events');
    expect(() => decodeFrame(frame, 0, frame.length, false, small())).toThrow(DecodeLimitError);
  });

  it('PackedForward entries of many empty attributes are refused the same way', () => {
    const record: Record<string, null> = {};
    for (let i = 0; i < 100_000; i++) record[`k${i}`] = null;
    const raw = packr.pack([1_700_000_000, record]);
    expect(() => decodeEntries(raw, 'tag', small())).toThrow(DecodeLimitError);
  });

  it('a record of 200k distinct keys decodes (a key lookup per key was quadratic: minutes)', () => {
    const record: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) record[`key-${i}`] = i;
    record['key-7'] = -1;
    const frame = packr.pack(['tag', 1_700_000_000, record]);
    const f = decodeFrame(frame, 0, frame.length);
    if (f.kind !== 'events') throw new Error('expected events');
    const attrs = f.records[0].attributes;
    expect(attrs.length).toBe(200_001); // + fluent.tag
    expect(attrs.find((a) => a.key === 'key-7')?.value).toEqual({ intValue: -1n });
  });
});
