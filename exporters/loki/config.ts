// Config of the `loki` exporter: the old contrib lokiexporter's keys (endpoint,
// headers, tls, tenant, default_labels_enabled, the exporter helper's keys) plus
// the label, structured-metadata and limit settings this exporter adds.
import { z } from 'zod';
import { authSchema } from '../../src/config/auth.js';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { tlsClientSchema } from '../../src/config/tls-client.js';
import { exporterHelperConfigShape } from '../../src/exporterhelper/index.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** attribute → label name; a list means "the default name" (dots → underscores). */
const labelMap = z
  .union([
    z.array(z.string().min(1)),
    z.record(
      z.string().min(1),
      z
        .string()
        .refine((s) => s === '' || LABEL_NAME.test(s), 'a Loki label name must match [a-zA-Z_][a-zA-Z0-9_]*'),
    ),
  ])
  .transform((v): Record<string, string> => {
    if (!Array.isArray(v)) return v;
    const out: Record<string, string> = {};
    for (const k of v) out[k] = '';
    return out;
  })
  .prefault({});

export const lokiConfigSchema = z
  .strictObject({
    endpoint: z
      .string()
      .refine(
        (s) => /^https?:\/\/[^/]+/.test(s),
        'expected an http(s) URL, e.g. http://loki:3100/loki/api/v1/push',
      ),
    headers: z.record(z.string(), z.string()).prefault({}),
    tls: tlsClientSchema,
    /** A client authenticator extension that sets headers on every push (e.g. headers_setter for the tenant). */
    auth: authSchema,
    /** confighttp keys; undici sizes its own buffers, so they are accepted and have no effect. */
    read_buffer_size: z.number().int().nonnegative().optional(),
    write_buffer_size: z.number().int().nonnegative().optional(),
    /** Connections kept open to Loki. */
    max_conns_per_host: z.number().int().positive().default(8),
    encoding: z.enum(['protobuf', 'json']).default('protobuf'),
    /** Body compression for `encoding: json` (protobuf is always snappy, as Loki requires). */
    compression: z.enum(['gzip', 'none', '']).default('gzip'),
    /** Static tenant (X-Scope-OrgID). */
    tenant_id: z.string().optional(),
    tenant: absentWhenNull(
      z
        .strictObject({
          source: z.enum(['static', 'attribute', 'context']),
          value: z.string().min(1),
        })
        .optional(),
    ),
    labels: z
      .strictObject({
        /** Loki's default list of resource attributes that become index labels (its OTLP ingestion). */
        default_resource_attributes: z.boolean().default(true),
        resource: labelMap,
        attributes: labelMap,
        /** Cardinality guard: an attribute with more distinct values than this stops being a label. */
        max_distinct_values: z.number().int().positive().default(500),
      })
      .prefault({}),
    /** The old lokiexporter's default labels (job, instance, exporter off; level on). */
    default_labels_enabled: z
      .strictObject({
        exporter: z.boolean().default(false),
        job: z.boolean().default(false),
        instance: z.boolean().default(false),
        level: z.boolean().default(true),
      })
      .prefault({}),
    /** false: Loki 2.x mode — attributes and trace_id/span_id go inside the line (see `format`). */
    structured_metadata: z.boolean().default(true),
    /** Line format: raw (the body), json or logfmt. Default: raw with structured metadata, json without. */
    format: z.enum(['raw', 'json', 'logfmt']).optional(),
    /** Requests are split so that each stays under this (uncompressed) size. */
    max_request_size: byteSize().default(1024 * 1024),
    /** Loki's per-tenant limits, checked before sending so a bad record fails alone with a clear reason. */
    limits: z
      .strictObject({
        max_line_size: byteSize().default(256 * 1024),
        max_label_names_per_series: z.number().int().positive().default(15),
        max_label_name_length: z.number().int().positive().default(1024),
        max_label_value_length: z.number().int().positive().default(2048),
        reject_old_samples_max_age: duration().default(168 * 3_600_000),
        creation_grace_period: duration().default(600_000),
      })
      .prefault({}),
    ...exporterHelperConfigShape,
  })
  .superRefine((c, ctx) => {
    if (c.tenant_id !== undefined && c.tenant !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tenant_id'],
        message: 'set either tenant_id or tenant, not both',
      });
  });

export type LokiConfig = z.output<typeof lokiConfigSchema>;
