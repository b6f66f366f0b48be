import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { factory } from './factory.js';

const parse = (yaml: string) => factory.configSchema.safeParse(YAML.parse(yaml) ?? null);
const messages = (yaml: string) => JSON.stringify(parse(yaml).error?.issues ?? []);

describe('fluent_forward config', () => {
  it("accepts the collector's keys and fills defaults", () => {
    const r = parse('endpoint: 0.0.0.0:8006\nmax_connections: 10\nrefuse_over_limit: true');
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject({
      endpoint: '0.0.0.0:8006',
      max_connections: 10,
      refuse_over_limit: true,
      chunk_size_limit: 64 * 1024 * 1024,
    });
    expect(parse('endpoint: unix:///var/run/fluent.sock').success).toBe(true);
  });

  it('accepts the Tsunagi extensions: security, tls, chunk_size_limit', () => {
    const r = parse(`
endpoint: localhost:24224
chunk_size_limit: 8MiB
security:
  shared_key: secret
  self_hostname: aggregator
  user_auth: true
  users: [{ username: u, password: p }]
tls: { cert_file: /c.pem, key_file: /k.pem }
`);
    expect(r.success).toBe(true);
    expect(r.data?.security).toEqual({
      shared_key: 'secret',
      self_hostname: 'aggregator',
      user_auth: true,
      users: [{ username: 'u', password: 'p' }],
    });
    expect(r.data?.chunk_size_limit).toBe(8 * 1024 * 1024);
  });

  it('refuses what the collector refuses, and what cannot work', () => {
    expect(messages('max_connections: -1\nendpoint: a:1')).toContain(
      'max_connections must be greater than or equal to 0',
    );
    expect(messages('refuse_over_limit: true\nendpoint: a:1')).toContain(
      'refuse_over_limit requires max_connections',
    );
    expect(messages('')).toContain('endpoint is required');
    expect(messages('endpoint: nonsense')).toContain('host:port');
    expect(messages('endpoint: a:1\nendpoit: b:2')).toContain('endpoit');
    expect(messages('endpoint: a:1\nsecurity: { self_hostname: x }')).toContain('shared_key');
    expect(messages('endpoint: a:1\nsecurity: { shared_key: k, user_auth: true }')).toContain('users');
    expect(messages('endpoint: a:1\ntls: { cert_file: /c.pem }')).toContain('key');
  });
});
