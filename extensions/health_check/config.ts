import { z } from 'zod';
import { duration, endpoint } from '../../src/config/schema-types.js';

export const configSchema = z.strictObject({
  /** host:port the HTTP server listens on. */
  endpoint: endpoint().default('localhost:13133'),
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
