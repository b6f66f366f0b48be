// headers_setter: a client authenticator that sets, overrides or removes
// headers of every outgoing request, typically `X-Scope-OrgID` from the
// incoming request's metadata (needs `include_metadata: true` on the receiver
// and the key in a batch processor's `metadata_keys`).
import type { ClientAuthenticator } from '../../src/component/auth.js';
import type { Extension } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { permanentError } from '../../src/component/errors.js';
import type { HeadersSetterConfig } from './config.js';
import { applyRule, type HeaderRule, HeaderSourceError, headerRule } from './headers.js';

export class HeadersSetter implements Extension, ClientAuthenticator {
  private readonly rules: HeaderRule[];

  constructor(cfg: HeadersSetterConfig) {
    this.rules = (cfg.headers ?? []).map(headerRule);
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  applyHeaders(headers: Record<string, string>, ctx: RequestContext | undefined): void {
    for (const rule of this.rules) {
      try {
        applyRule(rule, headers, ctx);
      } catch (err) {
        // The same data would find the same ambiguity on every retry.
        if (err instanceof HeaderSourceError)
          throw permanentError(`headers_setter: failed to determine the source: ${err.message}`);
        throw err;
      }
    }
  }
}
