import type { ReceiverFactory } from '../../src/component/component.js';
import { type AuthOptions, apiTarget } from '../../src/k8s/auth.js';
import type { ApiTarget } from '../../src/k8s/client.js';
import { configSchema, type K8sClusterConfig } from './config.js';
import { type ClusterReceiverOptions, K8sClusterReceiver } from './receiver.js';

/** Builds the receiver; `target` overrides where the API server is (tests). */
export function createWith(
  target: (() => ApiTarget) | undefined,
  options: ClusterReceiverOptions & { auth?: AuthOptions } = {},
): ReceiverFactory<K8sClusterConfig>['create'] {
  return (settings, config, next) => {
    if (config.auth_type === 'tls') throw new Error('k8s_cluster: auth_type "tls" is not supported yet');
    return new K8sClusterReceiver(
      settings,
      config,
      next.metrics!,
      target ?? (() => apiTarget(config.auth_type, config.context, options.auth)),
      options,
    );
  };
}

export const factory: ReceiverFactory<K8sClusterConfig> = {
  kind: 'receiver',
  type: 'k8s_cluster',
  description: 'Cluster-level metrics (pods, containers, nodes, workloads) from the Kubernetes API server',
  configSchema,
  signals: ['metrics'],
  create: createWith(undefined),
};
