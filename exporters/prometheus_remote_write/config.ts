// Config of the `prometheus_remote_write` exporter: the collector-contrib
// prometheusremotewriteexporter's keys and defaults (config.go, factory.go
// createDefaultConfig, config.schema.yaml). It has no `sending_queue`: its
// queue is `remote_write_queue`, and retries are per remote-write request.
import { z } from 'zod';
import { authSchema } from '../../src/config/auth.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { tlsClientSchema } from '../../src/config/tls-client.js';

/** Headers the protocol sets itself (the collector ignores them in `headers`, rejects them in include_metadata_keys). */
export const RESERVED_HEADERS = [
  'content-encoding',
  'content-type',
  'user-agent',
  'x-prometheus-remote-write-version',
];

const TRANSLATION_STRATEGIES = [
  'UnderscoreEscapingWithSuffixes',
  'UnderscoreEscapingWithoutSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'NoTranslation',
] as const;

/** endpoint: an http(s) URL; a bare host:port[/path] (as in the collector's own fixtures) means http://. */
const endpointUrl = z
  .string()
  .min(1)
  .transform((s, ctx) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`;
    try {
      const u = new URL(withScheme);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      return u.toString();
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `invalid endpoint "${s}" (expected e.g. http://prometheus:9090/api/v1/write)`,
      });
      return z.NEVER;
    }
  });

/** The confighttp client keys this exporter reads (squashed at the top level, or under `http:`). */
const httpClientShape = {
  endpoint: endpointUrl.optional(),
  tls: tlsClientSchema,
  headers: z.record(z.string(), z.string()).prefault({}),
  /** A client authenticator extension that sets headers on every request. */
  auth: authSchema,
  /** Remote write is always snappy; only "snappy" (or empty) is valid, as in the collector. */
  compression: z.string().optional(),
  timeout: duration().optional(),
  read_buffer_size: z.number().int().nonnegative().optional(),
  write_buffer_size: z.number().int().nonnegative().optional(),
  /** Connections kept open to the endpoint. */
  max_conns_per_host: z.number().int().nonnegative().optional(),
  max_idle_conns: z.number().int().nonnegative().optional(),
  max_idle_conns_per_host: z.number().int().nonnegative().optional(),
  idle_conn_timeout: duration().optional(),
  disable_keep_alives: z.boolean().optional(),
};

const httpBlock = z.strictObject(httpClientShape);

const resourceToTelemetry = z
  .strictObject({
    enabled: z.boolean().default(false),
    exclude_service_attributes: z.boolean().default(false),
  })
  .prefault({});

export const prometheusRemoteWriteConfigSchema = z
  .strictObject({
    ...httpClientShape,
    http: httpBlock.optional(),
    timeout: duration().default(5000),
    /** The collector's BackOffConfig defaults, with initial_interval 50ms (this exporter's factory). */
    retry_on_failure: z
      .strictObject({
        enabled: z.boolean().default(true),
        initial_interval: duration().default(50),
        randomization_factor: z.number().min(0).max(1).default(0.5),
        multiplier: z.number().min(1).default(1.5),
        max_interval: duration().default(30_000),
        max_elapsed_time: duration().default(300_000),
      })
      .prefault({}),
    namespace: z.string().default(''),
    external_labels: z.record(z.string(), z.string()).prefault({}),
    remote_write_queue: z
      .strictObject({
        enabled: z.boolean().default(true),
        queue_size: z.number().int().default(10_000),
        num_consumers: z.number().int().default(5),
        /** Newer collectors (fixture): client metadata keys forwarded as headers. */
        include_metadata_keys: z.array(z.string()).optional(),
      })
      .prefault({}),
    max_batch_size_bytes: byteSize().default(3_000_000),
    max_batch_request_parallelism: z.number().int().optional(),
    resource_to_telemetry_conversion: resourceToTelemetry,
    target_info: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    disable_scope_info: z.boolean().default(false),
    add_metric_suffixes: z.boolean().default(true),
    translation_strategy: z.enum(TRANSLATION_STRATEGIES).optional(),
    send_metadata: z.boolean().default(false),
    protobuf_message: z.string().default('prometheus.WriteRequest'),
    include_metadata_keys: z.array(z.string()).optional(),
    /** Accepted so configs load; they need remote write 2.0 / NHCB, which this exporter does not send. */
    convert_explicit_histograms_to_nhcb: z.boolean().default(false),
    keep_classic_histograms: z.boolean().default(false),
    /** The collector's write-ahead log: not implemented (rejected with a clear error). */
    wal: z.unknown().optional(),
    export_created_metric: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const http = c.http ?? c;
    if (http.endpoint === undefined) issue(['endpoint'], 'endpoint is required (the remote write URL)');
    if (c.max_batch_request_parallelism !== undefined && c.max_batch_request_parallelism < 1)
      issue(['max_batch_request_parallelism'], "max_batch_request_parallelism can't be set to below 1");
    const q = c.remote_write_queue;
    if (q.queue_size < 0)
      issue(['remote_write_queue', 'queue_size'], "remote write queue size can't be negative");
    if (q.enabled && q.queue_size === 0)
      issue(['remote_write_queue', 'queue_size'], 'a 0 size queue will drop all the data');
    if (q.num_consumers < 0)
      issue(['remote_write_queue', 'num_consumers'], "remote write consumer number can't be negative");
    if (c.max_batch_size_bytes < 0)
      issue(['max_batch_size_bytes'], 'max_batch_size_bytes must be greater than 0');
    if (http.compression !== undefined && http.compression !== '' && http.compression !== 'snappy')
      issue(['compression'], 'compression type must be snappy');
    if (c.protobuf_message === 'io.prometheus.write.v2.Request')
      issue(
        ['protobuf_message'],
        'remote write v2 is not supported; use prometheus.WriteRequest (remote write 1.0)',
      );
    else if (c.protobuf_message !== 'prometheus.WriteRequest')
      issue(['protobuf_message'], `unknown remote write protobuf message "${c.protobuf_message}"`);
    if (c.translation_strategy === 'NoUTF8EscapingWithSuffixes' || c.translation_strategy === 'NoTranslation')
      issue(
        ['translation_strategy'],
        `translation strategy ${c.translation_strategy} requires Prometheus Remote Write 2.0 (UTF-8 support)`,
      );
    for (const k of [...(c.include_metadata_keys ?? []), ...(q.include_metadata_keys ?? [])])
      if (RESERVED_HEADERS.includes(k.toLowerCase()))
        issue(
          ['include_metadata_keys'],
          `include_metadata_keys entry "${k}" collides with a reserved remote write header`,
        );
    if (c.wal !== undefined)
      issue(
        ['wal'],
        'the write-ahead log (wal) is not supported by tsunagi; use remote_write_queue (in memory)',
      );
    if (c.export_created_metric?.enabled)
      issue(['export_created_metric'], 'export_created_metric is not supported by tsunagi');
    if (c.convert_explicit_histograms_to_nhcb)
      issue(
        ['convert_explicit_histograms_to_nhcb'],
        'native histograms with custom buckets need remote write 2.0, which tsunagi does not send',
      );
  });

export type PrometheusRemoteWriteConfig = z.output<typeof prometheusRemoteWriteConfigSchema>;

/** The effective HTTP client settings: the `http:` block wins over the top-level (deprecated) keys. */
export function httpSettings(c: PrometheusRemoteWriteConfig) {
  const h = c.http ?? c;
  return {
    endpoint: h.endpoint as string,
    tls: h.tls,
    headers: h.headers,
    auth: h.auth,
    timeout: c.http?.timeout ?? c.timeout,
    connections: h.max_conns_per_host || 8,
  };
}

/** UnderscoreEscapingWithSuffixes unless the strategy or add_metric_suffixes says otherwise. */
export function withSuffixes(c: PrometheusRemoteWriteConfig): boolean {
  if (c.translation_strategy !== undefined)
    return c.translation_strategy === 'UnderscoreEscapingWithSuffixes';
  return c.add_metric_suffixes;
}
