import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { regexpError } from '../../src/regexp/go.js';
import { operatorsSchema } from '../../src/stanza/pipeline.js';

const retrySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    initial_interval: duration().default(1000),
    max_interval: duration().default(30_000),
    max_elapsed_time: duration().default(300_000),
  })
  .prefault({});

const multilineSchema = z
  .strictObject({
    line_start_pattern: z.string().optional(),
    line_end_pattern: z.string().optional(),
    omit_pattern: z.boolean().default(false),
  })
  .refine((m) => (m.line_start_pattern === undefined) !== (m.line_end_pattern === undefined), {
    message: 'multiline: exactly one of line_start_pattern and line_end_pattern must be set',
  })
  .superRefine((m, ctx) => {
    for (const key of ['line_start_pattern', 'line_end_pattern'] as const) {
      const e = m[key] === undefined ? undefined : regexpError(m[key]);
      if (e) ctx.addIssue({ code: 'custom', path: [key], message: e });
    }
  });

const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);

export const configSchema = z.strictObject({
  include: stringList.refine((l) => l.length > 0, { message: 'include: at least one pattern is required' }),
  exclude: stringList.default([]),
  exclude_older_than: duration().optional(),
  start_at: z.enum(['end', 'beginning']).default('end'),
  poll_interval: duration().default(200),
  fingerprint_size: byteSize()
    .default(1000)
    .refine((n) => n >= 16, { message: 'fingerprint_size must be at least 16 bytes' }),
  max_log_size: byteSize()
    .default(1024 * 1024)
    .refine((n) => n > 0, { message: 'max_log_size must be positive' }),
  max_concurrent_files: z.number().int().min(1).default(1024),
  max_batches: z.number().int().min(0).default(0),
  encoding: z
    .enum(['utf-8', 'utf8', 'UTF-8', 'UTF8'], { message: 'encoding: only utf-8 is supported' })
    .default('utf-8'),
  include_file_name: z.boolean().default(true),
  include_file_path: z.boolean().default(false),
  include_file_name_resolved: z.boolean().default(false),
  include_file_path_resolved: z.boolean().default(false),
  multiline: absentWhenNull(multilineSchema.optional()), // `multiline:` with no value: lines split at newlines
  force_flush_period: duration().default(500),
  preserve_leading_whitespaces: z.boolean().default(false),
  preserve_trailing_whitespaces: z.boolean().default(false),
  attributes: z.record(z.string(), z.unknown()).default({}),
  resource: z.record(z.string(), z.unknown()).default({}),
  storage: z.string().optional(),
  retry_on_failure: retrySchema,
  operators: operatorsSchema.default([]),
});

export type FileLogConfig = z.output<typeof configSchema>;
