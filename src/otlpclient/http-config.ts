import { z } from 'zod';
import { authSchema } from '../config/auth.js';
import { byteSize, duration } from '../config/schema-types.js';
import { tlsClientSchema } from '../config/tls-client.js';
import { exporterHelperConfigShape } from '../exporterhelper/index.js';

const url = () =>
  z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'expected an http:// or https:// URL, e.g. "https://collector:4318"' },
  );

/**
 * gzip (default), snappy (block format, `Content-Encoding: snappy`, as the collector's
 * confighttp reads it) or none; the collector's other codecs are not built in.
 */
export const compressionSchema = z
  .string()
  .default('gzip')
  .transform((v, ctx) => {
    if (v === 'gzip') return 'gzip' as const;
    if (v === 'snappy') return 'snappy' as const;
    if (v === 'none' || v === '') return 'none' as const;
    ctx.addIssue({
      code: 'custom',
      message: `compression "${v}" is not supported (supported: gzip, snappy, none)`,
    });
    return z.NEVER;
  });

export const otlpHttpConfigSchema = z
  .strictObject({
    endpoint: url().optional(),
    traces_endpoint: url().optional(),
    metrics_endpoint: url().optional(),
    logs_endpoint: url().optional(),
    /** Accepted for config compatibility; Tsunagi has no profiles signal. */
    profiles_endpoint: url().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    compression: compressionSchema,
    encoding: z.enum(['proto', 'json']).default('proto'),
    tls: tlsClientSchema,
    /** Accepted for config compatibility (Go http.Transport buffer sizes); Node sizes its own. */
    read_buffer_size: byteSize().optional(),
    write_buffer_size: byteSize().optional(),
    /** Upper bound of connections to the backend (0 = no limit). */
    max_conns_per_host: z.number().int().min(0).optional(),
    /** How long an idle keep-alive connection is kept. */
    idle_conn_timeout: duration().default(90_000),
    disable_keep_alives: z.boolean().default(false),
    /** A client authenticator extension that sets headers on every request. */
    auth: authSchema,
    ...exporterHelperConfigShape,
    timeout: duration().default(30_000),
  })
  .refine((c) => c.endpoint || c.traces_endpoint || c.metrics_endpoint || c.logs_endpoint, {
    message: 'at least one endpoint must be specified (endpoint or traces_/metrics_/logs_endpoint)',
  });

export type OtlpHttpConfig = z.output<typeof otlpHttpConfigSchema>;
