// Keys of the collector's k8sleaderelector / k8s_leader_elector extension
// (contrib extension/k8sleaderelector config.go, config.schema.yaml,
// factory.go): the k8sconfig API keys (auth_type default serviceAccount),
// lease_name and lease_namespace (both required: "lease name and namespace
// must be set"), lease_duration 15s, renew_deadline 10s, retry_period 2s
// (client-go's leaderelection defaults, which the factory sets).
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { apiConfigShape } from '../../src/k8s/api-config.js';

export const configSchema = z
  .strictObject({
    ...apiConfigShape,
    lease_name: z.string().default(''),
    lease_namespace: z.string().default(''),
    lease_duration: duration().default(15_000),
    renew_deadline: duration().default(10_000),
    retry_period: duration().default(2_000),
  })
  .superRefine((c, ctx) => {
    if (!c.lease_name || !c.lease_namespace)
      ctx.addIssue({ code: 'custom', message: 'lease name and namespace must be set' });
    // client-go's NewLeaderElector refuses these (the collector fails at creation)
    if (c.lease_duration <= c.renew_deadline)
      ctx.addIssue({
        code: 'custom',
        path: ['lease_duration'],
        message: 'leaseDuration must be greater than renewDeadline',
      });
    if (c.renew_deadline <= 1.2 * c.retry_period)
      ctx.addIssue({
        code: 'custom',
        path: ['renew_deadline'],
        message: 'renewDeadline must be greater than retryPeriod*JitterFactor',
      });
    if (c.retry_period < 1)
      ctx.addIssue({
        code: 'custom',
        path: ['retry_period'],
        message: 'retryPeriod must be greater than zero',
      });
  });

export type K8sLeaderElectorConfig = z.output<typeof configSchema>;
