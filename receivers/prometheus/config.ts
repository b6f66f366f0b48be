// Config of the `prometheus` receiver (contrib receiver/prometheusreceiver):
// `config` is a Prometheus configuration in Prometheus's own format
// (promconfig/schema.ts); the other keys are the receiver's.
import { z } from 'zod';
import { goRegExp } from '../../src/regexp/go.js';
import { type PromConfig, promConfigSchema } from './promconfig/schema.js';
import { unsupported } from './promconfig/unsupported.js';

export const configSchema = z
  .strictObject({
    config: promConfigSchema.nullable().optional(),
    /** Drop `_total` and unit suffixes from metric names (experimental in the collector). */
    trim_metric_suffixes: z.boolean().default(false),
    /** Deprecated in the collector (v0.142): start times from process_start_time_seconds. */
    use_start_time_metric: z.boolean().default(false),
    start_time_metric_regex: z.string().default(''),
    /** Deprecated in favour of global.extra_scrape_metrics. */
    report_extra_scrape_metrics: z.boolean().default(false),
    target_allocator: unsupported('target_allocator'),
    api_server: z
      .unknown()
      .optional()
      .superRefine((v, ctx) => {
        const enabled = v && typeof v === 'object' && (v as { enabled?: unknown }).enabled === true;
        if (enabled)
          ctx.addIssue({
            code: 'custom',
            message: "api_server is not supported by tsunagi's prometheus receiver",
          });
      }),
  })
  .superRefine((c, ctx) => {
    // (when `config` itself has errors, those are reported instead)
    if (!c.config || (Array.isArray(c.config.scrapeConfigs) && c.config.scrapeConfigs.length === 0))
      ctx.addIssue({
        code: 'custom',
        message: 'no Prometheus scrape_configs or target_allocator set',
        path: ['config'],
      });
    if (c.start_time_metric_regex !== '') {
      try {
        goRegExp(c.start_time_metric_regex, 's');
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid start_time_metric_regex: ${(err as Error).message}`,
          path: ['start_time_metric_regex'],
        });
      }
    }
  });

export type PrometheusReceiverConfig = z.output<typeof configSchema> & { config?: PromConfig | null };
