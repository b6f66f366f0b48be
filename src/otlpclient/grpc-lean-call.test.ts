// The lean HTTP/2 client against a real peer that is not ours (a node:http2 server
// answering as a gRPC server would, and as broken ones do), side by side with the same
// sender on node:http2 (TSUNAGI_GRPC_LEAN=0): every answer shape gives the same outcome
// on both (differential), and the connection-level behaviour (windows, frame sizes,
// MAX_CONCURRENT_STREAMS, GOAWAY, a closed socket, stream IDs running out) holds.
// The answers' headers come from nghttp2's encoder: Huffman-coded, indexed in its
// dynamic table from the second call on.
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodePartialSuccess, encodeStatus } from '../../test/support/fake-otlp.js';
import { encodeTraces } from '../codec/otlp-proto.js';
import { ConsumerError } from '../component/errors.js';
import { toAnyValue } from '../pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../pdata/create.js';
import type { TracesData } from '../pdata/types.js';
import { silentLogger } from '../telemetry/logger.js';
import { otlpGrpcConfigSchema } from './grpc-config.js';
import { OtlpGrpcH2Sender } from './grpc-h2-sender.js';
import { leanUnaryCall } from './grpc-lean-call.js';
import { H2Client } from './h2/client.js';
import { encodeHeaderBlock } from './h2/hpack-encoder.js';

const gzipAsync = promisify(gzip);
type Behaviour = (stream: http2.ServerHttp2Stream, body: Buffer) => void;

let behaviour: Behaviour = (s) => okAnswer(s, Buffer.alloc(0));
const bodies: Buffer[] = [];
const servers: http2.Http2Server[] = [];
const sessions = new Set<http2.ServerHttp2Session>();

function startServer(settings?: http2.Settings): Promise<number> {
  const server = http2.createServer({ settings });
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(parts);
      bodies.push(body);
      behaviour(stream, body);
    });
    stream.on('error', () => {});
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

let port = 0;
beforeAll(async () => {
  port = await startServer();
});
afterEach(() => {
  behaviour = (s) => okAnswer(s, Buffer.alloc(0));
});
afterAll(() => {
  for (const s of sessions) s.destroy();
  for (const s of servers) s.close();
});

function grpcFrame(msg: Buffer, compressed = false): Buffer {
  const f = Buffer.alloc(5 + msg.length);
  f[0] = compressed ? 1 : 0;
  f.writeUInt32BE(msg.length, 1);
  msg.copy(f, 5);
  return f;
}

/** Headers, the message, then the trailers (grpc-status 0 unless `trailers` say otherwise). */
function okAnswer(
  s: http2.ServerHttp2Stream,
  msg: Buffer,
  trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '0' },
  headers: http2.OutgoingHttpHeaders = {},
  compressed = false,
) {
  s.respond({ ':status': 200, 'content-type': 'application/grpc', ...headers }, { waitForTrailers: true });
  s.on('wantTrailers', () => s.sendTrailers(trailers));
  s.end(grpcFrame(msg, compressed));
}

/** A trailers-only answer: grpc-status in the only HEADERS, END_STREAM. */
function trailersOnly(s: http2.ServerHttp2Stream, code: number, message: string, details?: Buffer) {
  s.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
      ...(details ? { 'grpc-status-details-bin': details.toString('base64') } : {}),
    },
    { endStream: true },
  );
}

function traces(extra = 0): TracesData {
  const rs = newResourceSpans();
  rs.resource.attributes.push({ key: 'service.name', value: toAnyValue('crème brûlée') });
  const ss = newScopeSpans();
  for (let i = 0; i < 3 + extra; i++) {
    const s = newSpan();
    s.traceId = new Uint8Array(16).fill((i % 250) + 1);
    s.spanId = new Uint8Array(8).fill(i % 256);
    s.name = `span ${i} ${'x'.repeat((i % 7) * 500)}`;
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

/** The sender on the lean client, or on node:http2 (TSUNAGI_GRPC_LEAN=0); warnings logged into `warnings`. */
async function sender(lean: boolean, p = port, warnings?: string[]): Promise<OtlpGrpcH2Sender> {
  const cfg = otlpGrpcConfigSchema.parse({
    endpoint: `127.0.0.1:${p}`,
    tls: { insecure: true },
    compression: 'none',
  });
  const logger = warnings
    ? pino({ level: 'warn' }, { write: (l: string) => warnings.push(l) })
    : silentLogger();
  const was = process.env.TSUNAGI_GRPC_LEAN;
  if (!lean) process.env.TSUNAGI_GRPC_LEAN = '0';
  const s = new OtlpGrpcH2Sender(cfg, logger);
  await s.start();
  if (was === undefined) delete process.env.TSUNAGI_GRPC_LEAN;
  else process.env.TSUNAGI_GRPC_LEAN = was;
  expect((s as unknown as { lean?: unknown }).lean !== undefined).toBe(lean);
  return s;
}

/** One call through each path with a fresh sender: [lean, node:http2]. */
async function both(data = traces()): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const lean of [true, false]) {
    const s = await sender(lean);
    out.push(await outcome(s.send('traces', data, new AbortController().signal)));
    await s.shutdown();
  }
  return out;
}

describe('OTLP/gRPC on the lean HTTP/2 client (against a node:http2 server)', () => {
  it('delivers the request intact and reads OK answers: empty, partial success, gzip-compressed', async () => {
    const partial = await encodePartialSuccess('traces', 2, 'old spans');
    const gz = await gzipAsync(partial);
    const answers: [string, Behaviour, boolean][] = [
      ['empty', (s) => okAnswer(s, Buffer.alloc(0)), false],
      ['partial success', (s) => okAnswer(s, partial), true],
      ['gzip', (s) => okAnswer(s, gz, { 'grpc-status': '0' }, { 'grpc-encoding': 'gzip' }, true), true],
      ['no message at all', (s) => okAnswer(s, Buffer.alloc(0)), false],
    ];
    for (const [name, b, warns] of answers)
      for (const lean of [true, false]) {
        behaviour = b;
        bodies.length = 0;
        const warnings: string[] = [];
        const s = await sender(lean, port, warnings);
        expect(await outcome(s.send('traces', traces(), new AbortController().signal)), name).toEqual({
          ok: true,
        });
        await s.shutdown();
        expect(bodies, name).toEqual([grpcFrame(Buffer.from(encodeTraces(traces())))]);
        if (warns) {
          expect(warnings, `${name} lean=${lean}`).toHaveLength(1);
          expect(JSON.parse(warnings[0])).toMatchObject({ dropped_spans: 2, message: 'old spans' });
        } else expect(warnings, name).toEqual([]);
      }
  });

  it('maps every grpc-status, HTTP status, reset and broken answer as the node:http2 path does', async () => {
    const retryInfo = await encodeStatus(grpc.status.RESOURCE_EXHAUSTED, 'slow down', 300);
    const cases: [string, Behaviour, Partial<Outcome> | undefined][] = [];
    for (let code = 1; code <= 16; code++) {
      cases.push([
        `status ${code} in trailers`,
        (s) => okAnswer(s, Buffer.alloc(0), { 'grpc-status': String(code), 'grpc-message': `m%20${code}` }),
        undefined,
      ]);
      cases.push([
        `status ${code} trailers-only`,
        (s) => trailersOnly(s, code, `réponse ${code} 100%`),
        undefined,
      ]);
    }
    cases.push(
      [
        'throttled, trailers-only',
        (s) => trailersOnly(s, 8, 'slow down', retryInfo),
        { retryable: true, throttled: true, retryAfterMs: 300 },
      ],
      [
        'throttled, in trailers',
        (s) =>
          okAnswer(s, Buffer.alloc(0), {
            'grpc-status': '8',
            'grpc-message': 'slow down',
            'grpc-status-details-bin': retryInfo.toString('base64'),
          }),
        { retryable: true, throttled: true, retryAfterMs: 300 },
      ],
      ['exhausted without RetryInfo', (s) => trailersOnly(s, 8, 'full'), { retryable: false }],
      [
        'invalid argument',
        (s) => trailersOnly(s, 3, 'bad'),
        { retryable: false, type: 'MalformedBatchError' },
      ],
    );
    for (const st of [400, 401, 403, 404, 429, 500, 502, 503, 504])
      cases.push([
        `HTTP ${st}`,
        (s) => {
          s.respond({ ':status': st, 'content-type': 'text/plain' });
          s.end('no');
        },
        undefined,
      ]);
    cases.push(
      [
        'missing trailers',
        (s) => {
          s.respond({ ':status': 200, 'content-type': 'application/grpc' });
          s.end(grpcFrame(Buffer.alloc(0)));
        },
        {
          retryable: false,
          message: 'rpc error: code = UNKNOWN desc = Server closed the call without a status',
        },
      ],
      ['answer too large', (s) => okAnswer(s, Buffer.alloc(70_000, 1)), { retryable: false }],
      [
        'bad gzip',
        (s) => okAnswer(s, Buffer.from('nope'), { 'grpc-status': '0' }, { 'grpc-encoding': 'gzip' }, true),
        { retryable: false },
      ],
    );
    for (const [name, code] of [
      ['NO_ERROR', http2.constants.NGHTTP2_NO_ERROR],
      ['CANCEL', http2.constants.NGHTTP2_CANCEL],
      ['INTERNAL_ERROR', http2.constants.NGHTTP2_INTERNAL_ERROR],
      ['REFUSED_STREAM', http2.constants.NGHTTP2_REFUSED_STREAM],
      ['ENHANCE_YOUR_CALM', http2.constants.NGHTTP2_ENHANCE_YOUR_CALM],
    ] as const) {
      cases.push([
        `RST_STREAM ${name} mid-answer`,
        (s) => {
          s.respond({ ':status': 200, 'content-type': 'application/grpc' });
          s.write(Buffer.from([0, 0, 0, 0, 9, 1]), () => s.close(code));
        },
        undefined,
      ]);
      cases.push([`RST_STREAM ${name} before any answer`, (s) => s.close(code), undefined]);
    }
    for (const [name, b, expected] of cases) {
      behaviour = b;
      const [lean, node] = await both();
      expect(lean, name).toEqual(node);
      expect(lean.ok, name).toBe(false);
      if (expected) expect(lean, name).toMatchObject(expected);
    }
  });

  it('fails retryably when the server closes the connection mid-call, and calls again on a new one', async () => {
    for (const when of ['before the answer', 'after the headers'])
      for (const lean of [true, false]) {
        behaviour = (s) => {
          if (when === 'after the headers') s.respond({ ':status': 200, 'content-type': 'application/grpc' });
          setImmediate(() => s.session?.destroy());
        };
        const s = await sender(lean);
        const first = await outcome(s.send('traces', traces(), new AbortController().signal));
        // the one known difference: node:http2 closes the stream with CANCEL, the lean client says why
        expect(first, `${when} lean=${lean}`).toMatchObject({
          ok: false,
          retryable: true,
          message: lean
            ? 'rpc error: code = UNAVAILABLE desc = connection closed'
            : 'rpc error: code = CANCELLED desc = Call cancelled',
        });
        behaviour = (st) => okAnswer(st, Buffer.alloc(0));
        // the next call reconnects (a call racing the close notice may fail retryably once)
        let o = await outcome(s.send('traces', traces(), new AbortController().signal));
        if (!o.ok) o = await outcome(s.send('traces', traces(), new AbortController().signal));
        expect(o).toEqual({ ok: true });
        await s.shutdown();
      }
  });

  it('after GOAWAY: the calls the server took complete, those above its last stream fail retryably, new calls go on a new connection', async () => {
    for (const lean of [true, false]) {
      const held: http2.ServerHttp2Stream[] = [];
      behaviour = (s) => {
        held.push(s);
        if (held.length < 2) return;
        const [first] = held.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
        first.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, first.id);
        okAnswer(first, Buffer.alloc(0));
      };
      const s = await sender(lean);
      // one call first, so both calls below go on the same (settled) connection
      const warm = behaviour;
      behaviour = (st) => okAnswer(st, Buffer.alloc(0));
      expect(await outcome(s.send('traces', traces(), new AbortController().signal))).toEqual({ ok: true });
      behaviour = warm;
      const [a, b] = await Promise.all([
        outcome(s.send('traces', traces(), new AbortController().signal)),
        outcome(s.send('traces', traces(), new AbortController().signal)),
      ]);
      const results = [a, b].sort((x, y) => Number(y.ok) - Number(x.ok));
      expect(results[0], `lean=${lean}`).toEqual({ ok: true });
      expect(results[1], `lean=${lean}`).toMatchObject({ ok: false, retryable: true });
      behaviour = (st) => okAnswer(st, Buffer.alloc(0));
      expect(await outcome(s.send('traces', traces(), new AbortController().signal))).toEqual({ ok: true });
      for (const h of held) if (!h.closed) h.close();
      await s.shutdown();
    }
  });

  it('sends bodies larger than the peer windows and frame size, intact, as the windows open', async () => {
    // the server's stream window is 1000 bytes and its connection window the default 65535
    const small = await startServer({ initialWindowSize: 1000 });
    const big = traces(120); // ~200 KB
    const want = grpcFrame(Buffer.from(encodeTraces(big)));
    expect(want.length).toBeGreaterThan(150_000);
    behaviour = (s) => okAnswer(s, Buffer.alloc(0));
    for (const lean of [true, false]) {
      bodies.length = 0;
      const s = await sender(lean, small);
      const calls = await Promise.all(
        Array.from({ length: 3 }, () => outcome(s.send('traces', big, new AbortController().signal))),
      );
      expect(calls).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      await s.shutdown();
      expect(bodies).toHaveLength(3);
      for (const b of bodies) expect(b.equals(want)).toBe(true);
    }
  });

  it("keeps to the server's MAX_CONCURRENT_STREAMS: calls over it wait, none is refused", async () => {
    const one = await startServer({ maxConcurrentStreams: 1 });
    let open = 0;
    let most = 0;
    behaviour = (s) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        okAnswer(s, Buffer.alloc(0));
      }, 5);
    };
    const s = await sender(true, one);
    // the first call settles the connection (its SETTINGS read) before the burst
    expect(await outcome(s.send('traces', traces(), new AbortController().signal))).toEqual({ ok: true });
    const calls = await Promise.all(
      Array.from({ length: 6 }, () => outcome(s.send('traces', traces(), new AbortController().signal))),
    );
    expect(calls).toEqual(Array.from({ length: 6 }, () => ({ ok: true })));
    expect(most).toBe(1);
    await s.shutdown();
  });

  it('reads indexed and Huffman-coded answers over many calls on one connection (dynamic table evictions)', async () => {
    let i = 0;
    behaviour = (s) => {
      const n = i++;
      // a new value per call: nghttp2 indexes each, the 4 KiB table evicts the old ones
      const msg = `refused call ${n} ${'because '.repeat(20)}`;
      if (n % 3 === 0)
        okAnswer(s, Buffer.alloc(0), { 'grpc-status': '0' }, { 'x-call': `call-${n}-${'v'.repeat(n * 7)}` });
      else if (n % 3 === 1) trailersOnly(s, 14, msg);
      else okAnswer(s, Buffer.alloc(0), { 'grpc-status': '7', 'grpc-message': encodeURIComponent(msg) });
    };
    const s = await sender(true);
    for (let k = 0; k < 60; k++) {
      const o = await outcome(s.send('traces', traces(), new AbortController().signal));
      const msg = `refused call ${k} ${'because '.repeat(20)}`;
      if (k % 3 === 0) expect(o, `call ${k}`).toEqual({ ok: true });
      else
        expect(o, `call ${k}`).toMatchObject({
          ok: false,
          message: `rpc error: code = ${k % 3 === 1 ? 'UNAVAILABLE' : 'PERMISSION_DENIED'} desc = ${msg}`,
        });
    }
    // all on one connection
    expect(sessions.size).toBeGreaterThanOrEqual(1);
    await s.shutdown();
  });

  it('opens a new connection when stream IDs run out; the calls on the old one complete', async () => {
    behaviour = (s) => setTimeout(() => okAnswer(s, Buffer.alloc(0)), 2);
    const client = new H2Client('127.0.0.1', port, 0x7fffffff - 4);
    const block = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
      [':authority', `127.0.0.1:${port}`],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ]);
    const before = sessions.size;
    let opened = 0;
    const count = () => opened++;
    servers[0].on('session', count);
    const body = grpcFrame(Buffer.from(encodeTraces(traces())));
    // IDs 2147483643, 2147483645, 2147483647 on the first connection, the rest on the next ones
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        leanUnaryCall(client, block, body, new AbortController().signal).then(() => 'ok'),
      ),
    );
    expect(results).toEqual(Array.from({ length: 8 }, () => 'ok'));
    servers[0].off('session', count);
    expect(opened).toBe(3);
    await client.close();
    expect(sessions.size).toBeLessThanOrEqual(before + opened);
  });

  it('cancels a call on abort (RST_STREAM) and keeps the connection for the next', async () => {
    behaviour = () => {}; // never answers
    const s = await sender(true);
    const ac = new AbortController();
    const p = outcome(s.send('traces', traces(), ac.signal));
    setTimeout(() => ac.abort(), 20);
    expect(await p).toMatchObject({
      ok: false,
      retryable: true,
      message: 'rpc error: code = CANCELLED desc = Cancelled on client',
    });
    behaviour = (st) => okAnswer(st, Buffer.alloc(0));
    expect(await outcome(s.send('traces', traces(), new AbortController().signal))).toEqual({ ok: true });
    await s.shutdown();
  });
});
