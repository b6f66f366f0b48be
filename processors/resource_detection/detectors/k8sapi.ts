// The k8s_api detector (collector contrib v0.154.0+, internal/k8sapi; `k8snode`
// is its deprecated alias with a config key of its own). From the API server:
// the node this process runs on (its name from the node_from_env_var
// variable, set with the downward API; GET /api/v1/nodes/<name>) and the
// cluster's UID, which Kubernetes does not have, so the semantic conventions
// take the UID of the kube-system namespace (GET /api/v1/namespaces/kube-system).
// Authentication as k8s_attributes: serviceAccount (in cluster), kubeConfig or none.
//
// Failures, as upstream: a node that cannot be read is a detection error
// (retried, then the processor does not start); the cluster UID answered with
// 401/403 (RBAC without namespaces/kube-system get, which older deployments
// lack) is logged and skipped; any other failure of it is an error.
import { apiTarget } from '../../../src/k8s/auth.js';
import { ApiError, KubeClient } from '../../../src/k8s/client.js';
import { AttributeBuilder, type DetectContext, type Detected, type Detector } from './types.js';

/** The detector reports semantic conventions v1.40.0 (its conventions.SchemaURL). */
export const K8S_API_SCHEMA_URL = 'https://opentelemetry.io/schemas/1.40.0';

export interface K8sApiConfig {
  auth_type: 'none' | 'serviceAccount' | 'kubeConfig' | 'tls';
  context?: string;
  node_from_env_var: string;
}

/** The node name, or the collector's error when the variable is unset or empty (a start failure there too). */
export function nodeName(cfg: K8sApiConfig, env: NodeJS.ProcessEnv): string {
  const name = env[cfg.node_from_env_var];
  if (!name)
    throw new Error("node name can't be found. Check the readme on how to set the required env variable");
  return name;
}

interface ObjectMeta {
  metadata?: { uid?: string; name?: string };
}

const NO_RBAC =
  "no permission to get kube-system namespace, skipping k8s.cluster.uid; disable the attribute or grant 'get' on namespaces/kube-system";

export function k8sApiDetector(cfg: K8sApiConfig, enabled: Set<string>): Detector {
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      const name = nodeName(cfg, ctx.env);
      const client = new KubeClient(apiTarget(cfg.auth_type, cfg.context, { env: ctx.env }), {
        requestTimeoutMs: ctx.timeoutMs || undefined,
      });
      const b = new AttributeBuilder(enabled);
      try {
        // the node is read only when one of its attributes is wanted (upstream reads it per attribute)
        if (b.has('k8s.node.uid') || b.has('k8s.node.name')) {
          let node: ObjectMeta;
          try {
            node = await client.get<ObjectMeta>(`/api/v1/nodes/${encodeURIComponent(name)}`, {}, ctx.signal);
          } catch (e) {
            const what = b.has('k8s.node.uid') ? 'UID' : 'name';
            throw new Error(
              `failed getting k8s node ${what}: failed to fetch node with name ${name} from K8s API: ${(e as Error).message}`,
            );
          }
          b.str('k8s.node.uid', node.metadata?.uid ?? '').str('k8s.node.name', node.metadata?.name ?? name);
        }
        if (b.has('k8s.cluster.uid')) {
          try {
            const ns = await client.get<ObjectMeta>('/api/v1/namespaces/kube-system', {}, ctx.signal);
            b.str('k8s.cluster.uid', ns.metadata?.uid ?? '');
          } catch (e) {
            if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403))
              throw new Error(`failed getting k8s cluster UID: ${(e as Error).message}`);
            ctx.logger.warn({ err: e.message }, NO_RBAC);
          }
        }
        return { attributes: b.attributes, schemaUrl: K8S_API_SCHEMA_URL };
      } finally {
        await client.close();
      }
    },
  };
}
