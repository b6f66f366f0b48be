import type { ReceiverFactory } from '../../src/component/component.js';
import type { AuthOptions } from '../../src/k8s/auth.js';
import { configSchema, type KubeletStatsConfig } from './config.js';
import { KubeletStatsReceiver } from './receiver.js';

/** Builds the receiver; `auth` overrides where auth_type looks (tests). */
export function createWith(auth: AuthOptions = {}): ReceiverFactory<KubeletStatsConfig>['create'] {
  return (settings, config, next) => new KubeletStatsReceiver(settings, config, next.metrics!, auth);
}

export const factory: ReceiverFactory<KubeletStatsConfig> = {
  kind: 'receiver',
  type: 'kubelet_stats',
  deprecatedTypes: ['kubeletstats'],
  description: 'Node, pod, container and volume metrics from the kubelet Summary API (/stats/summary)',
  configSchema,
  signals: ['metrics'],
  create: createWith(),
};
