// Merging and splitting batches for sending_queue.batch: merge concatenates
// the resource lists; split cuts a batch into pieces of at most `max` items
// (spans, data points, log records), sharing the resource/scope objects.
import { metricPointCount } from '../pdata/count.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { LogsData, Metric, MetricsData, TracesData } from '../pdata/types.js';

export function mergeData<S extends Signal>(signal: S, list: SignalDataMap[S][]): SignalDataMap[S] {
  if (list.length === 1) return list[0];
  if (signal === 'traces')
    return { resourceSpans: (list as TracesData[]).flatMap((d) => d.resourceSpans) } as SignalDataMap[S];
  if (signal === 'logs')
    return { resourceLogs: (list as LogsData[]).flatMap((d) => d.resourceLogs) } as SignalDataMap[S];
  return { resourceMetrics: (list as MetricsData[]).flatMap((d) => d.resourceMetrics) } as SignalDataMap[S];
}

/** Pieces of at most `max` items each (max > 0), in order. */
export function splitData<S extends Signal>(
  signal: S,
  data: SignalDataMap[S],
  max: number,
): SignalDataMap[S][] {
  if (signal === 'traces') {
    const d = data as TracesData;
    return split3(d.resourceSpans, 'scopeSpans', 'spans', max).map(
      (resourceSpans) => ({ resourceSpans }) as SignalDataMap[S],
    );
  }
  if (signal === 'logs') {
    const d = data as LogsData;
    return split3(d.resourceLogs, 'scopeLogs', 'logRecords', max).map(
      (resourceLogs) => ({ resourceLogs }) as SignalDataMap[S],
    );
  }
  return splitMetrics(data as MetricsData, max) as SignalDataMap[S][];
}

/** resource → scope → item lists (traces, logs). */
function split3<R, SK extends keyof R, IK extends string>(
  resources: R[],
  scopeKey: SK,
  itemKey: IK,
  max: number,
): R[][] {
  type Scope = Record<IK, unknown[]>;
  const out: R[][] = [];
  let cur: R[] = [];
  let n = 0;
  const flush = () => {
    if (n > 0) out.push(cur);
    cur = [];
    n = 0;
  };
  for (const r of resources) {
    let scopes: Scope[] = [];
    const emitResource = () => {
      if (scopes.length > 0) cur.push({ ...r, [scopeKey]: scopes });
      scopes = [];
    };
    for (const s of r[scopeKey] as unknown as Scope[]) {
      let items = s[itemKey];
      while (items.length > 0) {
        const take = Math.min(max - n, items.length);
        scopes.push({ ...s, [itemKey]: items.slice(0, take) });
        items = items.slice(take);
        n += take;
        if (n >= max) {
          emitResource();
          flush();
        }
      }
    }
    emitResource();
  }
  flush();
  return out;
}

function splitMetrics(d: MetricsData, max: number): MetricsData[] {
  const out: MetricsData[] = [];
  let cur: MetricsData = { resourceMetrics: [] };
  let n = 0;
  for (const rm of d.resourceMetrics) {
    let scopes: MetricsData['resourceMetrics'][number]['scopeMetrics'] = [];
    const emitResource = () => {
      if (scopes.length > 0) cur.resourceMetrics.push({ ...rm, scopeMetrics: scopes });
      scopes = [];
    };
    for (const sm of rm.scopeMetrics) {
      let metrics: Metric[] = [];
      const emitScope = () => {
        if (metrics.length > 0) scopes.push({ ...sm, metrics });
        metrics = [];
      };
      for (const m of sm.metrics) {
        let rest = m;
        let points = metricPointCount(m);
        if (points === 0) {
          metrics.push(m);
          continue;
        }
        while (points > 0) {
          const take = Math.min(max - n, points);
          const [head, tail] = take === points ? [rest, undefined] : cutMetric(rest, take);
          metrics.push(head);
          n += take;
          points -= take;
          if (tail) rest = tail;
          if (n >= max) {
            emitScope();
            emitResource();
            out.push(cur);
            cur = { resourceMetrics: [] };
            n = 0;
          }
        }
      }
      emitScope();
    }
    emitResource();
  }
  if (cur.resourceMetrics.length > 0) out.push(cur);
  return out;
}

/** The first `k` data points of a metric and the rest, as two metrics. */
function cutMetric(m: Metric, k: number): [Metric, Metric] {
  const kind = (['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const).find((x) => m[x]);
  if (!kind) return [m, { ...m }];
  const body = m[kind] as { dataPoints: unknown[] };
  return [
    { ...m, [kind]: { ...body, dataPoints: body.dataPoints.slice(0, k) } },
    { ...m, [kind]: { ...body, dataPoints: body.dataPoints.slice(k) } },
  ];
}
