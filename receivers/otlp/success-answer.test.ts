// The precomputed full-success answer (success-answer.ts) against the answer the
// codec builds per request, and on the wire: raw HTTP/1.1 bytes of pipelined
// requests on one keep-alive connection, each answer parsed and compared.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signal } from '../../src/pdata/signal.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { recordSpans, tracesJsonRequest, tracesProtoRequest } from '../../test/support/otlp-sdk-fixtures.js';
import { otlpWireCodec } from './codec.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';
import { SuccessAnswers, successAnswer } from './success-answer.js';
import { CONTENT_TYPE, type WireCodec, type WireEncoding } from './wire.js';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const ENCODINGS: WireEncoding[] = ['proto', 'json'];

describe('SuccessAnswers', () => {
  it('holds exactly what the codec answers for "all accepted", for every signal and encoding', () => {
    const answers = new SuccessAnswers(otlpWireCodec);
    for (const signal of SIGNALS)
      for (const enc of ENCODINGS) {
        const slow = otlpWireCodec.response(signal, enc, 0, '');
        const a = answers.get(signal, enc);
        expect(Buffer.from(a.body, 'latin1')).toEqual(Buffer.from(slow));
        expect(a.headers).toEqual({ 'Content-Type': CONTENT_TYPE[enc], 'Content-Length': slow.length });
        expect(Object.isFrozen(a.headers)).toBe(true);
      }
  });

  it('keeps every byte value of a body (0x00-0xff, bytes that are not UTF-8) and an empty body', () => {
    const bodies = [
      new Uint8Array(0),
      Uint8Array.from({ length: 256 }, (_, i) => i),
      Uint8Array.from([0xff, 0xfe, 0x80, 0xc3, 0x28, 0x00, 0xe2, 0x82]),
      new TextEncoder().encode('{"partialSuccess":{"errorMessage":"日本語 ✓ é"}}'),
      // a view into a larger buffer: only its own bytes
      new Uint8Array(Buffer.from('xx\x01\x02\x03yy', 'latin1').buffer).subarray(0, 0),
    ];
    const big = Buffer.alloc(100_000, 0xab);
    bodies.push(big.subarray(10, 90_000));
    for (const bytes of bodies) {
      const codec = { ...otlpWireCodec, response: () => bytes } as WireCodec;
      const a = successAnswer(codec, 'logs', 'proto');
      const back = Buffer.from(a.body, 'latin1');
      expect(back.length).toBe(bytes.length);
      expect(back.equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).toBe(true);
      expect(a.headers['Content-Length']).toBe(bytes.length);
    }
  });
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** Parses `count` HTTP/1.1 answers (Content-Length framed) from the bytes of one connection. */
function parseAnswers(bytes: Buffer, count: number): RawAnswer[] | undefined {
  const out: RawAnswer[] = [];
  let at = 0;
  while (out.length < count) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers = new Map<string, string>();
    for (const l of lines) {
      const c = l.indexOf(':');
      headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
    }
    const len = Number(headers.get('content-length'));
    if (bytes.length < end + 4 + len) return undefined;
    out.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: bytes.subarray(end + 4, end + 4 + len),
    });
    at = end + 4 + len;
  }
  return out;
}

describe('full-success answers on the wire', () => {
  const traces = new TestConsumer<'traces'>();
  const logs = new TestConsumer<'logs'>();
  let rx: OtlpReceiver;
  let port: number;

  beforeAll(async () => {
    const cfg = configSchema.parse({
      protocols: {
        http: {
          endpoint: '127.0.0.1:0',
          response_headers: { 'X-Served-By': 'tsunagi' },
          cors: { allowed_origins: ['https://app.test'] },
        },
      },
    });
    rx = factory.create(testSettings('otlp/answers', 'receiver', new SelfMetrics()), cfg, {
      traces,
      logs,
    }) as OtlpReceiver;
    await rx.start(emptyHost);
    port = Number(rx.endpoints().http?.split(':').pop());
  });

  afterAll(async () => {
    await rx.shutdown();
  });

  it('answers pipelined proto and JSON exports on one keep-alive connection, each byte as the codec builds it', async () => {
    const spans = await recordSpans(2);
    const bodies: [string, Buffer, WireEncoding][] = [
      ['/v1/traces', tracesProtoRequest(spans), 'proto'],
      ['/v1/traces', tracesJsonRequest(spans), 'json'],
      ['/v1/traces', tracesProtoRequest(spans), 'proto'],
    ];
    let wire = '';
    for (const [path, body, enc] of bodies)
      wire +=
        `POST ${path} HTTP/1.1\r\nHost: x\r\nOrigin: https://app.test\r\nContent-Type: ${CONTENT_TYPE[enc]}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body.toString('latin1')}`;
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.write(Buffer.from(wire, 'latin1'));
    let answers: RawAnswer[] | undefined;
    await until(() => {
      answers = parseAnswers(Buffer.concat(chunks), bodies.length);
      return answers !== undefined;
    });
    sock.destroy();
    expect(traces.calls).toBe(bodies.length);
    for (const [i, [, , enc]] of bodies.entries()) {
      const a = answers![i];
      const slow = Buffer.from(otlpWireCodec.response('traces', enc, 0, ''));
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toBe(CONTENT_TYPE[enc]);
      expect(a.headers.get('content-length')).toBe(String(slow.length));
      expect(a.body.equals(slow)).toBe(true);
      expect(a.headers.get('x-served-by')).toBe('tsunagi');
      expect(a.headers.get('access-control-allow-origin')).toBe('https://app.test');
      expect(a.headers.get('connection')).toBe('keep-alive');
    }
  });
});
