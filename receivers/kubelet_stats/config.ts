// Keys of the collector's kubeletstats / kubelet_stats receiver (contrib
// receiver/kubeletstatsreceiver config.go, config.schema.yaml, factory.go,
// documentation.md): scraper controller (collection_interval 10s,
// initial_delay 1s, timeout), kubelet client (k8sconfig API keys with
// auth_type default **tls**, configtls keys, insecure_skip_verify), endpoint
// (confignet), extra_metadata_labels (container.id, k8s.volume.type),
// metric_groups (container, pod, node, volume; default container, pod,
// node), k8s_api_config, node, collect_all_network_interfaces, and the
// metrics builder's `metrics` / `resource_attributes` enable flags.
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { AUTH_TYPES, apiConfigShape } from '../../src/k8s/api-config.js';
import { ALL_METRICS, RESOURCE_ATTRIBUTES } from './metrics.js';

export const METRIC_GROUPS = ['container', 'pod', 'node', 'volume'] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];

const enabled = z.strictObject({ enabled: z.boolean().optional() });

export const configSchema = z.strictObject({
  collection_interval: duration().default(10_000),
  initial_delay: duration().default(1_000),
  timeout: duration().default(0),
  ...apiConfigShape,
  auth_type: z.enum(AUTH_TYPES).default('tls'),
  ca_file: z.string().optional(),
  ca_pem: z.string().optional(),
  cert_file: z.string().optional(),
  cert_pem: z.string().optional(),
  key_file: z.string().optional(),
  key_pem: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().default(false),
  min_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
  max_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
  insecure_skip_verify: z.boolean().default(false),
  endpoint: z.string().default(''),
  dialer: z.strictObject({ timeout: duration().optional() }).optional(),
  extra_metadata_labels: z.array(z.enum(['container.id', 'k8s.volume.type'])).default([]),
  metric_groups: z
    .array(z.string())
    .default(['container', 'pod', 'node'])
    .refine((gs) => gs.every((g) => (METRIC_GROUPS as readonly string[]).includes(g)), {
      message: 'invalid entry in metric_groups',
    })
    .transform((gs) => gs as MetricGroup[]),
  k8s_api_config: z.strictObject(apiConfigShape).optional(),
  node: z.string().default(''),
  collect_all_network_interfaces: z
    .strictObject({ node: z.boolean().default(false), pod: z.boolean().default(false) })
    .default({ node: false, pod: false }),
  metrics: z.partialRecord(z.enum(ALL_METRICS), enabled).default({}),
  resource_attributes: z.partialRecord(z.enum(RESOURCE_ATTRIBUTES), enabled).default({}),
});

export type KubeletStatsConfig = z.output<typeof configSchema>;
