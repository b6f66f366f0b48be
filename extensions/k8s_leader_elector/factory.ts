import type { Extension, ExtensionFactory } from '../../src/component/component.js';
import { type AuthOptions, apiTarget } from '../../src/k8s/auth.js';
import { type ApiTarget, KubeClient } from '../../src/k8s/client.js';
import type { LeaderElection } from '../../src/k8s/leader.js';
import { configSchema, type K8sLeaderElectorConfig } from './config.js';
import { LeaseElector } from './elector.js';

export type LeaderElectorExtension = Extension & LeaderElection & { elector: LeaseElector };

/** Builds the extension; `target` overrides where the API server is (tests). */
export function createWith(
  target: (() => ApiTarget) | undefined,
  options: { auth?: AuthOptions } = {},
): ExtensionFactory<K8sLeaderElectorConfig>['create'] {
  return (settings, config) => {
    if (config.auth_type === 'tls')
      throw new Error('k8s_leader_elector: auth_type "tls" is not supported yet');
    const callbacks: { started: () => void; stopped: () => void }[] = [];
    let client: KubeClient | undefined;
    const elector = new LeaseElector(
      () => {
        client ??= new KubeClient(
          (target ?? (() => apiTarget(config.auth_type, config.context, options.auth)))(),
        );
        return client;
      },
      config.lease_name,
      config.lease_namespace,
      {
        leaseDurationMs: config.lease_duration,
        renewDeadlineMs: config.renew_deadline,
        retryPeriodMs: config.retry_period,
      },
      settings.logger,
      () => {
        for (const c of callbacks) c.started();
      },
      () => {
        for (const c of callbacks) c.stopped();
      },
    );
    const ext: LeaderElectorExtension = {
      elector,
      setCallbacks(started, stopped) {
        callbacks.push({ started, stopped });
        if (elector.isLeader) started();
      },
      start: async () => {
        settings.logger.info({ identity: elector.identity }, 'Starting k8s leader elector');
        elector.start();
      },
      shutdown: async () => {
        await elector.stop();
        const c = client;
        client = undefined;
        await c?.close();
      },
    };
    return ext;
  };
}

export const factory: ExtensionFactory<K8sLeaderElectorConfig> = {
  kind: 'extension',
  type: 'k8s_leader_elector',
  deprecatedTypes: ['k8sleaderelector'],
  description: 'Kubernetes Lease leader election: receivers that name it run only while this instance leads',
  configSchema,
  create: createWith(undefined),
};
