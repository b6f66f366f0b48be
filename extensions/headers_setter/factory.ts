import type { ExtensionFactory } from '../../src/component/component.js';
import { configSchema, type HeadersSetterConfig } from './config.js';
import { HeadersSetter } from './extension.js';

export const factory: ExtensionFactory<HeadersSetterConfig> = {
  kind: 'extension',
  type: 'headers_setter',
  description: 'Client authenticator that sets request headers from fixed values or the request metadata',
  configSchema,
  authenticatorRoles: () => ['client'],
  create(settings, config) {
    if ((config.headers ?? []).some((h) => h.action === undefined))
      settings.logger.warn(
        "The action was not provided, using 'upsert'. In future versions, we'll require this to be explicitly set",
      );
    return new HeadersSetter(config);
  },
};
