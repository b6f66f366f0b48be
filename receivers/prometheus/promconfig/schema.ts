// The embedded Prometheus configuration (`config:` of the receiver), in
// Prometheus's own format: global defaults, scrape_configs with their
// discovery, relabeling, HTTP client and limits. Parsing resolves every scrape
// config against `global` exactly as Prometheus's config.Load does, so the
// rest of the receiver reads one flat, complete ScrapeConfig per job.
import { z } from 'zod';
import { LABEL_NAME, type RelabelRule, relabelSchema } from '../relabel/config.js';
import { checkHttpClient, type HttpClientConfig, httpClientShape } from './http-client.js';
import {
  type FileSdConfig,
  fileSdSchema,
  type KubernetesSdConfig,
  kubernetesSdSchema,
  otherSdShape,
  promDuration,
  type StaticConfig,
  staticConfigSchema,
} from './sd-schema.js';
import { parseBase2Bytes } from './units.js';
import { unsupported } from './unsupported.js';

export const SCRAPE_PROTOCOLS = [
  'PrometheusProto',
  'PrometheusText0.0.4',
  'PrometheusText1.0.0',
  'OpenMetricsText0.0.1',
  'OpenMetricsText1.0.0',
] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];

const protocol = z.enum(SCRAPE_PROTOCOLS).refine((p) => p !== 'PrometheusProto', {
  message:
    'the PrometheusProto scrape protocol (protobuf exposition, native histograms) is not supported by tsunagi',
});

const protocols = z
  .array(protocol)
  .min(1, { message: 'scrape_protocols cannot be empty' })
  .superRefine((ps, ctx) => {
    if (new Set(ps).size !== ps.length)
      ctx.addIssue({ code: 'custom', message: 'duplicated protocol in scrape_protocols' });
  });

const size = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parseBase2Bytes(String(v));
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid size "${v}" (e.g. 100MB; units are powers of 1024)` });
      return z.NEVER;
    }
    return n;
  });

const count = () => z.number().int().nonnegative();

const nativeHistogramsOff = (key: string) =>
  z
    .boolean()
    .optional()
    .refine((v) => v !== true, {
      message: `${key} needs native histograms (protobuf exposition), which tsunagi does not support`,
    });

const limitsShape = {
  body_size_limit: size().optional(),
  sample_limit: count().optional(),
  label_limit: count().optional(),
  label_name_length_limit: count().optional(),
  label_value_length_limit: count().optional(),
  target_limit: count().optional(),
  keep_dropped_targets: count().optional(),
};

const globalSchema = z.strictObject({
  scrape_interval: promDuration().optional(),
  scrape_timeout: promDuration().optional(),
  evaluation_interval: promDuration().optional(),
  rule_query_offset: promDuration().optional(),
  external_labels: z
    .record(z.string().regex(LABEL_NAME, { message: 'invalid label name' }), z.string())
    .default({}),
  scrape_protocols: protocols.optional(),
  extra_scrape_metrics: z.boolean().optional(),
  query_log_file: z.string().optional(),
  scrape_failure_log_file: unsupported('scrape_failure_log_file'),
  metric_name_validation_scheme: z.enum(['legacy']).optional(),
  metric_name_escaping_scheme: z.enum(['underscores']).optional(),
  scrape_native_histograms: nativeHistogramsOff('scrape_native_histograms'),
  always_scrape_classic_histograms: z.boolean().optional(),
  convert_classic_histograms_to_nhcb: nativeHistogramsOff('convert_classic_histograms_to_nhcb'),
  ...limitsShape,
});

const scrapeConfigSchema = z.strictObject({
  job_name: z.string({ error: 'job_name is empty' }).min(1, { message: 'job_name is empty' }),
  honor_labels: z.boolean().default(false),
  honor_timestamps: z.boolean().default(true),
  track_timestamps_staleness: z.boolean().default(false),
  scrape_interval: promDuration().optional(),
  scrape_timeout: promDuration().optional(),
  scrape_protocols: protocols.optional(),
  fallback_scrape_protocol: protocol.optional(),
  scrape_classic_histograms: z.boolean().optional(),
  always_scrape_classic_histograms: z.boolean().optional(),
  scrape_native_histograms: nativeHistogramsOff('scrape_native_histograms'),
  convert_classic_histograms_to_nhcb: nativeHistogramsOff('convert_classic_histograms_to_nhcb'),
  native_histogram_bucket_limit: count().optional(),
  native_histogram_min_bucket_factor: z.number().optional(),
  extra_scrape_metrics: z.boolean().optional(),
  metrics_path: z.string().default('/metrics'),
  scheme: z.enum(['http', 'https']).default('http'),
  params: z.record(z.string(), z.array(z.string())).default({}),
  enable_compression: z.boolean().default(true),
  metric_name_validation_scheme: z.enum(['legacy']).optional(),
  metric_name_escaping_scheme: z.enum(['underscores']).optional(),
  scrape_failure_log_file: unsupported('scrape_failure_log_file'),
  ...limitsShape,
  relabel_configs: z.array(relabelSchema).nullable().default([]),
  metric_relabel_configs: z.array(relabelSchema).nullable().default([]),
  static_configs: z.array(staticConfigSchema).nullable().default([]),
  file_sd_configs: z.array(fileSdSchema).nullable().default([]),
  kubernetes_sd_configs: z.array(kubernetesSdSchema).nullable().default([]),
  ...otherSdShape,
  ...httpClientShape,
});

/** One scrape job with every default and global value applied. */
export interface ScrapeConfig {
  jobName: string;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** undefined: the Accept header Prometheus 2.x sends (see scrape/accept.ts). */
  scrapeProtocols: ScrapeProtocol[] | undefined;
  fallbackProtocol: ScrapeProtocol | undefined;
  extraScrapeMetrics: boolean;
  metricsPath: string;
  scheme: 'http' | 'https';
  params: Record<string, string[]>;
  enableCompression: boolean;
  bodySizeLimit: number;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  targetLimit: number;
  relabel: RelabelRule[];
  metricRelabel: RelabelRule[];
  staticConfigs: StaticConfig[];
  fileSd: FileSdConfig[];
  kubernetesSd: KubernetesSdConfig[];
  http: HttpClientConfig;
}

export interface PromConfig {
  externalLabels: Record<string, string>;
  scrapeConfigs: ScrapeConfig[];
}

const DEFAULT_INTERVAL = 60_000;
const DEFAULT_TIMEOUT = 10_000;

export const promConfigSchema = z
  .strictObject({
    global: globalSchema
      .nullable()
      .prefault({})
      .transform((g) => g ?? globalSchema.parse({})),
    scrape_configs: z.array(scrapeConfigSchema).nullable().default([]),
    scrape_config_files: unsupported('scrape_config_files'),
    rule_files: unsupported('rule_files'),
    alerting: unsupported('alerting (alert_config.alertmanagers, alert_config.relabel_configs)'),
    remote_write: unsupported('remote_write'),
    remote_read: unsupported('remote_read'),
    // parsed by Prometheus, without effect on scraping
    storage: z.record(z.string(), z.unknown()).optional(),
    tracing: z.record(z.string(), z.unknown()).optional(),
    runtime: z.record(z.string(), z.unknown()).optional(),
    otlp: z.record(z.string(), z.unknown()).optional(),
  })
  .transform((c, ctx): PromConfig => {
    const g = c.global;
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', message, path });
    const gInterval = g.scrape_interval || DEFAULT_INTERVAL;
    if (g.scrape_timeout !== undefined && g.scrape_timeout > gInterval)
      issue(['global', 'scrape_timeout'], 'global scrape timeout greater than scrape interval');
    const gTimeout = g.scrape_timeout || Math.min(DEFAULT_TIMEOUT, gInterval);
    const seen = new Set<string>();
    const scrapeConfigs = (c.scrape_configs ?? []).map((s, i): ScrapeConfig => {
      if (seen.has(s.job_name))
        issue(
          ['scrape_configs', i, 'job_name'],
          `found multiple scrape configs with job name "${s.job_name}"`,
        );
      seen.add(s.job_name);
      const intervalMs = s.scrape_interval || gInterval;
      if (s.scrape_timeout !== undefined && s.scrape_timeout > intervalMs)
        issue(
          ['scrape_configs', i, 'scrape_timeout'],
          `scrape timeout greater than scrape interval for scrape config with job name "${s.job_name}"`,
        );
      const timeoutMs = s.scrape_timeout || Math.min(gTimeout, intervalMs);
      checkHttpClient(s as HttpClientConfig, (m) => issue(['scrape_configs', i], m));
      const limit = (k: keyof typeof limitsShape) => (s[k] || g[k] || 0) as number;
      return {
        jobName: s.job_name,
        honorLabels: s.honor_labels,
        honorTimestamps: s.honor_timestamps,
        trackTimestampsStaleness: s.track_timestamps_staleness,
        intervalMs,
        timeoutMs,
        scrapeProtocols: s.scrape_protocols ?? g.scrape_protocols,
        fallbackProtocol: s.fallback_scrape_protocol,
        extraScrapeMetrics: s.extra_scrape_metrics ?? g.extra_scrape_metrics ?? false,
        metricsPath: s.metrics_path,
        scheme: s.scheme,
        params: s.params,
        enableCompression: s.enable_compression,
        bodySizeLimit: limit('body_size_limit'),
        sampleLimit: limit('sample_limit'),
        labelLimit: limit('label_limit'),
        labelNameLengthLimit: limit('label_name_length_limit'),
        labelValueLengthLimit: limit('label_value_length_limit'),
        targetLimit: limit('target_limit'),
        relabel: s.relabel_configs ?? [],
        metricRelabel: s.metric_relabel_configs ?? [],
        staticConfigs: s.static_configs ?? [],
        fileSd: s.file_sd_configs ?? [],
        kubernetesSd: s.kubernetes_sd_configs ?? [],
        http: {
          basic_auth: s.basic_auth,
          authorization: s.authorization,
          bearer_token: s.bearer_token,
          bearer_token_file: s.bearer_token_file,
          tls_config: s.tls_config,
          follow_redirects: s.follow_redirects,
          enable_http2: s.enable_http2,
          http_headers: s.http_headers,
        },
      };
    });
    return { externalLabels: g.external_labels, scrapeConfigs };
  });
