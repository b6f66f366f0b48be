// The collector's k8sconfig.APIConfig keys (internal/k8sconfig
// config.schema.yaml), squashed into every Kubernetes component's config.
import { z } from 'zod';

export const AUTH_TYPES = ['none', 'serviceAccount', 'kubeConfig', 'tls'] as const;

export const apiConfigShape = {
  /** How to authenticate to the API server (default serviceAccount). */
  auth_type: z.enum(AUTH_TYPES).default('serviceAccount'),
  /** kubeConfig: the context to use (default: current-context). */
  context: z.string().optional(),
  /** client-go's request rate limit (accepted; Tsunagi's client does not throttle). */
  kube_api_qps: z.number().positive().optional(),
  kube_api_burst: z.number().int().positive().optional(),
};
