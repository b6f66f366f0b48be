// Real clients into the jaeger receiver: jaeger-client (UDP and HTTP senders),
// Apache Thrift (compact emitBatch), a protobufjs/grpc-js api_v2 client; and
// bad input on every protocol, which is refused and never stops the receiver.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { hexOf } from '../../src/pdata/ids.js';
import type { KeyValue, Span, TracesData } from '../../src/pdata/types.js';
import { SpanKind } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { encodeBatch, encodeEmitBatch, type JsonBatch } from '../../test/support/jaeger-peer.js';
import { PostSpansRequest } from '../../test/support/jaeger-proto.js';
import { decodeRpcStatus } from '../../test/support/rpc-status.js';
import { factory } from './factory.js';
import type { JaegerReceiver } from './receiver.js';

const require = createRequire(import.meta.url);
const jaeger = require('jaeger-client');

const sink = new CollectingConsumer<'traces'>();
const metrics = new SelfMetrics();
let receiver: JaegerReceiver;

beforeAll(async () => {
  const cfg = factory.configSchema.parse({
    protocols: {
      grpc: { endpoint: '127.0.0.1:0' },
      thrift_http: { endpoint: '127.0.0.1:0' },
      thrift_compact: { endpoint: '127.0.0.1:0' },
      thrift_binary: { endpoint: '127.0.0.1:0' },
    },
  });
  receiver = factory.create(testSettings('jaeger', 'receiver', metrics), cfg, {
    traces: sink,
  }) as JaegerReceiver;
  await receiver.start(emptyHost);
});
afterAll(async () => {
  await receiver?.shutdown();
});

async function waitFor<T>(what: string, f: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function allSpans(): { span: Span; resource: KeyValue[]; scope: string }[] {
  return sink.received.flatMap((td: TracesData) =>
    td.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((span) => ({ span, resource: rs.resource.attributes, scope: ss.scope.name })),
      ),
    ),
  );
}
const byName = (name: string) => allSpans().find((s) => s.span.name === name);
const attr = (kvs: KeyValue[], key: string) => kvs.find((k) => k.key === key)?.value;

async function counter(name: string, transport: string): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.transport === transport)?.value ?? 0;
}

/** Spans with tags, a log, baggage and a reference, through a real jaeger-client tracer. */
async function traceWithJaegerClient(reporter: Record<string, unknown>, prefix: string) {
  const tracer = jaeger.initTracer(
    {
      serviceName: `${prefix}-svc`,
      sampler: { type: 'const', param: 1 },
      reporter: { flushIntervalMs: 50, ...reporter },
    },
    { tags: { 'deploy.env': 'test', 'build.number': 42 }, logger: { info() {}, error() {} } },
  );
  const parent = tracer.startSpan(`${prefix}-parent`);
  const child = tracer.startSpan(`${prefix}-child`, { childOf: parent });
  child.setTag('span.kind', 'client');
  child.setTag('http.status_code', 200);
  child.setTag('ratio', 0.5);
  child.setTag('cached', true);
  child.setTag('error', true);
  child.log({ event: 'retry', attempt: 2 });
  child.setBaggageItem('tenant', 'acme');
  const follower = tracer.startSpan(`${prefix}-follower`, {
    references: [jaeger.opentracing.followsFrom(child.context())],
  });
  follower.finish();
  child.finish();
  parent.finish();
  await new Promise<void>((resolve) => tracer.close(() => resolve()));
  return { parent, child };
}

function checkJaegerClientSpans(prefix: string, parentCtx: { traceId: Buffer; spanId: Buffer }) {
  const parent = byName(`${prefix}-parent`);
  const child = byName(`${prefix}-child`);
  const follower = byName(`${prefix}-follower`);
  expect(parent && child && follower).toBeTruthy();
  if (!parent || !child || !follower) return;
  // Resource: service name, tracer tags, the client's own process tags (hostname -> host.name, version).
  expect(attr(child.resource, 'service.name')).toEqual({ stringValue: `${prefix}-svc` });
  expect(attr(child.resource, 'deploy.env')).toEqual({ stringValue: 'test' });
  // jaeger-client sends every JS number as a DOUBLE tag.
  expect(attr(child.resource, 'build.number')).toEqual({ doubleValue: 42 });
  expect(attr(child.resource, 'host.name')).toBeDefined();
  expect(attr(child.resource, 'hostname')).toBeUndefined();
  expect((attr(child.resource, 'opencensus.exporterversion') as { stringValue: string }).stringValue).toMatch(
    /^Jaeger-Node-/,
  );

  const c = child.span;
  expect(hexOf(c.traceId)).toBe(hexOf(parent.span.traceId));
  expect(hexOf(c.traceId).replace(/^0+/, '')).toBe(parentCtx.traceId.toString('hex').replace(/^0+/, ''));
  expect(hexOf(c.parentSpanId)).toBe(hexOf(parent.span.spanId));
  expect(hexOf(parent.span.spanId)).toBe(parentCtx.spanId.toString('hex'));
  expect(parent.span.parentSpanId).toHaveLength(0);
  expect(c.kind).toBe(SpanKind.CLIENT);
  expect(c.status).toEqual({ code: 2, message: '' });
  expect(attr(c.attributes, 'http.status_code')).toEqual({ doubleValue: 200 });
  expect(attr(c.attributes, 'ratio')).toEqual({ doubleValue: 0.5 });
  expect(attr(c.attributes, 'cached')).toEqual({ boolValue: true });
  expect(attr(c.attributes, 'span.kind')).toBeUndefined();
  expect(attr(c.attributes, 'error')).toBeUndefined();
  expect(c.flags & 1).toBe(1);
  expect(c.endTimeUnixNano).toBeGreaterThanOrEqual(c.startTimeUnixNano);
  expect(c.startTimeUnixNano % 1000n).toBe(0n); // microseconds scaled to nanoseconds
  const retry = c.events.find((e) => e.name === 'retry');
  expect(retry?.attributes).toEqual([{ key: 'attempt', value: { doubleValue: 2 } }]);
  const baggage = c.events.find((e) => e.name === 'baggage');
  expect(baggage?.attributes).toEqual(
    expect.arrayContaining([
      { key: 'key', value: { stringValue: 'tenant' } },
      { key: 'value', value: { stringValue: 'acme' } },
    ]),
  );
  // FOLLOWS_FROM: jaeger-client also puts the referenced span in Thrift's parentSpanId,
  // which (as in the collector) becomes the parent; the reference stays a typed link.
  expect(hexOf(follower.span.parentSpanId)).toBe(hexOf(c.spanId));
  expect(follower.span.links.map((l) => [hexOf(l.spanId), l.attributes])).toEqual([
    [hexOf(c.spanId), [{ key: 'opentracing.ref_type', value: { stringValue: 'follows_from' } }]],
  ]);
}

describe('jaeger receiver with real clients', () => {
  it('jaeger-client UDPSender (Thrift binary Agent.emitBatch) -> thrift_binary', async () => {
    const { parent } = await traceWithJaegerClient(
      { agentHost: '127.0.0.1', agentPort: receiver.ports.thrift_binary },
      'udp',
    );
    await waitFor('udp spans', () => byName('udp-parent') && byName('udp-child') && byName('udp-follower'));
    checkJaegerClientSpans('udp', parent.context());
    expect(
      await counter('otelcol_receiver_accepted_spans_total', 'udp_thrift_binary'),
    ).toBeGreaterThanOrEqual(3);
  });

  it('jaeger-client HTTPSender (POST /api/traces) -> thrift_http', async () => {
    const { parent } = await traceWithJaegerClient(
      { collectorEndpoint: `http://127.0.0.1:${receiver.ports.thrift_http}/api/traces` },
      'http',
    );
    await waitFor(
      'http spans',
      () => byName('http-parent') && byName('http-child') && byName('http-follower'),
    );
    checkJaegerClientSpans('http', parent.context());
    expect(await counter('otelcol_receiver_accepted_spans_total', 'collector_http')).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('Apache Thrift compact Agent.emitBatch over UDP -> thrift_compact', async () => {
    const batch: JsonBatch = {
      process: { serviceName: 'compact-svc', tags: [{ key: 'ip', vType: 'STRING', vStr: '10.0.0.1' }] },
      spans: [
        {
          traceIdHigh: '1311768467294899695',
          traceIdLow: '-81985529216486896',
          spanId: '42',
          parentSpanId: '41',
          operationName: 'compact-op',
          flags: 1,
          startTime: '1700000000123456',
          duration: '789',
          tags: [
            { key: 'otel.scope.name', vType: 'STRING', vStr: 'my.lib' },
            { key: 'otel.scope.version', vType: 'STRING', vStr: '3.0' },
            { key: 'otel.status_code', vType: 'STRING', vStr: 'ERROR' },
            { key: 'otel.status_description', vType: 'STRING', vStr: 'broken' },
            { key: 'span.kind', vType: 'STRING', vStr: 'producer' },
            { key: 'payload', vType: 'BINARY', vBinary: Buffer.from([0, 255]).toString('base64') },
          ],
          logs: [
            { timestamp: '1700000000123999', fields: [{ key: 'event', vType: 'STRING', vStr: 'sent' }] },
          ],
        },
      ],
    };
    await sendUdp(receiver.ports.thrift_compact as number, encodeEmitBatch(batch, 'compact'));
    const got = await waitFor('compact span', () => byName('compact-op'));
    expect(hexOf(got.span.traceId)).toBe('1234567890abcdeffedcba9876543210');
    expect(hexOf(got.span.spanId)).toBe('000000000000002a');
    expect(hexOf(got.span.parentSpanId)).toBe('0000000000000029');
    expect(got.scope).toBe('my.lib');
    expect(got.span.kind).toBe(SpanKind.PRODUCER);
    expect(got.span.status).toEqual({ code: 2, message: 'broken' });
    expect(got.span.startTimeUnixNano).toBe(1_700_000_000_123_456_000n);
    expect(got.span.endTimeUnixNano).toBe(1_700_000_000_124_245_000n);
    expect(got.span.attributes).toEqual([
      { key: 'payload', value: { bytesValue: Uint8Array.from([0, 255]) } },
    ]);
    expect(got.span.events).toEqual([
      { timeUnixNano: 1_700_000_000_123_999_000n, name: 'sent', attributes: [], droppedAttributesCount: 0 },
    ]);
    expect(got.resource).toEqual([
      { key: 'service.name', value: { stringValue: 'compact-svc' } },
      { key: 'ip', value: { stringValue: '10.0.0.1' } },
    ]);
  });

  it('gRPC PostSpans built from the upstream api_v2 protos -> grpc', async () => {
    const T = PostSpansRequest();
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
    const msg = T.fromObject({
      batch: {
        process: { serviceName: 'grpc-svc', tags: [{ key: 'pod', vType: 0, vStr: 'p-1' }] },
        spans: [
          {
            traceId,
            spanId: Buffer.from('b7ad6b7169203331', 'hex'),
            operationName: 'grpc-op',
            references: [
              { traceId, spanId: Buffer.from('00f067aa0ba902b7', 'hex'), refType: 0 },
              { traceId: Buffer.alloc(16, 7), spanId: Buffer.alloc(8, 8), refType: 1 },
            ],
            flags: 1,
            startTime: { seconds: 1_700_000_000, nanos: 123_456_789 },
            duration: { seconds: 1, nanos: 5 },
            tags: [
              { key: 'n', vType: 2, vInt64: -5 },
              { key: 'f', vType: 3, vFloat64: 1.25 },
              { key: 'b', vType: 1, vBool: true },
              { key: 'otel.library.name', vType: 0, vStr: 'legacy' },
              { key: 'span.kind', vType: 0, vStr: 'server' },
              { key: 'w3c.tracestate', vType: 0, vStr: 'k=v' },
            ],
            logs: [
              {
                timestamp: { seconds: 1_700_000_000, nanos: 5 },
                fields: [{ key: 'msg', vType: 0, vStr: 'hi' }],
              },
            ],
          },
        ],
      },
    });
    const code = await postSpans(Buffer.from(T.encode(msg).finish()));
    expect(code).toBe(grpc.status.OK);
    const got = await waitFor('grpc span', () => byName('grpc-op'));
    expect(hexOf(got.span.traceId)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(hexOf(got.span.parentSpanId)).toBe('00f067aa0ba902b7');
    expect(got.span.links.map((l) => [hexOf(l.traceId), hexOf(l.spanId)])).toEqual([
      ['07070707070707070707070707070707', '0808080808080808'],
    ]);
    expect(got.span.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(got.span.endTimeUnixNano).toBe(1_700_000_001_123_456_794n);
    expect(got.span.kind).toBe(SpanKind.SERVER);
    expect(got.span.traceState).toBe('k=v');
    expect(got.scope).toBe('legacy');
    expect(got.span.attributes).toEqual([
      { key: 'n', value: { intValue: -5n } },
      { key: 'f', value: { doubleValue: 1.25 } },
      { key: 'b', value: { boolValue: true } },
    ]);
    expect(got.span.events[0]).toMatchObject({ timeUnixNano: 1_700_000_000_000_000_005n, name: '' });
    expect(attr(got.resource, 'pod')).toEqual({ stringValue: 'p-1' });
  });
});

function sendUdp(port: number, buf: Buffer): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) =>
    s.send(buf, port, '127.0.0.1', (err) => {
      s.close();
      err ? reject(err) : resolve();
    }),
  );
}

function postSpansCall(body: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${receiver.ports.grpc}`, grpc.credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      '/jaeger.api_v2.CollectorService/PostSpans',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => {
        client.close();
        resolve(err);
      },
    ),
  );
}

async function postSpans(body: Buffer): Promise<number> {
  const err = await postSpansCall(body);
  return err ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK;
}

describe('bad input on every protocol is refused and does not stop the receiver', () => {
  const good = (name: string): JsonBatch => ({
    process: { serviceName: 'ok' },
    spans: [{ traceIdLow: 1, spanId: 2, operationName: name, startTime: 1, duration: 1 }],
  });
  const zeroTrace: JsonBatch = {
    process: { serviceName: 'bad' },
    spans: [{ traceIdLow: 0, spanId: 2, operationName: 'zero', startTime: 1, duration: 1 }],
  };

  it('UDP: garbage, truncated and zero-trace-ID datagrams', async () => {
    for (const [proto, port] of [
      ['compact', receiver.ports.thrift_compact],
      ['binary', receiver.ports.thrift_binary],
    ] as const) {
      const transport = `udp_thrift_${proto}`;
      const before = await counter('otelcol_receiver_refused_spans_total', transport);
      const full = encodeEmitBatch(good(`after-garbage-${proto}`), proto);
      await sendUdp(port as number, Buffer.from('\x00\x01 this is not thrift \xff\xff\xff\xff\xff'));
      await sendUdp(port as number, full.subarray(0, full.length - 7));
      await sendUdp(port as number, encodeEmitBatch(zeroTrace, proto));
      await sendUdp(port as number, full);
      await waitFor('good span after garbage', () => byName(`after-garbage-${proto}`));
      expect(await counter('otelcol_receiver_refused_spans_total', transport)).toBeGreaterThanOrEqual(
        before + 3,
      );
    }
    expect(byName('zero')).toBeUndefined();
  });

  it('HTTP: truncated body, zero trace ID, wrong content type, wrong path', async () => {
    const url = `http://127.0.0.1:${receiver.ports.thrift_http}/api/traces`;
    const body = encodeBatch(good('after-bad-http'));
    const post = (b: Uint8Array, type = 'application/x-thrift', u = url) =>
      fetch(u, { method: 'POST', body: b, headers: { 'content-type': type } });
    expect((await post(body.subarray(0, body.length - 5))).status).toBe(400);
    expect((await post(encodeBatch(zeroTrace))).status).toBe(400);
    expect((await post(body, 'application/json')).status).toBe(400);
    expect((await post(body, 'application/x-thrift', `${url}/nope`)).status).toBe(404);
    expect((await post(body, 'application/vnd.apache.thrift.binary')).status).toBe(202);
    expect(byName('after-bad-http')).toBeDefined();
    expect(await counter('otelcol_receiver_refused_spans_total', 'collector_http')).toBeGreaterThanOrEqual(2);
  });

  it('HTTP: a pipeline error is 503 when retryable, 429 + Retry-After when throttled with a delay, 400 when permanent', async () => {
    const { retryableError, permanentError } = await import('../../src/component/errors.js');
    const url = `http://127.0.0.1:${receiver.ports.thrift_http}/api/traces`;
    const body = encodeBatch(good('rejected'));
    const post = () =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/x-thrift' } });
    try {
      sink.failWith = retryableError('queue full');
      const r1 = await post();
      expect(r1.status).toBe(503);
      expect(r1.headers.get('retry-after')).toBeNull();
      sink.failWith = retryableError('memory limit reached', { throttled: true, retryAfterMs: 1500 });
      const r429 = await post();
      expect(r429.status).toBe(429);
      expect(r429.headers.get('retry-after')).toBe('2');
      // throttled without a delay: a plain retryable refusal, as the OTLP receiver answers it
      sink.failWith = retryableError('backend said 429', { throttled: true });
      expect((await post()).status).toBe(503);
      sink.failWith = permanentError('no');
      const r2 = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-thrift' },
      });
      expect(r2.status).toBe(400);
    } finally {
      sink.failWith = undefined;
    }
  });

  it('gRPC: a pipeline refusal is answered like OTLP (throttled → RESOURCE_EXHAUSTED + RetryInfo)', async () => {
    const T = PostSpansRequest();
    const body = Buffer.from(
      T.encode(
        T.fromObject({
          batch: {
            spans: [{ traceId: Buffer.alloc(16, 3), spanId: Buffer.alloc(8, 3), operationName: 'refused' }],
          },
        }),
      ).finish(),
    );
    try {
      // Throttled with a delay: the sender must see the delay in the status
      // details trailer, or RESOURCE_EXHAUSTED is not retried and data is lost.
      sink.failWith = retryableError('memory limit reached', { throttled: true, retryAfterMs: 1500 });
      let err = await postSpansCall(body);
      expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err?.details).toBe('memory limit reached');
      const trailer = err?.metadata.get('grpc-status-details-bin')[0];
      expect(trailer).toBeInstanceOf(Buffer);
      expect(decodeRpcStatus(trailer as Buffer)).toEqual({
        code: grpc.status.RESOURCE_EXHAUSTED,
        message: 'memory limit reached',
        retryDelayMs: 1500,
        detailTypes: ['type.googleapis.com/google.rpc.RetryInfo'],
      });

      // Throttled without a delay, or merely retryable: UNAVAILABLE, which senders retry.
      sink.failWith = retryableError('backend said 429', { throttled: true });
      err = await postSpansCall(body);
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
      expect(err?.metadata.get('grpc-status-details-bin')).toEqual([]);
      sink.failWith = retryableError('exporter queue is full');
      expect((await postSpansCall(body))?.code).toBe(grpc.status.UNAVAILABLE);

      sink.failWith = permanentError('unparseable');
      err = await postSpansCall(body);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toBe('unparseable');
    } finally {
      sink.failWith = undefined;
    }
  });

  it('gRPC: undecodable message and invalid trace ID are INVALID_ARGUMENT', async () => {
    expect(await postSpans(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]))).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    const T = PostSpansRequest();
    const short = T.encode(
      T.fromObject({
        batch: { spans: [{ traceId: Buffer.alloc(8, 1), spanId: Buffer.alloc(8, 1), operationName: 'x' }] },
      }),
    ).finish();
    expect(await postSpans(Buffer.from(short))).toBe(grpc.status.INVALID_ARGUMENT);
    const ok = T.encode(
      T.fromObject({
        batch: {
          spans: [
            { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), operationName: 'grpc-after-bad' },
          ],
        },
      }),
    ).finish();
    expect(await postSpans(Buffer.from(ok))).toBe(grpc.status.OK);
    expect(byName('grpc-after-bad')).toBeDefined();
    expect(await counter('otelcol_receiver_refused_spans_total', 'grpc')).toBeGreaterThanOrEqual(2);
  });
});
