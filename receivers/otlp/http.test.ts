import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { compressSync } from 'snappy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBudget } from '../../src/codec/decode-budget.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { hexOf } from '../../src/pdata/ids.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import {
  parseTracesProtoResponse,
  recordSpans,
  tracesJsonRequest,
  tracesProtoRequest,
} from '../../test/support/otlp-sdk-fixtures.js';
import { decodeRpcStatus } from '../../test/support/rpc-status.js';
import { otlpWireCodec } from './codec.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

const LIMIT = 64 * 1024;
const PROTO = 'application/x-protobuf';
const JSON_CT = 'application/json';

const traces = new TestConsumer<'traces'>();
const logs = new TestConsumer<'logs'>();
const metrics = new SelfMetrics();
let rx: OtlpReceiver;
let base: string;
let spans: ReadableSpan[];
let validProto: Buffer;
let validJson: Buffer;

beforeAll(async () => {
  const cfg = configSchema.parse({
    protocols: {
      http: {
        endpoint: '127.0.0.1:0',
        max_request_body_size: LIMIT,
        include_metadata: true,
        response_headers: { 'X-Served-By': 'tsunagi' },
        cors: { allowed_origins: ['https://*.example.com', 'https://app.test'], max_age: 600 },
        logs_url_path: 'custom/logs',
      },
    },
  });
  rx = factory.create(testSettings('otlp/in', 'receiver', metrics), cfg, { traces, logs }) as OtlpReceiver;
  await rx.start(emptyHost);
  base = `http://${rx.endpoints().http}`;
  spans = await recordSpans(3);
  validProto = tracesProtoRequest(spans);
  validJson = tracesJsonRequest(spans);
});

afterAll(async () => {
  await rx.shutdown();
});

afterEach(() => {
  traces.reset();
  logs.reset();
});

function post(path: string, body: Uint8Array, headers: Record<string, string> = {}) {
  return fetch(base + path, { method: 'POST', body, headers: { 'Content-Type': PROTO, ...headers } });
}

async function statusBody(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return res.headers.get('content-type') === PROTO
    ? decodeRpcStatus(bytes)
    : (JSON.parse(Buffer.from(bytes).toString()) as { code: number; message: string });
}

function decodeMessage(enc: 'proto' | 'json', body: Uint8Array): string {
  try {
    otlpWireCodec.decode('traces', enc, body, undefined, defaultBudget());
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the codec to reject this body');
}

/** The process keeps serving after bad input: a valid request still succeeds. */
async function expectStillServing() {
  const before = traces.received.length;
  const res = await post('/v1/traces', validProto);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  expect(traces.received.length).toBe(before + 1);
}

/** Sends a body in chunks without Content-Length (chunked transfer). */
function postChunked(path: string, chunks: Buffer[], headers: Record<string, string>) {
  return new Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const url = new URL(base + path);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          headers: { 'Content-Type': PROTO, ...headers },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, body: Buffer.concat(parts), headers: res.headers }),
          );
        },
      );
      req.on('error', (err) => {
        // The server may close the connection after answering 413 while we still write.
        if (
          (err as NodeJS.ErrnoException).code !== 'EPIPE' &&
          (err as NodeJS.ErrnoException).code !== 'ECONNRESET'
        )
          reject(err);
      });
      const write = (i: number) => {
        if (i === chunks.length) return req.end();
        req.write(chunks[i], () => setImmediate(() => write(i + 1)));
      };
      write(0);
    },
  );
}

describe('otlp receiver over HTTP: valid requests', () => {
  it('accepts protobuf and hands the pipeline exactly the SDK spans', async () => {
    const res = await post('/v1/traces', validProto);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROTO);
    expect(res.headers.get('x-served-by')).toBe('tsunagi');
    expect(parseTracesProtoResponse(new Uint8Array(await res.arrayBuffer()))).toEqual({});
    const got = traces.received[0].resourceSpans[0].scopeSpans[0];
    expect(got.scope.name).toBe('fixture-scope');
    expect(got.spans.map((s) => s.name)).toEqual(['op-0', 'op-1', 'op-2']);
    expect(got.spans.map((s) => hexOf(s.spanId))).toEqual(spans.map((s) => s.spanContext().spanId));
    expect(hexOf(got.spans[0].traceId)).toBe(spans[0].spanContext().traceId);
  });

  it('accepts JSON with a charset parameter and answers in JSON', async () => {
    const res = await post('/v1/traces', validJson, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_CT);
    expect(JSON.parse(await res.text())).toEqual({});
    expect(traces.received[0].resourceSpans[0].scopeSpans[0].spans).toHaveLength(3);
  });

  it('accepts gzip and deflate bodies', async () => {
    let res = await post('/v1/traces', gzipSync(validProto), { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    res = await post('/v1/traces', deflateSync(validJson), {
      'Content-Encoding': 'deflate',
      'Content-Type': JSON_CT,
    });
    expect(res.status).toBe(200);
    expect(traces.received).toHaveLength(2);
  });

  it('accepts a snappy block (Content-Encoding: snappy, as the collector); a bad or too large one is refused', async () => {
    const ok = await post('/v1/traces', compressSync(validProto), { 'Content-Encoding': 'snappy' });
    expect(ok.status).toBe(200);
    expect(traces.received).toHaveLength(1);
    // announced size beyond max_request_body_size: 413 before anything is inflated
    const bomb = compressSync(Buffer.alloc(1024 * 1024)); // ~48 KiB on the wire, 1 MiB announced
    expect(bomb.length).toBeLessThan(LIMIT);
    const big = await post('/v1/traces', bomb, { 'Content-Encoding': 'snappy' });
    expect(big.status).toBe(413);
    await big.arrayBuffer();
    const bad = await post('/v1/traces', Buffer.from([0x10, 0xff, 0xff, 0xff]), {
      'Content-Encoding': 'snappy',
    });
    expect(bad.status).toBe(400);
    expect((await statusBody(bad)).message).toMatch(/^failed to decompress snappy request body/);
    await expectStillServing();
  });

  it('answers an empty request 200 without calling the pipeline', async () => {
    const res = await post('/v1/traces', new Uint8Array(0));
    expect(res.status).toBe(200);
    const jres = await post('/v1/traces', Buffer.from('{"resourceSpans":[]}'), { 'Content-Type': JSON_CT });
    expect(jres.status).toBe(200);
    expect(traces.calls).toBe(0);
  });

  it('serves only the signals some pipeline uses, on the configured paths', async () => {
    expect((await post('/v1/metrics', validProto)).status).toBe(404);
    expect((await post('/v1/logs', validProto)).status).toBe(404);
    // An empty logs request on the custom path (the collector adds the leading slash).
    expect((await post('/custom/logs', new Uint8Array(0))).status).toBe(200);
  });

  it('puts request headers into the RequestContext (include_metadata)', async () => {
    await post('/v1/traces', validProto, { 'X-Tenant': 'acme' });
    const ctx = traces.contexts[0]!;
    expect(ctx.metadata?.['x-tenant']).toEqual(['acme']);
    expect(ctx.metadata?.['content-type']).toEqual([PROTO]);
    expect(ctx.clientAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('counts accepted spans in the self metrics', async () => {
    await post('/v1/traces', validProto);
    const text = await metrics.render();
    expect(text).toMatch(/otelcol_receiver_accepted_spans_total\{receiver="otlp\/in",transport="http"\} \d+/);
  });
});

describe('otlp receiver over HTTP: bad input', () => {
  it('truncated protobuf → 400 with a google.rpc.Status carrying the decode error', async () => {
    const truncated = validProto.subarray(0, validProto.length - 7);
    const res = await post('/v1/traces', truncated);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe(PROTO);
    const st = await statusBody(res);
    expect(st).toMatchObject({ code: 3, message: decodeMessage('proto', truncated) });
    expect(st.message).not.toBe('');
    expect(traces.calls).toBe(0);
    await expectStillServing();
  });

  it('invalid JSON → 400 with a JSON Status', async () => {
    const body = Buffer.from('{"resourceSpans": [');
    const res = await post('/v1/traces', body, { 'Content-Type': JSON_CT });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe(JSON_CT);
    expect(await statusBody(res)).toMatchObject({ code: 3, message: decodeMessage('json', body) });
    await expectStillServing();
  });

  it('JSON of the wrong shape → 400', async () => {
    const body = Buffer.from('{"resourceSpans": {"not": "an array"}}');
    const res = await post('/v1/traces', body, { 'Content-Type': JSON_CT });
    expect(res.status).toBe(400);
    expect(await statusBody(res)).toMatchObject({ code: 3, message: decodeMessage('json', body) });
    await expectStillServing();
  });

  it('invalid trace ID length → 400', async () => {
    const doc = JSON.parse(validJson.toString());
    doc.resourceSpans[0].scopeSpans[0].spans[0].traceId = 'abcdef';
    const body = Buffer.from(JSON.stringify(doc));
    const res = await post('/v1/traces', body, { 'Content-Type': JSON_CT });
    expect(res.status).toBe(400);
    const st = await statusBody(res);
    expect(st).toMatchObject({ code: 3, message: decodeMessage('json', body) });
    expect(st.message).toMatch(/trace/i);
    await expectStillServing();
  });

  it('wrong content type → 415', async () => {
    const res = await post('/v1/traces', validProto, { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.text()).toBe(
      '415 unsupported media type, supported: [application/json, application/x-protobuf]\n',
    );
    await expectStillServing();
  });

  it('body over max_request_body_size → 413 (declared length, streamed, and inflated)', async () => {
    const big = Buffer.alloc(LIMIT + 1);
    const res = await post('/v1/traces', big);
    expect(res.status).toBe(413);
    expect(await statusBody(res)).toEqual({
      code: 8,
      message: `request body too large: exceeds max_request_body_size of ${LIMIT} bytes`,
      detailTypes: [],
    });
    await expectStillServing();

    const streamed = await postChunked('/v1/traces', Array(8).fill(Buffer.alloc(LIMIT / 4)), {});
    expect(streamed.status).toBe(413);
    await expectStillServing();

    // A gzip bomb: 16 KiB on the wire, 16 MiB inflated; stopped at the limit.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(LIMIT);
    const bres = await post('/v1/traces', bomb, { 'Content-Encoding': 'gzip' });
    expect(bres.status).toBe(413);
    await bres.arrayBuffer();
    await expectStillServing();
  });

  it('corrupt gzip → 400; unknown Content-Encoding → 400', async () => {
    const gz = gzipSync(validProto);
    gz[gz.length - 6] ^= 0xff; // break the CRC
    const res = await post('/v1/traces', gz, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect((await statusBody(res)).message).toMatch(/^failed to decompress gzip request body/);
    const garbage = await post('/v1/traces', Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' });
    expect(garbage.status).toBe(400);
    await garbage.arrayBuffer();
    const br = await post('/v1/traces', validProto, { 'Content-Encoding': 'br' });
    expect(br.status).toBe(400);
    expect(await statusBody(br)).toMatchObject({ code: 3, message: 'unsupported Content-Encoding: br' });
    await expectStillServing();
  });

  it('unknown path → 404; GET → 405 with Allow: POST', async () => {
    const res = await post('/v1/nope', validProto);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found\n');
    const get = await fetch(`${base}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.text()).toBe('405 method not allowed, supported: [POST]\n');
    await expectStillServing();
  });
});

describe('otlp receiver over HTTP: backpressure and acknowledgement', () => {
  it('throttled retryable error → 429 + Retry-After and a Status with RetryInfo', async () => {
    traces.failWith = retryableError('memory limit reached', { retryAfterMs: 2000, throttled: true });
    const res = await post('/v1/traces', validProto);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await statusBody(res)).toEqual({
      code: 8,
      message: 'memory limit reached',
      retryDelayMs: 2000,
      detailTypes: ['type.googleapis.com/google.rpc.RetryInfo'],
    });
    const text = await metrics.render();
    expect(text).toMatch(/otelcol_receiver_refused_spans_total\{receiver="otlp\/in",transport="http"\} 3/);
  });

  it('throttled without a retry delay → 503 (RESOURCE_EXHAUSTED without RetryInfo would not be retried)', async () => {
    traces.failWith = retryableError('backend said 429', { throttled: true });
    const res = await post('/v1/traces', validProto);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await statusBody(res)).toMatchObject({ code: 14, message: 'backend said 429' });
  });

  it('other retryable errors → 503 (Retry-After only when known); never 500', async () => {
    traces.failWith = retryableError('queue full', { retryAfterMs: 1500 });
    let res = await post('/v1/traces', validJson, { 'Content-Type': JSON_CT });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await statusBody(res)).toMatchObject({ code: 14, message: 'queue full' });
    traces.failWith = new Error('something broke downstream');
    res = await post('/v1/traces', validProto);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await statusBody(res)).toEqual({
      code: 14,
      message: 'something broke downstream',
      detailTypes: [],
    });
  });

  it('permanent error → 400; permanent for part of the batch → 200 with partial_success', async () => {
    traces.failWith = permanentError('bad data');
    let res = await post('/v1/traces', validProto);
    expect(res.status).toBe(400);
    expect(await statusBody(res)).toMatchObject({ code: 3, message: 'bad data' });
    traces.failWith = permanentError('1 span too old', { rejectedItems: 1 });
    res = await post('/v1/traces', validProto);
    expect(res.status).toBe(200);
    expect(parseTracesProtoResponse(new Uint8Array(await res.arrayBuffer()))).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: '1 span too old' },
    });
  });

  it('answers only after consume() resolved', async () => {
    traces.hold();
    let settled = false;
    const pending = post('/v1/traces', validProto).then((r) => {
      settled = true;
      return r;
    });
    await until(() => traces.calls === 1);
    // The request reached the pipeline; it must not be answered while consume() is pending.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    traces.open();
    expect((await pending).status).toBe(200);
    expect(traces.received).toHaveLength(1);
  });
});

describe('otlp receiver over HTTP: CORS', () => {
  it('answers an allowed preflight with the CORS headers', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://www.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://www.example.com');
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('gives a disallowed origin no CORS headers', async () => {
    for (const origin of ['https://wwwexample.com', 'http://www.example.com', 'https://evil.test']) {
      const res = await fetch(`${base}/v1/traces`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses a preflight asking for a header outside allowed_headers; allows it when configured', async () => {
    const preflight = (url: string) =>
      fetch(`${url}/v1/traces`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://app.test',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type, x-tenant',
        },
      });
    // Default allowed_headers: only the always-allowed ones (content-type etc.).
    let res = await preflight(base);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();

    const other = factory.create(
      testSettings('otlp/cors'),
      configSchema.parse({
        protocols: {
          http: {
            endpoint: '127.0.0.1:0',
            cors: { allowed_origins: ['https://app.test'], allowed_headers: ['X-Tenant'] },
          },
        },
      }),
      { traces },
    ) as OtlpReceiver;
    await other.start(emptyHost);
    try {
      res = await preflight(`http://${other.endpoints().http}`);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
      expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-tenant');
    } finally {
      await other.shutdown();
    }
  });

  it('adds the CORS headers to an actual request from an allowed origin', async () => {
    const res = await post('/v1/traces', validProto, { Origin: 'https://app.test' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toBe('Origin');
  });
});
