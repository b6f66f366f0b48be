import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { duration, endpoint } from '../../src/config/schema-types.js';

/**
 * The collector's server `tls` block (configtls.ServerConfig) as health_check
 * serves it: a certificate and key, optional client certificates (mTLS)
 * checked against client_ca_file; ca_file alone never asks clients for one.
 */
const tlsSchema = z
  .strictObject({
    cert_file: z.string().optional(),
    cert_pem: z.string().optional(),
    key_file: z.string().optional(),
    key_pem: z.string().optional(),
    ca_file: z.string().optional(),
    ca_pem: z.string().optional(),
    client_ca_file: z.string().optional(),
    /** The collector refuses TLS 1.0 and 1.1 for servers. */
    min_version: z.enum(['1.2', '1.3']).default('1.2'),
    max_version: z.enum(['1.2', '1.3']).optional(),
  })
  .refine((t) => !!(t.cert_file || t.cert_pem) && !!(t.key_file || t.key_pem), {
    message: 'a TLS server needs both a certificate (cert_file/cert_pem) and a key (key_file/key_pem)',
  });
export type HealthTlsConfig = z.output<typeof tlsSchema>;

export const configSchema = z.strictObject({
  /** host:port the HTTP server listens on. */
  endpoint: endpoint().default('localhost:13133'),
  /** HTTPS with this certificate; `tls:` with no value means plain HTTP. */
  tls: absentWhenNull(tlsSchema.optional()),
  /** Path the status is served on. */
  path: z
    .string()
    .default('/')
    .refine((p) => p.startsWith('/'), { message: 'path must start with "/"' }),
  /** Fixed bodies instead of the JSON status. */
  response_body: z
    .strictObject({ healthy: z.string().default(''), unhealthy: z.string().default('') })
    .optional(),
  /** Accepted for compatibility; the collector documents it as not working as intended, and it is not implemented here. */
  check_collector_pipeline: z
    .strictObject({
      enabled: z.boolean().default(false),
      interval: duration().default(300_000),
      exporter_failure_threshold: z.number().int().positive().default(5),
    })
    .optional(),
});

export type HealthCheckConfig = z.output<typeof configSchema>;
