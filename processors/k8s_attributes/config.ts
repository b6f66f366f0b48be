import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { regexpError } from '../../src/regexp/go.js';

// Keys of the collector's k8sattributes / k8s_attributes processor (contrib
// processor/k8sattributesprocessor/config.go).

export const METADATA_FIELDS = [
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.pod.hostname',
  'k8s.pod.start_time',
  'k8s.pod.ip',
  'k8s.deployment.name',
  'k8s.deployment.uid',
  'k8s.replicaset.name',
  'k8s.replicaset.uid',
  'k8s.daemonset.name',
  'k8s.daemonset.uid',
  'k8s.statefulset.name',
  'k8s.statefulset.uid',
  'k8s.job.name',
  'k8s.job.uid',
  'k8s.cronjob.name',
  'k8s.cronjob.uid',
  'k8s.node.name',
  'k8s.node.uid',
  'k8s.container.name',
  'container.id',
  'container.image.name',
  'container.image.tag',
  'container.image.tags',
  'container.image.repo_digests',
  'service.namespace',
  'service.name',
  'service.version',
  'service.instance.id',
  'k8s.cluster.uid',
  // deprecated in the collector, still accepted there
  'k8s.cluster.name',
] as const;

export const DEFAULT_METADATA = [
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.pod.start_time',
  'k8s.deployment.name',
  'k8s.node.name',
];

const FROM = [
  'pod',
  'namespace',
  'node',
  'deployment',
  'replicaset',
  'statefulset',
  'daemonset',
  'job',
] as const;

const fieldExtract = z
  .strictObject({
    tag_name: z.string().optional(),
    key: z.string().optional(),
    key_regex: z.string().optional(),
    from: z.enum(FROM).default('pod'),
  })
  .superRefine((f, ctx) => {
    if (f.key && f.key_regex)
      ctx.addIssue({
        code: 'custom',
        message: 'Out of Key or KeyRegex only one option is expected to be configured at a time',
      });
    if (!f.key && !f.key_regex)
      ctx.addIssue({ code: 'custom', message: 'one of key or key_regex must be set' });
    if (f.key_regex) {
      const e = regexpError(f.key_regex);
      if (e) ctx.addIssue({ code: 'custom', path: ['key_regex'], message: e });
    }
  });

export type FieldExtract = z.output<typeof fieldExtract>;

const labelFilter = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  op: z.enum(['equals', 'not-equals', 'exists', 'does-not-exist']).default('equals'),
});
const fieldFilter = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  op: z.enum(['equals', 'not-equals']).default('equals'),
});

const associationSource = z.strictObject({
  from: z.enum(['resource_attribute', 'connection']),
  name: z.string().optional(),
});

export const configSchema = z.strictObject({
  auth_type: z.enum(['none', 'serviceAccount', 'kubeConfig', 'tls']).default('serviceAccount'),
  /** kubeConfig: the context to use (default: current-context). */
  context: z.string().optional(),
  passthrough: z.boolean().default(false),
  extract: z
    .strictObject({
      metadata: z
        .array(z.enum(METADATA_FIELDS))
        .default(DEFAULT_METADATA as (typeof METADATA_FIELDS)[number][]),
      annotations: z.array(fieldExtract).default([]),
      labels: z.array(fieldExtract).default([]),
      otel_annotations: z.boolean().default(false),
      deployment_name_from_replicaset: z.boolean().default(false),
    })
    .prefault({}),
  filter: z
    .strictObject({
      namespace: z.string().optional(),
      node: z.string().optional(),
      node_from_env_var: z.string().optional(),
      labels: z.array(labelFilter).default([]),
      fields: z.array(fieldFilter).default([]),
    })
    .prefault({}),
  pod_association: z
    .array(
      z.strictObject({
        sources: z.array(associationSource).max(4, 'too many association sources (at most 4)'),
      }),
    )
    .default([]),
  exclude: z
    .strictObject({ pods: z.array(z.strictObject({ name: z.string() })).default([]) })
    .default({ pods: [{ name: 'jaeger-agent' }, { name: 'jaeger-collector' }] }),
  wait_for_metadata: z.boolean().default(false),
  wait_for_metadata_timeout: duration().default(10_000),
  watch_sync_period: duration().default(0),
  pod_delete_grace_period: duration().default(120_000),
});

export type K8sAttributesConfig = z.output<typeof configSchema>;
