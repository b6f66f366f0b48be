// headers_setter on the loki exporter against the Loki stand-in with auth_enabled
// (X-Scope-OrgID required): each request's tenant comes from the client metadata
// its data travels with, so two senders' logs land in two tenants; without
// metadata the default_value is used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lokiConfigSchema } from '../exporters/loki/config.js';
import { factory as lokiFactory } from '../exporters/loki/factory.js';
import { logs, record, resourceLogs } from '../exporters/loki/testdata.js';
import { factory as headersSetterFactory } from '../extensions/headers_setter/factory.js';
import type { Exporter, Host } from '../src/component/component.js';
import { testSettings } from './support/component.js';
import { LokiStandin } from './support/loki-standin.js';

const loki = new LokiStandin({ authEnabled: true });
let exporter: Exporter;

beforeAll(async () => {
  await loki.start();
  const setter = headersSetterFactory.create(
    testSettings('headers_setter', 'extension'),
    headersSetterFactory.configSchema.parse({
      headers: [
        { key: 'X-Scope-OrgID', action: 'upsert', from_context: 'X-Scope-OrgID', default_value: 'fallback' },
      ],
    }),
    { pipelinesReady: () => true },
  );
  await setter.start({ getExtension: () => undefined });
  const host: Host = { getExtension: (id) => (id === 'headers_setter' ? setter : undefined) };
  const cfg = lokiConfigSchema.parse({
    endpoint: `${loki.url}/loki/api/v1/push`,
    auth: { authenticator: 'headers_setter' },
  });
  exporter = lokiFactory.create(testSettings('loki', 'exporter'), cfg, ['logs']);
  await exporter.start(host);
});

afterAll(async () => {
  await exporter?.shutdown();
  await loki.close();
});

const batch = (line: string) =>
  logs(
    resourceLogs({ 'service.name': 'svc' }, [
      record(line, { timeUnixNano: BigInt(Date.now()) * 1_000_000n }),
    ]),
  );

describe('loki exporter with headers_setter', () => {
  it('pushes each batch to the tenant of its request metadata', async () => {
    await exporter.consume('logs', batch('from a'), { metadata: { 'x-scope-orgid': ['team-a'] } });
    await exporter.consume('logs', batch('from b'), { metadata: { 'x-scope-orgid': ['team-b'] } });
    await exporter.consume('logs', batch('from nobody'));
    const deadline = Date.now() + 10_000;
    while (loki.entryCount() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lines = (tenant: string) => loki.allStreams(tenant).flatMap((s) => s.entries.map((e) => e.line));
    expect(lines('team-a')).toEqual(['from a']);
    expect(lines('team-b')).toEqual(['from b']);
    expect(lines('fallback')).toEqual(['from nobody']);
  });
});
