// service.telemetry: own logs (level, encoding) and own metrics: the
// Prometheus pull endpoint (the old `address` or a `readers[].pull` reader)
// and OTLP push (`readers[].periodic`), in the forms the collector takes
// (its otelconf schemas v0.2/v0.3 and v1: `otlp` with `protocol`, or
// `otlp_http` / `otlp_grpc`); the resource in the map or the declarative form.
import { z } from 'zod';
import { endpoint } from './schema-types.js';

const prometheusExporter = z.strictObject({
  host: z.string().default('localhost'),
  port: z.number().int().min(0).max(65535).default(8888),
  without_scope_info: z.boolean().optional(),
  without_type_suffix: z.boolean().optional(),
  without_units: z.boolean().optional(),
  translation_strategy: z.string().optional(),
  with_resource_constant_labels: z
    .strictObject({ included: z.array(z.string()).optional(), excluded: z.array(z.string()).optional() })
    .optional(),
});

const pullReader = z.strictObject({
  exporter: z
    .strictObject({
      prometheus: prometheusExporter.optional(),
      /** The v1 schema's name for the same exporter. */
      'prometheus/development': prometheusExporter.optional(),
    })
    .refine((e) => (e.prometheus ? 1 : 0) + (e['prometheus/development'] ? 1 : 0) === 1, {
      message: 'a pull reader needs exactly one exporter: prometheus',
    }),
});

/** Headers: a list of {name, value} (v0.3, v1) or a map (v0.2). */
const headers = z
  .union([
    z.array(z.strictObject({ name: z.string(), value: z.string().nullable() })),
    z.record(z.string(), z.string()),
  ])
  .optional();

const temporality = z.enum(['cumulative', 'delta']).default('cumulative');
const histogramAggregation = z.literal('explicit_bucket_histogram').optional();

/** The v0.2/v0.3 `otlp` push exporter: `protocol` picks the transport. */
const otlpExporter = z.strictObject({
  protocol: z.enum(['http/protobuf', 'grpc', 'grpc/protobuf']),
  endpoint: z.string(),
  headers,
  headers_list: z.string().optional(),
  compression: z.enum(['gzip', 'none']).optional(),
  timeout: z.number().int().nonnegative().default(10_000),
  insecure: z.boolean().optional(),
  certificate: z.string().optional(),
  client_certificate: z.string().optional(),
  client_key: z.string().optional(),
  temporality_preference: temporality,
  default_histogram_aggregation: histogramAggregation,
});

const v1Tls = z.strictObject({
  ca_file: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  insecure: z.boolean().optional(),
});

const v1Exporter = (extra: Record<string, z.ZodType>) =>
  z.strictObject({
    endpoint: z.string(),
    headers,
    headers_list: z.string().optional(),
    compression: z.enum(['gzip', 'none']).optional(),
    timeout: z.number().int().nonnegative().default(10_000),
    tls: v1Tls.optional(),
    temporality_preference: temporality,
    default_histogram_aggregation: histogramAggregation,
    ...extra,
  });

const periodicReader = z.strictObject({
  /** Milliseconds between exports (otelconf default 60000). */
  interval: z.number().int().positive().default(60_000),
  /** Milliseconds an export may take (otelconf default 30000). */
  timeout: z.number().int().positive().default(30_000),
  exporter: z
    .strictObject({
      otlp: otlpExporter.optional(),
      otlp_http: v1Exporter({ encoding: z.literal('protobuf').optional() }).optional(),
      otlp_grpc: v1Exporter({}).optional(),
    })
    .refine((e) => [e.otlp, e.otlp_http, e.otlp_grpc].filter(Boolean).length === 1, {
      message: 'a periodic reader needs exactly one exporter: otlp, otlp_http or otlp_grpc',
    }),
});

const reader = z
  .strictObject({ pull: pullReader.optional(), periodic: periodicReader.optional() })
  .refine((r) => (r.pull ? 1 : 0) + (r.periodic ? 1 : 0) === 1, {
    message: 'a reader is either pull or periodic',
  });

/** zap's level names: all lower or all upper case (DEBUG, INFO, WARN, ERROR), as the collector takes them. */
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const logLevel = z.preprocess((v) => {
  // An unset variable (`level: ${env:LOG_LEVEL}`) is "": zap's UnmarshalText reads it as info.
  if (v === '') return 'info';
  return typeof v === 'string' && v === v.toUpperCase() && LOG_LEVELS.includes(v.toLowerCase() as never)
    ? v.toLowerCase()
    : v;
}, z.enum(LOG_LEVELS));
/** The collector's metrics level is case-insensitive (configtelemetry lowercases it). */
const METRICS_LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
const metricsLevel = z.preprocess(
  (v) => (typeof v === 'string' && METRICS_LEVELS.includes(v.toLowerCase() as never) ? v.toLowerCase() : v),
  z.enum(METRICS_LEVELS),
);

/** zap's outputs: Tsunagi writes its JSON logs to stderr only. */
const stderrOnly = (key: string) =>
  z
    .array(z.string())
    .optional()
    .refine((p) => p === undefined || (p.length === 1 && p[0] === 'stderr'), {
      message: `only [stderr] is supported for ${key}`,
    });

/** A declarative resource attribute (otelconf AttributeNameValue). */
const attributeValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

/**
 * The resource: the map form (`host.name: a`, null removes a default
 * attribute) and the declarative form (`attributes: [{name, value}]`,
 * `schema_url`), also mixed, as the collector's ResourceConfig takes them.
 */
const resourceSchema = z.record(z.string(), z.unknown()).superRefine((r, ctx) => {
  for (const [k, v] of Object.entries(r)) {
    if (k === 'attributes') {
      const list = z
        .array(
          z.strictObject({
            name: z.string(),
            value: attributeValue.nullable(),
            type: z
              .enum([
                'string',
                'bool',
                'int',
                'double',
                'string_array',
                'bool_array',
                'int_array',
                'double_array',
              ])
              .optional(),
          }),
        )
        .safeParse(v);
      if (!list.success)
        for (const i of list.error.issues)
          ctx.addIssue({
            code: 'custom',
            path: ['attributes', ...(i.path as PropertyKey[])],
            message: i.message,
          });
    } else if (k === 'schema_url') {
      if (typeof v !== 'string') ctx.addIssue({ code: 'custom', path: [k], message: 'expected a string' });
    } else if (k === 'attributes_list')
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: 'resource::attributes_list is not currently supported, please use resource::attributes',
      });
    else if (k === 'detectors' || k === 'detection/development')
      ctx.addIssue({ code: 'custom', path: [k], message: 'resource detectors are not supported' });
    else if (v !== null && typeof v !== 'string')
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: 'a resource attribute in the map form must be a string or null',
      });
  }
});

export const telemetrySchema = z
  .strictObject({
    logs: z
      .strictObject({
        level: logLevel.default('info'),
        encoding: z.enum(['json', 'console']).default('json'),
        // zap keys with no effect on Tsunagi's JSON logs (no caller, no stack traces, no sampling).
        development: z.boolean().optional(),
        disable_caller: z.boolean().optional(),
        disable_stacktrace: z.boolean().optional(),
        sampling: z
          .strictObject({
            enabled: z.boolean().optional(),
            tick: z.union([z.string(), z.number()]).optional(),
            initial: z.number().int().optional(),
            thereafter: z.number().int().optional(),
          })
          .optional(),
        output_paths: stderrOnly('output_paths'),
        error_output_paths: stderrOnly('error_output_paths'),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        level: metricsLevel.default('normal'),
        address: endpoint().optional(),
        readers: z.array(reader).optional(),
      })
      .refine((m) => m.level === 'none' || m.readers === undefined || m.readers.length > 0, {
        path: ['readers'],
        message: 'collector telemetry metrics reader should exist when metric level is not none',
      })
      .prefault({}),
    /** Resource attributes of the collector's own telemetry (`target_info` labels, the OTLP push's resource). */
    resource: resourceSchema.optional(),
  })
  .prefault({});

export type RawTelemetry = z.output<typeof telemetrySchema>;

/** An OTLP push of the own metrics (a `readers[].periodic` entry), normalized. */
export interface PeriodicReaderConfig {
  protocol: 'http/protobuf' | 'grpc';
  /** http/protobuf: the full URL (path /v1/metrics when none was given); grpc: host:port. */
  endpoint: string;
  /** grpc without TLS (`insecure: true` or an http:// endpoint). */
  insecure: boolean;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  intervalMs: number;
  /** Bound of one export (the exporter's timeout, at most the reader's). */
  timeoutMs: number;
  temporality: 'cumulative' | 'delta';
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface TelemetryConfig {
  logs: { level: 'debug' | 'info' | 'warn' | 'error' };
  metrics: {
    level: 'none' | 'basic' | 'normal' | 'detailed';
    /** Where `/metrics` is served (host:port); empty when metrics.level is none. */
    addresses: string[];
    /** OTLP pushes of the own metrics; empty when metrics.level is none. */
    periodic: PeriodicReaderConfig[];
  };
  /** Attributes set by the config (values as text). */
  resource: Record<string, string>;
  /** Attributes the config set to null: default attributes (service.name, ...) left out. */
  resourceRemoved: string[];
  schemaUrl?: string;
}

export const DEFAULT_METRICS_ADDRESS = 'localhost:8888';

type RawReader = NonNullable<RawTelemetry['metrics']['readers']>[number];

function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

function headerMap(h: z.output<typeof headers>, list: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  // headers_list ("k1=v1,k2=v2") has lower priority than headers (otelconf).
  if (list)
    for (const part of list.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0)
        out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    }
  if (Array.isArray(h)) {
    for (const { name, value } of h) if (value !== null) out[name] = value;
  } else if (h) Object.assign(out, h);
  return out;
}

function periodicConfig(
  p: NonNullable<RawReader['periodic']>,
  i: number,
  warnings: string[],
): PeriodicReaderConfig {
  const { otlp, otlp_http, otlp_grpc } = p.exporter;
  const e = (otlp ?? otlp_http ?? otlp_grpc)!;
  const protocol: PeriodicReaderConfig['protocol'] =
    otlp_http || otlp?.protocol === 'http/protobuf' ? 'http/protobuf' : 'grpc';
  const tls = otlp
    ? { ca: otlp.certificate, cert: otlp.client_certificate, key: otlp.client_key }
    : undefined;
  const v1tls = otlp_http?.tls ?? otlp_grpc?.tls;
  const insecureFlag = otlp?.insecure ?? v1tls?.insecure;
  let endpoint = e.endpoint;
  let insecure: boolean;
  if (protocol === 'http/protobuf') {
    // The collector adds a scheme to a bare host:port: http:// when insecure, else https://.
    if (!/^https?:\/\//.test(endpoint)) endpoint = `${insecureFlag ? 'http' : 'https'}://${endpoint}`;
    const u = new URL(endpoint);
    // otelconf: a path in the URL is used as given; none means the default /v1/metrics.
    if (!/^https?:\/\/[^/]+\//.test(endpoint)) u.pathname = '/v1/metrics';
    endpoint = u.toString();
    insecure = u.protocol === 'http:';
  } else {
    const m = /^(https?):\/\/([^/]+)/.exec(endpoint);
    insecure = m ? m[1] === 'http' || insecureFlag === true : insecureFlag === true;
    if (m) endpoint = m[2];
  }
  if (otlp?.protocol === 'grpc/protobuf')
    warnings.push(
      `service::telemetry::metrics::readers::${i}::periodic::exporter::otlp::protocol: "grpc/protobuf" is deprecated; use "grpc"`,
    );
  return {
    protocol,
    endpoint,
    insecure,
    headers: headerMap(e.headers, e.headers_list),
    compression: e.compression ?? 'none',
    intervalMs: p.interval,
    timeoutMs: Math.min(e.timeout, p.timeout),
    temporality: e.temporality_preference,
    caFile: tls?.ca ?? v1tls?.ca_file,
    certFile: tls?.cert ?? v1tls?.cert_file,
    keyFile: tls?.key ?? v1tls?.key_file,
  };
}

export function resolveTelemetry(t: RawTelemetry, warnings: string[]): TelemetryConfig {
  if (t.logs.encoding === 'console')
    warnings.push(
      'service::telemetry::logs::encoding: "console" is not supported; logs are written as JSON (encoding: json)',
    );
  let addresses: string[] = [];
  const periodic: PeriodicReaderConfig[] = [];
  if (t.metrics.readers) {
    if (t.metrics.address)
      warnings.push('service::telemetry::metrics::address is ignored because metrics::readers is set');
    t.metrics.readers.forEach((r, i) => {
      if (r.pull) {
        const { host, port } = (r.pull.exporter.prometheus ?? r.pull.exporter['prometheus/development'])!;
        addresses.push(hostPort(host, port));
      } else if (r.periodic) periodic.push(periodicConfig(r.periodic, i, warnings));
    });
  } else {
    if (t.metrics.address)
      warnings.push(
        'service::telemetry::metrics::address is deprecated in favor of service::telemetry::metrics::readers',
      );
    // The old key is one pull reader with its host and port (the collector's migration).
    addresses = [t.metrics.address ?? DEFAULT_METRICS_ADDRESS];
  }
  const resource: Record<string, string> = {};
  const resourceRemoved: string[] = [];
  let schemaUrl: string | undefined;
  for (const [k, v] of Object.entries(t.resource ?? {})) {
    if (k === 'schema_url') schemaUrl = v as string;
    else if (k === 'attributes')
      for (const a of v as { name: string; value: unknown }[]) {
        if (a.value === null) resourceRemoved.push(a.name);
        else resource[a.name] = Array.isArray(a.value) ? JSON.stringify(a.value) : String(a.value);
      }
    else if (v === null) resourceRemoved.push(k);
    else resource[k] = v as string;
  }
  const none = t.metrics.level === 'none';
  return {
    logs: { level: t.logs.level },
    metrics: { level: t.metrics.level, addresses: none ? [] : addresses, periodic: none ? [] : periodic },
    resource,
    resourceRemoved,
    schemaUrl,
  };
}
