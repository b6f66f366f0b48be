import { describe, expect, it } from 'vitest';
import type { Host } from '../component/component.js';
import { countMetricPoints } from '../pdata/count.js';
import { newResourceMetrics, newScopeMetrics } from '../pdata/create.js';
import type { MetricsData, TracesData } from '../pdata/types.js';
import { mergeData, splitData } from './batch-data.js';
import { createQueuedExporter, type SendFunctions, sendingQueueSchema } from './index.js';
import { captureLogger, helperConfig, settingsWith, spanNames, traces, waitFor } from './testing/helpers.js';

const noHost: Host = { getExtension: () => undefined };

function recorder() {
  const received: string[][] = [];
  const fns: SendFunctions = {
    async send(_s, d) {
      received.push(spanNames(d as TracesData));
    },
  };
  return { fns, received };
}

function gauge(name: string, points: number) {
  return {
    name,
    description: '',
    unit: '',
    metadata: [],
    gauge: {
      dataPoints: Array.from({ length: points }, (_, i) => ({ asDouble: i }) as never),
    },
  };
}

describe('batch data', () => {
  it('splits traces at max items and merges back to the same spans', () => {
    const d = mergeData('traces', [traces('a', 'b', 'c'), traces('d', 'e')]);
    const parts = splitData('traces', d, 2);
    expect(parts.map(spanNames)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('splits metrics by data points, cutting a metric when needed', () => {
    const rm = newResourceMetrics();
    const sm = newScopeMetrics();
    sm.metrics.push(gauge('m1', 3), gauge('m2', 4));
    rm.scopeMetrics.push(sm);
    const d: MetricsData = { resourceMetrics: [rm] };
    const parts = splitData('metrics', d, 3);
    expect(parts.map(countMetricPoints)).toEqual([3, 3, 1]);
    expect(parts[1].resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual(['m2']);
  });
});

describe('sending_queue.batch', () => {
  it('merges queued requests up to min_size into one send', async () => {
    const r = recorder();
    const exp = createQueuedExporter(
      settingsWith('b', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 1, batch: { min_size: 5, flush_timeout: '5s' } } }),
      ['traces'],
      r.fns,
    );
    await exp.start(noHost);
    for (const n of ['1', '2', '3', '4', '5']) await exp.consume('traces', traces(n));
    await waitFor(() => r.received.flat().length === 5);
    await exp.shutdown();
    expect(r.received).toEqual([['1', '2', '3', '4', '5']]);
  });

  it('splits a request larger than max_size and never sends more than max_size', async () => {
    const r = recorder();
    const exp = createQueuedExporter(
      settingsWith('b', captureLogger().logger),
      helperConfig({
        sending_queue: { num_consumers: 2, batch: { min_size: 2, max_size: 3, flush_timeout: '20ms' } },
      }),
      ['traces'],
      r.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b', 'c', 'd', 'e', 'f', 'g'));
    await exp.consume('traces', traces('h'));
    await waitFor(() => r.received.flat().length === 8);
    await exp.shutdown();
    expect(r.received.every((b) => b.length <= 3)).toBe(true);
    expect(r.received.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('flushes a partial batch after flush_timeout', async () => {
    const r = recorder();
    const exp = createQueuedExporter(
      settingsWith('b', captureLogger().logger),
      helperConfig({ sending_queue: { batch: { min_size: 1000, flush_timeout: '50ms' } } }),
      ['traces'],
      r.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('x', 'y'));
    await waitFor(() => r.received.length === 1);
    await exp.shutdown();
    expect(r.received).toEqual([['x', 'y']]);
  });

  it('validates the batch block', () => {
    expect(() => sendingQueueSchema.parse({ batch: { min_size: 10, max_size: 5 } })).toThrow(/max_size/);
    expect(() => sendingQueueSchema.parse({ enabled: false, batch: {} })).toThrow(/enabled/);
    expect(sendingQueueSchema.parse({ batch: {} }).batch).toEqual({
      flush_timeout: 200,
      min_size: 8192,
      max_size: 0,
      sizer: 'items',
    });
  });
});
