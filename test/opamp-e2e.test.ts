// The opamp extension through the built binary, against the OpAMP server
// stand-in (test/support/opamp-standin.ts, written from the OpAMP protobufs),
// over WebSocket and over plain HTTP: the agent reports its description, the
// effective config and health; a valid remote config adds a pipeline that an
// OTLP sender then reaches end to end; an invalid one is answered FAILED with
// the validation errors while the running pipelines keep serving.
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { toAnyValue } from '../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../src/pdata/create.js';
import { attrs, OpampStandin } from './support/opamp-standin.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

function traces(name: string): Buffer {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  const s = newSpan();
  s.name = name;
  s.traceId = new Uint8Array(16).fill(3);
  s.spanId = new Uint8Array(8).fill(4);
  s.attributes.push({ key: 'k', value: toAnyValue('v') });
  ss.spans.push(s);
  rs.scopeSpans.push(ss);
  return Buffer.from(encodeTraces({ resourceSpans: [rs] }));
}

function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const spanNames = (sink: OtlpSink) =>
  sink.requests.traces.flatMap((r: any) =>
    r.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.name)),
    ),
  );

async function setup(transport: 'ws' | 'http') {
  const server = await new OpampStandin().start();
  cleanup.push(() => server.stop());
  const sinkA = await new OtlpSink().start();
  const sinkB = await new OtlpSink().start();
  cleanup.push(
    () => sinkA.stop(),
    () => sinkB.stop(),
  );
  const [portA, portB, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const serverBlock =
    transport === 'ws'
      ? `ws: { endpoint: "${server.wsUrl}" }`
      : `http: { endpoint: "${server.httpUrl}", polling_interval: 200ms }`;
  const tsunagi: TsunagiProcess = await startTsunagi(`
extensions:
  opamp:
    server:
      ${serverBlock}
    capabilities: { accepts_remote_config: true }
    agent_description: { non_identifying_attributes: { cluster: e2e } }
receivers:
  otlp:
    protocols: { http: { endpoint: 127.0.0.1:${portA} } }
exporters:
  otlp_http/a:
    endpoint: http://127.0.0.1:${sinkA.httpPort}
    headers: { authorization: Bearer s3cret }
service:
  extensions: [opamp]
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_http/a] }
`);
  cleanup.push(() => tsunagi.stop('SIGKILL'));
  return { server, sinkA, sinkB, portA, portB, tsunagi };
}

describe.each(['ws', 'http'] as const)('opamp over %s through the binary', (transport) => {
  it('reports itself, applies a valid remote config end to end and refuses an invalid one', async () => {
    const { server, sinkA, sinkB, portA, portB, tsunagi } = await setup(transport);
    await waitFor(() => !!server.agent()?.effectiveConfig && !!server.agent()?.health, 'the first report');
    const a = server.agent()!;
    expect(attrs(a.description!.identifying_attributes)['service.name']).toBe('tsunagi');
    expect(attrs(a.description!.non_identifying_attributes)).toMatchObject({
      cluster: 'e2e',
      'os.type': 'linux',
    });
    const eff = parseYaml(a.effectiveConfig!);
    expect(eff.service.pipelines.traces).toEqual({
      receivers: ['otlp'],
      processors: [],
      exporters: ['otlp_http/a'],
    });
    expect(eff.exporters['otlp_http/a'].headers.authorization).toBe('[REDACTED]');
    await waitFor(() => server.agent()!.health!.healthy === true, 'healthy');
    expect(Object.keys(server.agent()!.health!.component_health_map)).toContain('pipeline:traces');
    expect(a.availableComponents!.components.extensions.sub_component_map).toHaveProperty('opamp');

    // valid: a second pipeline with its own receiver and exporter
    const good = server.offerConfig({
      '': `
receivers:
  otlp/b:
    protocols: { http: { endpoint: 127.0.0.1:${portB} } }
exporters:
  otlp_http/b:
    endpoint: http://127.0.0.1:${sinkB.httpPort}
service:
  pipelines:
    traces/b: { receivers: [otlp/b], exporters: [otlp_http/b] }
`,
    });
    await waitFor(() => server.agent()?.remoteStatus?.status === 'APPLIED', 'APPLIED', 20_000);
    expect(server.agent()!.remoteStatus!.hash).toBe(good);
    expect(server.agent()!.remoteStatuses.map((s) => s.status)).toEqual(['APPLYING', 'APPLIED']);
    expect(await post(portB, traces('via-remote'))).toBe(200);
    await waitFor(() => spanNames(sinkB).includes('via-remote'), 'the span through the remote pipeline');
    await waitFor(
      () => !!parseYaml(server.agent()!.effectiveConfig!).service.pipelines['traces/b'],
      'the new effective config',
    );

    // invalid: a misspelt key; FAILED with the validation error, everything keeps serving
    const bad = server.offerConfig({
      '': `
exporters:
  otlp_http/c: { endpont: http://127.0.0.1:1 }
service:
  pipelines:
    traces/c: { receivers: [otlp], exporters: [otlp_http/c] }
`,
    });
    await waitFor(() => server.agent()?.remoteStatus?.status === 'FAILED', 'FAILED', 20_000);
    const st = server.agent()!.remoteStatus!;
    expect(st.hash).toBe(bad);
    expect(st.error).toMatch(/otlp_http\/c.*endpont/);
    expect(await post(portA, traces('old-pipeline'))).toBe(200);
    expect(await post(portB, traces('remote-still'))).toBe(200);
    await waitFor(() => spanNames(sinkA).includes('old-pipeline'), 'the old pipeline still serving');
    await waitFor(
      () => spanNames(sinkB).includes('remote-still'),
      'the applied remote pipeline still serving',
    );
    expect(tsunagi.stderr()).toMatch(/Remote config failed/);
    if (transport === 'http') return;

    // a remote config may not stop the extension that applies it
    server.offerConfig({ '': 'service: { extensions: [] }' });
    await waitFor(
      () => /must keep extension "opamp"/.test(server.agent()?.remoteStatus?.error ?? ''),
      'refused',
    );

    // SIGHUP re-reads the local files and keeps the remote layer that applied
    const reloads = (tsunagi.stderr().match(/Config reloaded/g) ?? []).length;
    tsunagi.child.kill('SIGHUP');
    await waitFor(
      () => (tsunagi.stderr().match(/Config reloaded/g) ?? []).length > reloads,
      'the SIGHUP reload',
    );
    expect(await post(portB, traces('after-sighup'))).toBe(200);
    await waitFor(() => spanNames(sinkB).includes('after-sighup'), 'the remote pipeline after SIGHUP');
  }, 60_000);
});
