import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../../app/registry.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig, validateConfig } from '../../src/config/validate.js';
import { testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';
import { hashKind, parseHtpasswd, verify } from './htpasswd.js';

// Written by Apache's htpasswd (apache2-utils: -B, -m, -s, -p) and `openssl passwd -1`.
const HTPASSWD = [
  'alice:$2y$05$ceUxFXUpC9oi0LymGEXHYuDmTxnFr2kFrFvQMd/m9n5ZIj/Oxjy1K', // s3cret
  'bob:$apr1$TQlfkChK$cQXQlnFEa5sSy2nEizNLo.', // pw2
  'carol:{SHA}Z/q5KhbWJGlg/C2XbiLEJnMKKr8=', // pw3
  'dave:pw4',
  'erin:$1$abcdefgh$eI.jG44shsK0mnpGWJCLO.', // pw5
].join('\n');

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
const issues = (yaml: string) => {
  const r = parseComponentConfig(factory, parseYaml(yaml), 'extensions::basicauth');
  return r.ok ? [] : r.issues.map(formatIssue);
};
const make = (cfg: Record<string, unknown>) =>
  factory.create(testSettings('basicauth', 'extension'), factory.configSchema.parse(cfg), {
    pipelinesReady: () => true,
  }) as any;

describe('basicauth config', () => {
  it('refuses both sides, neither, and an empty htpasswd (YAML)', () => {
    expect(issues('htpasswd:\n  inline: "a:b"\nclient_auth:\n  username: a\n')).toEqual([
      'extensions::basicauth: only one of `htpasswd` or `client_auth` can be specified',
    ]);
    expect(issues('{}')).toEqual([
      'extensions::basicauth: no credential source provided: set htpasswd or client_auth',
    ]);
    expect(issues('htpasswd:\n')).toEqual([
      'extensions::basicauth::htpasswd: no credential source provided: set file or inline',
    ]);
    expect(issues('client_auth:\n  username: "a:b"\n')).toEqual([
      'extensions::basicauth::client_auth::username: invalid authorization format: a Basic auth username cannot contain ":"',
    ]);
    expect(issues('htpasswd:\n  files: x\n').join()).toMatch(/files/);
  });

  it('is a server authenticator with htpasswd, a client one with client_auth', () => {
    expect(factory.authenticatorRoles?.(factory.configSchema.parse({ htpasswd: { inline: 'a:b' } }))).toEqual(
      ['server'],
    );
    expect(
      factory.authenticatorRoles?.(factory.configSchema.parse({ client_auth: { username: 'a' } })),
    ).toEqual(['client']);
  });
});

describe('htpasswd', () => {
  it('verifies every hash kind htpasswd writes', async () => {
    const { users } = parseHtpasswd(HTPASSWD, 'test');
    const check = (u: string, pw: string) => verify(users.get(u)!, pw);
    expect([await check('alice', 's3cret'), await check('alice', 's3cre')]).toEqual([true, false]);
    expect([await check('bob', 'pw2'), await check('bob', 'pw3')]).toEqual([true, false]);
    expect([await check('carol', 'pw3'), await check('carol', 'pw2')]).toEqual([true, false]);
    expect([await check('dave', 'pw4'), await check('dave', 'pw')]).toEqual([true, false]);
    expect([await check('erin', 'pw5'), await check('erin', 'pw4')]).toEqual([true, false]);
    const salt = Buffer.from('salt');
    const ssha = `{SSHA}${Buffer.concat([createHash('sha1').update('pw6').update(salt).digest(), salt]).toString('base64')}`;
    expect(await verify({ kind: hashKind(ssha), hash: ssha }, 'pw6')).toBe(true);
    expect(await verify({ kind: hashKind(ssha), hash: ssha }, 'pw7')).toBe(false);
  });

  it('reports malformed lines and unsupported hashes, never matching them', async () => {
    const p = parseHtpasswd('# comment\nnocolon\nfrank:$6$abc$xyz\n', 'f');
    expect(p.problems).toEqual([
      'f line 2: not "user:password"',
      'f line 3: crypt SHA-256/512 hashes are not supported',
    ]);
    expect(await verify(p.users.get('frank')!, 'x')).toBe(false);
  });
});

describe('basicauth as server and client', () => {
  it('accepts htpasswd users (inline over file) and exposes username and raw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basicauth-'));
    writeFileSync(join(dir, 'htpasswd'), `${HTPASSWD}\nzed:old\n`);
    const a = make({ htpasswd: { file: join(dir, 'htpasswd'), inline: 'zed:new' } });
    await a.start();
    await expect(a.authenticate({ authorization: [basic('alice', 's3cret')] })).resolves.toEqual({
      username: 'alice',
      raw: Buffer.from('alice:s3cret').toString('base64'),
    });
    // twice: the second answer comes from the cache of accepted credentials
    await expect(a.authenticate({ authorization: [basic('alice', 's3cret')] })).resolves.toMatchObject({
      username: 'alice',
    });
    await expect(a.authenticate({ authorization: [basic('zed', 'new')] })).resolves.toMatchObject({
      username: 'zed',
    });
    await expect(a.authenticate({ authorization: [basic('zed', 'old')] })).rejects.toThrow(
      'invalid credentials',
    );
    await expect(a.authenticate({ authorization: [basic('alice', 'wrong')] })).rejects.toThrow(
      'invalid credentials',
    );
    await expect(a.authenticate({ authorization: [basic('nobody', 'x')] })).rejects.toThrow(
      'invalid credentials',
    );
    await expect(a.authenticate({})).rejects.toThrow('no basic auth provided');
    await expect(a.authenticate({ authorization: ['Bearer x'] })).rejects.toThrow(
      'invalid authorization scheme prefix',
    );
    await expect(a.authenticate({ authorization: ['Basic !!!'] })).rejects.toThrow(
      'invalid authorization format',
    );
    await expect(
      a.authenticate({ authorization: [`Basic ${Buffer.from('nocolon').toString('base64')}`] }),
    ).rejects.toThrow('invalid authorization format');
  });

  it('fuzz: random and mutated Authorization headers are refused or accepted, never crash', async () => {
    let seed = 0x5eed;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const a = make({ htpasswd: { inline: 'dave:pw4' } });
    await a.start();
    const good = basic('dave', 'pw4');
    const outcomes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const chars = [...good];
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * (chars.length + 1));
        const c = String.fromCharCode(Math.floor(rnd() * 0x3000));
        if (rnd() < 0.5) chars.splice(at, 1, c);
        else chars.splice(at, 0, c);
      }
      const header = rnd() < 0.1 ? chars.join('').slice(0, Math.floor(rnd() * 12)) : chars.join('');
      try {
        const out = await a.authenticate({ authorization: [header] });
        expect(out.username).toBe('dave');
        outcomes.add('accepted');
      } catch (err) {
        expect((err as Error).name).toBe('AuthenticationError');
        outcomes.add('refused');
      }
    }
    expect(outcomes.has('refused')).toBe(true);
  });

  it('fails to start on a missing htpasswd file', async () => {
    const a = make({ htpasswd: { file: join(tmpdir(), 'no-such-htpasswd') } });
    await expect(a.start()).rejects.toThrow(/open htpasswd file/);
  });

  it('sends client_auth as Basic credentials', () => {
    const a = make({ client_auth: { username: 'u', password: 'p' } });
    const h: Record<string, string> = {};
    a.applyHeaders(h);
    expect(h).toEqual({ authorization: basic('u', 'p') });
  });

  it('validate refuses a server basicauth on an exporter, with the path', () => {
    const yaml = `
extensions:
  basicauth/server:
    htpasswd: { inline: "a:b" }
receivers:
  nop:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:1
    auth: { authenticator: basicauth/server }
service:
  extensions: [basicauth/server]
  pipelines:
    logs: { receivers: [nop], exporters: [otlp_http] }
`;
    expect(validateConfig(parseYaml(yaml), registry).errors.map(formatIssue)).toEqual([
      'exporters::otlp_http::auth::authenticator: extension "basicauth/server" is a server authenticator and cannot authenticate an exporter (it needs a client authenticator)',
    ]);
  });
});
