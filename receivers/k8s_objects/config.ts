// Keys of the collector's k8sobjects / k8s_objects receiver
// (contrib receiver/k8sobjectsreceiver config.go, config.schema.yaml,
// factory.go): objects[] with name, group, mode (pull | watch, default pull),
// label_selector, field_selector, interval (pull only, default 1h),
// resource_version, namespaces, exclude_watch_type (watch only),
// exclude_namespaces, persist_resource_version; error_mode (default
// propagate), include_initial_state, k8s_leader_elector, storage.
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { apiConfigShape } from '../../src/k8s/api-config.js';
import { regexpError } from '../../src/regexp/go.js';

export const WATCH_TYPES = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] as const;
export const DEFAULT_PULL_INTERVAL_MS = 60 * 60 * 1000;

/** The collector's filter.Config: a namespace matched exactly or by regular expression. */
const namespaceFilter = z
  .strictObject({ strict: z.string().optional(), regexp: z.string().optional() })
  .superRefine((f, ctx) => {
    if ((f.strict === undefined) === (f.regexp === undefined))
      ctx.addIssue({ code: 'custom', message: 'exactly one of strict or regexp must be set' });
    const e = f.regexp === undefined ? undefined : regexpError(f.regexp);
    if (e) ctx.addIssue({ code: 'custom', path: ['regexp'], message: e });
  });

const objectSchema = z
  .strictObject({
    name: z.string().min(1, 'name is required (the resource, e.g. pods, events)'),
    group: z.string().default(''),
    mode: z
      .string()
      .default('pull')
      .refine((m) => m === 'pull' || m === 'watch', { error: (i) => `invalid mode: ${String(i.input)}` })
      .transform((m) => m as 'pull' | 'watch'),
    label_selector: z.string().default(''),
    field_selector: z.string().default(''),
    interval: duration().optional(),
    resource_version: z.string().default(''),
    namespaces: z.array(z.string()).default([]),
    exclude_watch_type: z.array(z.enum(WATCH_TYPES)).default([]),
    exclude_namespaces: z.array(namespaceFilter).default([]),
    persist_resource_version: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.mode === 'pull' && o.exclude_watch_type.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['exclude_watch_type'],
        message: 'the Exclude config can only be used with watch mode',
      });
  })
  .transform((o) => ({
    ...o,
    interval: o.interval || (o.mode === 'pull' ? DEFAULT_PULL_INTERVAL_MS : 0),
  }));

export const configSchema = z.strictObject({
  ...apiConfigShape,
  objects: z.array(objectSchema).default([]),
  error_mode: z.enum(['propagate', 'ignore', 'silent']).default('propagate'),
  include_initial_state: z.boolean().default(false),
  k8s_leader_elector: z.string().optional(),
  storage: z.string().optional(),
});

export type K8sObjectsConfig = z.output<typeof configSchema>;
export type ObjectConfig = K8sObjectsConfig['objects'][number];
