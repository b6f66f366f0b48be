// The zipkin receiver against real encoders nobody here wrote: zipkin-js's
// tracer with zipkin-transport-http (v2 JSON and v1 JSON), zipkin-encoder-thrift
// (v1 Thrift, from upstream's zipkincore.thrift), protobufjs with upstream's
// zipkin.proto (v2 protobuf), and the v1 JSON example of the Zipkin docs.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchRecorder,
  ExplicitContext,
  InetAddress,
  jsonEncoder,
  Tracer,
  Annotation as ZAnnotation,
} from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { hexOf } from '../../src/pdata/ids.js';
import type { AnyValue, KeyValue, Span, TracesData } from '../../src/pdata/types.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { factory } from './factory.js';
import type { ZipkinReceiver } from './receiver.js';

// zipkin-encoder-thrift ships no typings
const thriftEncoder = createRequire(import.meta.url)('zipkin-encoder-thrift') as {
  encode(span: unknown): Buffer;
};

const consumer = new TestConsumer<'traces'>();
let rx: ZipkinReceiver;
let typed: ZipkinReceiver;
const typedConsumer = new TestConsumer<'traces'>();
let url: string;

beforeAll(async () => {
  const make = async (cfg: Record<string, unknown>, c: TestConsumer<'traces'>) => {
    const r = factory.create(
      testSettings('zipkin'),
      factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...cfg }),
      {
        traces: c,
      },
    ) as ZipkinReceiver;
    await r.start(emptyHost);
    return r;
  };
  rx = await make({}, consumer);
  typed = await make({ parse_string_tags: true }, typedConsumer);
  url = `http://127.0.0.1:${rx.port}`;
});
afterAll(async () => {
  await rx.shutdown();
  await typed.shutdown();
});
afterEach(() => {
  consumer.reset();
  typedConsumer.reset();
});

const attrs = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((a) => [a.key, a.value]));
const str = (s: string): AnyValue => ({ stringValue: s });
const spans = (td: TracesData[]) =>
  td.flatMap((t) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));

function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, { method: 'POST', body, headers });
}

/** One CLIENT span recorded through zipkin-js and shipped by zipkin-transport-http. */
async function recordWithZipkinJs(encoder: typeof jsonEncoder.JSON_V2, path: string) {
  const logger = new HttpLogger({ endpoint: `${url}${path}`, jsonEncoder: encoder, httpInterval: 10 });
  (logger as unknown as { on(e: string, f: (err: Error) => void): void }).on('error', (e) =>
    console.error('zipkin-transport-http:', e.message),
  );
  const tracer = new Tracer({
    ctxImpl: new ExplicitContext(),
    recorder: new BatchRecorder({ logger }),
    localServiceName: 'frontend',
    traceId128Bit: true,
  });
  let traceId = '';
  let spanId = '';
  tracer.scoped(() => {
    const id = tracer.createRootId();
    traceId = id.traceId;
    spanId = id.spanId;
    tracer.setId(id);
    tracer.recordServiceName('frontend');
    tracer.recordRpc('GET /users');
    tracer.recordAnnotation(new ZAnnotation.ClientSend());
    tracer.recordBinary('http.path', '/users');
    tracer.recordBinary('error', 'timeout');
    tracer.recordAnnotation(
      new ZAnnotation.ServerAddr({ serviceName: 'users-db', host: new InetAddress('10.9.8.7'), port: 5432 }),
    );
    tracer.recordMessage('retrying');
    tracer.recordAnnotation(new ZAnnotation.ClientRecv());
  });
  await until(() => consumer.received.length > 0);
  (logger as unknown as { timer?: NodeJS.Timeout }).timer &&
    clearInterval((logger as never as { timer: NodeJS.Timeout }).timer);
  return { traceId, spanId };
}

describe('zipkin receiver with real clients', () => {
  it('v2 JSON from zipkin-js + zipkin-transport-http: exact span content', async () => {
    const { traceId, spanId } = await recordWithZipkinJs(jsonEncoder.JSON_V2, '/api/v2/spans');
    const td = consumer.received[0];
    expect(td.resourceSpans).toHaveLength(1);
    expect(attrs(td.resourceSpans[0].resource.attributes)).toEqual({ 'service.name': str('frontend') });
    const [s] = spans(consumer.received);
    expect(traceId).toHaveLength(32);
    expect(hexOf(s.traceId)).toBe(traceId);
    expect(hexOf(s.spanId)).toBe(spanId);
    expect(s.parentSpanId).toHaveLength(0);
    expect(s.name).toBe('get /users'); // zipkin-js lower-cases span names
    expect(s.kind).toBe(3); // CLIENT
    expect(s.status.code).toBe(2); // any `error` tag → ERROR; "timeout" stays an attribute
    expect(attrs(s.attributes)).toEqual({
      'http.path': str('/users'),
      error: str('timeout'),
      'service.peer.name': str('users-db'),
      'network.peer.address': str('10.9.8.7'),
      'net.peer.port': { intValue: 5432n },
    });
    expect(s.events.map((e) => e.name)).toEqual(['retrying']);
    expect(s.endTimeUnixNano).toBeGreaterThanOrEqual(s.startTimeUnixNano);
    expect(s.startTimeUnixNano % 1000n).toBe(0n); // microseconds on the wire
  });

  it('v1 JSON from zipkin-js + zipkin-transport-http (JSON_V1): core annotations give kind and times', async () => {
    const { traceId } = await recordWithZipkinJs(jsonEncoder.JSON_V1, '/api/v1/spans');
    const [s] = spans(consumer.received);
    expect(hexOf(s.traceId)).toBe(traceId);
    expect(s.kind).toBe(3);
    expect(attrs(consumer.received[0].resourceSpans[0].resource.attributes)).toMatchObject({
      'service.name': str('frontend'),
    });
    expect(s.events.map((e) => e.name)).toEqual(['retrying']);
    // the remote address arrives as `sa: true` (a bool, which the collector's decoder would refuse)
    expect(attrs(s.attributes)).toEqual({ 'http.path': str('/users'), sa: { boolValue: true } });
    expect(s.status.code).toBe(2);
  });

  it('v1 Thrift encoded by zipkin-encoder-thrift (upstream zipkincore.thrift), gzip-compressed', async () => {
    const span = {
      traceId: '0000000000000001000000000000000a',
      id: '000000000000000b',
      parentId: '000000000000000c',
      name: 'get',
      kind: 'SERVER',
      timestamp: 1_700_000_000_000_000,
      duration: 1500,
      localEndpoint: { serviceName: 'backend', ipv4: '192.168.0.1', port: 9000 },
      remoteEndpoint: { serviceName: 'frontend', ipv4: '192.168.0.2', port: 1234 },
      annotations: [{ timestamp: 1_700_000_000_000_500, value: 'cache miss' }],
      tags: { 'http.status_code': '503' },
      shared: false,
      debug: false,
    };
    const struct = thriftEncoder.encode(span);
    // the HTTP body is a list<Span>: element type STRUCT (12), then the count
    const body = Buffer.concat([Buffer.from([12, 0, 0, 0, 1]), struct]);
    const res = await post('/api/v1/spans', gzipSync(body), {
      'content-type': 'application/x-thrift',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(202);
    const td = consumer.received[0];
    expect(attrs(td.resourceSpans[0].resource.attributes)).toEqual({
      'service.name': str('backend'),
      ipv4: str('192.168.0.1'),
      port: str('9000'),
    });
    const [s] = spans(consumer.received);
    expect(hexOf(s.traceId)).toBe('0000000000000001000000000000000a');
    expect(hexOf(s.parentSpanId)).toBe('000000000000000c');
    expect(s.kind).toBe(2); // SERVER from sr/ss
    expect(s.startTimeUnixNano).toBe(1_700_000_000_000_000_000n);
    expect(s.endTimeUnixNano).toBe(1_700_000_000_001_500_000n);
    expect(s.events.map((e) => [e.name, e.timeUnixNano])).toEqual([
      ['cache miss', 1_700_000_000_000_500_000n],
    ]);
    // the remote address comes as a BOOL binary annotation `ca`; http.status_code 503 → ERROR
    expect(attrs(s.attributes)).toEqual({ 'http.status_code': str('503'), ca: { boolValue: true } });
    expect(s.status.code).toBe(2);
  });

  it('v2 protobuf encoded with upstream zipkin.proto (protobufjs), with shared and 64-bit IDs', async () => {
    const root = await protobuf.load(`${CONFORMANCE_DIR}proto/jaeger/proto/zipkin.proto`);
    const List = root.lookupType('zipkin.proto3.ListOfSpans');
    const body = List.encode(
      List.fromObject({
        spans: [
          {
            traceId: Buffer.from('00000000000000ff', 'hex'),
            id: Buffer.from('0000000000000001', 'hex'),
            kind: 'SERVER',
            name: 'recv',
            timestamp: 1_700_000_000_000_000,
            duration: 20,
            localEndpoint: {
              serviceName: 'svc-a',
              ipv6: Buffer.from('20010db8000000000000000000000001', 'hex'),
            },
            tags: {
              'otel.library.name': 'lib',
              'otel.library.version': '1.2',
              'k8s.pod.name': 'pod-1',
              x: 'y',
            },
            shared: true,
          },
          {
            traceId: Buffer.from('00000000000000ff', 'hex'),
            id: Buffer.from('0000000000000002', 'hex'),
            parentId: Buffer.from('0000000000000001', 'hex'),
            name: 'inner',
            localEndpoint: { serviceName: 'svc-a' },
            tags: { 'span.kind': 'internal', 'otel.status_code': 'STATUS_CODE_OK', 'w3c.tracestate': 'a=b' },
          },
        ],
      }),
    ).finish();
    const res = await post('/api/v2/spans', body, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(202);
    const td = consumer.received[0];
    expect(td.resourceSpans).toHaveLength(1);
    // as the collector: resource tags are taken from the first span of a resource group (here
    // `inner`, sorted first by scope); recv's k8s.pod.name is a resource key, so not a span attribute either
    expect(attrs(td.resourceSpans[0].resource.attributes)).toEqual({ 'service.name': str('svc-a') });
    // sorted by scope name: '' (inner) before 'lib' (recv)
    const [inner, recv] = td.resourceSpans[0].scopeSpans.map((ss) => ss.spans[0]);
    expect(td.resourceSpans[0].scopeSpans.map((ss) => [ss.scope.name, ss.scope.version])).toEqual([
      ['', ''],
      ['lib', '1.2'],
    ]);
    expect(hexOf(recv.traceId)).toBe('000000000000000000000000000000ff');
    expect(attrs(recv.attributes)).toEqual({ x: str('y'), 'network.local.address': str('2001:db8::1') });
    expect(recv.endTimeUnixNano - recv.startTimeUnixNano).toBe(20_000n);
    expect(inner.kind).toBe(1); // INTERNAL from span.kind
    expect(inner.status.code).toBe(1);
    expect(inner.traceState).toBe('a=b');
    expect(hexOf(inner.parentSpanId)).toBe('0000000000000001');
    expect(attrs(inner.attributes)).toEqual({ 'otel.zipkin.absentField.startTime': { boolValue: true } });
  });

  it('v1 JSON from the Zipkin docs: a shared client/server span split by endpoint', async () => {
    // zipkin-api.yaml style v1 example: one span id reported by client and server
    const ep = (serviceName: string, ipv4: string) => ({ serviceName, ipv4, port: 8080 });
    const v1 = [
      {
        traceId: '5af7183fb1d4cf5f',
        name: 'get /api',
        id: '352bff9a74ca9ad2',
        parentId: '6b221d5bc9e6496c',
        timestamp: 1556604172355737,
        duration: 1431,
        annotations: [
          { timestamp: 1556604172355737, value: 'cs', endpoint: ep('frontend', '192.168.99.1') },
          { timestamp: 1556604172357168, value: 'cr', endpoint: ep('frontend', '192.168.99.1') },
        ],
        binaryAnnotations: [{ key: 'http.method', value: 'GET', endpoint: ep('frontend', '192.168.99.1') }],
      },
      {
        traceId: '5af7183fb1d4cf5f',
        name: 'get /api',
        id: '352bff9a74ca9ad2',
        parentId: '6b221d5bc9e6496c',
        annotations: [
          { timestamp: 1556604172355900, value: 'sr', endpoint: ep('backend', '192.168.99.101') },
          { timestamp: 1556604172357000, value: 'ss', endpoint: ep('backend', '192.168.99.101') },
        ],
        binaryAnnotations: [
          { key: 'http.status_code', value: '200', endpoint: ep('backend', '192.168.99.101') },
        ],
      },
    ];
    const res = await fetch(`http://127.0.0.1:${typed.port}/api/v1/spans`, {
      method: 'POST',
      body: JSON.stringify(v1),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const td = typedConsumer.received[0];
    expect(td.resourceSpans.map((rs) => attrs(rs.resource.attributes))).toEqual([
      { 'service.name': str('frontend'), ipv4: str('192.168.99.1'), port: str('8080') },
      { 'service.name': str('backend'), ipv4: str('192.168.99.101'), port: str('8080') },
    ]);
    const [client, server] = spans(typedConsumer.received);
    expect([client.kind, server.kind]).toEqual([3, 2]);
    expect(hexOf(client.spanId)).toBe(hexOf(server.spanId));
    expect(server.startTimeUnixNano).toBe(1556604172355900000n);
    expect(server.endTimeUnixNano).toBe(1556604172357000000n);
    // parse_string_tags: "200" becomes an int
    expect(attrs(server.attributes)).toEqual({ 'http.status_code': { intValue: 200n } });
  });

  it('parse_string_tags types v2 tags: "123" → int, "1.5" → double, "true" → bool', async () => {
    const res = await fetch(`http://127.0.0.1:${typed.port}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          traceId: 'a',
          id: 'b',
          timestamp: 1,
          tags: { i: '123', d: '1.5', b: 'true', s: 'x1', big: '99999999999999999999' },
        },
      ]),
    });
    expect(res.status).toBe(202);
    const [s] = spans(typedConsumer.received) as Span[];
    expect(attrs(s.attributes)).toEqual({
      i: { intValue: 123n },
      d: { doubleValue: 1.5 },
      b: { boolValue: true },
      s: str('x1'),
      big: { intValue: 2n ** 63n - 1n },
    });
  });
});

describe('zipkin receiver answers', () => {
  it('400 with the reason for bad input, and keeps serving', async () => {
    for (const [path, body, type] of [
      ['/api/v2/spans', '{not json', 'application/json'],
      ['/api/v2/spans', '[{"traceId":"zz","id":"1"}]', 'application/json'],
      ['/api/v2/spans', '[{"traceId":"1","id":"1","tags":{"n":1}}]', 'application/json'],
      ['/api/v2/spans', '\x0a\x05\x0a\x01', 'application/x-protobuf'],
      ['/api/v1/spans', '[{"traceId":"1","id":"1"}]', 'application/json'],
      ['/api/v1/spans', '\x0c\x00\x00\x00\x05', 'application/x-thrift'],
    ] as const) {
      const res = await post(path, body, { 'content-type': type });
      expect(res.status, `${path} ${body}`).toBe(400);
      expect((await res.text()).length).toBeGreaterThan(5);
    }
    expect(consumer.received).toHaveLength(0);
    const ok = await post('/api/v2/spans', '[{"traceId":"1","id":"2"}]', {
      'content-type': 'application/json',
    });
    expect(ok.status).toBe(202);
  });

  it('maps pipeline refusals: retryable 503, throttled 429 + Retry-After, permanent 400', async () => {
    const body = '[{"traceId":"1","id":"2"}]';
    consumer.failWith = retryableError('busy');
    expect((await post('/api/v2/spans', body)).status).toBe(503);
    consumer.failWith = retryableError('slow down', { throttled: true, retryAfterMs: 2000 });
    const throttled = await post('/api/v2/spans', body);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    consumer.failWith = permanentError('never');
    expect((await post('/api/v2/spans', body)).status).toBe(400);
  });

  it('answers 202 only after the pipeline accepted', async () => {
    consumer.hold();
    let answered = false;
    const p = post('/api/v2/spans', '[{"traceId":"1","id":"3"}]').then((r) => {
      answered = true;
      return r.status;
    });
    await until(() => consumer.calls === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    consumer.open();
    expect(await p).toBe(202);
  });
});
