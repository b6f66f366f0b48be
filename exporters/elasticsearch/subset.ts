// A pdata subset of a batch (the items that need retrying), keeping each item
// under its own resource and scope.
import type { LogRecord, LogsData, Span, TracesData } from '../../src/pdata/types.js';
import type { ItemRef } from './builder.js';

function group(refs: readonly ItemRef[]): [number, [number, object[]][]][] {
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
    items.push(r.item);
  }
  return [...byRl]
    .sort((a, b) => a[0] - b[0])
    .map(([rl, bySl]) => [rl, [...bySl].sort((a, b) => a[0] - b[0])] as [number, [number, object[]][]]);
}

export function subsetLogs(data: LogsData, refs: readonly ItemRef[]): LogsData {
  return {
    resourceLogs: group(refs).map(([rl, scopes]) => {
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
