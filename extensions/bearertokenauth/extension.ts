// bearertokenauth: a server authenticator that accepts a request whose
// `header` is "<scheme> <token>" for one of the configured tokens (compared in
// constant time), and a client authenticator that sets that header (first
// token) on every outgoing request.
import { timingSafeEqual } from 'node:crypto';
import {
  type AuthData,
  AuthenticationError,
  type ClientAuthenticator,
  type ServerAuthenticator,
} from '../../src/component/auth.js';
import type { Extension } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { BearerTokenAuthConfig } from './config.js';
import { TokenFile } from './token-file.js';

export class BearerTokenAuth implements Extension, ServerAuthenticator, ClientAuthenticator {
  private values: Buffer[] = [];
  private first = '';
  private readonly headerName: string;
  private readonly file: TokenFile | undefined;

  constructor(
    private readonly cfg: BearerTokenAuthConfig,
    logger: Logger,
  ) {
    this.headerName = cfg.header.toLowerCase();
    if (cfg.filename) {
      if (cfg.token || cfg.tokens?.length)
        logger.warn('a filename is specified. Configured token(s) is ignored!');
      this.file = new TokenFile(cfg.filename, logger, (t) => this.setTokens(t));
    } else this.setTokens(cfg.tokens?.length ? cfg.tokens : [cfg.token ?? '']);
  }

  private setTokens(tokens: readonly string[]): void {
    const values = tokens.map((t) => (this.cfg.scheme ? `${this.cfg.scheme} ${t}` : t));
    this.first = values[0] ?? '';
    this.values = values.map((v) => Buffer.from(v));
  }

  async start(): Promise<void> {
    this.file?.start();
  }

  async shutdown(): Promise<void> {
    this.file?.stop();
  }

  /** Re-reads the token file now (tests; the watcher does it on change). */
  refresh(): void {
    this.file?.refresh();
  }

  async authenticate(headers: Readonly<Record<string, readonly string[]>>): Promise<AuthData | undefined> {
    const got = headers[this.headerName]?.[0];
    if (got === undefined || got === '')
      throw new AuthenticationError(`missing or empty authorization header: ${this.cfg.header}`);
    const given = Buffer.from(got);
    let ok = false;
    // Every candidate is compared, so the time taken does not tell which one was close.
    for (const v of this.values) if (v.length === given.length && timingSafeEqual(v, given)) ok = true;
    if (!ok) throw new AuthenticationError('scheme or token does not match');
    return undefined;
  }

  applyHeaders(headers: Record<string, string>): void {
    headers[this.headerName] = this.first;
  }
}
