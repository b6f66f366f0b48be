import type { ExtensionFactory } from '../../src/component/component.js';
import { configSchema, type HealthCheckConfig } from './config.js';
import { HealthServer } from './server.js';

export const factory: ExtensionFactory<HealthCheckConfig> = {
  kind: 'extension',
  type: 'health_check',
  description: 'HTTP health endpoint: 200 while all pipelines run, 503 otherwise',
  configSchema,
  create(settings, config, services) {
    if (config.check_collector_pipeline?.enabled)
      settings.logger.warn(
        'check_collector_pipeline is not implemented; health reflects only whether the pipelines are running',
      );
    const server = new HealthServer(config, () => services.pipelinesReady());
    return {
      start: async () => {
        await server.start();
        settings.logger.info({ endpoint: config.endpoint, path: config.path }, 'Health check server started');
      },
      shutdown: () => server.shutdown(),
      port: () => server.port(),
    } as { start(): Promise<void>; shutdown(): Promise<void>; port(): number };
  },
};
