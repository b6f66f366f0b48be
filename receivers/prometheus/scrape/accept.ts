// Content negotiation: the Accept header a scrape sends, and which parser a
// response's Content-Type selects (Prometheus scrape/scrape.go acceptHeader,
// model/textparse.New).
import type { ScrapeProtocol } from '../promconfig/schema.js';

/** What Prometheus 2.x sends (checked against 2.42 in the tests). */
export const PROMETHEUS_2_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const PROTOCOL_HEADER: Record<ScrapeProtocol, string> = {
  PrometheusProto:
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/**
 * With scrape_protocols set, Prometheus 3's header: the protocols in order
 * with falling q values; the newer text formats say names must come
 * underscore-escaped (tsunagi validates names the legacy way).
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[] | undefined): string {
  if (!protocols) return PROMETHEUS_2_ACCEPT;
  const vals: string[] = [];
  let weight = Object.keys(PROTOCOL_HEADER).length + 1;
  for (const p of protocols) {
    let v = PROTOCOL_HEADER[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=underscores';
    vals.push(`${v};q=0.${weight}`);
    weight--;
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

/** The parser for a response: OpenMetrics for its media type, else the text format (or the configured fallback). */
export function formatFor(contentType: string, fallback: ScrapeProtocol | undefined): 'text' | 'openmetrics' {
  const media = contentType.split(';')[0].trim().toLowerCase();
  if (media === 'application/openmetrics-text') return 'openmetrics';
  if (media === 'text/plain') return 'text';
  if (fallback?.startsWith('OpenMetrics')) return 'openmetrics';
  return 'text';
}
