// Config of the `prometheus` (pull) exporter: the collector-contrib
// prometheusexporter's keys and defaults (config.go, factory.go
// createDefaultConfig, README): endpoint (served at /metrics), tls,
// namespace, const_labels, send_timestamps false, metric_expiration 5m,
// resource_to_telemetry_conversion, enable_open_metrics false,
// without_scope_info false, add_metric_suffixes true, translation_strategy.
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { duration, endpoint } from '../../src/config/schema-types.js';
import { tlsServerObject } from '../../src/config/tls-server.js';

// `tls`: the server TLS block every server shares (src/config/tls-server.ts).
export type { TlsServerConfig } from '../../src/config/tls-server.js';

export const prometheusConfigSchema = z
  .strictObject({
    /**
     * The collector has no default and, without one, listens on a port the OS picks; so does
     * Tsunagi (on localhost), logging which: a scraper needs an endpoint it can know.
     */
    endpoint: endpoint().optional(),
    tls: absentWhenNull(tlsServerObject.optional()), // `tls:` with no value: plain HTTP
    namespace: z.string().default(''),
    const_labels: z.record(z.string(), z.string()).prefault({}),
    send_timestamps: z.boolean().default(false),
    metric_expiration: duration().default(5 * 60_000),
    resource_to_telemetry_conversion: z
      .strictObject({
        enabled: z.boolean().default(false),
        exclude_service_attributes: z.boolean().default(false),
      })
      .prefault({}),
    enable_open_metrics: z.boolean().default(false),
    without_scope_info: z.boolean().default(false),
    add_metric_suffixes: z.boolean().default(true),
    translation_strategy: z
      .enum([
        'UnderscoreEscapingWithSuffixes',
        'UnderscoreEscapingWithoutSuffixes',
        'NoUTF8EscapingWithSuffixes',
        'NoTranslation',
      ])
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.translation_strategy === 'NoUTF8EscapingWithSuffixes' || c.translation_strategy === 'NoTranslation')
      ctx.addIssue({
        code: 'custom',
        path: ['translation_strategy'],
        message: `translation_strategy ${c.translation_strategy} (UTF-8 names) is not supported by tsunagi; use UnderscoreEscapingWithSuffixes or UnderscoreEscapingWithoutSuffixes`,
      });
    if (c.metric_expiration <= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['metric_expiration'],
        message: 'metric_expiration must be positive',
      });
  });

export type PrometheusConfig = z.output<typeof prometheusConfigSchema>;

export function withSuffixes(c: PrometheusConfig): boolean {
  if (c.translation_strategy !== undefined)
    return c.translation_strategy === 'UnderscoreEscapingWithSuffixes';
  return c.add_metric_suffixes;
}
