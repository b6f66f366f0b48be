// Service discovery blocks of a scrape config: static_configs,
// file_sd_configs and kubernetes_sd_configs (roles pod and endpoints). Every
// other *_sd_configs key is refused by name.
import { z } from 'zod';
import { LABEL_NAME } from '../relabel/config.js';
import { checkHttpClient, type HttpClientConfig, httpClientShape } from './http-client.js';
import { parsePromDuration } from './units.js';
import { unsupported } from './unsupported.js';

export const promDuration = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parsePromDuration(String(v));
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `not a valid duration string: "${v}" (e.g. 30s, 1m, 1h30m)` });
      return z.NEVER;
    }
    return ms;
  });

const labelSet = z.record(z.string().regex(LABEL_NAME, { message: 'invalid label name' }), z.string());

export const staticConfigSchema = z.strictObject({
  targets: z
    .array(
      z.string().refine((t) => !t.includes('/'), { error: (i) => `"${i.input}" is not a valid hostname` }),
    )
    .nullable()
    .default([])
    .transform((t) => t ?? []),
  labels: labelSet
    .nullable()
    .default({})
    .transform((l) => l ?? {}),
});
export type StaticConfig = z.output<typeof staticConfigSchema>;

const FILE_SD_PATH = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

export const fileSdSchema = z.strictObject({
  files: z
    .array(
      z.string().refine((f) => FILE_SD_PATH.test(f), {
        error: (i) => `path name "${i.input}" is not valid for file discovery`,
      }),
    )
    .min(1, { message: 'file service discovery config must contain at least one path name' }),
  refresh_interval: promDuration().default(300_000),
});
export type FileSdConfig = z.output<typeof fileSdSchema>;

const K8S_ROLES = ['pod', 'endpoints', 'service', 'node'] as const;
const OTHER_ROLES = ['endpointslice', 'ingress'];
/** Which selector roles each SD role may filter on (Prometheus discovery/kubernetes). */
const SELECTOR_ROLES: Record<string, string[]> = {
  pod: ['pod'],
  endpoints: ['pod', 'service', 'endpoints'],
  service: ['service'],
  node: ['node'],
};

export const kubernetesSdSchema = z
  .strictObject({
    role: z.string({ error: 'role missing (one of: pod, service, endpoints, endpointslice, node, ingress)' }),
    api_server: z.string().optional(),
    kubeconfig_file: z.string().optional(),
    namespaces: z
      .strictObject({
        own_namespace: z.boolean().default(false),
        names: z.array(z.string()).default([]),
      })
      .optional(),
    selectors: z
      .array(
        z.strictObject({
          role: z.string(),
          label: z.string().optional(),
          field: z.string().optional(),
        }),
      )
      .default([]),
    attach_metadata: z
      .strictObject({
        node: z
          .boolean()
          .default(false)
          .refine((v) => !v, {
            message: 'attach_metadata.node is not supported by tsunagi yet',
          }),
        namespace: z
          .boolean()
          .default(false)
          .refine((v) => !v, {
            message: 'attach_metadata.namespace is not supported by tsunagi yet',
          }),
      })
      .optional(),
    ...httpClientShape,
  })
  .superRefine((k, ctx) => {
    const add = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (OTHER_ROLES.includes(k.role))
      add(
        `kubernetes_sd_configs role "${k.role}" is not supported by tsunagi yet (supported: pod, endpoints, service, node)`,
      );
    else if (!(K8S_ROLES as readonly string[]).includes(k.role))
      add(`role missing (one of: pod, service, endpoints, endpointslice, node, ingress); got "${k.role}"`);
    if (k.api_server !== undefined && k.kubeconfig_file !== undefined)
      add("cannot use 'kubeconfig_file' and 'api_server' simultaneously");
    const customHttp =
      k.basic_auth || k.authorization || k.bearer_token !== undefined || k.bearer_token_file !== undefined;
    const customTls =
      Object.entries(k.tls_config).some(([key, v]) => key !== 'insecure_skip_verify' && v !== undefined) ||
      k.tls_config.insecure_skip_verify;
    if (k.api_server === undefined && k.kubeconfig_file === undefined && (customHttp || customTls))
      add("to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
    if (k.kubeconfig_file !== undefined && (customHttp || customTls))
      add("cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
    checkHttpClient(k as HttpClientConfig, add);
    const allowed = SELECTOR_ROLES[k.role] ?? [];
    const seen = new Set<string>();
    for (const s of k.selectors) {
      if (!allowed.includes(s.role))
        add(`${s.role} is not allowed for ${k.role} role; allowed roles: ${allowed.join(', ')}`);
      if (seen.has(s.role)) add(`duplicated selector role: ${s.role}`);
      seen.add(s.role);
    }
  });
export type KubernetesSdConfig = z.output<typeof kubernetesSdSchema>;

/** The other discovery mechanisms Prometheus has: named, refused. */
export const OTHER_SD_KEYS = [
  'azure_sd_configs',
  'consul_sd_configs',
  'digitalocean_sd_configs',
  'docker_sd_configs',
  'dockerswarm_sd_configs',
  'dns_sd_configs',
  'ec2_sd_configs',
  'eureka_sd_configs',
  'gce_sd_configs',
  'hetzner_sd_configs',
  'http_sd_configs',
  'ionos_sd_configs',
  'kuma_sd_configs',
  'lightsail_sd_configs',
  'linode_sd_configs',
  'marathon_sd_configs',
  'moby_sd_configs',
  'nerve_sd_configs',
  'nomad_sd_configs',
  'openstack_sd_configs',
  'ovhcloud_sd_configs',
  'puppetdb_sd_configs',
  'scaleway_sd_configs',
  'serverset_sd_configs',
  'stackit_sd_configs',
  'triton_sd_configs',
  'uyuni_sd_configs',
  'vultr_sd_configs',
  'xds_sd_configs',
  'zookeeper_sd_configs',
  'outscale_sd_configs',
] as const;

export const otherSdShape = Object.fromEntries(OTHER_SD_KEYS.map((k) => [k, unsupported(k)])) as Record<
  (typeof OTHER_SD_KEYS)[number],
  ReturnType<typeof unsupported>
>;
