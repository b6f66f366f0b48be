import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromAnyValue, str } from '../../src/pdata/attributes.js';
import { newLogRecord, newResource, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const fixture = parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/resourceprocessor.yaml`, 'utf8'),
) as Record<string, unknown>;

describe('resource processor', () => {
  it('accepts the collector fixture and rejects its empty entry', () => {
    expect(factory.configSchema.safeParse(fixture.resource).success).toBe(true);
    expect(factory.configSchema.safeParse(fixture['resource/with_defaults']).success).toBe(true);
    expect(factory.configSchema.safeParse(fixture['resource/empty']).success).toBe(false);
    expect(factory.configSchema.safeParse({}).success).toBe(false);
  });

  it('applies the actions to each resource', async () => {
    const res = newResource();
    res.attributes.push(
      { key: 'k8s-cluster', value: str('prod') },
      { key: 'redundant-attribute', value: str('x') },
    );
    const rl = newResourceLogs(res);
    const sl = newScopeLogs();
    sl.logRecords.push(newLogRecord());
    rl.scopeLogs.push(sl);
    const data: LogsData = { resourceLogs: [rl, newResourceLogs()] };
    const next = new CollectingConsumer<'logs'>();
    const p = factory.create(
      testSettings('resource', 'processor'),
      factory.configSchema.parse(fixture.resource),
      'logs',
      next,
    );
    await p.consume(data);
    const got = next.received[0].resourceLogs.map((r) =>
      Object.fromEntries(r.resource.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)])),
    );
    expect(got).toEqual([
      { 'k8s-cluster': 'prod', 'cloud.availability_zone': 'zone-1', 'k8s.cluster.name': 'prod' },
      { 'cloud.availability_zone': 'zone-1' },
    ]);
  });

  it('uses default_value when the source is missing', async () => {
    const next = new CollectingConsumer<'logs'>();
    const cfg = factory.configSchema.parse(fixture['resource/with_defaults']);
    const data: LogsData = { resourceLogs: [newResourceLogs()] };
    await factory.create(testSettings('resource', 'processor'), cfg, 'logs', next).consume(data, {
      metadata: { region: ['eu-west-1'] },
    });
    const got = Object.fromEntries(
      next.received[0].resourceLogs[0].resource.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)]),
    );
    // value "${DEPLOYMENT_ENV}" is literal here (the config loader expands env vars), so it wins.
    expect(got).toEqual({
      'deployment.environment': (fixture['resource/with_defaults'] as any).attributes[0].value,
      'service.namespace': 'default',
      'cloud.region': 'eu-west-1',
    });
  });
});
