// Flattens decoded OTLP metrics requests (protobufjs plain objects from the
// sink) into rows a test can search: one per data point, with its resource,
// scope and metric.

export interface MetricRow {
  resource: Record<string, string>;
  scope: { name: string; version: string };
  name: string;
  description: string;
  unit: string;
  type: 'gauge' | 'sum' | 'histogram' | 'summary' | 'exponentialHistogram';
  /** sum only */
  isMonotonic?: boolean;
  temporality?: number;
  attributes: Record<string, string>;
  point: any;
}

const kv = (attrs: any[] | undefined): Record<string, string> =>
  Object.fromEntries((attrs ?? []).map((a) => [a.key, a.value?.stringValue ?? JSON.stringify(a.value)]));

export function metricRows(requests: any[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const req of requests)
    for (const rm of req.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          const type = (['gauge', 'sum', 'histogram', 'summary', 'exponentialHistogram'] as const).find(
            (t) => m[t] != null,
          );
          if (!type) continue;
          for (const p of m[type].dataPoints ?? [])
            rows.push({
              resource: kv(rm.resource?.attributes),
              scope: { name: sm.scope?.name ?? '', version: sm.scope?.version ?? '' },
              name: m.name,
              description: m.description,
              unit: m.unit,
              type,
              isMonotonic: type === 'sum' ? m.sum.isMonotonic : undefined,
              temporality: m[type].aggregationTemporality,
              attributes: kv(p.attributes),
              point: p,
            });
        }
  return rows;
}
