import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromAnyValue, toAnyValue } from '../pdata/attributes.js';
import type { KeyValue } from '../pdata/types.js';
import { compileActions, contextValue } from './actions.js';
import { actionSchema, validateActions } from './config.js';
import { convertValue } from './convert.js';
import { hashValue } from './hash.js';

const listSchema = z.array(actionSchema).superRefine((a, ctx) => validateActions(a, ctx, []));

function attrs(o: Record<string, unknown>): KeyValue[] {
  return Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
}
function plain(kvs: KeyValue[]): Record<string, unknown> {
  return Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));
}
function run(actions: unknown[], input: Record<string, unknown>, ctx?: Parameters<typeof contextValue>[0]) {
  const a = attrs(input);
  compileActions(listSchema.parse(actions))(a, ctx);
  return plain(a);
}

describe('attribute actions', () => {
  it('insert / update / upsert follow key presence', () => {
    expect(
      run(
        [
          { key: 'a', value: 1, action: 'insert' },
          { key: 'b', value: 'new', action: 'insert' },
          { key: 'c', value: true, action: 'update' },
          { key: 'a', value: 2.5, action: 'update' },
          { key: 'd', value: 'x', action: 'upsert' },
        ],
        { b: 'old' },
      ),
    ).toEqual({ b: 'old', a: 2.5, d: 'x' });
  });

  it('copies from another attribute and from the request context, with default_value', () => {
    const ctx = { metadata: { 'x-tenant': ['t1', 't2'] }, clientAddress: '10.1.2.3:5555' };
    expect(
      run(
        [
          { key: 'copy', from_attribute: 'src', action: 'insert' },
          { key: 'missing', from_attribute: 'nope', action: 'insert' },
          { key: 'tenant', from_context: 'metadata.X-Tenant', action: 'upsert' },
          { key: 'client', from_context: 'client.address', action: 'upsert' },
          { key: 'region', from_context: 'metadata.region', default_value: 'us-east-1', action: 'upsert' },
        ],
        { src: 42 },
        ctx,
      ),
    ).toEqual({ src: 42, copy: 42, tenant: 't1;t2', client: '10.1.2.3', region: 'us-east-1' });
    expect(contextValue({ clientAddress: '[::1]:80' }, 'client.address')).toBe('::1');
  });

  it('deletes by key and by pattern', () => {
    expect(
      run(
        [
          { key: 'credit_card', action: 'delete' },
          { pattern: '^secret\\.', action: 'delete' },
        ],
        { credit_card: '1', 'secret.a': 1, 'secret.b': 2, keep: 3 },
      ),
    ).toEqual({ keep: 3 });
  });

  it('hashes with SHA-256 the way the collector does', () => {
    const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
    expect(hashValue({ stringValue: 'abc' })).toEqual({
      stringValue: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    expect(hashValue({ boolValue: true })).toEqual({ stringValue: sha(Buffer.from([1])) });
    expect(hashValue({ intValue: 1n })).toEqual({ stringValue: sha(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])) });
    const d = Buffer.alloc(8);
    d.writeDoubleLE(1.5);
    expect(hashValue({ doubleValue: 1.5 })).toEqual({ stringValue: sha(d) });
    expect(hashValue({ arrayValue: { values: [] } })).toEqual({ stringValue: '' });
    expect(run([{ key: 'user.email', action: 'hash' }], { 'user.email': 'abc' })['user.email']).toMatch(
      /^ba7816bf/,
    );
  });

  it('extracts named groups (Go (?P<name>) syntax), overwriting targets', () => {
    const out = run(
      [
        {
          key: 'http.url',
          pattern:
            '^(?P<http_protocol>.*):\\/\\/(?P<http_domain>.*)\\/(?P<http_path>.*)(\\?|\\&)(?P<http_query_params>.*)',
          action: 'extract',
        },
      ],
      { 'http.url': 'http://example.com/path?queryParam1=value1,queryParam2=value2', http_domain: 'old' },
    );
    expect(out).toEqual({
      'http.url': 'http://example.com/path?queryParam1=value1,queryParam2=value2',
      http_protocol: 'http',
      http_domain: 'example.com',
      http_path: 'path',
      http_query_params: 'queryParam1=value1,queryParam2=value2',
    });
  });

  it('converts with the collector rules', () => {
    expect(convertValue({ stringValue: '123' }, 'int')).toEqual({ intValue: 123n });
    expect(convertValue({ stringValue: '12.5' }, 'int')).toEqual({ stringValue: '12.5' });
    expect(convertValue({ doubleValue: -3.9 }, 'int')).toEqual({ intValue: -3n });
    expect(convertValue({ boolValue: true }, 'int')).toEqual({ intValue: 1n });
    expect(convertValue({ stringValue: '1e3' }, 'double')).toEqual({ doubleValue: 1000 });
    expect(convertValue({ stringValue: 'abc' }, 'double')).toEqual({ stringValue: 'abc' });
    expect(convertValue({ intValue: 7n }, 'double')).toEqual({ doubleValue: 7 });
    expect(convertValue({ intValue: 7n }, 'string')).toEqual({ stringValue: '7' });
    expect(convertValue({ boolValue: false }, 'string')).toEqual({ stringValue: 'false' });
  });

  it('rejects invalid action lists with the collector messages', () => {
    expect(() => listSchema.parse([{ action: 'insert', value: 1 }])).toThrow(/missing required field \W+key/);
    expect(() => listSchema.parse([{ key: 'a', action: 'insert' }])).toThrow(/must be specified/);
    expect(() => listSchema.parse([{ key: 'a', action: 'upsert', value: 1, from_attribute: 'b' }])).toThrow(
      /multiple value sources/,
    );
    expect(() => listSchema.parse([{ key: 'a', action: 'extract', pattern: '^(.*)$' }])).toThrow(/named/);
    expect(() => listSchema.parse([{ key: 'a', action: 'convert' }])).toThrow(/converted_type/);
    expect(() => listSchema.parse([{ key: 'a', action: 'explode' }])).toThrow();
    expect(() => listSchema.parse([{ key: 'a', action: 'INSERT', value: 1 }])).not.toThrow();
  });
});
