import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { decodeCloudId, elasticsearchConfigSchema, endpointsOf } from './config.js';

const conformance = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/elasticsearchexporter.yaml`, 'utf8'),
) as Record<string, unknown>;

describe('elasticsearch config', () => {
  it('accepts the collector conformance configs, except the deprecated batcher with a clear error', () => {
    for (const [id, cfg] of Object.entries(conformance)) {
      const r = elasticsearchConfigSchema.safeParse(cfg);
      if (id.startsWith('elasticsearch/batcher')) {
        expect(r.success, id).toBe(false);
        expect(r.error?.issues[0].path).toEqual(['batcher']);
        expect(r.error?.issues[0].message).toMatch(/batcher is deprecated upstream and not supported/);
      } else expect(r.success, `${id}: ${r.error?.message}`).toBe(true);
    }
    const t = elasticsearchConfigSchema.parse(conformance['elasticsearch/trace']);
    expect(t.timeout).toBe(120_000);
    expect(t.retry.max_retries).toBe(5);
    expect(t.retry.retry_on_status).toEqual([429, 500]);
    expect(t.flush.bytes).toBe(10485760);
    expect(t.traces_index).toBe('trace_index');
  });

  it('has the collector defaults', () => {
    const c = elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200' });
    expect(c.mapping.mode).toBe('otel');
    expect(c.flush).toEqual({ bytes: 5_000_000, interval: 10_000 });
    expect(c.retry).toMatchObject({
      enabled: true,
      max_retries: 2,
      initial_interval: 100,
      max_interval: 60_000,
      retry_on_status: [429],
    });
  });

  it('resolves endpoints from endpoint, endpoints or a cloud ID', () => {
    expect(decodeCloudId('foo:YmFyLmNsb3VkLmVzLmlvJGFiYzEyMyRkZWY0NTY=')).toBe(
      'https://abc123.bar.cloud.es.io:443',
    );
    const c = elasticsearchConfigSchema.parse(conformance['elasticsearch/cloudid']);
    expect(endpointsOf(c)).toEqual(['https://abc123.bar.cloud.es.io:443']);
    const both = elasticsearchConfigSchema.safeParse({
      endpoint: 'http://a:9200',
      endpoints: ['http://b:9200'],
    });
    expect(both.error?.issues[0].message).toMatch(/only one of endpoint, endpoints and cloudid/);
  });

  it('rejects unknown keys and unknown mapping modes', () => {
    expect(
      elasticsearchConfigSchema.safeParse({ endpoint: 'http://a:9200', flush: { byte: 1 } }).success,
    ).toBe(false);
    expect(
      elasticsearchConfigSchema.safeParse({ endpoint: 'http://a:9200', mapping: { mode: 'jaeger' } }).success,
    ).toBe(false);
  });
});
