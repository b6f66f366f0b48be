import type { ExtensionFactory } from '../../src/component/component.js';
import { configSchema, type ZPagesConfig } from './config.js';
import { ZPagesServer } from './server.js';

export const factory: ExtensionFactory<ZPagesConfig> = {
  kind: 'extension',
  type: 'zpages',
  description: 'Live status page (pipeline graph, rates, errors, queues) and the collector zpages on :55679',
  configSchema,
  create(settings, config, services) {
    const source = services.status;
    if (!source) throw new Error(`${settings.id}: the service offers no status to show`);
    const server = new ZPagesServer(config, source, settings.logger);
    return {
      start: async () => {
        await server.start();
        settings.logger.info(
          { endpoint: config.endpoint },
          'Starting zPages extension (live status page at /)',
        );
      },
      shutdown: () => server.shutdown(),
      port: () => server.port(),
      sampling: () => server.sampling(),
    } as { start(): Promise<void>; shutdown(): Promise<void>; port(): number; sampling(): boolean };
  },
};
