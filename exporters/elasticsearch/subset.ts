// A pdata subset of a batch (the items that need retrying), keeping each item
// under its own resource and scope.
import type { LogRecord, LogsData, Metric, MetricsData, Span, TracesData } from '../../src/pdata/types.js';
import { type ItemRef, type MetricGroup, WIRE_ITEM } from './builder.js';

function group(refs: readonly ItemRef[], itemOf = (r: ItemRef) => r.item): [number, [number, object[]][]][] {
  const byRl = new Map<number, Map<number, object[]>>();
  for (const r of refs) {
    let bySl = byRl.get(r.rl);
    if (!bySl) {
      bySl = new Map();
      byRl.set(r.rl, bySl);
    }
    let items = bySl.get(r.sl);
    if (!items) {
      items = [];
      bySl.set(r.sl, items);
    }
    items.push(itemOf(r));
  }
  return [...byRl]
    .sort((a, b) => a[0] - b[0])
    .map(([rl, bySl]) => [rl, [...bySl].sort((a, b) => a[0] - b[0])] as [number, [number, object[]][]]);
}

export function subsetLogs(data: LogsData, refs: readonly ItemRef[]): LogsData {
  // A record written from wire bytes is found again by index (reading the list decodes it).
  const itemOf = (r: ItemRef) =>
    r.item === WIRE_ITEM ? data.resourceLogs[r.rl].scopeLogs[r.sl].logRecords[r.k] : r.item;
  return {
    resourceLogs: group(refs, itemOf).map(([rl, scopes]) => {
      const src = data.resourceLogs[rl];
      return {
        resource: src.resource,
        schemaUrl: src.schemaUrl,
        scopeLogs: scopes.map(([sl, items]) => ({
          scope: src.scopeLogs[sl].scope,
          schemaUrl: src.scopeLogs[sl].schemaUrl,
          logRecords: items as LogRecord[],
        })),
      };
    }),
  };
}

export function subsetTraces(data: TracesData, refs: readonly ItemRef[]): TracesData {
  return {
    resourceSpans: group(refs).map(([rl, scopes]) => {
      const src = data.resourceSpans[rl];
      return {
        resource: src.resource,
        schemaUrl: src.schemaUrl,
        scopeSpans: scopes.map(([sl, items]) => ({
          scope: src.scopeSpans[sl].scope,
          schemaUrl: src.scopeSpans[sl].schemaUrl,
          spans: items as Span[],
        })),
      };
    }),
  };
}

/** The metrics of the given documents (each ref's item is a MetricGroup), each point under its own metric. */
export function subsetMetrics(data: MetricsData, refs: readonly ItemRef[]): MetricsData {
  return {
    resourceMetrics: group(refs).map(([rl, scopes]) => {
      const src = data.resourceMetrics[rl];
      return {
        resource: src.resource,
        schemaUrl: src.schemaUrl,
        scopeMetrics: scopes.map(([sl, items]) => {
          const byMetric = new Map<Metric, unknown[]>();
          for (const g of items as MetricGroup[])
            for (const [m, p] of g.points) {
              const list = byMetric.get(m);
              if (list) list.push(p);
              else byMetric.set(m, [p]);
            }
          const metrics: Metric[] = [];
          for (const [m, points] of byMetric) {
            const copy: Metric = { ...m };
            if (m.gauge) copy.gauge = { dataPoints: points as never };
            else if (m.sum) copy.sum = { ...m.sum, dataPoints: points as never };
            else if (m.histogram) copy.histogram = { ...m.histogram, dataPoints: points as never };
            else if (m.exponentialHistogram)
              copy.exponentialHistogram = { ...m.exponentialHistogram, dataPoints: points as never };
            else if (m.summary) copy.summary = { dataPoints: points as never };
            metrics.push(copy);
          }
          return { scope: src.scopeMetrics[sl].scope, schemaUrl: src.scopeMetrics[sl].schemaUrl, metrics };
        }),
      };
    }),
  };
}
