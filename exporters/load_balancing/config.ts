// The collector's loadbalancing (load_balancing since v0.153) exporter config:
// exporter/loadbalancingexporter config.go and README. `protocol.otlp` is the
// OTLP/gRPC exporter's config with `endpoint` filled per backend; the
// exporter's own timeout/retry_on_failure/sending_queue are off unless given
// (the collector's createDefaultConfig leaves them zero "to maintain
// compatibility with workflow in previous versions").
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { duration } from '../../src/config/schema-types.js';
import { retryOnFailureSchema, sendingQueueSchema } from '../../src/exporterhelper/index.js';
import { otlpGrpcClientShape } from '../../src/otlpclient/index.js';
import type { Signal } from '../../src/pdata/signal.js';

export const ROUTING_KEYS = ['traceID', 'service', 'resource', 'metric', 'streamID', 'attributes'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

/** Which keys each signal can route by (README table), and the default when routing_key is unset. */
export const SIGNAL_KEYS: Record<Signal, { keys: readonly RoutingKey[]; default: RoutingKey }> = {
  traces: { keys: ['traceID', 'service', 'attributes'], default: 'traceID' },
  logs: { keys: ['traceID', 'service', 'resource', 'attributes'], default: 'service' },
  metrics: { keys: ['service', 'resource', 'metric', 'streamID', 'attributes'], default: 'service' },
};

const port = z.union([
  z.string().regex(/^\d{1,5}$/, { message: 'expected a port number, e.g. "4317"' }),
  z.number().int().min(1).max(65535).transform(String),
]);

const staticResolver = z.strictObject({
  hostnames: z.array(z.string().min(1)).min(1, { message: 'resolver.static.hostnames must not be empty' }),
});

const dnsResolver = z.strictObject({
  hostname: z.string().min(1, { message: 'no hostname specified to resolve the backends' }),
  port: port.optional(),
  interval: duration().default(5000),
  timeout: duration().default(1000),
});

const k8sResolver = z.strictObject({
  /** `name` or `name.namespace`. */
  service: z.string().min(1, { message: 'resolver.k8s.service must be set' }),
  ports: z.array(z.number().int().min(1).max(65535)).default([]),
  timeout: duration().default(60_000),
  return_hostnames: z.boolean().default(false),
});

/** Accepted so a collector config parses, then refused: Tsunagi has no AWS Cloud Map client. */
const awsCloudMapResolver = z.looseObject({});

// A struct in the collector: absent, `resolver:` and `resolver: {}` all mean none given,
// which is its "no resolvers specified" error.
const resolver = z
  .strictObject({
    // pointers in the collector: `static:` with no value is no static resolver
    static: absentWhenNull(staticResolver.optional()),
    dns: absentWhenNull(dnsResolver.optional()),
    k8s: absentWhenNull(k8sResolver.optional()),
    aws_cloud_map: absentWhenNull(awsCloudMapResolver.optional()),
  })
  .prefault({})
  .superRefine((r, ctx) => {
    const given = Object.entries(r).filter(([, v]) => v !== undefined).length;
    if (given === 0) ctx.addIssue({ code: 'custom', message: 'no resolvers specified for the exporter' });
    else if (given > 1) ctx.addIssue({ code: 'custom', message: 'only one resolver should be specified' });
    if (r.aws_cloud_map)
      ctx.addIssue({
        code: 'custom',
        path: ['aws_cloud_map'],
        message:
          'the aws_cloud_map resolver is not supported by Tsunagi (no AWS API client); use the dns resolver on a Cloud Map DNS namespace, or static',
      });
  });

export const loadBalancingConfigSchema = z
  .strictObject({
    protocol: z
      .strictObject({
        otlp: z
          .strictObject({
            /** Ignored: the exporter fills it with each backend (the collector's README says not to set it). */
            endpoint: z.string().optional(),
            ...otlpGrpcClientShape,
          })
          .prefault({}),
      })
      .prefault({}),
    resolver,
    routing_key: z.enum(ROUTING_KEYS).optional(),
    routing_attributes: z.array(z.string().min(1)).optional(),
    timeout: duration().default(0),
    // Absent: off. Present without `enabled`: retry stays off and the queue is on, as the
    // collector's zero-valued BackOffConfig and configoptional queue decode them.
    retry_on_failure: z.preprocess(
      (v) => (v === undefined || v === null ? { enabled: false } : { enabled: false, ...(v as object) }),
      retryOnFailureSchema,
    ),
    sending_queue: z.preprocess(
      (v) => (v === undefined || v === null ? { enabled: false } : v),
      sendingQueueSchema,
    ),
  })
  .superRefine((c, ctx) => {
    if (c.routing_key === 'attributes' && !c.routing_attributes?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['routing_attributes'],
        message: 'routing_attributes must be specified when routing_key is "attributes"',
      });
    if (c.routing_key !== 'attributes' && c.routing_attributes?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['routing_attributes'],
        message: `routing_attributes can only be used when routing_key is "attributes"; got "${c.routing_key ?? ''}". Remove routing_attributes or set routing_key to "attributes"`,
      });
  });

export type LoadBalancingConfig = z.output<typeof loadBalancingConfigSchema>;

/** The routing key of `signal`: the configured one if the signal supports it (else an error), or its default. */
export function routingKeyFor(cfg: LoadBalancingConfig, signal: Signal): RoutingKey {
  const { keys, default: def } = SIGNAL_KEYS[signal];
  const key = cfg.routing_key ?? def;
  if (!keys.includes(key))
    throw new Error(`unsupported routing_key "${key}" for ${signal} (supported: ${keys.join(', ')})`);
  return key;
}
