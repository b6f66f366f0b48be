import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { lokiConfigSchema } from './config.js';

const conformance = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/lokiexporter.yaml`, 'utf8'),
) as Record<string, unknown>;

describe('loki config', () => {
  it('accepts the collector conformance configs', () => {
    for (const [id, cfg] of Object.entries(conformance)) {
      const r = lokiConfigSchema.safeParse(cfg);
      expect(r.success, `${id}: ${r.error?.message}`).toBe(true);
    }
    const all = lokiConfigSchema.parse(conformance['loki/allsettings']);
    expect(all.timeout).toBe(10_000);
    expect(all.retry_on_failure.max_elapsed_time).toBe(600_000);
    expect(all.sending_queue.num_consumers).toBe(2);
    expect(all.default_labels_enabled.level).toBe(false);
    expect(all.headers['X-Custom-Header']).toBe('loki_rocks');
  });

  it('has the documented defaults', () => {
    const c = lokiConfigSchema.parse({ endpoint: 'http://loki:3100/loki/api/v1/push' });
    expect(c.encoding).toBe('protobuf');
    expect(c.structured_metadata).toBe(true);
    expect(c.labels.default_resource_attributes).toBe(true);
    expect(c.max_request_size).toBe(1024 * 1024);
    expect(c.limits.max_line_size).toBe(256 * 1024);
    expect(c.limits.max_label_names_per_series).toBe(15);
  });

  it('turns a label list into the default names and keeps mapped names', () => {
    const c = lokiConfigSchema.parse({
      endpoint: 'http://loki:3100',
      labels: { resource: ['host.name'], attributes: { 'http.method': 'method' } },
    });
    expect(c.labels.resource).toEqual({ 'host.name': '' });
    expect(c.labels.attributes).toEqual({ 'http.method': 'method' });
  });

  it('rejects unknown keys, invalid label names and conflicting tenants with clear errors', () => {
    const unknown = lokiConfigSchema.safeParse({ endpoint: 'http://loki:3100', tenant_idd: 'x' });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0].message).toMatch(/tenant_idd/);
    const badLabel = lokiConfigSchema.safeParse({
      endpoint: 'http://loki:3100',
      labels: { attributes: { 'http.method': 'http.method' } },
    });
    expect(badLabel.error?.issues[0].message).toMatch(/label name/);
    const both = lokiConfigSchema.safeParse({
      endpoint: 'http://loki:3100',
      tenant_id: 'a',
      tenant: { source: 'attribute', value: 'tenant' },
    });
    expect(both.error?.issues[0].message).toMatch(/either tenant_id or tenant/);
    expect(lokiConfigSchema.safeParse({ endpoint: 'loki:3100' }).success).toBe(false);
  });
});
