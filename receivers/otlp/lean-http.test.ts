// The lean HTTP/1.1 path (src/receiverhelper/http1-connection.ts) against
// node:http: the same raw requests go to two receivers that differ only in
// the path that reads them, and every byte of every answer (Date aside), the
// closing of the connection and the data handed to the pipeline must be the
// same. Heads are split at every byte, bodies across reads, requests pipelined,
// and the shapes the lean path leaves to node (chunked, Expect, Upgrade,
// HTTP/1.0, bad or huge heads) are handed over mid-connection.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { deflateSync, gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTracesJson } from '../../src/codec/json-decode.js';
import { encodeTracesJson } from '../../src/codec/json-encode.js';
import { encodeTraces } from '../../src/codec/proto-traces.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { permanentError, retryableError } from '../../src/component/errors.js';
import type { TracesData } from '../../src/pdata/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { otlpWireCodec } from './codec.js';
import { configSchema } from './config.js';
import { OtlpHttpServer, type Route } from './http-server.js';

const LIMIT = 256 * 1024;

/** Records what reached the pipeline; a span named `retry…` / `perm…` makes it refuse. */
class RecordingConsumer implements Consumer<'traces'> {
  readonly seen: string[] = [];
  /** A span named `slow…` waits for this. */
  gate: Promise<void> = Promise.resolve();
  async consume(data: TracesData, ctx?: RequestContext): Promise<void> {
    const json = encodeTracesJson(data);
    this.seen.push(ctx?.metadata ? `${json} ${JSON.stringify(ctx.metadata)}` : json);
    if (json.includes('"name":"slow')) await this.gate;
    if (json.includes('"name":"retry')) throw retryableError('backend busy', { retryAfterMs: 3000 });
    if (json.includes('"name":"perm')) throw permanentError('bad data');
  }
}

interface Side {
  server: OtlpHttpServer;
  consumer: RecordingConsumer;
  port: number;
}

async function side(lean: boolean, extra: Record<string, unknown> = {}): Promise<Side> {
  const cfg = configSchema.parse({
    protocols: {
      http: {
        endpoint: '127.0.0.1:0',
        max_request_body_size: LIMIT,
        response_headers: { 'X-Served-By': 'tsunagi' },
        ...extra,
      },
    },
  }).protocols.http!;
  const consumer = new RecordingConsumer();
  const routes = new Map<string, Route>([['/v1/traces', { signal: 'traces', consumer }]]);
  const metrics = new SelfMetrics().receiver('otlp', 'http');
  const server = new OtlpHttpServer(cfg, routes, otlpWireCodec, metrics, silentLogger(), lean);
  await server.start();
  const port = Number((server.address() as string).split(':').pop());
  return { server, consumer, port };
}

interface Exchange {
  /** Everything the server wrote, Date values blanked. */
  text: string;
  /** The server closed the connection (rather than the test, after the answers it expected). */
  closed: boolean;
}

/** Complete answers at the start of `buf` (Content-Length framed, or head-only for node's own close answers). */
function countAnswers(buf: Buffer): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return n;
    const head = buf.toString('latin1', at, end);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (buf.length < end + 4 + len) return n;
    // a 100 Continue is not an answer
    if (!head.startsWith('HTTP/1.1 100 ')) n++;
    at = end + 4 + len;
  }
}

/**
 * Writes `chunks` one read apart (a short pause between them), then waits for `answers` complete
 * answers or the server's close; `end`: half-close after writing.
 */
function exchange(
  port: number,
  chunks: Buffer[],
  answers: number,
  end = false,
  ca?: Buffer,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = ca
      ? tlsConnect({ port, host: '127.0.0.1', ca, servername: 'localhost' })
      : connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      socket.destroy();
      const text = Buffer.concat(got)
        .toString('latin1')
        .replace(/\r\nDate: [^\r]*/g, '\r\nDate: -');
      resolve({ text, closed });
    };
    const guard = setTimeout(() => reject(new Error('no answer and no close in 10 s')), 10_000);
    socket.on('data', (c) => {
      got.push(c);
      if (countAnswers(Buffer.concat(got)) >= answers && !end) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on(ca ? 'secureConnect' : 'connect', async () => {
      for (let i = 0; i < chunks.length; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 2));
        if (socket.destroyed) return;
        socket.write(chunks[i]);
      }
      if (end) socket.end();
    });
  });
}

function span(name: string) {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000500000000',
    attributes: [{ key: 'k', value: { stringValue: name } }],
  };
}

function tracesJson(...names: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [{ scope: { name: 'lib' }, spans: names.map(span) }],
        },
      ],
    }),
  );
}

function tracesProto(...names: string[]): Buffer {
  return Buffer.from(encodeTraces(decodeTracesJson(tracesJson(...names))));
}

function post(
  body: Buffer,
  headers: Record<string, string> = {},
  opts: { path?: string; method?: string; version?: string; length?: boolean } = {},
): Buffer {
  const h: Record<string, string> = {
    Host: 'localhost',
    'Content-Type': 'application/x-protobuf',
    ...headers,
  };
  if (opts.length !== false && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length'))
    h['Content-Length'] = String(body.length);
  const lines = [`${opts.method ?? 'POST'} ${opts.path ?? '/v1/traces'} ${opts.version ?? 'HTTP/1.1'}`];
  for (const [k, v] of Object.entries(h)) lines.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

let node: Side;
let lean: Side;

beforeAll(async () => {
  node = await side(false);
  lean = await side(true);
});

afterAll(async () => {
  await node.server.shutdown(100);
  await lean.server.shutdown(100);
});

/** Sends the same bytes to both sides and expects the same answers, close and pipeline data. */
function same(chunks: Buffer[], answers: number, end = false): Promise<Exchange> {
  return sameAs(chunks, chunks, answers, end);
}

/** node:http given `nodeChunks`, the lean path `leanChunks`: the same answers, close and pipeline data. */
async function sameAs(
  nodeChunks: Buffer[],
  leanChunks: Buffer[],
  answers: number,
  end = false,
): Promise<Exchange> {
  const before = [node.consumer.seen.length, lean.consumer.seen.length];
  const a = await exchange(node.port, nodeChunks, answers, end);
  const b = await exchange(lean.port, leanChunks, answers, end);
  expect(b.text).toBe(a.text);
  expect(b.closed).toBe(a.closed);
  expect(lean.consumer.seen.slice(before[1])).toEqual(node.consumer.seen.slice(before[0]));
  return b;
}

const big = 'x'.repeat(70_000);
const ok = tracesProto('ok');

describe('the lean HTTP/1.1 path answers as node:http does', () => {
  it('takes the common request shape itself', async () => {
    const was = lean.server.leanAnswered() ?? 0;
    const r = await same([post(ok)], 1);
    expect(r.text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(lean.server.leanAnswered()).toBe(was + 1);
    expect(node.server.leanAnswered()).toBeUndefined();
  });

  it('varied bodies: JSON, protobuf, empty, non-ASCII, long, around buffer sizes, compressed', async () => {
    const bodies: [Buffer, Record<string, string>][] = [
      [tracesJson('json'), { 'Content-Type': 'application/json' }],
      [tracesJson('utf8 名前 ✓ é'), { 'Content-Type': 'application/json; charset=utf-8' }],
      [tracesProto('proto 名前 ✓'), {}],
      [Buffer.alloc(0), {}],
      [Buffer.alloc(0), { 'Content-Type': 'application/json' }],
      [tracesProto(big), {}],
      [tracesProto('a', 'b', 'c'), { 'content-type': 'application/x-protobuf' }],
      [gzipSync(tracesProto('gz')), { 'Content-Encoding': 'gzip' }],
      [deflateSync(tracesProto('zl')), { 'Content-Encoding': 'deflate' }],
      [compressSync(tracesProto('sn')), { 'Content-Encoding': 'snappy' }],
      [tracesProto('id'), { 'Content-Encoding': 'identity' }],
      [Buffer.from('not gzip'), { 'Content-Encoding': 'gzip' }],
      [Buffer.from([0xff, 0xff, 0xff]), {}],
      [Buffer.from('{"resourceSpans": ['), { 'Content-Type': 'application/json' }],
      [tracesProto('retry me'), {}],
      [tracesJson('retry me'), { 'Content-Type': 'application/json' }],
      [tracesProto('perm'), {}],
      [tracesProto('q'), {}],
    ];
    // bodies of 16 KiB (the pool's smallest class) and 64 KiB (a socket read) ± 1
    for (const size of [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1]) {
      const base = tracesProto('').length;
      let name = 'y'.repeat(Math.max(0, (size - base) / 2));
      let body = tracesProto(name);
      while (body.length < size) {
        name += 'y';
        body = tracesProto(name);
      }
      bodies.push([body, {}]);
    }
    for (const [body, headers] of bodies) {
      const r = await same([post(body, headers, { path: '/v1/traces?x=1' })], 1);
      expect(r.text).toMatch(/^HTTP\/1\.1 \d{3} /);
    }
  });

  it('the head split at every byte, the body across reads, Connection: close', async () => {
    const req = post(ok, { Connection: 'keep-alive', 'User-Agent': 'test/1' });
    const headEnd = req.indexOf('\r\n\r\n') + 4;
    for (let i = 1; i <= headEnd; i++) await same([req.subarray(0, i), req.subarray(i)], 1);
    const long = post(tracesProto(big));
    const cuts = [1, 100, 4095, 4096, 16_384, 50_000, long.length - 1];
    await same(
      cuts.map((c, i) => long.subarray(i === 0 ? 0 : cuts[i - 1], c)).concat(long.subarray(cuts.at(-1))),
      1,
    );
    await same([post(ok, { Connection: 'close' })], 1);
    // (no request after it: node and the lean path close with it unread, and the client's TCP stack
    // may then drop the answer on the reset, whichever path answered)
    await same([post(ok, { connection: 'Close' })], 1);
  });

  it('pipelined requests, in one write and across writes, and a client that half-closes', async () => {
    const three = Buffer.concat([
      post(tracesProto('p1')),
      post(tracesJson('p2'), { 'Content-Type': 'application/json' }),
      post(tracesProto('p3')),
    ]);
    await same([three], 3);
    await same([three.subarray(0, 200), three.subarray(200)], 3);
    await same([three], 3, true);
    await same([post(ok)], 1, true);
    await same([post(ok), post(tracesProto('retry'))], 2);
  });

  it('hands what it does not take to node, also mid-connection', async () => {
    const chunked = Buffer.from(
      `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n${ok.length.toString(16)}\r\n`,
      'latin1',
    );
    const chunkedReq = Buffer.concat([chunked, ok, Buffer.from('\r\n0\r\n\r\n')]);
    const others: [Buffer, number][] = [
      [chunkedReq, 1],
      [post(ok, { Expect: '100-continue' }), 1],
      [
        post(ok, {
          Connection: 'Upgrade, HTTP2-Settings',
          Upgrade: 'h2c',
          'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA',
        }),
        1,
      ],
      [post(ok, {}, { version: 'HTTP/1.0' }), 1],
      [post(ok, { Connection: 'keep-alive' }, { version: 'HTTP/1.0' }), 1],
      [post(ok, {}, { path: '/v1/nothing' }), 1],
      [post(ok, {}, { method: 'PUT' }), 1],
      [post(ok, {}, { method: 'GET' }), 1],
      [post(Buffer.alloc(0), {}, { method: 'GET', length: false }), 1],
      [post(ok, { 'Content-Type': 'text/plain' }), 1],
      [post(ok, { 'Content-Encoding': 'br' }), 1],
      [post(Buffer.alloc(LIMIT + 1)), 1],
      [post(ok, { 'Content-Length': '99999999999' }), 1],
      [post(ok, { 'X-Big': 'h'.repeat(20_000) }), 1],
      [post(ok, { 'X-Name': 'caf\xe9' }), 1],
      [post(ok, { Host: '' }), 1],
      [Buffer.from(post(ok).toString('latin1').replace('Host: localhost\r\n', ''), 'latin1'), 1],
      [post(ok, { 'Content-Length': `${ok.length}, ${ok.length}` }), 1],
      [Buffer.concat([Buffer.from('\r\n'), post(ok)]), 1],
      [Buffer.from('GARBAGE\r\n\r\n'), 1],
      [Buffer.from('POST /v1/traces HTTP/1.1\nHost: x\nContent-Length: 0\n\n'), 1],
      [Buffer.from('POST /v1/traces HTTP/1.1\r\nHost: x\r\n folded\r\nContent-Length: 0\r\n\r\n'), 1],
      [Buffer.from('POST /v1/traces HTTP/1.1\r\nHost : x\r\nContent-Length: 0\r\n\r\n'), 1],
      [Buffer.from('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'), 1],
      [Buffer.from('POST /v1/tr\x00aces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 'latin1'), 1],
    ];
    for (const [req, n] of others) {
      await same([req], n);
      // after a request of its own, the lean path hands the connection over at the boundary
      await same([post(tracesProto('first')), req], n + 1);
      // in one read with the request before it, node:http writes its error answer before (instead
      // of) that request's answer; the lean path answers it first, then node as in separate reads
      await sameAs(
        [post(tracesProto('before')), req],
        [Buffer.concat([post(tracesProto('before')), req])],
        n + 1,
      );
    }
  });

  it('a request cut short by the client: what node answers (400 before anything was written, else a close)', async () => {
    const req = post(ok);
    for (const cut of [5, 30, req.length - 1]) {
      await same([req.subarray(0, cut)], 1, true);
      await same([post(ok), req.subarray(0, cut)], 2, true);
    }
  });

  it('keep_alives_enabled: false and idle_timeout in the Keep-Alive header', async () => {
    for (const extra of [{ keep_alives_enabled: false }, { idle_timeout: '7500ms' }, { idle_timeout: 0 }]) {
      const a = await side(false, extra);
      const b = await side(true, extra);
      try {
        for (const chunks of [[post(ok)], [Buffer.concat([post(ok), post(ok)])]]) {
          const n = chunks[0].length > post(ok).length ? 2 : 1;
          const x = await exchange(a.port, chunks, n);
          const y = await exchange(b.port, chunks, n);
          expect(y).toEqual(x);
        }
      } finally {
        await a.server.shutdown(100);
        await b.server.shutdown(100);
      }
    }
  });
});

describe('the lean HTTP/1.1 path over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lean-tls-'));
  const crt = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  let a: Side;
  let b: Side;
  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost'.split(
          ' ',
        ),
        ...['-keyout', key, '-out', crt, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      ],
      { stdio: 'ignore' },
    );
    const tls = { cert_file: crt, key_file: key };
    a = await side(false, { tls });
    b = await side(true, { tls });
  });
  afterAll(async () => {
    await a.server.shutdown(100);
    await b.server.shutdown(100);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as node:https does, and takes the common shape itself', async () => {
    const ca = readFileSync(crt);
    const was = b.server.leanAnswered() ?? 0;
    const req = post(tracesProto('tls ✓'));
    const cases: [Buffer[], number, boolean][] = [
      [[req], 1, false],
      [[req.subarray(0, 10), req.subarray(10, 90), req.subarray(90)], 1, false],
      [[Buffer.concat([req, req, post(ok, { Connection: 'close' })])], 3, false],
      [[req, post(ok, { Expect: '100-continue' })], 2, false],
      [[req, req.subarray(0, 40)], 2, true],
    ];
    for (const [chunks, n, end] of cases) {
      const x = await exchange(a.port, chunks, n, end, ca);
      const y = await exchange(b.port, chunks, n, end, ca);
      expect(y).toEqual(x);
    }
    expect(b.server.leanAnswered()).toBeGreaterThanOrEqual(was + 6);
    expect(b.consumer.seen).toEqual(a.consumer.seen);
  });
});

describe('graceful shutdown on the lean path', () => {
  /** Shuts a side down with one idle keep-alive connection and one request in flight. */
  async function shutdownWithTraffic(leanPath: boolean) {
    const s = await side(leanPath);
    let open!: () => void;
    s.consumer.gate = new Promise((r) => {
      open = r;
    });
    const events: string[] = [];
    const idle = connect(s.port, '127.0.0.1');
    const idleGot: Buffer[] = [];
    idle.on('data', (c) => idleGot.push(c));
    const idleClosed = new Promise<void>((r) => idle.on('close', () => r()));
    idle.write(post(ok));
    await new Promise<void>((r) => idle.once('data', () => r()));
    const slow = exchange(s.port, [post(tracesProto('slow'))], 1);
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (s.consumer.seen.length >= 2) {
          clearInterval(t);
          r();
        }
      }, 5);
    });
    const down = s.server.shutdown(5000).then(() => events.push('shut down'));
    await idleClosed;
    events.push('idle closed');
    open();
    const answer = await slow;
    events.push('answered');
    await down;
    return {
      events,
      idle: Buffer.concat(idleGot)
        .toString('latin1')
        .replace(/\r\nDate: [^\r]*/g, ''),
      answer,
    };
  }

  it('closes idle keep-alive connections at once, answers in-flight requests with Connection: close', async () => {
    const a = await shutdownWithTraffic(false);
    const b = await shutdownWithTraffic(true);
    expect(b).toEqual(a);
    // the idle connection closed before the in-flight request was let through
    expect(b.events[0]).toBe('idle closed');
    expect(b.events).toHaveLength(3);
    expect(b.answer.text).toContain('\r\nConnection: close\r\n');
  });
});

describe('include_metadata on the lean path', () => {
  it('hands the pipeline the same headers as node:http (headersDistinct)', async () => {
    const a = await side(false, { include_metadata: true });
    const b = await side(true, { include_metadata: true });
    try {
      const heads: Record<string, string>[] = [
        { 'X-Tenant': 'acme', 'x-scope-orgid': ' team-1 ' },
        { 'X-Dup': 'a', 'x-dup': 'b', 'X-DUP': 'c\t' } as Record<string, string>,
        { 'X-Empty': '', Authorization: 'Bearer t' },
        { Constructor: 'x' },
        { __proto__x: 'y' },
      ];
      for (const h of heads) {
        // duplicate names differ only by case: write them as separate lines
        const lines = Object.entries(h)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        const body = tracesProto('meta');
        const req = Buffer.from(
          `POST /v1/traces HTTP/1.1\r\nHost: h\r\n${lines}Content-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`,
          'latin1',
        );
        const x = await exchange(a.port, [Buffer.concat([req, body])], 1);
        const y = await exchange(b.port, [Buffer.concat([req, body])], 1);
        expect(y).toEqual(x);
      }
      expect(b.consumer.seen).toEqual(a.consumer.seen);
      expect(b.consumer.seen[0]).toContain('"x-tenant":["acme"]');
      expect(b.server.leanAnswered()).toBeGreaterThanOrEqual(4);
    } finally {
      await a.server.shutdown(100);
      await b.server.shutdown(100);
    }
  });
});
