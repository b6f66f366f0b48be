import { describe, expect, it } from 'vitest';
import { cloneData } from './clone.js';
import { countMetricPoints } from './count.js';
import { newResourceMetrics, newScope, newScopeMetrics } from './create.js';
import { defineLazyNumberPoints, numberPointColumns } from './lazy-points.js';
import type { MetricsData, NumberDataPoint, Sum } from './types.js';

function data(): { md: MetricsData; sum: Sum } {
  const sum: Sum = { dataPoints: [], aggregationTemporality: 2, isMonotonic: true };
  defineLazyNumberPoints(sum, {
    length: 2,
    attrs: [['code', '200', 'path', '/'], []],
    startTimeUnixNano: [1n, 2n],
    timeUnixNano: [10n, 20n],
    values: Float64Array.of(1.5, 99),
    flags: Uint8Array.of(0, 1),
  });
  const rm = newResourceMetrics();
  const sm = newScopeMetrics(newScope('s'));
  sm.metrics.push({ name: 'm', description: '', unit: '', sum, metadata: [] });
  rm.scopeMetrics.push(sm);
  const md: MetricsData = { resourceMetrics: [rm] };
  return { md, sum };
}

describe('number points kept as columns', () => {
  it('are counted without being made, and made on first read as the receiver makes them', () => {
    const { md, sum } = data();
    expect(countMetricPoints(md)).toBe(2);
    expect(numberPointColumns(sum)).toBeDefined();
    const expected: NumberDataPoint[] = [
      {
        attributes: [
          { key: 'code', value: { stringValue: '200' } },
          { key: 'path', value: { stringValue: '/' } },
        ],
        startTimeUnixNano: 1n,
        timeUnixNano: 10n,
        exemplars: [],
        flags: 0,
        asDouble: 1.5,
      },
      // no recorded value: no value at all
      { attributes: [], startTimeUnixNano: 2n, timeUnixNano: 20n, exemplars: [], flags: 1 },
    ];
    expect(sum.dataPoints).toEqual(expected);
    expect('asDouble' in sum.dataPoints[1]).toBe(false);
    // read once: the same (mutable) array from now on, and no columns left to encode from
    expect(numberPointColumns(sum)).toBeUndefined();
    sum.dataPoints[0].asDouble = 7;
    expect(sum.dataPoints[0].asDouble).toBe(7);
  });

  it('are replaced by an assignment, and a clone gets plain points', () => {
    const { md, sum } = data();
    const copy = cloneData('metrics', md);
    expect(copy.resourceMetrics[0].scopeMetrics[0].metrics[0].sum?.dataPoints).toHaveLength(2);
    sum.dataPoints = [];
    expect(numberPointColumns(sum)).toBeUndefined();
    expect(countMetricPoints(md)).toBe(0);
    expect(copy.resourceMetrics[0].scopeMetrics[0].metrics[0].sum?.dataPoints).toHaveLength(2);
  });
});
