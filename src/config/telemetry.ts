// service.telemetry: own logs (level, encoding) and own metrics (level, the
// Prometheus pull endpoint in the old `address` or the new `readers` form).
import { z } from 'zod';
import { endpoint } from './schema-types.js';

const prometheusPull = z.strictObject({
  pull: z.strictObject({
    exporter: z.strictObject({
      prometheus: z.strictObject({
        host: z.string().default('localhost'),
        port: z.number().int().min(0).max(65535).default(8888),
        without_scope_info: z.boolean().optional(),
        without_type_suffix: z.boolean().optional(),
        without_units: z.boolean().optional(),
      }),
    }),
  }),
});

/** zap's level names: all lower or all upper case (DEBUG, INFO, WARN, ERROR), as the collector takes them. */
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const logLevel = z.preprocess(
  (v) =>
    typeof v === 'string' && v === v.toUpperCase() && LOG_LEVELS.includes(v.toLowerCase() as never)
      ? v.toLowerCase()
      : v,
  z.enum(LOG_LEVELS),
);
/** The collector's metrics level is case-insensitive (configtelemetry lowercases it). */
const METRICS_LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
const metricsLevel = z.preprocess(
  (v) => (typeof v === 'string' && METRICS_LEVELS.includes(v.toLowerCase() as never) ? v.toLowerCase() : v),
  z.enum(METRICS_LEVELS),
);

export const telemetrySchema = z
  .strictObject({
    logs: z
      .strictObject({
        level: logLevel.default('info'),
        encoding: z.enum(['json', 'console']).default('json'),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        level: metricsLevel.default('normal'),
        address: endpoint().optional(),
        readers: z.array(prometheusPull).optional(),
      })
      .prefault({}),
    /** Resource attributes of the collector's own telemetry (exposed as `target_info` labels). */
    resource: z.record(z.string(), z.string().nullable()).optional(),
  })
  .prefault({});

export type RawTelemetry = z.output<typeof telemetrySchema>;

export interface TelemetryConfig {
  logs: { level: 'debug' | 'info' | 'warn' | 'error' };
  metrics: {
    level: 'none' | 'basic' | 'normal' | 'detailed';
    /** Where `/metrics` is served (host:port); empty when metrics.level is none. */
    addresses: string[];
  };
  resource: Record<string, string>;
}

export const DEFAULT_METRICS_ADDRESS = 'localhost:8888';

export function resolveTelemetry(t: RawTelemetry, warnings: string[]): TelemetryConfig {
  if (t.logs.encoding === 'console')
    warnings.push(
      'service::telemetry::logs::encoding: "console" is not supported; logs are written as JSON (encoding: json)',
    );
  let addresses: string[];
  if (t.metrics.readers) {
    if (t.metrics.address)
      warnings.push('service::telemetry::metrics::address is ignored because metrics::readers is set');
    addresses = t.metrics.readers.map((r) => {
      const { host, port } = r.pull.exporter.prometheus;
      return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    });
  } else {
    if (t.metrics.address)
      warnings.push(
        'service::telemetry::metrics::address is deprecated in favor of service::telemetry::metrics::readers',
      );
    addresses = [t.metrics.address ?? DEFAULT_METRICS_ADDRESS];
  }
  const resource: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.resource ?? {})) if (v !== null) resource[k] = v;
  return {
    logs: { level: t.logs.level },
    metrics: { level: t.metrics.level, addresses: t.metrics.level === 'none' ? [] : addresses },
    resource,
  };
}
