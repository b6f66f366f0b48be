import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';

// Keys and defaults of the collector's batch processor (core processor/batchprocessor).
export const configSchema = z
  .strictObject({
    /** Item count that triggers a send (not a cap). */
    send_batch_size: z.number().int().min(0).default(8192),
    /** Upper bound of a batch in items; 0 = no cap. Must be ≥ send_batch_size. */
    send_batch_max_size: z.number().int().min(0).default(0),
    /** How long a partial batch waits; 0 = send immediately. Output in ms. */
    timeout: duration().default(200),
    /** Request metadata keys that partition batches (needs a receiver with include_metadata). */
    metadata_keys: z.array(z.string()).default([]),
    metadata_cardinality_limit: z.number().int().min(0).default(1000),
  })
  .superRefine((c, ctx) => {
    if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size)
      ctx.addIssue({
        code: 'custom',
        path: ['send_batch_max_size'],
        message: 'send_batch_max_size must be greater or equal to send_batch_size',
      });
    if (c.timeout < 0) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must be >= 0' });
    const seen = new Set<string>();
    for (const k of c.metadata_keys) {
      const lower = k.toLowerCase();
      if (seen.has(lower))
        ctx.addIssue({
          code: 'custom',
          path: ['metadata_keys'],
          message: `duplicate entry in metadata_keys: "${k}" (case-insensitive)`,
        });
      seen.add(lower);
    }
  });

export type BatchConfig = z.output<typeof configSchema>;
