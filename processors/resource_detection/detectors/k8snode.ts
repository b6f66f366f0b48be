// The k8snode detector: the node this process runs on (its name from the
// node_from_env_var variable, set with the downward API), its UID from the API
// server (GET /api/v1/nodes/<name>). Authentication as k8s_attributes:
// serviceAccount (in cluster), kubeConfig or none.
import { apiTarget } from '../../../src/k8s/auth.js';
import { KubeClient } from '../../../src/k8s/client.js';
import {
  AttributeBuilder,
  type DetectContext,
  type Detected,
  type Detector,
  EMPTY,
  SCHEMA_URL,
} from './types.js';

export interface K8sNodeConfig {
  auth_type: 'none' | 'serviceAccount' | 'kubeConfig' | 'tls';
  context?: string;
  node_from_env_var: string;
}

/** The node name, or the collector's error when the variable is unset or empty (a start failure there too). */
export function nodeName(cfg: K8sNodeConfig, env: NodeJS.ProcessEnv): string {
  const name = env[cfg.node_from_env_var];
  if (!name)
    throw new Error("node name can't be found. Check the readme on how to set the required env variable");
  return name;
}

export function k8sNodeDetector(cfg: K8sNodeConfig, enabled: Set<string>): Detector {
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      const name = nodeName(cfg, ctx.env);
      const client = new KubeClient(apiTarget(cfg.auth_type, cfg.context, { env: ctx.env }), {
        requestTimeoutMs: ctx.timeoutMs || undefined,
      });
      try {
        const node = await client.get<{ metadata?: { uid?: string; name?: string } }>(
          `/api/v1/nodes/${encodeURIComponent(name)}`,
          {},
          ctx.signal,
        );
        const b = new AttributeBuilder(enabled)
          .str('k8s.node.uid', node.metadata?.uid ?? '')
          .str('k8s.node.name', node.metadata?.name ?? name);
        return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
      } catch (e) {
        if (ctx.failOnMissingMetadata)
          throw new Error(`failed getting k8s node UID: ${(e as Error).message}`);
        ctx.logger.warn(
          { err: (e as Error).message, node: name },
          'k8snode detector: the node could not be read from the API server',
        );
        return EMPTY;
      } finally {
        await client.close();
      }
    },
  };
}
