import type { ExtensionFactory, Host } from '../../src/component/component.js';
import { OpampAgent } from './agent.js';
import { configSchema, type OpampConfig } from './config.js';
import { HttpTransport } from './http-transport.js';
import { initialInstanceUid } from './identity.js';
import { watchParent } from './ppid.js';
import { WsTransport } from './ws-transport.js';

/** How often the extension looks for a changed config (a reload) or health, to report it. */
const WATCH_MS = 1000;

export const factory: ExtensionFactory<OpampConfig> = {
  kind: 'extension',
  type: 'opamp',
  description:
    'OpAMP client: reports description, effective config and health to an OpAMP server; optional remote config',
  configSchema,
  create(settings, config, services) {
    const { logger } = settings;
    if (config.capabilities.accepts_restart_command)
      logger.warn(
        'capabilities.accepts_restart_command: tsunagi does not restart itself; the capability is not reported',
      );
    const agent = new OpampAgent(
      config,
      settings.id,
      services,
      logger,
      initialInstanceUid(config.instance_uid, settings.serviceInstanceId),
    );
    let host: Host | undefined;
    const transport = config.server.ws
      ? new WsTransport(config.server.ws, agent, logger, () => host)
      : new HttpTransport(config.server.http!, agent, logger, () => host);
    agent.attach(transport);
    let watch: NodeJS.Timeout | undefined;
    let stopParentWatch: (() => void) | undefined;
    return {
      start: async (h: Host) => {
        host = h;
        transport.start();
        watch = setInterval(() => {
          if (agent.changed()) transport.kick();
        }, WATCH_MS);
        watch.unref();
        if (config.ppid > 0) stopParentWatch = watchParent(config.ppid, config.ppid_poll_interval, logger);
        logger.info(
          {
            endpoint: (config.server.ws ?? config.server.http)!.endpoint,
            transport: config.server.ws ? 'ws' : 'http',
            accepts_remote_config: config.capabilities.accepts_remote_config,
          },
          'Starting the OpAMP client',
        );
      },
      shutdown: async () => {
        clearInterval(watch);
        stopParentWatch?.();
        await agent.settled();
        await transport.stop();
      },
      agent: () => agent,
      transport: () => transport,
    } as {
      start(h: Host): Promise<void>;
      shutdown(): Promise<void>;
      agent(): OpampAgent;
      transport(): WsTransport | HttpTransport;
    };
  },
};
