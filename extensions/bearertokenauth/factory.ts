import type { ExtensionFactory } from '../../src/component/component.js';
import { type BearerTokenAuthConfig, configSchema } from './config.js';
import { BearerTokenAuth } from './extension.js';

export const factory: ExtensionFactory<BearerTokenAuthConfig> = {
  kind: 'extension',
  type: 'bearertokenauth',
  description: 'Bearer token authenticator: checks a static token on receivers, sends it from exporters',
  configSchema,
  authenticatorRoles: () => ['server', 'client'],
  create(settings, config) {
    return new BearerTokenAuth(config, settings.logger);
  },
};
