// Config of the `elasticsearch` exporter: the contrib elasticsearchexporter's
// keys and defaults (config.go; EDOT docs), on top of the exporter helper.
import { z } from 'zod';
import { authSchema } from '../../src/config/auth.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { tlsClientSchema } from '../../src/config/tls-client.js';
import { exporterHelperConfigShape } from '../../src/exporterhelper/index.js';

const url = () =>
  z.string().refine((s) => /^https?:\/\/[^/]+/.test(s), 'expected an http(s) URL, e.g. https://elastic:9200');
const enabledOnly = (def: boolean) => z.strictObject({ enabled: z.boolean().default(def) }).prefault({});

const MODES = ['otel', 'ecs', 'raw', 'bodymap', 'none'] as const;

export const elasticsearchConfigSchema = z
  .strictObject({
    endpoint: url().optional(),
    endpoints: z.array(url()).optional(),
    cloudid: z.string().optional(),
    user: z.string().optional(),
    password: z.string().optional(),
    api_key: z.string().optional(),
    headers: z.record(z.string(), z.string()).prefault({}),
    tls: tlsClientSchema,
    /** A client authenticator extension that sets headers on every _bulk request. */
    auth: authSchema,
    compression: z.enum(['none', 'gzip']).default('gzip'),
    pipeline: z.string().optional(),
    logs_index: z.string().optional(),
    traces_index: z.string().optional(),
    metrics_index: z.string().optional(),
    logs_dynamic_index: enabledOnly(false),
    traces_dynamic_index: enabledOnly(false),
    metrics_dynamic_index: enabledOnly(false),
    logs_dynamic_id: enabledOnly(false),
    logs_dynamic_pipeline: enabledOnly(false),
    logstash_format: z
      .strictObject({
        enabled: z.boolean().default(false),
        prefix_separator: z.string().default('-'),
        date_format: z.string().default('%Y.%m.%d'),
      })
      .prefault({}),
    mapping: z
      .strictObject({
        mode: z.enum(MODES).default('otel'),
        allowed_modes: z.array(z.enum(MODES)).optional(),
      })
      .prefault({}),
    /** Accepted; nodes are not sniffed (the configured endpoints are used as given). */
    discover: z
      .strictObject({ on_start: z.boolean().default(false), interval: duration().optional() })
      .prefault({}),
    flush: z
      .strictObject({
        /** A _bulk request body stays under this many (uncompressed) bytes. */
        bytes: byteSize().default(5_000_000),
        /** Accepted; batches come from the pipeline (batch processor / sending queue), not a bulk buffer. */
        interval: duration().default(10_000),
      })
      .prefault({}),
    num_workers: z.number().int().positive().optional(),
    /** Document-level (per-item) retries inside one send; request-level retries are retry_on_failure's. */
    retry: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_retries: z.number().int().nonnegative().default(2),
        /** Deprecated upstream: max_retries + 1. */
        max_requests: z.number().int().positive().optional(),
        initial_interval: duration().default(100),
        max_interval: duration().default(60_000),
        retry_on_status: z.array(z.number().int()).default([429]),
      })
      .prefault({}),
    /** Documents Elasticsearch rejects for good (mapping errors, …) are also written here, with the reason. */
    dead_letter_index: z.string().optional(),
    include_source_on_error: z.boolean().nullable().optional(),
    /**
     * Deprecated upstream (experimental exporterbatcher settings). `enabled: true` batches in the
     * exporter's queue (sending_queue.batch, unless that is set); otherwise it has no effect.
     */
    batcher: z
      .strictObject({
        enabled: z.boolean().optional(),
        flush_timeout: duration().optional(),
        sizer: z.enum(['items', 'requests']).optional(),
        min_size: z.number().int().nonnegative().optional(),
        max_size: z.number().int().nonnegative().optional(),
        min_size_items: z.number().int().nonnegative().optional(),
        max_size_items: z.number().int().nonnegative().optional(),
      })
      .optional(),
    ...exporterHelperConfigShape,
    timeout: duration().default(90_000),
  })
  .superRefine((c, ctx) => {
    const n = (c.endpoint ? 1 : 0) + (c.endpoints ? 1 : 0) + (c.cloudid ? 1 : 0);
    if (n > 1)
      ctx.addIssue({ code: 'custom', message: 'only one of endpoint, endpoints and cloudid may be set' });
    if (n === 0 && !process.env.ELASTICSEARCH_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints'],
        message: 'set endpoint, endpoints or cloudid (or the ELASTICSEARCH_URL environment variable)',
      });
    if (c.cloudid && decodeCloudId(c.cloudid) === undefined)
      ctx.addIssue({ code: 'custom', path: ['cloudid'], message: 'invalid cloudid' });
    if (c.mapping.allowed_modes && !c.mapping.allowed_modes.includes(c.mapping.mode))
      ctx.addIssue({
        code: 'custom',
        path: ['mapping', 'mode'],
        message: 'mapping.mode must be one of mapping.allowed_modes',
      });
  })
  .transform((c) => {
    const b = c.batcher;
    if (b?.enabled !== true || c.sending_queue.batch) return c;
    // The collector's exporterbatcher defaults for this exporter: 5000 / 10000 items, 30 s.
    const min = b.min_size ?? b.min_size_items ?? 5000;
    const max = b.max_size ?? b.max_size_items ?? 10_000;
    const batch = {
      flush_timeout: b.flush_timeout ?? 30_000,
      min_size: min,
      max_size: Math.max(max, min),
      sizer: b.sizer ?? 'items',
    };
    return { ...c, sending_queue: { ...c.sending_queue, batch } };
  });

export type ElasticsearchConfig = z.output<typeof elasticsearchConfigSchema>;

/** Elastic Cloud ID `name:base64(host$es-uuid$kibana-uuid)` → https URL of Elasticsearch. */
export function decodeCloudId(id: string): string | undefined {
  const b64 = id.includes(':') ? id.slice(id.indexOf(':') + 1) : id;
  const parts = Buffer.from(b64, 'base64').toString('utf8').split('$');
  if (parts.length < 2 || !parts[0] || !parts[1]) return undefined;
  let [host, port] = parts[0].split(':');
  port ??= '443';
  return `https://${parts[1]}.${host}:${port}`;
}

/** The endpoints to use, in config order. */
export function endpointsOf(c: ElasticsearchConfig): string[] {
  if (c.endpoint) return [c.endpoint];
  if (c.endpoints?.length) return c.endpoints;
  if (c.cloudid) return [decodeCloudId(c.cloudid)!];
  return (process.env.ELASTICSEARCH_URL ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
