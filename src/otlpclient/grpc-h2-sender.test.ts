// The HTTP/2 OTLP/gRPC sender against a real @grpc/grpc-js server, side by side
// with the grpc-js sender, on its lean HTTP/2 client and on node:http2 (TSUNAGI_GRPC_LEAN=0): the same request reaches the server (message bytes,
// metadata, compression, deadline), and every answer maps to the same outcome
// (resolved, or the same ConsumerError: retryable or not, throttled, retry delay,
// message).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePartialSuccess, encodeStatus } from '../../test/support/fake-otlp.js';
import { poolReuses } from '../codec/buffer-pool.js';
import { encodeTraces } from '../codec/otlp-proto.js';
import type { RequestContext } from '../component/consumer.js';
import { ConsumerError } from '../component/errors.js';
import { toAnyValue } from '../pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../pdata/create.js';
import type { TracesData } from '../pdata/types.js';
import { silentLogger } from '../telemetry/logger.js';
import { otlpGrpcConfigSchema } from './grpc-config.js';
import { h2Eligible, OtlpGrpcH2Sender } from './grpc-h2-sender.js';
import { OtlpGrpcSender } from './grpc-sender.js';

interface Received {
  message: Buffer;
  metadata: Record<string, unknown>;
  deadline: boolean;
}

type Answer = (call: grpc.ServerUnaryCall<Buffer, Buffer>) => Promise<{
  error?: Partial<grpc.StatusObject>;
  response?: Buffer;
}>;

let answer: Answer = async () => ({ response: Buffer.alloc(0) });
const received: Received[] = [];
const servers: grpc.Server[] = [];
let port = 0;
let tlsPort = 0;
let crt = '';

const raw = (b: Buffer) => b;
function startServer(creds: grpc.ServerCredentials): Promise<number> {
  const server = new grpc.Server();
  server.addService(
    {
      export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const md = call.metadata.getMap();
        received.push({
          message: Buffer.from(call.request),
          metadata: md,
          deadline: call.getDeadline() !== Number.POSITIVE_INFINITY,
        });
        void answer(call).then((a) =>
          a.error ? cb(a.error as grpc.ServiceError, null) : cb(null, a.response ?? Buffer.alloc(0)),
        );
      },
    },
  );
  servers.push(server);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
}

beforeAll(async () => {
  port = await startServer(grpc.ServerCredentials.createInsecure());
  const dir = mkdtempSync(join(tmpdir(), 'grpc-h2-'));
  crt = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync(
    'openssl',
    [
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost'.split(
        ' ',
      ),
      '-keyout',
      key,
      '-out',
      crt,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  tlsPort = await startServer(
    grpc.ServerCredentials.createSsl(null, [
      { private_key: readFileSync(key), cert_chain: readFileSync(crt) },
    ]),
  );
});
afterAll(() => {
  for (const s of servers) s.forceShutdown();
});

function traces(): TracesData {
  const rs = newResourceSpans();
  rs.resource.attributes.push({ key: 'service.name', value: toAnyValue('crème brûlée') });
  const ss = newScopeSpans();
  for (let i = 0; i < 3; i++) {
    const s = newSpan();
    s.traceId = new Uint8Array(16).fill(i + 1);
    s.spanId = new Uint8Array(8).fill(i + 7);
    s.name = `span ${i} ${'x'.repeat(i * 500)}`;
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

type Outcome =
  | { ok: true }
  | {
      ok: false;
      retryable: boolean;
      throttled?: boolean;
      retryAfterMs?: number;
      message: string;
      type: string;
    };

async function outcome(p: Promise<void>): Promise<Outcome> {
  try {
    await p;
    return { ok: true };
  } catch (e) {
    expect(e).toBeInstanceOf(ConsumerError);
    const ce = e as ConsumerError;
    return {
      ok: false,
      retryable: ce.retryable,
      throttled: ce.throttled,
      retryAfterMs: ce.retryAfterMs,
      message: ce.message,
      type: ce.constructor.name,
    };
  }
}

/** Sends through both senders with the same config; returns each one's outcome and what the server got. */
async function both(cfgIn: Record<string, unknown>, abortAfterMs?: number) {
  const cfg = otlpGrpcConfigSchema.parse({
    endpoint: `127.0.0.1:${port}`,
    tls: { insecure: true },
    ...cfgIn,
  });
  const out: { outcome: Outcome; received: Received | undefined }[] = [];
  for (const sender of [
    new OtlpGrpcSender(cfg, silentLogger()),
    new OtlpGrpcH2Sender(cfg, silentLogger()),
    new OtlpGrpcH2Sender(cfg, silentLogger()),
  ]) {
    // the third on node:http2 (the lean client off), the second on the lean client
    if (out.length === 2) process.env.TSUNAGI_GRPC_LEAN = '0';
    await sender.start();
    delete process.env.TSUNAGI_GRPC_LEAN;
    received.length = 0;
    const ac = new AbortController();
    if (abortAfterMs !== undefined) setTimeout(() => ac.abort(), abortAfterMs);
    out.push({ outcome: await outcome(sender.send('traces', traces(), ac.signal)), received: received[0] });
    await sender.shutdown();
  }
  return { grpcJs: out[0], h2: out[1], h2Node: out[2] };
}

describe('OTLP/gRPC over node:http2 (against a @grpc/grpc-js server)', () => {
  it('is used only for one-address targets without keepalive or wait_for_ready', () => {
    const ok = (o: Record<string, unknown>) => h2Eligible(otlpGrpcConfigSchema.parse(o));
    expect(ok({ endpoint: '10.1.2.3:4317' })).toBe(true);
    expect(ok({ endpoint: '[::1]:4317' })).toBe(true);
    expect(ok({ endpoint: 'http://localhost:4317' })).toBe(true);
    expect(ok({ endpoint: 'gateway.svc:4317' })).toBe(false);
    expect(ok({ endpoint: 'dns:///10.1.2.3:4317' })).toBe(false);
    expect(ok({ endpoint: '10.1.2.3:4317', wait_for_ready: true })).toBe(false);
    expect(ok({ endpoint: '10.1.2.3:4317', keepalive: { time: '10s' } })).toBe(false);
  });

  it('delivers the same message and metadata as grpc-js, plain and gzip', async () => {
    for (const compression of ['none', 'gzip']) {
      answer = async () => ({ response: Buffer.alloc(0) });
      const r = await both({
        compression,
        timeout: '3s',
        headers: { 'X-Tenant': 'acme', 'trace-bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
      });
      expect(r.h2.outcome).toEqual({ ok: true });
      expect(r.grpcJs.outcome).toEqual({ ok: true });
      expect(r.h2.received?.message).toEqual(Buffer.from(encodeTraces(traces())));
      expect(r.h2.received?.message).toEqual(r.grpcJs.received?.message);
      expect(r.h2Node.outcome).toEqual({ ok: true });
      expect(r.h2Node.received?.message).toEqual(r.grpcJs.received?.message);
      for (const rec of [r.h2.received, r.h2Node.received, r.grpcJs.received]) {
        expect(rec?.metadata['x-tenant']).toBe('acme');
        expect(rec?.metadata['trace-bin']).toEqual(Buffer.from([0, 1, 2, 255]));
        expect(rec?.deadline).toBe(true);
      }
    }
  });

  it("sends the configured headers on every call and an authenticator's only on its call, as grpc-js does", async () => {
    // the headers of a call are built once and reused: a call's own (the authenticator's, per
    // request context) must not stay on the shared headers for the calls after it
    const authenticator = {
      start: async () => {},
      shutdown: async () => {},
      applyHeaders(h: Record<string, string>, ctx: RequestContext | undefined) {
        const tenant = ctx?.metadata?.['x-scope'];
        if (tenant) h['x-auth'] = `for-${tenant[0]}`;
        h['x-tenant'] = 'from-auth'; // the configured header wins
      },
    };
    const host = { getExtension: (id: string) => (id === 'a' ? authenticator : undefined) };
    const contexts: (RequestContext | undefined)[] = [
      { metadata: { 'x-scope': ['one'] } },
      undefined,
      { metadata: { 'x-scope': ['two'] } },
      {},
    ];
    for (const compression of ['none', 'gzip'])
      for (const auth of [undefined, { authenticator: 'a' }]) {
        const cfg = otlpGrpcConfigSchema.parse({
          endpoint: `127.0.0.1:${port}`,
          tls: { insecure: true },
          compression,
          timeout: '3s',
          headers: { 'X-Tenant': 'acme', 'trace-bin': Buffer.from([7, 0, 255]).toString('base64') },
          auth,
        });
        const seen: Record<string, unknown>[][] = [];
        for (const sender of [
          new OtlpGrpcSender(cfg, silentLogger()),
          new OtlpGrpcH2Sender(cfg, silentLogger()),
        ]) {
          await sender.start(host as never);
          received.length = 0;
          for (const ctx of contexts)
            expect(await outcome(sender.send('traces', traces(), new AbortController().signal, ctx))).toEqual(
              {
                ok: true,
              },
            );
          await sender.shutdown();
          seen.push(received.map((r) => ({ ...r.metadata })));
          for (const r of received) expect(r.deadline).toBe(true);
        }
        const [grpcJs, h2] = seen;
        expect(h2).toHaveLength(contexts.length);
        for (let i = 0; i < contexts.length; i++) {
          expect(h2[i]['x-tenant']).toBe('acme');
          expect(h2[i]['trace-bin']).toEqual(Buffer.from([7, 0, 255]));
          expect(h2[i]['x-auth']).toBe(grpcJs[i]['x-auth']);
          expect(h2[i]['grpc-encoding']).toBe(grpcJs[i]['grpc-encoding']);
        }
        expect(h2.map((m) => m['x-auth'])).toEqual(
          auth ? ['for-one', undefined, 'for-two', undefined] : [undefined, undefined, undefined, undefined],
        );
      }
  });

  it('sends large requests from pooled buffers given back once written: each arrives intact while the pool reuses them', async () => {
    answer = async () => ({ response: Buffer.alloc(0) });
    /** Request i: 40 spans with long, non-ASCII names unique to it (well over the pool's 16 KiB minimum). */
    const big = (i: number): TracesData => {
      const d = traces();
      const ss = d.resourceSpans[0].scopeSpans[0];
      for (let j = 0; j < 40; j++) {
        const sp = newSpan();
        sp.traceId = new Uint8Array(16).fill(j + 1);
        sp.spanId = new Uint8Array(8).fill(i & 0xff);
        sp.name = `r${i}-s${j}-ü-${String(i).repeat(200 + (i % 7) * 50)}`;
        ss.spans.push(sp);
      }
      return d;
    };
    for (const compression of ['none', 'gzip'])
      for (const lean of ['1', '0']) {
        const cfg = otlpGrpcConfigSchema.parse({
          endpoint: `127.0.0.1:${port}`,
          tls: { insecure: true },
          compression,
        });
        const sender = new OtlpGrpcH2Sender(cfg, silentLogger());
        process.env.TSUNAGI_GRPC_LEAN = lean;
        await sender.start();
        delete process.env.TSUNAGI_GRPC_LEAN;
        received.length = 0;
        const reuses = poolReuses();
        // rounds of concurrent calls: a buffer given back too early would be overwritten by a later request
        for (let round = 0; round < 5; round++)
          await Promise.all(
            Array.from({ length: 8 }, (_, k) =>
              sender.send('traces', big(round * 8 + k), new AbortController().signal),
            ),
          );
        await sender.shutdown();
        const want = new Set(
          Array.from({ length: 40 }, (_, i) => Buffer.from(encodeTraces(big(i))).toString('hex')),
        );
        expect(new Set(received.map((r) => r.message.toString('hex')))).toEqual(want);
        expect(poolReuses(), `${compression} lean=${lean}`).toBeGreaterThan(reuses);
      }
  });

  it('maps every answer to the same outcome as grpc-js', async () => {
    const retryInfo = await encodeStatus(grpc.status.RESOURCE_EXHAUSTED, 'slow down', 300);
    const withDetails = (code: grpc.status, details: string, bin?: Buffer) => {
      const metadata = new grpc.Metadata();
      if (bin) metadata.set('grpc-status-details-bin', bin);
      return async () => ({ error: { code, details, metadata } });
    };
    const cases: [string, Answer, Record<string, unknown>][] = [
      [
        'partial success',
        async () => ({ response: Buffer.from(await encodePartialSuccess('traces', 2, 'old')) }),
        { ok: true },
      ],
      [
        'unavailable',
        withDetails(grpc.status.UNAVAILABLE, 'backend restarting'),
        { retryable: true, message: 'rpc error: code = UNAVAILABLE desc = backend restarting' },
      ],
      [
        'invalid argument',
        withDetails(grpc.status.INVALID_ARGUMENT, 'bad data'),
        { retryable: false, type: 'MalformedBatchError' },
      ],
      [
        'throttled',
        withDetails(grpc.status.RESOURCE_EXHAUSTED, 'slow down', retryInfo),
        { retryable: true, throttled: true, retryAfterMs: 300 },
      ],
      [
        'exhausted without RetryInfo',
        withDetails(grpc.status.RESOURCE_EXHAUSTED, 'full'),
        { retryable: false },
      ],
      [
        'non-ASCII message',
        withDetails(grpc.status.PERMISSION_DENIED, 'refusé: 租户 % 100%'),
        { retryable: false, message: 'rpc error: code = PERMISSION_DENIED desc = refusé: 租户 % 100%' },
      ],
      ['internal', withDetails(grpc.status.INTERNAL, ''), { retryable: false }],
      ['deadline', withDetails(grpc.status.DEADLINE_EXCEEDED, 'too slow'), { retryable: true }],
    ];
    for (const [name, a, expected] of cases) {
      answer = a;
      const r = await both({ compression: 'none' });
      expect(r.h2.outcome, name).toMatchObject(expected);
      expect(r.h2.outcome, name).toEqual(r.grpcJs.outcome);
      expect(r.h2Node.outcome, name).toEqual(r.grpcJs.outcome);
    }
  });

  it('fails retryably when nobody listens and when the call is cancelled', async () => {
    const closed = await startServer(grpc.ServerCredentials.createInsecure());
    servers.pop()?.forceShutdown();
    const cfg = otlpGrpcConfigSchema.parse({ endpoint: `127.0.0.1:${closed}`, tls: { insecure: true } });
    const s = new OtlpGrpcH2Sender(cfg, silentLogger());
    await s.start();
    await expect(s.send('traces', traces(), new AbortController().signal)).rejects.toMatchObject({
      retryable: true,
    });
    await s.shutdown();

    answer = () => new Promise(() => {}); // never answers
    const r = await both({ compression: 'none' }, 100);
    expect(r.h2.outcome).toMatchObject({ ok: false, retryable: true });
    expect(r.h2.outcome).toEqual(r.grpcJs.outcome);
    expect(r.h2Node.outcome).toEqual(r.grpcJs.outcome);
  });

  it('speaks TLS with a CA file, and fails against an unknown certificate unless verification is off', async () => {
    answer = async () => ({ response: Buffer.alloc(0) });
    for (const [tls, ok] of [
      [{ ca_file: crt }, true],
      [{ ca_file: crt, server_name_override: 'localhost' }, true],
      [{}, false],
      [{ insecure_skip_verify: true }, true],
    ] as const) {
      const cfg = otlpGrpcConfigSchema.parse({ endpoint: `127.0.0.1:${tlsPort}`, tls, compression: 'none' });
      const s = new OtlpGrpcH2Sender(cfg, silentLogger());
      await s.start();
      const o = await outcome(s.send('traces', traces(), new AbortController().signal));
      expect(o.ok, JSON.stringify(tls)).toBe(ok);
      if (!o.ok) expect(o.retryable).toBe(true);
      await s.shutdown();
    }
  });
});
