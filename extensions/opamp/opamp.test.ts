import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ExtensionServices, Host, RemoteConfigFile } from '../../src/component/component.js';
import type { StatusSnapshot } from '../../src/component/status.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { testSettings } from '../../test/support/component.js';
import { attrs, OpampStandin } from '../../test/support/opamp-standin.js';
import { waitFor } from '../../test/support/tsunagi-process.js';
import type { OpampAgent } from './agent.js';
import { factory } from './factory.js';
import { formatUuid, parseUuid, uuidV7 } from './identity.js';
import { redactSecrets } from './report.js';

function parse(cfg: unknown): unknown {
  const r = parseComponentConfig(factory, cfg, 'extensions::opamp');
  return r.ok ? r.config : r.issues.map(formatIssue);
}

describe('opamp config', () => {
  it("takes the collector's keys and defaults (contrib testdata/config.yaml, config_http.yaml)", () => {
    const ws = parse(
      parseYaml(`
server:
  ws:
    endpoint: wss://127.0.0.1:4320/v1/opamp
instance_uid: 01BX5ZZKBKACTAV9WEVGEMMVRZ
`),
    );
    // the collector's fixture once carried a ULID; today's config.go wants a UUID
    expect(ws).toEqual(['extensions::opamp::instance_uid: opamp instance_uid is invalid']);
    const ok = parse(
      parseYaml(`
server:
  ws:
    endpoint: wss://127.0.0.1:4320/v1/opamp
    headers: { Authorization: Bearer x }
instance_uid: 01908e8b-6a0c-7c8e-9a0b-0123456789ab
`),
    ) as any;
    expect(ok.server.ws).toMatchObject({
      endpoint: 'wss://127.0.0.1:4320/v1/opamp',
      headers: { Authorization: 'Bearer x' },
    });
    expect(ok.capabilities).toEqual({
      reports_effective_config: true,
      reports_health: true,
      reports_available_components: true,
      accepts_restart_command: false,
      accepts_remote_config: false,
    });
    expect(ok.agent_description).toEqual({
      non_identifying_attributes: {},
      include_resource_attributes: false,
    });
    expect(ok.ppid_poll_interval).toBe(5000);
    const http = parse(
      parseYaml(`
server:
  http:
    endpoint: https://127.0.0.1:4320/v1/opamp
    auth: bearertokenauth
agent_description:
  include_resource_attributes: true
  non_identifying_attributes: { env: prod }
`),
    ) as any;
    expect(http.server.http).toMatchObject({ polling_interval: 30_000, auth: 'bearertokenauth' });
    expect(http.agent_description.non_identifying_attributes).toEqual({ env: 'prod' });
    expect(
      (parse({ server: { http: { endpoint: 'http://x:1/v1/opamp', polling_interval: '5s' } } }) as any).server
        .http.polling_interval,
    ).toBe(5000);
  });

  it('refuses what the collector refuses, with the path', () => {
    const errs = (yaml: string) => parse(parseYaml(yaml) ?? {});
    expect(errs('{}')).toEqual(['extensions::opamp::server: opamp server must have at least ws or http set']);
    expect(errs('server: { ws: { endpoint: "ws://a:1" }, http: { endpoint: "http://a:1" } }')).toEqual([
      'extensions::opamp::server: opamp server must have only ws or http set',
    ]);
    expect(errs('server: { ws: { headers: { a: b } } }')).toEqual([
      'extensions::opamp::server::ws::endpoint: opamp server endpoint must be provided',
    ]);
    expect(errs('server: { ws: { endpoint: "http://a:1/v1/opamp" } }')).toEqual([
      'extensions::opamp::server::ws::endpoint: the endpoint\'s scheme must be ws or wss, not "http"',
    ]);
    expect(errs('server: { http: { endpoint: "http://a:1", polling_interval: "-5s" } }')).toHaveLength(1);
    expect(errs('server: { http: { endpoint: "http://a:1", polling_interval: soon } }')).toEqual([
      'extensions::opamp::server::http::polling_interval: invalid duration "soon" (expected e.g. "5s", "200ms", "1m30s")',
    ]);
    const unknown = errs('server: { ws: { endpoint: "ws://a:1", endpont: x } }') as string[];
    expect(unknown[0]).toMatch(/server::ws.*endpont/);
    expect(
      errs('server: { ws: { endpoint: "ws://a:1" } }\ncapabilities: { reports_health: maybe }'),
    ).toHaveLength(1);
    expect(errs('server: { ws: { endpoint: "ws://a:1" } }\nppid: -1')).toHaveLength(1);
  });
});

describe('opamp helpers', () => {
  it('instance UIDs: UUIDv7, canonical text both ways', () => {
    const u = uuidV7(Date.UTC(2026, 0, 1));
    expect(u).toHaveLength(16);
    expect(u[6] >> 4).toBe(7);
    expect(u[8] >> 6).toBe(2);
    expect(parseUuid(formatUuid(u))).toEqual(u);
    expect(parseUuid('not-a-uuid')).toBeUndefined();
  });

  it('masks what the collector keeps opaque', () => {
    expect(
      redactSecrets({
        exporters: {
          otlphttp: { endpoint: 'https://u:pw@x:4318', headers: { 'x-api-key': 'k' }, tls: { key_pem: 'K' } },
        },
        extensions: {
          basicauth: { client_auth: { username: 'u', password: 'p' } },
          bearertokenauth: { token: 't' },
        },
      }),
    ).toEqual({
      exporters: {
        otlphttp: {
          endpoint: 'https://u:xxxxx@x:4318',
          headers: { 'x-api-key': '[REDACTED]' },
          tls: { key_pem: '[REDACTED]' },
        },
      },
      extensions: {
        basicauth: { client_auth: { username: 'u', password: '[REDACTED]' } },
        bearertokenauth: { token: '[REDACTED]' },
      },
    });
  });
});

// ---- the agent against the stand-in server, with a fake service behind it ----

type Ext = {
  start(h: Host): Promise<void>;
  shutdown(): Promise<void>;
  agent(): OpampAgent;
  transport(): { connections?: number; polls?: number };
};

function snapshot(lastError?: { at: number; message: string }): StatusSnapshot {
  return {
    at: Date.now(),
    service: {
      name: 'tsunagi',
      version: '9.9.9',
      startedAt: Date.now() - 1000,
      state: 'running',
      runtime: { node: process.version, os: 'linux', arch: 'x64' },
    },
    process: {} as StatusSnapshot['process'],
    pipelines: [
      {
        id: 'traces',
        signal: 'traces',
        receivers: ['otlp'],
        processors: ['batch'],
        exporters: ['otlp_http'],
        mutatesData: false,
      },
    ],
    connectors: [],
    extensions: ['opamp'],
    components: [
      { key: 'receiver:otlp', id: 'otlp', kind: 'receiver', type: 'otlp' },
      { key: 'processor:batch@traces', id: 'batch', kind: 'processor', type: 'batch', pipeline: 'traces' },
      {
        key: 'exporter:otlp_http',
        id: 'otlp_http',
        kind: 'exporter',
        type: 'otlp_http',
        counts: { in: 0, out: 0, refused: 0, failed: 0, errors: lastError ? 1 : 0, lastError },
      },
    ],
    featureGates: [],
  };
}

class FakeService {
  generation = 1;
  config: Record<string, unknown> = {
    receivers: { otlp: { protocols: { grpc: null } } },
    exporters: {
      otlp_http: { endpoint: 'http://backend:4318', headers: { authorization: 'Bearer secret' } },
    },
    service: {
      extensions: ['opamp'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp_http'] } },
    },
  };
  lastError: { at: number; message: string } | undefined;
  applied: RemoteConfigFile[][] = [];
  services: ExtensionServices = {
    pipelinesReady: () => true,
    status: { snapshot: () => snapshot(this.lastError) },
    reloadStatus: () => ({ configGeneration: this.generation }),
    effectiveConfig: () => this.config,
    resourceAttributes: () => ({ 'deployment.environment': 'test' }),
    availableComponents: () => ({ receivers: ['otlp'], exporters: ['otlp_http'] }),
    applyRemoteConfig: async (files) => {
      const bad = files.find((f) => f.body.includes('bogus'));
      if (bad) return { applied: false, errors: [`exporters::bogus: unknown type "bogus"`] };
      this.applied.push([...files]);
      this.generation++;
      this.config = { ...this.config, remote: files.map((f) => f.body).join('') };
      return { applied: true, errors: [] };
    },
  };
}

const servers: OpampStandin[] = [];
const running: Ext[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.shutdown();
});
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => {});
});

async function setup(transport: 'ws' | 'http', extra: Record<string, unknown> = {}) {
  const server = await new OpampStandin().start();
  servers.push(server);
  const svc = new FakeService();
  const server_ =
    transport === 'ws'
      ? { ws: { endpoint: server.wsUrl } }
      : { http: { endpoint: server.httpUrl, polling_interval: '100ms' } };
  const config = factory.configSchema.parse({ server: server_, ...extra });
  const ext = factory.create(testSettings('opamp', 'extension'), config, svc.services) as unknown as Ext;
  await ext.start({ getExtension: () => undefined });
  running.push(ext);
  return { server, svc, ext };
}

describe.each(['ws', 'http'] as const)('opamp agent over %s', (transport) => {
  it('reports description, effective config (secrets masked), health and components', async () => {
    const { server } = await setup(transport, {
      agent_description: { include_resource_attributes: true, non_identifying_attributes: { team: 'obs' } },
    });
    await waitFor(() => !!server.agent()?.health, 'the first report');
    const a = server.agent()!;
    const ident = attrs(a.description!.identifying_attributes);
    expect(ident['service.name']).toBe('tsunagi');
    expect(ident['service.version']).toBe('9.9.9');
    expect(formatUuid(Buffer.from([...server.agents.keys()][0], 'base64'))).toBe(
      ident['service.instance.id'],
    );
    const non = attrs(a.description!.non_identifying_attributes);
    expect(non).toMatchObject({ 'os.type': 'linux', team: 'obs', 'deployment.environment': 'test' });
    expect(non['host.name']).toBeTruthy();
    const eff = parseYaml(a.effectiveConfig!);
    expect(eff.exporters.otlp_http).toEqual({
      endpoint: 'http://backend:4318',
      headers: { authorization: '[REDACTED]' },
    });
    expect(a.health).toMatchObject({ healthy: true, status: 'StatusOK' });
    expect(a.health!.component_health_map['pipeline:traces'].component_health_map).toHaveProperty(
      'exporter:otlp_http',
    );
    expect(Object.keys(a.availableComponents!.components).sort()).toEqual(['exporters', 'receivers']);
    // ReportsStatus | ReportsEffectiveConfig | ReportsHealth | ReportsHeartbeat | ReportsAvailableComponents
    expect(a.capabilities).toBe(0x1 | 0x4 | 0x800 | 0x2000 | 0x4000);
    const seqs = server.messages.map((m) => Number(m.sequence_num));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('reports a component error as health, and a reload as a new effective config', async () => {
    const { server, svc } = await setup(transport);
    await waitFor(() => !!server.agent()?.health, 'the first report');
    svc.lastError = { at: Date.now(), message: 'connection refused' };
    svc.config = { ...svc.config, processors: { batch: {} } };
    svc.generation++;
    await waitFor(
      () => server.agent()?.health?.component_health_map['pipeline:traces'].healthy === false,
      'unhealthy pipeline',
    );
    const p = server.agent()!.health!.component_health_map['pipeline:traces'];
    expect(p.component_health_map['exporter:otlp_http']).toMatchObject({
      healthy: false,
      status: 'StatusRecoverableError',
      last_error: 'connection refused',
    });
    await waitFor(() => !!parseYaml(server.agent()!.effectiveConfig!).processors, 'the new effective config');
  });

  it('applies remote config only when allowed: APPLYING then APPLIED, or FAILED with the errors', async () => {
    const off = await setup(transport);
    await waitForAgent(off.server);
    off.server.offerConfig({ '': 'receivers: {}' });
    // a full-state request after the offer: its answer shows the offer was handled (and ignored)
    const n = off.server.messages.length;
    off.server.scripted.push({ flags: 1 });
    if (transport === 'ws') off.server.push({ flags: 1 });
    await waitFor(() => off.server.messages.slice(n).some((m) => m.effective_config), 'a full report');
    expect(off.svc.applied).toEqual([]);
    expect(off.server.agent()!.remoteStatus).toBeUndefined();

    const { server, svc } = await setup(transport, { capabilities: { accepts_remote_config: true } });
    expect((await waitForAgent(server)).capabilities & 0x3).toBe(0x3);
    const hash = server.offerConfig({ b: 'two: 2\n', a: 'one: 1\n' });
    await waitFor(() => server.agent()?.remoteStatus?.status === 'APPLIED', 'APPLIED');
    expect(server.agent()!.remoteStatus!.hash).toBe(hash);
    expect(server.agent()!.remoteStatuses.map((s) => s.status)).toContain('APPLYING');
    expect(svc.applied).toEqual([
      [
        { name: 'a', body: 'one: 1\n' },
        { name: 'b', body: 'two: 2\n' },
      ],
    ]);
    await waitFor(
      () => parseYaml(server.agent()!.effectiveConfig!).remote === 'one: 1\ntwo: 2\n',
      'new effective config',
    );

    const bad = server.offerConfig({ '': 'exporters: { bogus: {} }' });
    await waitFor(() => server.agent()?.remoteStatus?.status === 'FAILED', 'FAILED');
    expect(server.agent()!.remoteStatus).toEqual({
      hash: bad,
      status: 'FAILED',
      error: 'exporters::bogus: unknown type "bogus"',
    });
    expect(svc.applied).toHaveLength(1);

    server.offerConfig({ '': 'x: 1' }, 'application/json');
    await waitFor(
      () => server.agent()?.remoteStatus?.error.includes('is not YAML') === true,
      'content type refused',
    );
    expect(svc.applied).toHaveLength(1);
  });

  it('takes a new instance_uid and reports everything again on ReportFullState', async () => {
    const { server, ext } = await setup(transport);
    await waitForAgent(server);
    const newUid = Buffer.from(uuidV7());
    const seen = server.messages.length;
    server.scripted.push({ agent_identification: { new_instance_uid: newUid } });
    if (transport === 'ws') server.push({ agent_identification: { new_instance_uid: newUid } });
    await waitFor(() => server.agents.has(newUid.toString('base64')), 'messages under the new uid');
    expect(Buffer.from(ext.agent().instanceUid)).toEqual(newUid);
    await waitFor(
      () => !!server.agents.get(newUid.toString('base64'))?.description,
      'description under the new uid',
    );
    expect(
      attrs(server.agents.get(newUid.toString('base64'))!.description!.identifying_attributes)[
        'service.instance.id'
      ],
    ).toBe(formatUuid(newUid));
    // ReportFullState: the next message carries the effective config again
    const before = server.messages.length;
    expect(before).toBeGreaterThan(seen);
    server.scripted.push({ flags: 1 });
    if (transport === 'ws') server.push({ flags: 1 });
    await waitFor(
      () => server.messages.slice(before).some((m) => m.effective_config && m.health),
      'a full report',
    );
  });

  it('backs off on UNAVAILABLE and 503 + Retry-After, and comes back after the server restarts', async () => {
    const { server, ext } = await setup(transport);
    await waitForAgent(server);
    // error_response UNAVAILABLE with a retry delay: the agent waits, then sends its full state again
    server.scripted.push({
      error_response: {
        type: 2,
        error_message: 'busy',
        retry_info: { retry_after_nanoseconds: 200_000_000 },
      },
    });
    if (transport === 'ws')
      server.push({
        error_response: {
          type: 2,
          error_message: 'busy',
          retry_info: { retry_after_nanoseconds: 200_000_000 },
        },
      });
    const n = server.messages.length;
    await waitFor(
      () => server.messages.slice(n).some((m) => m.effective_config),
      'full state after the back-off',
    );

    await server.stop();
    const before = transport === 'ws' ? server.wsConnections : server.httpPosts;
    // back, but overloaded at first: 503 with Retry-After, then serving again
    server.refuse = { status: 503, retryAfterSeconds: 1 };
    await server.restart(true);
    await waitFor(() => server.refusals > 0, 'a refused attempt', 15_000);
    const refusals = server.refusals;
    server.refuse = undefined;
    await waitFor(
      () =>
        (transport === 'ws' ? server.wsConnections : server.httpPosts) > before &&
        !!server.agent()?.effectiveConfig,
      'the agent back with its full state',
      15_000,
    );
    if (transport === 'ws') expect(ext.transport().connections).toBeGreaterThanOrEqual(2);
    // Retry-After: 1 was honoured (no retry storm while refused)
    expect(server.refusals - refusals).toBeLessThanOrEqual(1);
  });
});

async function waitForAgent(server: OpampStandin) {
  await waitFor(() => !!server.agent()?.description, 'the agent to report');
  return server.agent()!;
}

describe('opamp shutdown', () => {
  it('says goodbye with agent_disconnect', async () => {
    const { server, ext } = await setup('ws');
    await waitForAgent(server);
    running.splice(running.indexOf(ext), 1);
    await ext.shutdown();
    await waitFor(() => server.agent()!.disconnected, 'agent_disconnect');
  });
});
