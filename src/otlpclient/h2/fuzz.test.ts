// Seeded fuzzing of what the lean HTTP/2 client reads from a server: the HPACK decoder,
// the frame reader and a whole connection fed mutated server byte streams. A malformed
// input is an HpackError / H2ConnectionError (a connection error), never another throw,
// a hang or unbounded memory; a connection always ends its stream exactly once.
// FUZZ_SEED / FUZZ_ITERATIONS as for every fuzz test (test/support/fuzz.ts).
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fuzz, ITERATIONS } from '../../../test/support/fuzz.js';
import { H2Connection } from './connection.js';
import {
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_DATA,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
  FrameReader,
  frame,
  H2ConnectionError,
} from './frames.js';
import { HpackDecoder, HpackError } from './hpack-decoder.js';

/** An answer's headers and trailers as a foreign encoder (Python hpack, Huffman) wrote them. */
const HEADERS_BLOCK = Buffer.from(
  '3fe101885f8b1d75d0620d263d4c4d6564408e9acac8b0c842d6958b510f21aa9b903485a9264fafa90b2d03497ea6f66aff6196d07abe9403aa5f29141004e2817ae001700053168dff',
  'hex',
);
const TRAILERS_BLOCK = Buffer.from(
  '40889acac8b21234da8f817b40899acac8b5254207317f884507f0a88121fc5540909acac8b21234da85a42a466a10b466ab90bd0cdbaf7e69446c926fdc4fb31cf5ff',
  'hex',
);

/** A whole server side of one call on stream 1. */
function serverBytes(): Buffer {
  const settings = Buffer.from([0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff]);
  const inc = Buffer.from([0, 0, 0x10, 0]);
  return Buffer.concat([
    frame(FRAME_SETTINGS, 0, 0, settings),
    frame(FRAME_SETTINGS, FLAG_ACK, 0),
    frame(FRAME_WINDOW_UPDATE, 0, 0, inc),
    frame(FRAME_PING, 0, 0, Buffer.alloc(8, 7)),
    frame(FRAME_HEADERS, FLAG_END_HEADERS, 1, HEADERS_BLOCK),
    frame(FRAME_DATA, 0, 1, Buffer.from([0, 0, 0, 0, 3, 1, 2, 3])),
    frame(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, TRAILERS_BLOCK),
  ]);
}

class FakeSocket extends EventEmitter {
  written = 0;
  write(b: Uint8Array, cb?: (err?: Error) => void): boolean {
    this.written += b.length;
    cb?.();
    return true;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {}
  destroy(): void {}
}

describe('fuzzing the lean HTTP/2 client', () => {
  it('HPACK decoder: a list or an HpackError, bounded', () => {
    const report = fuzz(
      'hpack-decoder',
      [HEADERS_BLOCK, TRAILERS_BLOCK, Buffer.concat([HEADERS_BLOCK, TRAILERS_BLOCK])],
      (input) => {
        const fields = new HpackDecoder().decode(Buffer.from(input));
        let size = 0;
        for (const f of fields) size += f.length;
        expect(size).toBeLessThanOrEqual(64 * 1024);
      },
      (e) => e instanceof HpackError,
    );
    expect(report.runs).toBe(ITERATIONS + 3);
  });

  it('frame reader: frames within the maximum size or an H2ConnectionError, at any split', () => {
    fuzz(
      'h2-frame-reader',
      [serverBytes()],
      (input) => {
        const b = Buffer.from(input);
        const reader = new FrameReader();
        // the same bytes in pieces of varying size
        for (let p = 0, step = 1; p < b.length; p += step, step = (step * 7) % 23 || 1) {
          reader.push(b.subarray(p, p + step));
          for (let f = reader.next(); f; f = reader.next())
            expect(f.payload.length).toBeLessThanOrEqual(16384);
        }
      },
      (e) => e instanceof H2ConnectionError,
    );
  });

  it('connection: never throws, ends its stream exactly once, whatever the server sends', () => {
    fuzz(
      'h2-connection',
      [serverBytes()],
      (input) => {
        const socket = new FakeSocket();
        const conn = new H2Connection(socket as unknown as Socket);
        let ends = 0;
        let received = 0;
        conn.request(Buffer.from([0x83, 0x86]), Buffer.alloc(70_000, 1), {
          onHeaders: () => {},
          onData: (d) => {
            received += d.length;
          },
          onEnd: () => ends++,
          onReset: () => ends++,
          onFail: () => ends++,
        });
        const b = Buffer.from(input);
        const cut = b.length >> 1;
        socket.emit('data', b.subarray(0, cut));
        socket.emit('data', b.subarray(cut));
        socket.emit('close');
        expect(ends).toBe(1);
        expect(received).toBeLessThanOrEqual(b.length);
        expect(conn.usable).toBe(false);
      },
      () => false,
    );
  });
});
