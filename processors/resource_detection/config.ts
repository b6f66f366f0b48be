import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { goRegExp } from '../../src/regexp/go.js';
import { DETECTOR_ATTRIBUTES } from './attributes.js';

// Keys and defaults of the collector's resource_detection processor (contrib
// processor/resourcedetectionprocessor: config.go, factory.go, README and each
// detector's config.go / documentation.md).

/** Detectors built here. */
export const DETECTORS = ['env', 'system', 'docker', 'k8s_api', 'k8snode', 'ec2', 'gcp', 'azure'] as const;
/** Detectors the collector has that are not built yet: a clear error, not a silent no-op. */
const NOT_YET = [
  'ecs',
  'eks',
  'elastic_beanstalk',
  'lambda',
  'aks',
  'azurecontainerapps',
  'heroku',
  'openshift',
  'dynatrace',
  'consul',
  'kubeadm',
  'hetzner',
  'akamai',
  'scaleway',
  'vultr',
  'oraclecloud',
  'digitalocean',
  'nova',
  'upcloud',
  'alibaba_ecs',
  'tencent_cvm',
  'ibmcloud_vpc',
  'ibmcloud_classic',
];

const resourceAttributes = (detector: string) =>
  z
    .record(z.string(), z.strictObject({ enabled: z.boolean() }))
    .default({})
    .superRefine((flags, ctx) => {
      const known = DETECTOR_ATTRIBUTES[detector];
      for (const [name, f] of Object.entries(flags)) {
        const spec = known[name];
        if (!spec)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `unknown resource attribute for the ${detector} detector (known: ${Object.keys(known).join(', ')})`,
          });
        else if (spec.unsupported && f.enabled)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} is not supported yet by the ${detector} detector`,
          });
      }
    });

/** Settings of the k8s_api detector (its config.go: the k8s APIConfig plus node_from_env_var). */
const k8sApiSection = (detector: string) =>
  z
    .strictObject({
      auth_type: z.enum(['none', 'serviceAccount', 'kubeConfig', 'tls']).default('serviceAccount'),
      context: z.string().optional(),
      node_from_env_var: z.string().default('K8S_NODE_NAME'),
      resource_attributes: resourceAttributes(detector),
    })
    .prefault({});

const regexList = z
  .array(z.string())
  .default([])
  .superRefine((list, ctx) => {
    list.forEach((r, i) => {
      try {
        goRegExp(r);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `invalid regexp "${r}": ${(e as Error).message}`,
        });
      }
    });
  });

export const configSchema = z
  .strictObject({
    /** In order; the first detector to set an attribute wins. */
    detectors: z.array(z.string()).default(['env']),
    /** Detected attributes replace the data's (true) or only fill in missing ones (false). */
    override: z.boolean().default(true),
    /** The HTTP client timeout, which also bounds a detection session when retry.max_elapsed_time is 0. */
    timeout: duration().default(5000),
    /** Re-detect this often (0: once, at start). */
    refresh_interval: duration().default(0),
    /** Treat an unreachable metadata service as a failure instead of "not on that platform". */
    fail_on_missing_metadata: z.boolean().default(false),
    retry: z
      .strictObject({
        enabled: z.boolean().default(true),
        initial_interval: duration().default(1000),
        randomization_factor: z.number().min(0).default(0.5),
        multiplier: z.number().min(1).default(2),
        max_interval: duration().default(30_000),
        max_elapsed_time: duration().default(0),
      })
      .prefault({}),
    /** Deprecated in the collector: an allowlist of detected attributes. */
    attributes: z.array(z.string()).optional(),
    system: z
      .strictObject({
        hostname_sources: z.array(z.enum(['dns', 'os', 'cname', 'lookup'])).default(['dns', 'os']),
        resource_attributes: resourceAttributes('system'),
      })
      .prefault({}),
    docker: z.strictObject({ resource_attributes: resourceAttributes('docker') }).prefault({}),
    k8s_api: k8sApiSection('k8s_api'),
    /** The deprecated alias's own key (the collector keeps both, each with the k8s_api settings). */
    k8snode: k8sApiSection('k8snode'),
    ec2: z
      .strictObject({
        /** Regexps of instance tag keys to add as ec2.tag.<key>. */
        tags: regexList,
        /** Read the tags from IMDS (needs InstanceMetadataTags=enabled) instead of the EC2 DescribeTags API. */
        tags_from_imds: z.boolean().default(false),
        max_attempts: z.number().int().min(1).default(3),
        max_backoff: duration().default(20_000),
        /** Deprecated in the collector: use the top-level key. */
        fail_on_missing_metadata: z.boolean().default(false),
        resource_attributes: resourceAttributes('ec2'),
      })
      .prefault({}),
    gcp: z.strictObject({ resource_attributes: resourceAttributes('gcp') }).prefault({}),
    azure: z
      .strictObject({
        /** Regexps of VM tag names to add as azure.tags.<name>. */
        tags: regexList,
        resource_attributes: resourceAttributes('azure'),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    c.detectors.forEach((d, i) => {
      const name = d.trim();
      if ((DETECTORS as readonly string[]).includes(name)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['detectors', i],
        message: NOT_YET.includes(name)
          ? `the ${name} detector is not supported yet (built: ${DETECTORS.join(', ')})`
          : `invalid detector key: ${name} (one of: ${DETECTORS.join(', ')})`,
      });
    });
    if (c.ec2.tags.length > 0 && !c.ec2.tags_from_imds)
      ctx.addIssue({
        code: 'custom',
        path: ['ec2', 'tags'],
        message: 'ec2 tags through the EC2 DescribeTags API are not supported yet; set tags_from_imds: true',
      });
    if (c.retry.enabled && c.timeout === 0 && c.retry.max_elapsed_time === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['retry'],
        message:
          'retry.enabled with timeout 0 and retry.max_elapsed_time 0 would let a hung detector block startup forever: set one of them',
      });
  });

export type ResourceDetectionConfig = z.output<typeof configSchema>;
