import { z } from 'zod';
import { MIN_SAMPLING_PROBABILITY, NUM_HEX_DIGITS } from './consistent.js';

// Keys and defaults of the collector's probabilistic_sampler processor (contrib
// processor/probabilisticsamplerprocessor/config.go, factory.go).
export const configSchema = z
  .strictObject({
    /** Percentage of items kept; >= 100 keeps all, 0 none. A float32 in the collector. */
    sampling_percentage: z.number().default(0),
    /** uint32 seed of the FNV hash (hash_seed mode). */
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Unset means hash_seed (the collector's default mode). */
    mode: z.enum(['hash_seed', 'equalizing', 'proportional', '']).default(''),
    /** Refuse items whose sampling information is missing or broken. */
    fail_closed: z.boolean().default(true),
    /** Hex digits of the encoded threshold, 1..14. */
    sampling_precision: z.number().int().default(4),
    /** logs: where randomness comes from, traceID or record (the from_attribute). */
    attribute_source: z.enum(['traceID', 'record']).default('traceID'),
    from_attribute: z.string().default(''),
    /** logs: a record attribute (0..100) that overrides sampling_percentage for that record. */
    sampling_priority: z.string().default(''),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const pct = Math.fround(c.sampling_percentage);
    const ratio = pct / 100;
    if (!Number.isFinite(pct))
      issue('sampling_percentage', `sampling rate is invalid: ${c.sampling_percentage}%`);
    else if (ratio < 0) issue('sampling_percentage', `sampling rate is negative: ${c.sampling_percentage}%`);
    else if (ratio !== 0 && ratio < MIN_SAMPLING_PROBABILITY)
      issue('sampling_percentage', `sampling rate is too small: ${c.sampling_percentage}%`);
    if (c.sampling_precision === 0) issue('sampling_precision', 'invalid sampling precision: 0');
    else if (c.sampling_precision > NUM_HEX_DIGITS)
      issue(
        'sampling_precision',
        `sampling precision is too great, should be <= 14: ${c.sampling_precision}`,
      );
    else if (c.sampling_precision < 0)
      issue('sampling_precision', `invalid sampling precision: ${c.sampling_precision}`);
  });

export type ProbabilisticSamplerConfig = z.output<typeof configSchema>;
