// basicauth: with `htpasswd`, a server authenticator for `Authorization: Basic
// base64(user:password)` checked against the htpasswd users (the sender's
// username and raw credentials become the request's auth attributes
// `username` and `raw`); with `client_auth`, a client authenticator that sends
// those credentials on every outgoing request.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type AuthData,
  AuthenticationError,
  type ClientAuthenticator,
  type ServerAuthenticator,
} from '../../src/component/auth.js';
import type { Extension } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { BasicAuthConfig } from './config.js';
import { type ParsedHtpasswd, parseHtpasswd, verify } from './htpasswd.js';

/** Accepted credentials remembered (by digest) so a bcrypt hash is not recomputed per request. */
const ACCEPTED_CACHE = 1024;

export class BasicAuthServer implements Extension, ServerAuthenticator {
  private htpasswd: ParsedHtpasswd = { users: new Map(), problems: [] };
  private readonly accepted = new Map<string, true>();

  constructor(
    private readonly cfg: NonNullable<BasicAuthConfig['htpasswd']>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const parsed: ParsedHtpasswd = { users: new Map(), problems: [] };
    if (this.cfg.file) {
      let text: string;
      try {
        text = await readFile(this.cfg.file, 'utf8');
      } catch (err) {
        throw new Error(`open htpasswd file: ${(err as Error).message}`);
      }
      parseHtpasswd(text, this.cfg.file, parsed);
    }
    // Inline last: its users override the file's.
    parseHtpasswd(this.cfg.inline, 'htpasswd.inline', parsed);
    for (const p of parsed.problems) this.logger.warn(`htpasswd: ${p}`);
    this.htpasswd = parsed;
    this.accepted.clear();
  }

  async shutdown(): Promise<void> {}

  async authenticate(headers: Readonly<Record<string, readonly string[]>>): Promise<AuthData | undefined> {
    const auth = headers.authorization?.[0];
    if (!auth) throw new AuthenticationError('no basic auth provided');
    if (auth.length < 6 || auth.slice(0, 6).toLowerCase() !== 'basic ')
      throw new AuthenticationError('invalid authorization scheme prefix');
    const raw = auth.slice(6);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0)
      throw new AuthenticationError('invalid authorization format');
    const decoded = Buffer.from(raw, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AuthenticationError('invalid authorization format');
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const entry = this.htpasswd.users.get(username);
    const key =
      entry && createHash('sha256').update(`${username}\0${password}\0${entry.hash}`).digest('base64');
    const ok = entry !== undefined && (this.accepted.has(key as string) || (await verify(entry, password)));
    if (!ok) throw new AuthenticationError('invalid credentials');
    if (!this.accepted.has(key as string)) {
      if (this.accepted.size >= ACCEPTED_CACHE) this.accepted.clear();
      this.accepted.set(key as string, true);
    }
    return { username, raw };
  }
}

export class BasicAuthClient implements Extension, ClientAuthenticator {
  private readonly value: string;

  constructor(cfg: NonNullable<BasicAuthConfig['client_auth']>) {
    this.value = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}`;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  applyHeaders(headers: Record<string, string>): void {
    headers.authorization = this.value;
  }
}
