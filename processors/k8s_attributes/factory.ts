import type { ProcessorFactory } from '../../src/component/component.js';
import { type AuthOptions, apiTarget } from '../../src/k8s/auth.js';
import type { ApiTarget } from '../../src/k8s/client.js';
import { configSchema, type K8sAttributesConfig } from './config.js';
import { SUPPORTED_METADATA } from './extract.js';
import { K8sAttributesProcessor, PodWatcher, type PodWatcherOptions } from './processor.js';

const watchers = new Map<string, PodWatcher>();

/** Refuses what the config schema accepts (collector keys) but this implementation cannot do yet. */
export function checkSupported(c: K8sAttributesConfig): void {
  const missing = c.extract.metadata.filter((m) => !SUPPORTED_METADATA.has(m));
  if (missing.length > 0)
    throw new Error(`k8s_attributes: extract.metadata not supported yet: ${missing.join(', ')}`);
  for (const f of [...c.extract.labels, ...c.extract.annotations])
    if (f.from !== 'pod' && f.from !== 'namespace')
      throw new Error(
        `k8s_attributes: extract from "${f.from}" is not supported yet (pod and namespace are)`,
      );
  if (c.auth_type === 'tls') throw new Error('k8s_attributes: auth_type "tls" is not supported yet');
}

/**
 * Builds the processor; `target` overrides where the API server is (tests,
 * tools), `options.auth` where auth_type looks (environment, service account
 * directory).
 */
export function createWith(
  target: (() => ApiTarget) | undefined,
  options: PodWatcherOptions & { auth?: AuthOptions } = {},
): ProcessorFactory<K8sAttributesConfig>['create'] {
  return (settings, config, _signal, next) => {
    checkSupported(config);
    let w = watchers.get(settings.id);
    if (!w) {
      w = new PodWatcher(
        config,
        settings,
        target ?? (() => apiTarget(config.auth_type, config.context, options.auth)),
        options,
      );
      watchers.set(settings.id, w);
    }
    const shared = w;
    return new K8sAttributesProcessor(shared, next, () => {
      if (watchers.get(settings.id) === shared) watchers.delete(settings.id);
    });
  };
}

export const factory: ProcessorFactory<K8sAttributesConfig> = {
  kind: 'processor',
  type: 'k8s_attributes',
  deprecatedTypes: ['k8sattributes'],
  description: 'Adds Kubernetes pod metadata to resources (pod association, labels, annotations)',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create: createWith(undefined),
};
