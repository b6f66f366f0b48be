import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../../app/registry.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { ConsumerError } from '../../src/component/errors.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig, validateConfig } from '../../src/config/validate.js';
import { testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';

const issues = (yaml: string) => {
  const r = parseComponentConfig(factory, parseYaml(yaml), 'extensions::headers_setter');
  return r.ok ? [] : r.issues.map(formatIssue);
};
const make = (headers: unknown[]) =>
  factory.create(testSettings('headers_setter', 'extension'), factory.configSchema.parse({ headers }), {
    pipelinesReady: () => true,
  }) as any;
const apply = (ext: any, headers: Record<string, string>, ctx?: RequestContext) => {
  const h = { ...headers };
  ext.applyHeaders(h, ctx);
  return h;
};

describe('headers_setter config', () => {
  it('refuses what the collector refuses (YAML)', () => {
    expect(issues('{}')).toEqual(['extensions::headers_setter::headers: missing headers configuration']);
    expect(issues('headers: []')).toEqual([
      'extensions::headers_setter::headers: missing headers configuration',
    ]);
    expect(issues('headers:\n  - value: x\n')).toEqual([
      'extensions::headers_setter::headers::0::key: missing header name',
    ]);
    expect(issues('headers:\n  - key: a\n')).toEqual([
      "extensions::headers_setter::headers::0: missing header source, must be 'from_context', 'from_attribute' or 'value'",
    ]);
    expect(issues('headers:\n  - key: a\n    value: x\n    from_context: y\n')).toEqual([
      "extensions::headers_setter::headers::0: invalid header source, must either 'from_context', 'from_attribute' or 'value'",
    ]);
    expect(issues('headers:\n  - key: a\n    action: remove\n    value: x\n').join()).toMatch(/action/);
    expect(issues('headers:\n  - key: a\n    value_file: /x\n').join()).toMatch(
      /value_file is not supported/,
    );
    // delete needs no source
    expect(issues('headers:\n  - key: a\n    action: delete\n')).toEqual([]);
  });
});

describe('headers_setter actions and sources', () => {
  const ctx: RequestContext = {
    metadata: { 'x-scope-orgid': ['tenant-a'], multi: ['1', '2'] },
    auth: { username: 'alice', groups: ['g1'] },
  };

  it('insert, update, upsert, delete with fixed values', () => {
    const ext = make([
      { key: 'X-Ins', action: 'insert', value: 'new' },
      { key: 'X-Ins-Kept', action: 'insert', value: 'new' },
      { key: 'X-Upd', action: 'update', value: 'new' },
      { key: 'X-Upd-Absent', action: 'update', value: 'new' },
      { key: 'X-Ups', action: 'upsert', value: 'new' },
      { key: 'X-Del', action: 'delete' },
      { key: 'X-Default', value: 'up' },
    ]);
    expect(apply(ext, { 'x-ins-kept': 'old', 'x-upd': 'old', 'x-ups': 'old', 'x-del': 'gone' })).toEqual({
      'x-ins': 'new',
      'x-ins-kept': 'old',
      'x-upd': 'new',
      'x-ups': 'new',
      'x-default': 'up',
    });
  });

  it('from_context reads the client metadata (case-insensitive), default_value when absent', () => {
    const ext = make([
      { key: 'X-Scope-OrgID', action: 'upsert', from_context: 'X-Scope-OrgID', default_value: 'anon' },
    ]);
    expect(apply(ext, {}, ctx)).toEqual({ 'x-scope-orgid': 'tenant-a' });
    expect(apply(ext, {}, {})).toEqual({ 'x-scope-orgid': 'anon' });
    expect(apply(ext, {}, undefined)).toEqual({ 'x-scope-orgid': 'anon' });
  });

  it('from_context auth.<attr> and from_attribute read the auth data', () => {
    const ext = make([
      { key: 'X-User', from_context: 'auth.username' },
      { key: 'X-Groups', from_attribute: 'groups' },
      { key: 'X-None', from_attribute: 'nothing', default_value: 'd' },
    ]);
    expect(apply(ext, {}, ctx)).toEqual({ 'x-user': 'alice', 'x-groups': '["g1"]', 'x-none': 'd' });
  });

  it('several metadata values are a permanent error (retrying cannot help)', () => {
    const ext = make([{ key: 'X-M', action: 'upsert', from_context: 'multi' }]);
    let err: unknown;
    try {
      apply(ext, {}, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConsumerError);
    expect((err as ConsumerError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/2 source keys found in the context/);
  });

  it('validate refuses it on a receiver (it is a client authenticator only)', () => {
    const yaml = `
extensions:
  headers_setter:
    headers: [{ key: X-Scope-OrgID, from_context: x-scope-orgid }]
receivers:
  zipkin:
    endpoint: 127.0.0.1:0
    auth: { authenticator: headers_setter }
exporters:
  nop:
service:
  extensions: [headers_setter]
  pipelines:
    traces: { receivers: [zipkin], exporters: [nop] }
`;
    expect(validateConfig(parseYaml(yaml), registry).errors.map(formatIssue)).toEqual([
      'receivers::zipkin::auth::authenticator: extension "headers_setter" is a client authenticator and cannot authenticate a receiver (it needs a server authenticator)',
    ]);
  });
});
