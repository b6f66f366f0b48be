// Keys and defaults of the collector's span metrics connector
// (connector/spanmetricsconnector README, config.go, factory.go):
// createDefaultConfig sets aggregation_temporality cumulative,
// resource_metrics_cache_size 1000, metrics_flush_interval 60s, histogram unit
// ms (the useSecondAsDefaultMetricsUnit gate is alpha, off), namespace
// "traces.span.metrics", aggregation_cardinality_limit 0 (none) and
// exemplars.max_per_data_point 5; config.go's Validate refuses duplicate
// dimensions, both histogram kinds at once, negative intervals and limits,
// and events without dimensions.
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';

export const DELTA = 'AGGREGATION_TEMPORALITY_DELTA';
export const CUMULATIVE = 'AGGREGATION_TEMPORALITY_CUMULATIVE';

/** The dimensions every metric has (unless excluded): the reserved names. */
export const SERVICE_NAME = 'service.name';
export const SPAN_NAME = 'span.name';
export const SPAN_KIND = 'span.kind';
export const STATUS_CODE = 'status.code';
/** Added to the default dimensions by the connector.spanmetrics.includeCollectorInstanceID gate (beta: on). */
export const COLLECTOR_INSTANCE_ID = 'collector.instance.id';
const RESERVED = [SERVICE_NAME, SPAN_KIND, STATUS_CODE, SPAN_NAME];

/** The collector's defaultHistogramBucketsMs. */
export const DEFAULT_BUCKETS_MS = [
  2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000,
];
/** go-expohisto's DefaultMaxSize. */
export const DEFAULT_EXPONENTIAL_MAX_SIZE = 160;

const dimension = z.strictObject({
  name: z.string(),
  /** Used when neither the span nor its resource has the attribute; without it the dimension is left out. */
  default: z
    .union([z.string(), z.number(), z.boolean()])
    .transform((v) => String(v))
    .optional(),
});
const dimensions = z.array(dimension).default([]);

export type Dimension = z.output<typeof dimension>;

export const configSchema = z
  .strictObject({
    dimensions,
    calls_dimensions: dimensions,
    exclude_dimensions: z.array(z.string()).default([]),
    /** Deprecated in the collector for aggregation_cardinality_limit; accepted, no effect. */
    dimensions_cache_size: z.number().int().optional(),
    resource_metrics_cache_size: z.number().int().min(1).default(1000),
    resource_metrics_key_attributes: z.array(z.string()).default([]),
    // The collector reads any other value as cumulative; a misspelt delta is refused here instead.
    aggregation_temporality: z.enum([CUMULATIVE, DELTA]).default(CUMULATIVE),
    histogram: z
      .strictObject({
        disable: z.boolean().default(false),
        unit: z.enum(['ms', 's']).default('ms'),
        exponential: z
          .preprocess((v) => v ?? {}, z.strictObject({ max_size: z.number().int().min(0).default(0) }))
          .optional(),
        explicit: z
          .preprocess((v) => v ?? {}, z.strictObject({ buckets: z.array(duration()).optional() }))
          .optional(),
        dimensions,
      })
      .prefault({}),
    metrics_flush_interval: duration().default(60_000),
    metrics_expiration: duration().default(0),
    metric_timestamp_cache_size: z.number().int().default(1000),
    namespace: z.string().default('traces.span.metrics'),
    exemplars: z
      .strictObject({
        enabled: z.boolean().default(false),
        max_per_data_point: z.number().int().min(0).default(5),
      })
      .prefault({}),
    events: z.strictObject({ enabled: z.boolean().default(false), dimensions }).prefault({}),
    include_instrumentation_scope: z.array(z.string()).default([]),
    aggregation_cardinality_limit: z.number().int().default(0),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const duplicates = (path: (string | number)[], dims: Dimension[]) => {
      const names = new Set(RESERVED);
      dims.forEach((d, i) => {
        if (names.has(d.name))
          issue([...path, i, 'name'], `failed validating dimensions: duplicate dimension name ${d.name}`);
        names.add(d.name);
      });
    };
    duplicates(['dimensions'], c.dimensions);
    if (c.events.enabled) {
      if (c.events.dimensions.length === 0)
        issue(
          ['events', 'dimensions'],
          'failed validating event dimensions: no dimensions configured for events',
        );
      duplicates(['events', 'dimensions'], c.events.dimensions);
    }
    if (c.histogram.explicit && c.histogram.exponential)
      issue(['histogram'], 'use either `explicit` or `exponential` buckets histogram');
    if (c.metrics_flush_interval <= 0)
      issue(['metrics_flush_interval'], 'invalid metrics_flush_interval: the duration should be positive');
    if (c.metrics_expiration < 0)
      issue(['metrics_expiration'], 'invalid metrics_expiration: the duration should be positive');
    if (c.aggregation_temporality === DELTA && c.metric_timestamp_cache_size <= 0)
      issue(
        ['metric_timestamp_cache_size'],
        `invalid delta timestamp cache size: ${c.metric_timestamp_cache_size}, the maximum number of the items in the cache should be positive`,
      );
    if (c.aggregation_cardinality_limit < 0)
      issue(
        ['aggregation_cardinality_limit'],
        `invalid aggregation_cardinality_limit: ${c.aggregation_cardinality_limit}, the limit should be positive`,
      );
  });

export type SpanMetricsConfig = z.output<typeof configSchema>;

/** The explicit bucket bounds in the histogram's unit. */
export function explicitBounds(c: SpanMetricsConfig): number[] {
  const buckets = c.histogram.explicit?.buckets;
  if (!buckets)
    return c.histogram.unit === 'ms' ? DEFAULT_BUCKETS_MS : DEFAULT_BUCKETS_MS.map((b) => b / 1000);
  // through nanoseconds, as the collector divides time.Duration nanoseconds by the unit
  const divider = c.histogram.unit === 'ms' ? 1e6 : 1e9;
  return buckets.map((ms) => Math.round(ms * 1e6) / divider);
}
