// Seeded fuzz of the lean HTTP/1.1 path's head parser (src/receiverhelper/http1-head.ts)
// and of the path itself: mutated request heads never crash the parser, never
// make it accept a head that is not complete and well formed, and on the wire
// every mutated request gets an answer or a close (no hang, the server keeps
// serving). FUZZ_SEED / FUZZ_ITERATIONS as in test/support/fuzz.ts.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, parseHead } from '../../src/receiverhelper/http1-head.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { ITERATIONS, mutateBytes, rng, SEED } from '../../test/support/fuzz.js';
import { otlpWireCodec } from './codec.js';
import { configSchema } from './config.js';
import { OtlpHttpServer, type Route } from './http-server.js';

const seeds = [
  'POST /v1/traces HTTP/1.1\r\nHost: localhost:4318\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  'POST /v1/logs?x=1 HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
  'POST /v1/traces HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'GET / HTTP/1.0\r\nUser-Agent: x\r\n\r\n',
].map((s) => Buffer.from(s, 'latin1'));

/** What the parser promises of a head it accepts. */
function checkAccepted(buf: Buffer): void {
  const r = parseHead(buf);
  if (typeof r === 'string') {
    expect(['incomplete', 'other']).toContain(r);
    return;
  }
  expect(r.length).toBeLessThanOrEqual(buf.length);
  expect(r.length).toBeLessThanOrEqual(MAX_HEAD_BYTES);
  const head = buf.subarray(0, r.length);
  expect(head.subarray(-4).toString('latin1')).toBe('\r\n\r\n');
  expect(head.indexOf('\r\n\r\n')).toBe(r.length - 4);
  for (const c of head) expect(c === 0x09 || c === 0x0d || c === 0x0a || (c >= 0x20 && c < 0x7f)).toBe(true);
  expect(Number.isSafeInteger(r.contentLength) && r.contentLength >= 0).toBe(true);
  expect(r.names).toContain('host');
  expect(r.names).not.toContain('transfer-encoding');
  expect(r.names.filter((n) => n === 'content-length')).toHaveLength(1);
  // no prefix of an accepted head is itself accepted
  for (let i = 0; i < r.length; i += 1 + (i >> 3))
    expect(typeof parseHead(buf.subarray(0, i))).toBe('string');
}

describe('lean HTTP/1.1 head parser: seeded fuzz', () => {
  it(`mutated heads (seed ${SEED}, ${ITERATIONS} per seed): a head, incomplete or other; never a throw`, () => {
    const r = rng(SEED);
    for (const seed of seeds) {
      checkAccepted(seed);
      let input: Uint8Array = seed;
      for (let i = 0; i < ITERATIONS; i++) {
        input = r() < 0.3 ? seed : input;
        input = mutateBytes(r, input, seeds);
        try {
          checkAccepted(Buffer.from(input));
        } catch (err) {
          throw new Error(
            `seed ${SEED}, iteration ${i}, input ${JSON.stringify(Buffer.from(input).toString('latin1'))}: ${err}`,
          );
        }
      }
    }
    // oversized and long heads
    expect(parseHead(Buffer.alloc(MAX_HEAD_BYTES, 'a'))).toBe('other');
    const long = Buffer.from(
      `POST / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(parseHead(long)).toBe('other');
    expect(parseHead(Buffer.alloc(0))).toBe('incomplete');
  });
});

describe('lean HTTP/1.1 path: mutated requests on the wire', () => {
  let server: OtlpHttpServer;
  let port: number;
  beforeAll(async () => {
    const cfg = configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0' } } }).protocols.http!;
    const consumer = { consume: async () => {} };
    const routes = new Map<string, Route>([
      ['/v1/traces', { signal: 'traces', consumer }],
      ['/v1/logs', { signal: 'logs', consumer }],
    ]);
    server = new OtlpHttpServer(
      cfg,
      routes,
      otlpWireCodec,
      new SelfMetrics().receiver('o', 'http'),
      silentLogger(),
      true,
    );
    await server.start();
    port = Number((server.address() as string).split(':').pop());
  });
  afterAll(() => server.shutdown(100));

  /** Sends `bytes`, half-closes, and resolves with what came back once the server closed. */
  function send(bytes: Uint8Array): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const got: Buffer[] = [];
      const guard = setTimeout(() => {
        socket.destroy();
        reject(new Error('neither an answer nor a close within 10 s'));
      }, 10_000);
      socket.on('data', (c) => got.push(c));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(guard);
        resolve(Buffer.concat(got).toString('latin1'));
      });
      socket.on('connect', () => socket.end(bytes));
    });
  }

  it('every mutated request: an answer or a close, and the server keeps serving', async () => {
    const r = rng(SEED ^ 0x4854);
    const rounds = Math.min(ITERATIONS, 120);
    for (let i = 0; i < rounds; i++) {
      const seed = seeds[i % seeds.length];
      let input: Uint8Array = seed;
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) input = mutateBytes(r, input, seeds);
      const out = await send(input);
      if (out !== '') expect(out).toMatch(/^HTTP\/1\.1 \d{3} /);
    }
    expect(await send(seeds[0])).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
