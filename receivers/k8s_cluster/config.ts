// Keys of the collector's k8s_cluster receiver (contrib
// receiver/k8sclusterreceiver config.go, config.schema.yaml, README,
// documentation.md): the k8sconfig API keys (auth_type default
// serviceAccount), collection_interval 10s, node_conditions_to_report
// [Ready], allocatable_types_to_report [], metadata_exporters,
// metadata_collection_interval 5m, distribution (kubernetes | openshift),
// namespace (deprecated) / namespaces, k8s_leader_elector, and the metrics
// builder's `metrics` / `resource_attributes` enable flags.
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { apiConfigShape } from '../../src/k8s/api-config.js';
import { ALL_METRICS, RESOURCE_ATTRIBUTES } from './metrics.js';

const enabled = z.strictObject({ enabled: z.boolean().optional() });

export const configSchema = z.strictObject({
  ...apiConfigShape,
  collection_interval: duration().default(10_000),
  node_conditions_to_report: z.array(z.string()).default(['Ready']),
  allocatable_types_to_report: z.array(z.string()).default([]),
  metadata_exporters: z.array(z.string()).default([]),
  metadata_collection_interval: duration().default(300_000),
  distribution: z.enum(['kubernetes', 'openshift']).default('kubernetes'),
  namespace: z.string().optional(),
  namespaces: z.array(z.string()).default([]),
  k8s_leader_elector: z.string().optional(),
  metrics: z.partialRecord(z.enum(ALL_METRICS), enabled).default({}),
  resource_attributes: z.partialRecord(z.enum(RESOURCE_ATTRIBUTES), enabled).default({}),
});

export type K8sClusterConfig = z.output<typeof configSchema>;
