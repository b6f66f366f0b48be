// Seeded, bounded fuzzing of the frame decoder: random valid frames (encoded
// by msgpackr), then mutated and truncated ones. Each input either decodes or
// is refused with a MsgpackError: never another exception, never a hang. The
// reader is also checked against msgpackr's decoding value by value.
import { connect } from 'node:net';
import { Packr, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { decodeEntries, decodeFrame } from './events.js';
import { factory } from './factory.js';
import { FrameScanner } from './frame-scanner.js';
import { MsgpackError, Reader } from './msgpack.js';
import type { FluentForwardReceiver } from './receiver.js';

/** mulberry32: a small deterministic PRNG, so a failure replays. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const packr = new Packr({ useRecords: false, variableMapSize: true });

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0:
      return Math.floor(r() * 2 ** 31) * (r() < 0.3 ? -1 : 1);
    case 1:
      return r() < 0.5 ? 'x'.repeat(Math.floor(r() * 40)) : `s${Math.floor(r() * 1e6)}`;
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return Buffer.from(Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
    case 5:
      return r() * 1000 + 0.5; // never integral: msgpackr writes it as a float
    case 6:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--)
        o[`k${Math.floor(r() * 1000)}`] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function randomFrame(r: () => number): Buffer {
  const record = () => ({ log: `line ${Math.floor(r() * 1e6)}`, ...(randomValue(r, 1) as object) });
  const opts = r() < 0.5 ? [{ chunk: `c${Math.floor(r() * 1e6)}` }] : [];
  switch (Math.floor(r() * 3)) {
    case 0:
      return packr.pack(['tag', Math.floor(r() * 2e9), record(), ...opts]);
    case 1:
      return packr.pack([
        'tag',
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => [1, record()]),
        ...opts,
      ]);
    default: {
      const entries = Buffer.concat(
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => packr.pack([2, record()])),
      );
      return packr.pack(['tag', entries, ...opts]);
    }
  }
}

function mutate(r: () => number, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (Math.floor(r() * 4)) {
    case 0: // flip some bytes
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++)
        out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
      return out;
    case 1: // truncate
      return out.subarray(0, Math.floor(r() * out.length));
    case 2: // random bytes inserted
      return Buffer.concat([
        out.subarray(0, Math.floor(r() * out.length)),
        Buffer.from(Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256))),
        out.subarray(Math.floor(r() * out.length)),
      ]);
    default: // pure noise
      return Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
  }
}

/** Scans and decodes like a connection; returns what happened (never throws anything but MsgpackError). */
function run(bytes: Buffer): 'decoded' | 'refused' | 'incomplete' {
  const s = new FrameScanner(1 << 20);
  let start = 0;
  try {
    while (start < bytes.length) {
      const len = s.scan(bytes, start, bytes.length);
      if (len < 0) return 'incomplete';
      const f = decodeFrame(bytes, start, start + len);
      if (f.kind === 'compressed') decodeEntries(f.entries, f.tag);
      s.reset();
      start += len;
    }
    return 'decoded';
  } catch (err) {
    if (err instanceof MsgpackError) return 'refused';
    throw err;
  }
}

/** msgpackr's decoding in the shape of the reader's AnyValue, for comparison. */
function expected(v: unknown): unknown {
  if (v === null || v === undefined) return {};
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
  if (v instanceof Uint8Array) {
    const text = Buffer.from(v).toString('utf8');
    return Buffer.from(text, 'utf8').equals(Buffer.from(v))
      ? { stringValue: text }
      : { bytesValue: new Uint8Array(v) };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(expected) } };
  return {
    kvlistValue: { values: Object.entries(v as object).map(([key, x]) => ({ key, value: expected(x) })) },
  };
}

describe('forward decoder fuzzing (seeded)', () => {
  it('valid frames decode; mutated frames decode or are refused with a MsgpackError, never anything else', () => {
    const r = rng(0xf1f0);
    const outcomes = { decoded: 0, refused: 0, incomplete: 0 };
    for (let i = 0; i < 3000; i++) {
      const frame = randomFrame(r);
      expect(run(frame), `valid frame ${i}`).toBe('decoded');
      outcomes[run(mutate(r, frame))]++;
    }
    // the mutations exercise every path
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(outcomes.incomplete).toBeGreaterThan(100);
  });

  it('reads every value as msgpackr does', () => {
    const r = rng(42);
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(r, 0);
      const bytes = packr.pack(v);
      const reader = new Reader(bytes);
      expect(reader.value(), `value ${i}`).toEqual(expected(unpack(bytes)));
      expect(reader.done).toBe(true);
    }
  });

  it('a live receiver fed garbage keeps serving', async () => {
    const consumer = new TestConsumer<'logs'>();
    const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0' });
    const rx = factory.create(testSettings('fluent_forward'), config, {
      logs: consumer,
    }) as FluentForwardReceiver;
    await rx.start(emptyHost);
    try {
      const r = rng(7);
      for (let i = 0; i < 40; i++) {
        const s = connect(rx.port, '127.0.0.1');
        s.on('error', () => {});
        s.resume(); // read the server's answers and its end of the stream
        await new Promise((res) => s.once('connect', res));
        s.end(mutate(r, randomFrame(r)));
        await new Promise((res) => s.once('close', res));
      }
      const s = connect(rx.port, '127.0.0.1');
      const acks: Buffer[] = [];
      s.on('data', (d) => acks.push(d));
      s.write(packr.pack(['ok', 1, { log: 'after garbage' }, { chunk: 'fine' }]));
      await until(() => acks.length > 0);
      expect(unpack(Buffer.concat(acks))).toEqual({ ack: 'fine' });
      s.destroy();
    } finally {
      await rx.shutdown();
    }
  });
});
