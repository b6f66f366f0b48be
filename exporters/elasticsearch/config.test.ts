import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { decodeCloudId, elasticsearchConfigSchema, endpointsOf } from './config.js';

const conformance = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/elasticsearchexporter.yaml`, 'utf8'),
) as Record<string, unknown>;

describe('elasticsearch config', () => {
  it('accepts the collector conformance configs, the deprecated batcher included', () => {
    for (const [id, cfg] of Object.entries(conformance)) {
      const r = elasticsearchConfigSchema.safeParse(cfg);
      expect(r.success, `${id}: ${r.error?.message}`).toBe(true);
    }
    // batcher.enabled unset or false: no effect (the exporter does not batch on its own).
    const unset = elasticsearchConfigSchema.parse(conformance['elasticsearch/batcher_minmax_size_items']);
    expect(unset.sending_queue.batch).toBeUndefined();
    const off = elasticsearchConfigSchema.parse(conformance['elasticsearch/batcher_disabled']);
    expect(off.sending_queue.batch).toBeUndefined();
    // enabled: true batches in the queue with the batcher's sizes (or its defaults).
    const on = elasticsearchConfigSchema.parse({
      endpoint: 'http://es:9200',
      batcher: { enabled: true, min_size_items: 100, max_size_items: 200 },
    });
    expect(on.sending_queue.batch).toEqual({
      flush_timeout: 30_000,
      min_size: 100,
      max_size: 200,
      sizer: 'items',
    });
    expect(
      elasticsearchConfigSchema.parse({ endpoint: 'http://es:9200', batcher: { enabled: true } })
        .sending_queue.batch,
    ).toEqual({ flush_timeout: 30_000, min_size: 5000, max_size: 10_000, sizer: 'items' });
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
