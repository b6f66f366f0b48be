import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';

export const compactionSchema = z
  .strictObject({
    on_start: z.boolean().default(false),
    on_rebound: z.boolean().default(false),
    /** Where the compacted copy is written before it replaces the store (default: `directory`). */
    directory: z.string().optional(),
    /** Keys per record in a compacted file. */
    max_transaction_size: z.number().int().positive().default(65536),
    rebound_needed_threshold_mib: z.number().positive().default(100),
    rebound_trigger_threshold_mib: z.number().positive().default(10),
    check_interval: duration().default(5000),
  })
  .prefault({});

export const fileStorageConfigSchema = z.strictObject({
  directory: z.string().default('/var/lib/otelcol/file_storage'),
  create_directory: z.boolean().default(false),
  /** How long to wait for another process's lock on a store file. */
  timeout: duration().default(1000),
  /**
   * fsync every write before acknowledging it. Default true (the collector's
   * is false): callers acknowledge senders once a write resolves, and
   * contrib#50102 shows what fsync: false loses when the host restarts.
   */
  fsync: z.boolean().default(true),
  compaction: compactionSchema,
});

export type FileStorageConfig = z.output<typeof fileStorageConfigSchema>;
