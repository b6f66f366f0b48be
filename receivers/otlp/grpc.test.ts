import * as grpc from '@grpc/grpc-js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBudget } from '../../src/codec/decode-budget.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { hexOf } from '../../src/pdata/ids.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import {
  parseTracesProtoResponse,
  recordSpans,
  tracesProtoRequest,
} from '../../test/support/otlp-sdk-fixtures.js';
import { decodeRpcStatus } from '../../test/support/rpc-status.js';
import { otlpWireCodec } from './codec.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

const traces = new TestConsumer<'traces'>();
let rx: OtlpReceiver;
let client: grpc.Client;
let gzipClient: grpc.Client;
let spans: ReadableSpan[];
let valid: Buffer;

beforeAll(async () => {
  const cfg = configSchema.parse({
    protocols: { grpc: { endpoint: '127.0.0.1:0', include_metadata: true, max_recv_msg_size_mib: 1 } },
  });
  rx = factory.create(testSettings('otlp'), cfg, { traces }) as OtlpReceiver;
  await rx.start(emptyHost);
  const target = `127.0.0.1:${rx.endpoints().grpc}`;
  client = new grpc.Client(target, grpc.credentials.createInsecure());
  gzipClient = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': 2, // gzip
  });
  spans = await recordSpans(2);
  valid = tracesProtoRequest(spans);
});

afterAll(async () => {
  client.close();
  gzipClient.close();
  await rx.shutdown();
});

afterEach(() => traces.reset());

interface CallResult {
  err: grpc.ServiceError | null;
  response?: Buffer;
}

function call(
  body: Uint8Array,
  opts: { path?: string; metadata?: grpc.Metadata; via?: grpc.Client } = {},
): Promise<CallResult> {
  return new Promise((resolve) => {
    (opts.via ?? client).makeUnaryRequest(
      opts.path ?? TRACES,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      body,
      opts.metadata ?? new grpc.Metadata(),
      (err, response) => resolve({ err, response }),
    );
  });
}

async function expectStillServing() {
  const r = await call(valid);
  expect(r.err).toBeNull();
}

describe('otlp receiver over gRPC', () => {
  it('accepts an export and hands the pipeline exactly the spans', async () => {
    const r = await call(valid);
    expect(r.err).toBeNull();
    expect(parseTracesProtoResponse(new Uint8Array(r.response!))).toEqual({});
    const got = traces.received[0].resourceSpans[0].scopeSpans[0].spans;
    expect(got.map((s) => hexOf(s.spanId))).toEqual(spans.map((s) => s.spanContext().spanId));
  });

  it('accepts gzip-compressed messages', async () => {
    const r = await call(valid, { via: gzipClient });
    expect(r.err).toBeNull();
    expect(traces.received).toHaveLength(1);
  });

  it('garbage → INVALID_ARGUMENT with the decode message, and keeps serving', async () => {
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    let expected = '';
    try {
      otlpWireCodec.decode('traces', 'proto', garbage, undefined, defaultBudget());
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(expected).not.toBe('');
    const r = await call(garbage);
    expect(r.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.err?.details).toBe(expected);
    expect(traces.calls).toBe(0);
    await expectStillServing();
  });

  it('message over max_recv_msg_size_mib (plain or inflated) → RESOURCE_EXHAUSTED', async () => {
    const r = await call(Buffer.alloc(1024 * 1024 + 10));
    expect(r.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // Compressed small, inflated over the limit: refused as well.
    const bomb = await call(Buffer.alloc(8 * 1024 * 1024), { via: gzipClient });
    expect(bomb.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await expectStillServing();
  });

  it('a signal no pipeline uses → UNIMPLEMENTED', async () => {
    const r = await call(valid, { path: LOGS });
    expect(r.err?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('throttled → RESOURCE_EXHAUSTED with RetryInfo; retryable → UNAVAILABLE; permanent → INVALID_ARGUMENT', async () => {
    traces.failWith = retryableError('memory limit reached', { retryAfterMs: 2000, throttled: true });
    let r = await call(valid);
    expect(r.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.err?.details).toBe('memory limit reached');
    const details = r.err?.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(decodeRpcStatus(details)).toEqual({
      code: grpc.status.RESOURCE_EXHAUSTED,
      message: 'memory limit reached',
      retryDelayMs: 2000,
      detailTypes: ['type.googleapis.com/google.rpc.RetryInfo'],
    });

    // Throttled without a delay: RESOURCE_EXHAUSTED without RetryInfo is not
    // retryable for OTLP senders, so it is answered UNAVAILABLE (as the collector does).
    traces.failWith = retryableError('backend said 429', { throttled: true });
    r = await call(valid);
    expect(r.err?.code).toBe(grpc.status.UNAVAILABLE);

    traces.failWith = retryableError('exporter queue is full');
    r = await call(valid);
    expect(r.err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(r.err?.details).toBe('exporter queue is full');

    traces.failWith = permanentError('unparseable');
    r = await call(valid);
    expect(r.err?.code).toBe(grpc.status.INVALID_ARGUMENT);

    traces.failWith = permanentError('one span dropped', { rejectedItems: 1 });
    r = await call(valid);
    expect(r.err).toBeNull();
    expect(parseTracesProtoResponse(new Uint8Array(r.response!))).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: 'one span dropped' },
    });
  });

  it('answers only after consume() resolved', async () => {
    traces.hold();
    let settled = false;
    const pending = call(valid).then((r) => {
      settled = true;
      return r;
    });
    await until(() => traces.calls === 1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    traces.open();
    expect((await pending).err).toBeNull();
  });

  it('puts gRPC metadata into the RequestContext (include_metadata)', async () => {
    const md = new grpc.Metadata();
    md.set('x-tenant', 'acme');
    await call(valid, { metadata: md });
    const ctx = traces.contexts[0]!;
    expect(ctx.metadata?.['x-tenant']).toEqual(['acme']);
    expect(ctx.clientAddress).toMatch(/127\.0\.0\.1:\d+$/);
  });
});
