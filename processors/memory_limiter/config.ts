import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';

// Keys, defaults and validation messages of the collector's memory_limiter
// (core internal/memorylimiter/config.go).
export const configSchema = z
  .strictObject({
    check_interval: duration().default(0),
    limit_mib: z.number().int().min(0).default(0),
    spike_limit_mib: z.number().int().min(0).default(0),
    limit_percentage: z.number().int().min(0).default(0),
    spike_limit_percentage: z.number().int().min(0).default(0),
    min_gc_interval_when_soft_limited: duration().default(10_000),
    min_gc_interval_when_hard_limited: duration().default(0),
  })
  .superRefine((c, ctx) => {
    const fail = (message: string, path: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.check_interval <= 0) fail("'check_interval' must be greater than zero", 'check_interval');
    if (c.limit_mib === 0 && c.limit_percentage === 0)
      fail("'limit_mib' or 'limit_percentage' must be greater than zero", 'limit_mib');
    if (c.limit_percentage > 100 || c.spike_limit_percentage > 100)
      fail(
        "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred",
        'limit_percentage',
      );
    if (c.limit_mib > 0 && c.limit_mib <= c.spike_limit_mib)
      fail("'spike_limit_mib' must be smaller than 'limit_mib'", 'spike_limit_mib');
    if (c.limit_mib === 0 && c.limit_percentage > 0 && c.limit_percentage <= c.spike_limit_percentage)
      fail("'spike_limit_percentage' must be smaller than 'limit_percentage'", 'spike_limit_percentage');
    if (c.min_gc_interval_when_soft_limited < c.min_gc_interval_when_hard_limited)
      fail(
        "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'",
        'min_gc_interval_when_soft_limited',
      );
  });

export type MemoryLimiterConfig = z.output<typeof configSchema>;
