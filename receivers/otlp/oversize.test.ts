// A client that keeps sending a body past max_request_body_size must still get
// its 413 (issue: hostile and buggy clients). Most clients send the whole body
// before they read: the server answers 413 at once and must then keep
// draining (bounded) instead of resetting the connection, or the client's
// write fails and the answer is lost. Measured with a raw TCP client.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_BYTES } from '../../src/receiverhelper/linger.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer } from '../../test/support/gated-consumer.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import type { OtlpReceiver } from './receiver.js';

const LIMIT = 64 * 1024;
let rx: OtlpReceiver;
let host: string;
let port: number;

beforeAll(async () => {
  const cfg = configSchema.parse({
    protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: LIMIT } },
  });
  rx = factory.create(testSettings('otlp'), cfg, { traces: new TestConsumer<'traces'>() }) as OtlpReceiver;
  await rx.start(emptyHost);
  const ep = rx.endpoints().http as string;
  host = ep.slice(0, ep.lastIndexOf(':'));
  port = Number(ep.slice(ep.lastIndexOf(':') + 1));
});
afterAll(() => rx.shutdown());

/** Writes `headers` then `total` body bytes without reading; then reads what the server sent. */
async function sendThenRead(
  head: string,
  total: number,
  frame: (chunk: Buffer) => Buffer = (c) => c,
): Promise<{ written: number; writeError?: string; answer: string; serverClosed: boolean }> {
  const sock: Socket = connect(port, host);
  await new Promise((r) => sock.once('connect', r));
  sock.pause(); // like a client that reads only once its request is sent
  let writeError: string | undefined;
  let serverClosed = false;
  sock.on('error', (e) => {
    writeError = e.message;
  });
  sock.on('end', () => {
    serverClosed = true;
  });
  sock.write(head);
  const chunk = Buffer.alloc(256 * 1024, 7);
  let written = 0;
  while (written < total && !writeError && !sock.destroyed) {
    const flushed = sock.write(frame(chunk));
    written += chunk.length;
    if (!flushed)
      await new Promise<void>((r) => {
        const done = () => {
          sock.off('drain', done);
          sock.off('close', done);
          r();
        };
        sock.once('drain', done);
        sock.once('close', done);
      });
  }
  let answer = '';
  sock.on('data', (d: Buffer) => {
    answer += d.toString('latin1');
  });
  sock.resume();
  // Bounded wait for the server's FIN (or the reset that ends an endless writer).
  for (let i = 0; i < 200 && !serverClosed && !sock.destroyed; i++)
    await new Promise((r) => setTimeout(r, 25));
  sock.destroy();
  return { written, writeError, answer, serverClosed };
}

const POST = 'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n';

describe('oversize bodies: the client sees its 413', () => {
  it('Content-Length over the limit, the client sends all of it before reading', async () => {
    const total = 8 * 1024 * 1024; // 128x the limit
    const r = await sendThenRead(`${POST}Content-Length: ${total}\r\n\r\n`, total);
    expect(r.writeError).toBeUndefined();
    expect(r.written).toBe(total);
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.answer).toMatch(/exceeds max_request_body_size of 65536 bytes/);
    expect(r.serverClosed).toBe(true);
  });

  it('chunked body that grows past the limit, sent in full before reading', async () => {
    const total = 8 * 1024 * 1024;
    const r = await sendThenRead(`${POST}Transfer-Encoding: chunked\r\n\r\n`, total, (c) =>
      Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]),
    );
    expect(r.writeError).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.serverClosed).toBe(true);
  });

  it('a client that never stops is cut off after a bounded drain', async () => {
    const r = await sendThenRead(`${POST}Content-Length: 1000000000000\r\n\r\n`, 1e12);
    expect(r.writeError).toMatch(/EPIPE|ECONNRESET/);
    // The drain read at most LINGER_BYTES past the answer (plus what sat in socket buffers).
    expect(r.written).toBeLessThan(LINGER_BYTES + 16 * 1024 * 1024);
  });

  it('the receiver keeps serving after all of that', async () => {
    const res = await fetch(`http://${host}:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(res.status).toBe(200);
  });
});
