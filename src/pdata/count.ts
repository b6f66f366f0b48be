import { lazyItemCount } from './lazy.js';
import { lazyPointCount } from './lazy-points.js';
import type { Signal, SignalDataMap } from './signal.js';
import type { LogsData, Metric, MetricsData, ResourceLogs, ResourceSpans, TracesData } from './types.js';

/** Spans of one ResourceSpans; counting does not decode a lazily kept list (lazy.ts). */
export function resourceSpanCount(rs: ResourceSpans): number {
  let n = lazyItemCount(rs);
  if (n !== undefined) return n;
  n = 0;
  for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

/** Log records of one ResourceLogs; counting does not decode a lazily kept list (lazy.ts). */
export function resourceLogCount(rl: ResourceLogs): number {
  let n = lazyItemCount(rl);
  if (n !== undefined) return n;
  n = 0;
  for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}

export function countSpans(d: TracesData): number {
  let n = 0;
  for (const rs of d.resourceSpans) n += resourceSpanCount(rs);
  return n;
}

export function countLogRecords(d: LogsData): number {
  let n = 0;
  for (const rl of d.resourceLogs) n += resourceLogCount(rl);
  return n;
}

/** Data points of one metric, counted the way the collector counts metric points. */
export function metricPointCount(m: Metric): number {
  const d = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  if (!d) return 0;
  // counting does not make points kept as columns (lazy-points.ts)
  return lazyPointCount(d) ?? d.dataPoints.length;
}

export function countMetricPoints(d: MetricsData): number {
  let n = 0;
  for (const rm of d.resourceMetrics)
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += metricPointCount(m);
  return n;
}

/** Items in a batch of any signal: spans, metric data points or log records. */
export function countItems<S extends Signal>(signal: S, data: SignalDataMap[S]): number {
  switch (signal) {
    case 'traces':
      return countSpans(data as TracesData);
    case 'metrics':
      return countMetricPoints(data as MetricsData);
    default:
      return countLogRecords(data as LogsData);
  }
}
