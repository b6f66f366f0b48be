import { z } from 'zod';

// Keys and defaults of the collector's debug exporter (core exporter/debugexporter).
export const configSchema = z
  .strictObject({
    verbosity: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['basic', 'normal', 'detailed']))
      .default('basic'),
    sampling_initial: z.number().int().min(0).default(2),
    sampling_thereafter: z.number().int().min(0).default(1),
    use_internal_logger: z.boolean().default(true),
    /** Only with use_internal_logger: false. `stdout`, `stderr` or a file path. */
    output_paths: z.array(z.string()).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.output_paths && c.use_internal_logger)
      ctx.addIssue({
        code: 'custom',
        path: ['output_paths'],
        message: 'output_paths requires use_internal_logger to be false',
      });
  });

export type DebugConfig = z.output<typeof configSchema>;
