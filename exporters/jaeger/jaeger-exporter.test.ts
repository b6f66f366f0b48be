// The jaeger exporter's output decoded by third-party decoders (protobufjs with
// the upstream api_v2 protos; thriftrw with the upstream jaeger.thrift) and
// compared field by field with the OTLP input.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerError } from '../../src/component/errors.js';
import { hexOf } from '../../src/pdata/ids.js';
import type { KeyValue, TracesData } from '../../src/pdata/types.js';
import { testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { input } from '../../test/support/jaeger-otlp-fixture.js';
import { PostSpansRequest } from '../../test/support/jaeger-proto.js';
import { configSchema } from './config.js';
import { GrpcSender } from './grpc-sender.js';
import { ThriftHttpSender } from './http-sender.js';

const require = createRequire(import.meta.url);
const { Thrift } = require('thriftrw');
const jaegerThrift = new Thrift({
  source: readFileSync(`${CONFORMANCE_DIR}proto/jaeger/thrift/jaeger.thrift`, 'utf8'),
  allowOptionalArguments: true,
});

const s = (v: string) => ({ stringValue: v });

/** The tags the translation adds to a span, in order, for the input above. */
const expectedTags: Record<string, KeyValue[]> = {
  'GET /cart': [
    { key: 'otel.scope.name', value: s('io.tsunagi.http') },
    { key: 'otel.scope.version', value: s('1.4.0') },
    ...input().resourceSpans[0].scopeSpans[0].spans[0].attributes,
    { key: 'span.kind', value: s('server') },
    { key: 'otel.status_code', value: s('ERROR') },
    { key: 'error', value: { boolValue: true } },
    { key: 'otel.status_description', value: s('upstream timeout') },
    { key: 'w3c.tracestate', value: s('vendor=abc') },
  ],
  SELECT: [
    { key: 'otel.scope.name', value: s('io.tsunagi.http') },
    { key: 'otel.scope.version', value: s('1.4.0') },
    { key: 'span.kind', value: s('client') },
    { key: 'otel.status_code', value: s('OK') },
  ],
  internal: [{ key: 'span.kind', value: s('internal') }],
  orphan: [{ key: 'span.kind', value: s('producer') }],
};

// ---- fake Jaeger collectors with third-party decoders ----

type Any = any;
const grpcBatches: Any[] = [];
const httpBatches: Any[] = [];
let grpcReply: { code: grpc.status; details: string } | null = null;
let httpReply: { status: number; headers?: Record<string, string> } | null = null;
let fakeGrpc: grpc.Server;
let fakeHttp: http.Server;
let grpcPort = 0;
let httpPort = 0;

beforeAll(async () => {
  const T = PostSpansRequest();
  fakeGrpc = new grpc.Server();
  fakeGrpc.addService(
    {
      PostSpans: {
        path: '/jaeger.api_v2.CollectorService/PostSpans',
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      PostSpans: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        if (grpcReply) return cb(grpcReply);
        const msg = T.toObject(T.decode(call.request), {
          longs: String,
          bytes: Buffer,
          defaults: true,
          enums: String,
        });
        grpcBatches.push({ ...msg.batch, auth: call.metadata.get('authorization')[0] });
        cb(null, Buffer.alloc(0));
      },
    },
  );
  grpcPort = await new Promise((res, rej) =>
    fakeGrpc.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? rej(e) : res(p),
    ),
  );
  fakeHttp = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (httpReply) {
        res.writeHead(httpReply.status, httpReply.headers).end('nope');
        return;
      }
      const r = jaegerThrift.Batch.rw.fromBuffer(Buffer.concat(chunks));
      if (r.err) throw r.err;
      httpBatches.push({
        ...r.value,
        contentType: req.headers['content-type'],
        path: req.url,
        auth: req.headers.authorization,
      });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => fakeHttp.listen(0, '127.0.0.1', r));
  httpPort = (fakeHttp.address() as { port: number }).port;
});

afterAll(async () => {
  fakeGrpc?.forceShutdown();
  await new Promise((r) => fakeHttp?.close(r));
});

const logger = testSettings('jaeger', 'exporter').logger;
const never = new AbortController().signal;
const grpcCfg = () =>
  configSchema.parse({
    endpoint: `127.0.0.1:${grpcPort}`,
    tls: { insecure: true },
    headers: { authorization: 'Bearer t' },
  });
const httpCfg = () =>
  configSchema.parse({
    protocol: 'thrift_http',
    endpoint: `http://127.0.0.1:${httpPort}/api/traces`,
    headers: { authorization: 'Bearer h' },
  });

const allSpans = (td: TracesData) =>
  td.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

/** protobufjs KeyValue (api_v2) -> pdata KeyValue. */
function protoTag(t: Any): KeyValue {
  switch (t.vType) {
    case 'BOOL':
      return { key: t.key, value: { boolValue: t.vBool } };
    case 'INT64':
      return { key: t.key, value: { intValue: BigInt(t.vInt64) } };
    case 'FLOAT64':
      return { key: t.key, value: { doubleValue: t.vFloat64 } };
    case 'BINARY':
      return { key: t.key, value: { bytesValue: Uint8Array.from(t.vBinary) } };
    default:
      return { key: t.key, value: { stringValue: t.vStr } };
  }
}
/** thriftrw Tag -> pdata KeyValue. */
function thriftTag(t: Any): KeyValue {
  switch (t.vType) {
    case 'BOOL':
      return { key: t.key, value: { boolValue: t.vBool } };
    case 'LONG':
      return { key: t.key, value: { intValue: t.vLong.readBigInt64BE() } };
    case 'DOUBLE':
      return { key: t.key, value: { doubleValue: t.vDouble } };
    case 'BINARY':
      return { key: t.key, value: { bytesValue: Uint8Array.from(t.vBinary) } };
    default:
      return { key: t.key, value: { stringValue: t.vStr } };
  }
}
const nsOf = (ts: Any) => BigInt(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos);
const i64 = (b: Buffer) => b.readBigInt64BE();

describe('jaeger exporter, protocol grpc (decoded with protobufjs and the upstream protos)', () => {
  it('sends one PostSpans per resource with every field translated', async () => {
    grpcBatches.length = 0;
    const sender = new GrpcSender(grpcCfg(), logger);
    await sender.start();
    await sender.send('traces', input(), never);
    await sender.shutdown();
    expect(grpcBatches).toHaveLength(2);
    const [b1, b2] = grpcBatches;
    expect(b1.auth).toBe('Bearer t');
    expect(b1.process.serviceName).toBe('checkout');
    expect(b1.process.tags.map(protoTag)).toEqual(input().resourceSpans[0].resource.attributes.slice(1));
    expect(b2.process.serviceName).toBe('OTLPResourceNoServiceName');
    const want = allSpans(input());
    const got = [...b1.spans, ...b2.spans];
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => {
      const g = got[i];
      expect(hexOf(g.traceId)).toBe(hexOf(w.traceId));
      expect(hexOf(g.spanId)).toBe(hexOf(w.spanId));
      expect(g.operationName).toBe(w.name);
      expect(g.flags).toBe(w.flags);
      expect(nsOf(g.startTime)).toBe(w.startTimeUnixNano);
      expect(nsOf(g.duration)).toBe(w.endTimeUnixNano - w.startTimeUnixNano);
      expect(g.tags.map(protoTag)).toEqual(expectedTags[w.name]);
      const refs = [
        ...(w.parentSpanId.length
          ? [{ refType: 'CHILD_OF', traceId: hexOf(w.traceId), spanId: hexOf(w.parentSpanId) }]
          : []),
        ...w.links.map((l) => ({
          refType: 'FOLLOWS_FROM',
          traceId: hexOf(l.traceId),
          spanId: hexOf(l.spanId),
        })),
      ];
      expect(
        g.references.map((r: Any) => ({
          refType: r.refType,
          traceId: hexOf(r.traceId),
          spanId: hexOf(r.spanId),
        })),
      ).toEqual(refs);
      expect(g.logs.map((l: Any) => ({ t: nsOf(l.timestamp), fields: l.fields.map(protoTag) }))).toEqual(
        w.events.map((e) => ({
          t: e.timeUnixNano,
          fields: [...(e.name ? [{ key: 'event', value: s(e.name) }] : []), ...e.attributes],
        })),
      );
    });
  });

  it('maps maps and arrays to JSON strings, as the collector does', async () => {
    grpcBatches.length = 0;
    const td = input();
    td.resourceSpans.length = 1;
    td.resourceSpans[0].scopeSpans[0].spans[0].attributes = [
      { key: 'list', value: { arrayValue: { values: [{ intValue: 1n }, { stringValue: 'a' }] } } },
      { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
    ];
    const sender = new GrpcSender(grpcCfg(), logger);
    await sender.start();
    await sender.send('traces', td, never);
    await sender.shutdown();
    const tags = grpcBatches[0].spans[0].tags.map(protoTag);
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'list', value: s('[1,"a"]') },
        { key: 'map', value: s('{"k":true}') },
      ]),
    );
  });

  it('UNAVAILABLE is retryable (only the resources not yet sent), INVALID_ARGUMENT permanent', async () => {
    const sender = new GrpcSender(grpcCfg(), logger);
    await sender.start();
    try {
      grpcReply = { code: grpc.status.UNAVAILABLE, details: 'down' };
      const e1 = await sender.send('traces', input(), never).catch((e) => e);
      expect(e1).toBeInstanceOf(ConsumerError);
      expect(e1.retryable).toBe(true);
      expect(e1.message).toContain('UNAVAILABLE');
      grpcReply = { code: grpc.status.INVALID_ARGUMENT, details: 'bad' };
      const e2 = await sender.send('traces', input(), never).catch((e) => e);
      expect(e2.retryable).toBe(false);
      expect(e2.rejectedItems).toBe(4);
    } finally {
      grpcReply = null;
      await sender.shutdown();
    }
  });
});

describe('jaeger exporter, protocol thrift_http (decoded with thriftrw and the upstream IDL)', () => {
  it('POSTs one binary Thrift Batch per resource to /api/traces', async () => {
    httpBatches.length = 0;
    const sender = new ThriftHttpSender(httpCfg(), logger);
    await sender.start();
    await sender.send('traces', input(), never);
    await sender.shutdown();
    expect(httpBatches).toHaveLength(2);
    expect(httpBatches[0]).toMatchObject({
      contentType: 'application/x-thrift',
      path: '/api/traces',
      auth: 'Bearer h',
    });
    expect(httpBatches[0].process.serviceName).toBe('checkout');
    expect(httpBatches[0].process.tags.map(thriftTag)).toEqual(
      input().resourceSpans[0].resource.attributes.slice(1),
    );
    const want = allSpans(input());
    const got = [...httpBatches[0].spans, ...httpBatches[1].spans];
    want.forEach((w, i) => {
      const g = got[i];
      expect(Buffer.concat([g.traceIdHigh, g.traceIdLow]).toString('hex')).toBe(hexOf(w.traceId));
      expect(g.spanId.toString('hex')).toBe(hexOf(w.spanId));
      expect(g.parentSpanId.toString('hex')).toBe(
        w.parentSpanId.length ? hexOf(w.parentSpanId) : '0000000000000000',
      );
      expect(g.operationName).toBe(w.name);
      expect(g.flags).toBe(w.flags);
      expect(i64(g.startTime)).toBe(w.startTimeUnixNano / 1000n);
      expect(i64(g.duration)).toBe((w.endTimeUnixNano - w.startTimeUnixNano) / 1000n);
      expect((g.tags ?? []).map(thriftTag)).toEqual(expectedTags[w.name]);
      expect(
        (g.logs ?? []).map((l: Any) => ({ t: i64(l.timestamp), fields: l.fields.map(thriftTag) })),
      ).toEqual(
        w.events.map((e) => ({
          t: e.timeUnixNano / 1000n,
          fields: [...(e.name ? [{ key: 'event', value: s(e.name) }] : []), ...e.attributes],
        })),
      );
      const links = (g.references ?? []).filter((r: Any) => r.refType === 'FOLLOWS_FROM');
      expect(links.map((r: Any) => r.spanId.toString('hex'))).toEqual(w.links.map((l) => hexOf(l.spanId)));
    });
  });

  it('503 with Retry-After is retryable, 400 permanent', async () => {
    const sender = new ThriftHttpSender(httpCfg(), logger);
    await sender.start();
    try {
      httpReply = { status: 503, headers: { 'retry-after': '7' } };
      const e1 = await sender.send('traces', input(), never).catch((e) => e);
      expect(e1.retryable).toBe(true);
      expect(e1.retryAfterMs).toBe(7000);
      httpReply = { status: 400 };
      const e2 = await sender.send('traces', input(), never).catch((e) => e);
      expect(e2.retryable).toBe(false);
    } finally {
      httpReply = null;
      await sender.shutdown();
    }
  });
});
