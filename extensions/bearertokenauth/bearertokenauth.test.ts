import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../../app/registry.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig, validateConfig } from '../../src/config/validate.js';
import { testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';
import { parseTokens } from './token-file.js';

const issues = (yaml: string) => {
  const r = parseComponentConfig(factory, parseYaml(yaml), 'extensions::bearertokenauth');
  return r.ok ? [] : r.issues.map(formatIssue);
};
const make = (cfg: Record<string, unknown>) =>
  factory.create(testSettings('bearertokenauth', 'extension'), factory.configSchema.parse(cfg), {
    pipelinesReady: () => true,
  }) as any;

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not met');
}

describe('bearertokenauth config', () => {
  it('defaults header and scheme as the collector does', () => {
    expect(factory.configSchema.parse({ token: 't' })).toEqual({
      header: 'Authorization',
      scheme: 'Bearer',
      token: 't',
    });
  });

  it('refuses no token and token with tokens (YAML)', () => {
    expect(issues('scheme: Bearer\n')).toEqual([
      'extensions::bearertokenauth: no bearer token provided: set token, tokens or filename',
    ]);
    expect(issues('token: a\ntokens: [b]\n')).toEqual([
      'extensions::bearertokenauth: either tokens or token should be provided, not both',
    ]);
    expect(issues('token: a\ntokn: b\n').join()).toMatch(/tokn/);
    expect(issues('tokens: a\n').join()).toMatch(/tokens/);
  });
});

describe('bearertokenauth as server and client', () => {
  it('accepts "<scheme> <token>" for any configured token, refuses the rest', async () => {
    const a = make({ tokens: ['one', 'two'] });
    await a.start();
    await expect(a.authenticate({ authorization: ['Bearer two'] })).resolves.toBeUndefined();
    await expect(a.authenticate({ authorization: ['Bearer three'] })).rejects.toThrow(/does not match/);
    await expect(a.authenticate({ authorization: ['two'] })).rejects.toThrow(/does not match/);
    await expect(a.authenticate({})).rejects.toThrow(/missing or empty authorization header: Authorization/);
    const h: Record<string, string> = {};
    a.applyHeaders(h);
    expect(h).toEqual({ authorization: 'Bearer one' });
  });

  it('uses a custom header and an empty scheme', async () => {
    const a = make({ token: 'k', header: 'X-API-Key', scheme: '' });
    await expect(a.authenticate({ 'x-api-key': ['k'] })).resolves.toBeUndefined();
    await expect(a.authenticate({ authorization: ['k'] })).rejects.toThrow(/X-API-Key/);
    const h: Record<string, string> = {};
    a.applyHeaders(h);
    expect(h).toEqual({ 'x-api-key': 'k' });
  });

  it('reads tokens from filename, one per line, and follows a rewrite and an atomic replace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bearer-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'first\nsecond\n');
    const a = make({ filename: file, token: 'ignored' });
    await a.start();
    try {
      await expect(a.authenticate({ authorization: ['Bearer second'] })).resolves.toBeUndefined();
      await expect(a.authenticate({ authorization: ['Bearer ignored'] })).rejects.toThrow();
      writeFileSync(file, 'rotated\n');
      await waitFor(() => {
        const h: Record<string, string> = {};
        a.applyHeaders(h);
        return h.authorization === 'Bearer rotated';
      });
      await expect(a.authenticate({ authorization: ['Bearer first'] })).rejects.toThrow();
      // Kubernetes-style: a new file renamed over the old one.
      writeFileSync(join(dir, 'token.new'), 'swapped');
      renameSync(join(dir, 'token.new'), file);
      await waitFor(() => {
        const h: Record<string, string> = {};
        a.applyHeaders(h);
        return h.authorization === 'Bearer swapped';
      });
    } finally {
      await a.shutdown();
    }
  });

  it('fails to start when the token file is missing', async () => {
    const a = make({ filename: join(tmpdir(), 'no-such-bearer-token-file') });
    await expect(a.start()).rejects.toThrow(/no-such-bearer-token-file/);
  });

  it('parses token files: trimmed lines, blank lines skipped', () => {
    expect(parseTokens(' a \r\n\nb\n')).toEqual(['a', 'b']);
  });
});

describe('auth references (validate)', () => {
  const base = (extra: string) => `
extensions:
  bearertokenauth:
    token: t
  health_check:
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        auth:
          authenticator: ${extra}
exporters:
  nop:
service:
  extensions: [bearertokenauth, health_check]
  pipelines:
    traces: { receivers: [otlp], exporters: [nop] }
`;
  const errors = (yaml: string) => validateConfig(parseYaml(yaml), registry).errors.map(formatIssue);

  it('accepts a configured, enabled server authenticator', () => {
    expect(errors(base('bearertokenauth'))).toEqual([]);
  });

  it('refuses an unknown one, a non-authenticator, and one not in service.extensions, with the path', () => {
    expect(errors(base('bearertokenauht'))).toEqual([
      `receivers::otlp::protocols::http::auth::authenticator: authenticator "bearertokenauht" is not a configured extension (did you mean 'bearertokenauth'?)`,
    ]);
    expect(errors(base('health_check'))).toEqual([
      'receivers::otlp::protocols::http::auth::authenticator: extension "health_check" (health_check) is not an authenticator',
    ]);
    expect(
      errors(base('bearertokenauth').replace('[bearertokenauth, health_check]', '[health_check]')),
    ).toEqual([
      'receivers::otlp::protocols::http::auth::authenticator: authenticator "bearertokenauth" is not enabled: add it to service::extensions',
    ]);
  });
});
