import type { ExtensionFactory } from '../../src/component/component.js';
import { type BasicAuthConfig, configSchema } from './config.js';
import { BasicAuthClient, BasicAuthServer } from './extension.js';

export const factory: ExtensionFactory<BasicAuthConfig> = {
  kind: 'extension',
  type: 'basicauth',
  description:
    'HTTP Basic authenticator: htpasswd users on receivers, or client_auth credentials from exporters',
  configSchema,
  authenticatorRoles: (config) => (config.htpasswd ? ['server'] : ['client']),
  create(settings, config) {
    if (config.htpasswd) return new BasicAuthServer(config.htpasswd, settings.logger);
    if (config.client_auth) return new BasicAuthClient(config.client_auth);
    throw new Error('basicauth: no credential source provided'); // the schema refuses this config
  },
};
