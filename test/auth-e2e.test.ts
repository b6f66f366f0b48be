// Authenticator extensions through the built binary, with the real OpenTelemetry
// JS SDK exporters (OTLP/HTTP protobuf and gRPC) and plain HTTP requests:
// - bearertokenauth on the otlp receiver: the SDK without the token is refused
//   (HTTP 401 / gRPC UNAUTHENTICATED, as the SDK reports it), with it accepted;
//   the token file is re-read when it changes;
// - basicauth (htpasswd written by Apache's htpasswd) likewise, curl-style;
// - a refused request's body is never decoded (garbage gets 401, not 400);
// - headers_setter forwards the sender's X-Scope-OrgID to the next hop across
//   the batch processor (metadata_keys) and the exporter's queue: a memory queue
//   (gRPC exporter) and a persistent queue whose item outlives a restart of
//   Tsunagi (HTTP exporter): the tenant is stored with the item;
// - bearertokenauth and basicauth as client authenticators of exporters.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSpans, tracesProtoRequest } from './support/otlp-sdk-fixtures.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

// bob:pw2, written by `htpasswd -nbm bob pw2` (apache2-utils).
const HTPASSWD_BOB = 'bob:$apr1$TQlfkChK$cQXQlnFEa5sSy2nEizNLo.';

let sink: OtlpSink; // next hop of the tenant pipeline
let clientSink: OtlpSink; // next hop of the client-authenticator pipeline
let tsunagi: TsunagiProcess;
let config: string;
let tokenFile: string;
const port = { grpc: 0, http: 0, basic: 0, plain: 0 };
let spans: ReadableSpan[];

type Result = { code: number; error?: Error & { code?: number } };

function exportWith(exporter: {
  export(s: ReadableSpan[], cb: (r: Result) => void): void;
  shutdown(): Promise<void>;
}) {
  return new Promise<Result>((resolve) => exporter.export(spans, resolve)).finally(() => exporter.shutdown());
}

const viaHttp = (headers: Record<string, string>) =>
  exportWith(new TraceProto({ url: `http://127.0.0.1:${port.http}/v1/traces`, headers }));

function viaGrpc(md: Record<string, string>) {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  return exportWith(new TraceGrpc({ url: `http://127.0.0.1:${port.grpc}`, metadata }));
}

const post = (p: number, headers: Record<string, string>, body: Uint8Array = tracesProtoRequest(spans)) =>
  fetch(`http://127.0.0.1:${p}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...headers },
    body,
  });

const tenantsAt = (s: OtlpSink, transport: 'grpc' | 'http') =>
  s.received.traces.filter((r) => r.transport === transport).map((r) => r.headers['x-scope-orgid']);

beforeAll(async () => {
  spans = await recordSpans(2);
  sink = await new OtlpSink().start();
  clientSink = await new OtlpSink().start();
  for (const k of Object.keys(port) as (keyof typeof port)[]) port[k] = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-auth-'));
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'tok-1\n');
  config = `
extensions:
  bearertokenauth/in:
    filename: ${tokenFile}
  basicauth/in:
    htpasswd:
      inline: "${HTPASSWD_BOB}"
  headers_setter:
    headers:
      - key: X-Scope-OrgID
        action: upsert
        from_context: X-Scope-OrgID
  bearertokenauth/out:
    token: next-hop-token
  basicauth/out:
    client_auth: { username: tsunagi, password: secret }
  file_storage:
    directory: ${dir}
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${port.grpc}, include_metadata: true, auth: { authenticator: bearertokenauth/in } }
      http: { endpoint: 127.0.0.1:${port.http}, include_metadata: true, auth: { authenticator: bearertokenauth/in } }
  otlp/basic:
    protocols:
      http: { endpoint: 127.0.0.1:${port.basic}, include_metadata: true, auth: { authenticator: basicauth/in } }
  otlp/plain:
    protocols:
      http: { endpoint: 127.0.0.1:${port.plain} }
processors:
  batch:
    timeout: 20ms
    metadata_keys: [X-Scope-OrgID]
exporters:
  otlp_grpc/memory:
    endpoint: 127.0.0.1:${sink.grpcPort}
    tls: { insecure: true }
    auth: { authenticator: headers_setter }
  otlp_http/persistent:
    endpoint: http://127.0.0.1:${sink.httpPort}
    auth: { authenticator: headers_setter }
    sending_queue: { storage: file_storage }
    retry_on_failure: { initial_interval: 50ms, max_interval: 100ms }
  otlp_http/bearer:
    endpoint: http://127.0.0.1:${clientSink.httpPort}
    auth: { authenticator: bearertokenauth/out }
  otlp_grpc/basic:
    endpoint: 127.0.0.1:${clientSink.grpcPort}
    tls: { insecure: true }
    auth: { authenticator: basicauth/out }
service:
  extensions: [bearertokenauth/in, basicauth/in, headers_setter, bearertokenauth/out, basicauth/out, file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces:
      receivers: [otlp, otlp/basic]
      processors: [batch]
      exporters: [otlp_grpc/memory, otlp_http/persistent]
    traces/client:
      receivers: [otlp/plain]
      exporters: [otlp_http/bearer, otlp_grpc/basic]
`;
  tsunagi = await startTsunagi(config);
}, 60_000);

afterAll(async () => {
  await tsunagi?.stop();
  await sink?.stop();
  await clientSink?.stop();
});

describe('bearertokenauth on the otlp receiver, with the OTel JS SDK', () => {
  it('OTLP/HTTP: refused without the token (401), accepted with it, tenant forwarded', async () => {
    const refused = await viaHttp({ 'X-Scope-OrgID': 'nobody' });
    expect(refused.code).toBe(1); // ExportResultCode.FAILED
    expect(refused.error?.code).toBe(401);
    const wrong = await viaHttp({ Authorization: 'Bearer tok-0' });
    expect(wrong.error?.code).toBe(401);

    const ok = await viaHttp({ Authorization: 'Bearer tok-1', 'X-Scope-OrgID': 'tenant-http' });
    expect(ok.code).toBe(0);
    await waitFor(
      () =>
        tenantsAt(sink, 'grpc').includes('tenant-http') && tenantsAt(sink, 'http').includes('tenant-http'),
      'tenant-http at the next hop over both exporters',
    );
    expect(tenantsAt(sink, 'grpc')).not.toContain('nobody');
  });

  it('OTLP/gRPC: refused without the token (UNAUTHENTICATED), accepted with it, tenant forwarded', async () => {
    const refused = await viaGrpc({ 'x-scope-orgid': 'nobody' });
    expect(refused.code).toBe(1);
    expect(refused.error?.code).toBe(16); // grpc status UNAUTHENTICATED, as the SDK reports it
    expect(refused.error?.message).toMatch(/UNAUTHENTICATED|missing or empty authorization header/);

    const ok = await viaGrpc({ authorization: 'Bearer tok-1', 'x-scope-orgid': 'tenant-grpc' });
    expect(ok.code).toBe(0);
    await waitFor(
      () =>
        tenantsAt(sink, 'grpc').includes('tenant-grpc') && tenantsAt(sink, 'http').includes('tenant-grpc'),
      'tenant-grpc at the next hop',
    );
  });

  it('does not decode a refused body: garbage without the token is 401, not 400', async () => {
    const res = await post(port.http, {}, Buffer.from('this is not protobuf'));
    expect(res.status).toBe(401);
    const withToken = await post(port.http, { authorization: 'Bearer tok-1' }, Buffer.from('\xff\xff\xff'));
    expect(withToken.status).toBe(400);
  });

  it('re-reads the token file when it changes', async () => {
    writeFileSync(tokenFile, 'tok-2\n');
    for (let i = 0; i < 400; i++) {
      if ((await post(port.http, { authorization: 'Bearer tok-2' })).status === 200) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await post(port.http, { authorization: 'Bearer tok-2' })).status).toBe(200);
    expect((await post(port.http, { authorization: 'Bearer tok-1' })).status).toBe(401);
  });
});

describe('basicauth on a receiver, curl-style requests', () => {
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  it('401 without or with wrong credentials, 200 with the htpasswd user, tenant forwarded', async () => {
    expect((await post(port.basic, {})).status).toBe(401);
    expect((await post(port.basic, { authorization: basic('bob', 'nope') })).status).toBe(401);
    const refused = await post(port.basic, { authorization: basic('eve', 'pw2') });
    expect(refused.status).toBe(401);
    const ok = await post(port.basic, {
      authorization: basic('bob', 'pw2'),
      'x-scope-orgid': 'tenant-basic',
    });
    expect(ok.status).toBe(200);
    await waitFor(() => tenantsAt(sink, 'grpc').includes('tenant-basic'), 'tenant-basic at the next hop');
  });
});

describe('client authenticators on exporters', () => {
  it('bearertokenauth sets Authorization over HTTP, basicauth over gRPC', async () => {
    expect((await post(port.plain, {})).status).toBe(200);
    await waitFor(
      () =>
        clientSink.received.traces.some((r) => r.transport === 'http') &&
        clientSink.received.traces.some((r) => r.transport === 'grpc'),
      'both client exporters delivered',
    );
    const http = clientSink.received.traces.find((r) => r.transport === 'http')!;
    const grpc = clientSink.received.traces.find((r) => r.transport === 'grpc')!;
    expect(http.headers.authorization).toBe('Bearer next-hop-token');
    expect(grpc.headers.authorization).toBe(`Basic ${Buffer.from('tsunagi:secret').toString('base64')}`);
  });
});

describe('the tenant survives the persistent queue', () => {
  it('an item queued while the next hop refuses is sent with its tenant after a restart', async () => {
    sink.httpStatus = 503;
    const before = tenantsAt(sink, 'http').length;
    const ok = await viaHttp({ Authorization: 'Bearer tok-2', 'X-Scope-OrgID': 'tenant-persisted' });
    expect(ok.code).toBe(0); // answered: it is on disk
    await waitFor(() => tenantsAt(sink, 'grpc').includes('tenant-persisted'), 'the memory-queue copy');
    expect(await tsunagi.stop()).toBe(0);
    expect(tenantsAt(sink, 'http')).not.toContain('tenant-persisted'); // still on disk, not delivered
    sink.httpStatus = 200;
    tsunagi = await startTsunagi(config);
    await waitFor(
      () => tenantsAt(sink, 'http').includes('tenant-persisted'),
      'the persisted item after restart',
      20_000,
    );
    expect(tenantsAt(sink, 'http').slice(before)).toEqual(['tenant-persisted']);
  });
});
