// Config-only fake factories (schemas with the collector's keys, trivial
// components) for config-validation tests that need a registry.
import { z } from 'zod';
import type {
  ConnectorFactory,
  ExporterFactory,
  ExtensionFactory,
  ProcessorFactory,
  ReceiverFactory,
  Registry,
} from '../../src/component/component.js';
import type { Signal } from '../../src/pdata/signal.js';

const ALL: readonly Signal[] = ['traces', 'metrics', 'logs'];
const noop = { start: async () => {}, shutdown: async () => {} };

export function fakeReceiver(
  type: string,
  signals = ALL,
  schema: z.ZodType = z.strictObject({}),
  deprecatedTypes?: string[],
): ReceiverFactory {
  return {
    kind: 'receiver',
    type,
    deprecatedTypes,
    description: `fake ${type}`,
    signals,
    configSchema: schema,
    create: () => ({ ...noop }),
  };
}
export function fakeProcessor(
  type: string,
  signals = ALL,
  schema: z.ZodType = z.strictObject({}),
): ProcessorFactory {
  return {
    kind: 'processor',
    type,
    description: `fake ${type}`,
    signals,
    mutatesData: false,
    configSchema: schema,
    create: (_s, _c, _sig, next) => ({ ...noop, consume: (d, ctx) => next.consume(d, ctx) }),
  };
}
export function fakeExporter(
  type: string,
  signals = ALL,
  schema: z.ZodType = z.strictObject({}),
  deprecatedTypes?: string[],
): ExporterFactory {
  return {
    kind: 'exporter',
    type,
    deprecatedTypes,
    description: `fake ${type}`,
    signals,
    configSchema: schema,
    create: () => ({ ...noop, consume: async () => {} }),
  };
}
export function fakeExtension(type: string, schema: z.ZodType = z.strictObject({})): ExtensionFactory {
  return {
    kind: 'extension',
    type,
    description: `fake ${type}`,
    configSchema: schema,
    create: () => ({ ...noop }),
  };
}

const protocol = z.strictObject({ endpoint: z.string().optional() }).nullable();
const otlpReceiverSchema = z.strictObject({
  protocols: z.strictObject({ grpc: protocol.optional(), http: protocol.optional() }).prefault({}),
});
const tls = z.strictObject({ insecure: z.boolean().optional() }).optional();
const otlpExporterSchema = z.strictObject({
  endpoint: z.string(),
  tls,
  sending_queue: z
    .strictObject({ num_consumers: z.number().optional(), queue_size: z.number().optional() })
    .optional(),
  retry_on_failure: z.strictObject({ enabled: z.boolean().optional() }).optional(),
});

const SAME: ConnectorFactory['pairs'] = [
  ['traces', 'traces'],
  ['metrics', 'metrics'],
  ['logs', 'logs'],
];
export function fakeConnector(
  type: string,
  pairs: ConnectorFactory['pairs'] = SAME,
  schema: z.ZodType = z.strictObject({}),
  deprecatedTypes?: string[],
): ConnectorFactory {
  return {
    kind: 'connector',
    type,
    deprecatedTypes,
    description: `fake ${type}`,
    pairs,
    mutatesData: false,
    passThrough: pairs.every(([a, b]) => a === b),
    configSchema: schema,
    create: (_s, _c, _from, _to, next) => ({ ...noop, consume: (d, ctx) => next.consume(d as never, ctx) }),
  };
}

/** A registry shaped like the real one: otlp receiver, batch, memory_limiter, debug, otlp_grpc/otlp_http. */
export function fakeRegistry(): Registry {
  return {
    receivers: [
      fakeReceiver('otlp', ALL, otlpReceiverSchema),
      fakeReceiver('jaeger', ['traces'], z.any()),
      fakeReceiver('file_log', ['logs'], z.any(), ['filelog']),
    ],
    processors: [
      fakeProcessor(
        'batch',
        ALL,
        z.strictObject({
          timeout: z.string().default('200ms'),
          send_batch_size: z.number().int().min(0).default(8192),
          send_batch_max_size: z.number().optional(),
        }),
      ),
      fakeProcessor(
        'memory_limiter',
        ALL,
        z.strictObject({
          check_interval: z.string(),
          limit_mib: z.number().optional(),
          spike_limit_mib: z.number().optional(),
          limit_percentage: z.number().optional(),
          spike_limit_percentage: z.number().optional(),
        }),
      ),
      fakeProcessor('k8s_attributes', ALL, z.any()),
    ],
    exporters: [
      fakeExporter(
        'debug',
        ALL,
        z.strictObject({ verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic') }),
      ),
      fakeExporter('otlp_grpc', ALL, otlpExporterSchema, ['otlp']),
      fakeExporter('otlp_http', ALL, otlpExporterSchema, ['otlphttp']),
    ],
    extensions: [fakeExtension('health_check', z.any())],
    connectors: [
      fakeConnector('forward'),
      fakeConnector('count', [
        ['traces', 'metrics'],
        ['metrics', 'metrics'],
        ['logs', 'metrics'],
      ]),
      fakeConnector('span_metrics', [['traces', 'metrics']], z.any(), ['spanmetrics']),
    ],
  };
}
