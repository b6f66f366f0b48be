// A pdata subset of a batch (the records that need retrying), keeping each
// record under its own resource and scope.
import type { LogRecord, LogsData, ScopeLogs } from '../../src/pdata/types.js';

/** A record by position: resource, scope within it, record within that scope. */
export interface RecordRef {
  rl: number;
  sl: number;
  idx: number;
}

export function subsetLogs(data: LogsData, refs: readonly RecordRef[]): LogsData {
  const byRl = new Map<number, Map<number, LogRecord[]>>();
  for (const r of refs) {
    let bySl = byRl.get(r.rl);
    if (!bySl) {
      bySl = new Map();
      byRl.set(r.rl, bySl);
    }
    let recs = bySl.get(r.sl);
    if (!recs) {
      recs = [];
      bySl.set(r.sl, recs);
    }
    recs.push(data.resourceLogs[r.rl].scopeLogs[r.sl].logRecords[r.idx]);
  }
  const out: LogsData = { resourceLogs: [] };
  for (const [rl, bySl] of [...byRl].sort((a, b) => a[0] - b[0])) {
    const src = data.resourceLogs[rl];
    const scopeLogs: ScopeLogs[] = [];
    for (const [sl, recs] of [...bySl].sort((a, b) => a[0] - b[0])) {
      const s = src.scopeLogs[sl];
      scopeLogs.push({ scope: s.scope, schemaUrl: s.schemaUrl, logRecords: recs });
    }
    out.resourceLogs.push({ resource: src.resource, schemaUrl: src.schemaUrl, scopeLogs });
  }
  return out;
}
