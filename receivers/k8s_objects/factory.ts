import type { ReceiverFactory } from '../../src/component/component.js';
import { type AuthOptions, apiTarget } from '../../src/k8s/auth.js';
import type { ApiTarget } from '../../src/k8s/client.js';
import { configSchema, type K8sObjectsConfig } from './config.js';
import { K8sObjectsReceiver, type ReceiverOptions } from './receiver.js';

/** Builds the receiver; `target` overrides where the API server is (tests). */
export function createWith(
  target: (() => ApiTarget) | undefined,
  options: ReceiverOptions & { auth?: AuthOptions } = {},
): ReceiverFactory<K8sObjectsConfig>['create'] {
  return (settings, config, next) => {
    if (config.auth_type === 'tls') throw new Error('k8s_objects: auth_type "tls" is not supported yet');
    return new K8sObjectsReceiver(
      settings,
      config,
      next.logs!,
      target ?? (() => apiTarget(config.auth_type, config.context, options.auth)),
      options,
    );
  };
}

export const factory: ReceiverFactory<K8sObjectsConfig> = {
  kind: 'receiver',
  type: 'k8s_objects',
  deprecatedTypes: ['k8sobjects'],
  description: 'Kubernetes objects (pull or watch) from the API server, as log records',
  configSchema,
  signals: ['logs'],
  create: createWith(undefined),
};
