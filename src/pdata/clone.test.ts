import { describe, expect, it } from 'vitest';
import { genLogs, genMetrics, genTraces } from '../codec/testing/fixtures.js';
import { cloneData } from './clone.js';
import type { Signal } from './signal.js';

describe.each([
  ['traces', genTraces],
  ['metrics', genMetrics],
  ['logs', genLogs],
] as [Signal, () => any][])('cloneData %s', (signal, gen) => {
  it('copies every field (same keys, same values, IDs shared)', () => {
    const d = gen();
    const c = cloneData(signal, d);
    expect(c).toStrictEqual(d);
    expect(c).not.toBe(d);
  });

  it('mutating the clone leaves the original untouched', () => {
    const d = gen();
    const before = structuredClone(d);
    const c: any = cloneData(signal, d);
    const top = c[Object.keys(c)[0]][0];
    top.resource.attributes[0].value.stringValue = 'changed';
    top.resource.attributes.push({ key: 'x', value: {} });
    top.schemaUrl = 'changed';
    expect(d).toStrictEqual(before);
  });
});
