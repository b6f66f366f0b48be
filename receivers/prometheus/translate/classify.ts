// Which family a sample belongs to and what part of it it is, from the
// scrape's metadata, as the collector's prometheus receiver decides
// (internal/metadata.go metadataForMetric, util.go convToMetricType,
// metricfamily.go addSeries):
// - metadata under the sample's own name, else under the name without one
//   suffix (_bucket, _count, _sum, _total, _info, _created);
// - counter → monotonic cumulative sum named like its sample (`foo_total`),
//   `<family>_created` gives its start time;
// - histogram / summary → one point per label set, from _bucket{le} /
//   {quantile}, _count, _sum and _created;
// - info, stateset → non-monotonic cumulative sum; gauge, unknown (untyped)
//   and gaugehistogram → gauge.
import { normalizeMetricName } from '../../../src/translator/prometheus/from-prometheus-names.js';
import type { Metadata, MetricType } from '../exposition/types.js';

export type OtlpKind = 'gauge' | 'sum' | 'monotonic_sum' | 'histogram' | 'summary';
export type Role = 'value' | 'bucket' | 'quantile' | 'count' | 'sum' | 'created';

export interface Classification {
  kind: OtlpKind;
  role: Role;
  /** Groups the samples of one point (all parts of a histogram, a counter and its _created). */
  familyKey: string;
  /** The OTLP metric name (before trim_metric_suffixes). */
  otlpName: string;
  /** Where help and unit come from; undefined when the sample has no metadata. */
  metadataName: string | undefined;
}

/** Metadata the collector gives the series Prometheus adds itself (internal/metadata.go). */
export const REPORT_METADATA: Record<string, Metadata> = {
  up: { type: 'gauge', help: 'The scraping was successful', unit: '' },
  scrape_duration_seconds: { type: 'gauge', help: 'Duration of the scrape', unit: 'seconds' },
  scrape_samples_scraped: { type: 'gauge', help: 'The number of samples the target exposed', unit: '' },
  scrape_series_added: {
    type: 'gauge',
    help: 'The approximate number of new series in this scrape',
    unit: '',
  },
  scrape_samples_post_metric_relabeling: {
    type: 'gauge',
    help: 'The number of samples remaining after metric relabeling was applied',
    unit: '',
  },
};

function kindOf(t: MetricType): OtlpKind {
  switch (t) {
    case 'counter':
      return 'monotonic_sum';
    case 'histogram':
      return 'histogram';
    case 'summary':
      return 'summary';
    case 'info':
    case 'stateset':
      return 'sum';
    default:
      return 'gauge';
  }
}

function partOf(kind: OtlpKind, family: string, name: string): Role {
  const suffix = name.slice(family.length);
  if (kind === 'histogram' || kind === 'summary') {
    if (suffix === '_count') return 'count';
    if (suffix === '_sum') return 'sum';
    if (suffix === '_created') return 'created';
    return kind === 'histogram' ? 'bucket' : 'quantile';
  }
  if ((kind === 'monotonic_sum' || kind === 'sum') && suffix === '_created') return 'created';
  return 'value';
}

export function classify(
  name: string,
  metadata: ReadonlyMap<string, Metadata>,
  isReport: boolean,
): Classification {
  if (isReport) return { kind: 'gauge', role: 'value', familyKey: name, otlpName: name, metadataName: name };
  const exact = metadata.get(name);
  if (exact) {
    const kind = kindOf(exact.type);
    return { kind, role: partOf(kind, name, name), familyKey: name, otlpName: name, metadataName: name };
  }
  const family = normalizeMetricName(name);
  const md = family === name ? undefined : metadata.get(family);
  if (md) {
    const kind = kindOf(md.type);
    const role = partOf(kind, family, name);
    // counters keep their sample's name (`foo_total`); the rest are named by their family
    const otlpName = md.type === 'counter' ? name : family;
    return { kind, role, familyKey: family, otlpName, metadataName: family };
  }
  return { kind: 'gauge', role: 'value', familyKey: name, otlpName: name, metadataName: undefined };
}
