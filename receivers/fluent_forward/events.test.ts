// Frames encoded by msgpackr (nobody here wrote it), including the modes the
// npm clients cannot produce (PackedForward with EventTime entries,
// CompressedPackedForward by hand), and the collector's type mapping.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/pdata/types.js';
import { decodeEntries, decodeFrame } from './events.js';
import { FrameScanner } from './frame-scanner.js';
import { MsgpackError } from './msgpack.js';

/** An EventTime as msgpackr cannot write it (it refuses ext type 0): fixext8, type 0, seconds, nanoseconds. */
function eventTime(sec: number, nsec: number): Buffer {
  const b = Buffer.from([0xd7, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32BE(sec, 2);
  b.writeUInt32BE(nsec, 6);
  return b;
}
/** A msgpack array of already-encoded items. */
const arr = (...items: Buffer[]) => Buffer.concat([Buffer.from([0x90 | items.length]), ...items]);
const packr = new Packr({ useRecords: false, variableMapSize: true });
const pack = (v: unknown) => packr.pack(v);

function decode(frame: Buffer) {
  const f = decodeFrame(frame, 0, frame.length);
  if (f.kind !== 'events') throw new Error(`not events: ${f.kind}`);
  return f;
}
const attrs = (r: LogRecord) => Object.fromEntries(r.attributes.map((a) => [a.key, a.value]));

describe('forward frames', () => {
  it('Message mode with an EventTime and the chunk option', () => {
    const f = decode(
      arr(
        pack('app.tag'),
        eventTime(1_700_000_000, 5),
        pack({ message: 'hi', k: 'v' }),
        pack({ chunk: 'c1' }),
      ),
    );
    expect(f.mode).toBe('message');
    expect(f.options).toEqual({ chunk: 'c1' });
    expect(f.records).toHaveLength(1);
    const [r] = f.records;
    expect(r.timeUnixNano).toBe(1_700_000_000_000_000_005n);
    expect(r.body).toEqual({ stringValue: 'hi' });
    // Message mode puts the tag first, as the collector does
    expect(r.attributes.map((a) => a.key)).toEqual(['fluent.tag', 'k']);
    expect(attrs(r)['fluent.tag']).toEqual({ stringValue: 'app.tag' });
  });

  it('Forward mode with integer times', () => {
    const f = decode(
      pack([
        't',
        [
          [1, { log: 'a' }],
          [2, { log: 'b', x: 1 }],
        ],
        { chunk: 'c2', size: 2 },
      ]),
    );
    expect(f.mode).toBe('forward');
    expect(f.records.map((r) => [r.timeUnixNano, r.body])).toEqual([
      [1_000_000_000n, { stringValue: 'a' }],
      [2_000_000_000n, { stringValue: 'b' }],
    ]);
    expect(f.records[1].attributes.map((a) => a.key)).toEqual(['x', 'fluent.tag']);
    expect(f.options).toEqual({ chunk: 'c2', size: 2 });
  });

  it('PackedForward with EventTime entries (bin and str carriers)', () => {
    const entries = Buffer.concat([
      arr(eventTime(10, 1), pack({ log: 'one' })),
      arr(eventTime(11, 999_999_999), pack({ log: 'two' })),
    ]);
    const bin = decode(pack(['p', entries]));
    expect(bin.mode).toBe('packedforward');
    expect(bin.records.map((r) => r.timeUnixNano)).toEqual([10_000_000_001n, 11_999_999_999n]);
    // str carrier (msgpack's old raw type): str32 header + the same bytes
    const head = Buffer.from([0x92, 0xa1, 0x70, 0xdb, 0, 0, 0, 0]);
    head.writeUInt32BE(entries.length, 4);
    const f = decode(Buffer.concat([head, entries]));
    expect(f.records.map((r) => r.body)).toEqual([{ stringValue: 'one' }, { stringValue: 'two' }]);
  });

  it('CompressedPackedForward: gzip entries are handed over to be inflated', () => {
    const entries = Buffer.concat([pack([1, { log: 'z1' }]), pack([2, { log: 'z2' }])]);
    const f = decodeFrame(
      pack(['gz', gzipSync(entries), { chunk: 'c3', compressed: 'gzip' }]),
      0,
      Number.MAX_SAFE_INTEGER,
    );
    expect(f.kind).toBe('compressed');
    if (f.kind !== 'compressed') return;
    expect(f.options.chunk).toBe('c3');
    const records = decodeEntries(gunzipSync(f.entries), f.tag);
    expect(records.map((r) => r.body)).toEqual([{ stringValue: 'z1' }, { stringValue: 'z2' }]);
  });

  it('maps values as the collector: int, float (even integral), uint64, bin, nil, nested, log vs message', () => {
    // hand-encoded record: float64 2.0 must stay a double; uint64 max becomes its decimal string
    const rec = Buffer.concat([
      Buffer.from([0x88]), // fixmap 8
      pack('f'),
      Buffer.from([0xcb, 0x40, 0, 0, 0, 0, 0, 0, 0]), // float64 2.0
      pack('big'),
      Buffer.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      pack('i64'),
      Buffer.from([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]), // int64 min
      pack('text'),
      pack(Buffer.from('utf8 bytes')),
      pack('blob'),
      pack(Buffer.from([0xff, 0xfe])),
      pack('nil'),
      Buffer.from([0xc0]),
      pack('message'),
      pack('first'),
      pack('log'),
      pack({ structured: true }),
    ]);
    const frame = Buffer.concat([Buffer.from([0x93]), pack('t'), pack(5), rec]);
    const [r] = decode(frame).records;
    expect(attrs(r)).toEqual({
      'fluent.tag': { stringValue: 't' },
      f: { doubleValue: 2 },
      big: { stringValue: '18446744073709551615' },
      i64: { intValue: -(2n ** 63n) },
      text: { stringValue: 'utf8 bytes' },
      blob: { bytesValue: Uint8Array.from([0xff, 0xfe]) },
      nil: {},
    });
    // both body keys: the later one wins
    expect(r.body).toEqual({ kvlistValue: { values: [{ key: 'structured', value: { boolValue: true } }] } });
  });

  it("takes Fluent Bit's [time, metadata] entries (forward protocol v1.5)", () => {
    const f = decode(arr(pack('fb'), arr(arr(arr(eventTime(3, 4), pack({ meta: 1 })), pack({ log: 'x' })))));
    expect(f.records[0].timeUnixNano).toBe(3_000_000_004n);
  });

  it('treats nil as a heartbeat and refuses what is not a forward frame', () => {
    expect(decodeFrame(Buffer.from([0xc0]), 0, 1).kind).toBe('nil');
    const bad: [string, Buffer][] = [
      ['not an array', pack({ a: 1 })],
      ['too short', pack(['t'])],
      ['a float time of NaN', pack(['t', Number.NaN, {}])],
      ['a non-map record', pack(['t', 1, 'text'])],
      ['an entry that is not a pair', pack(['t', [[1, {}, 3]]])],
      ['unknown compression', pack(['t', Buffer.from([0x92, 1, 0x80]), { compressed: 'zstd' }])],
      ['truncated packed entries', pack(['t', Buffer.from([0x92, 1])])],
      [
        'a map key that is a map',
        Buffer.concat([Buffer.from([0x93]), pack('t'), pack(1), Buffer.from([0x81, 0x80, 1])]),
      ],
    ];
    for (const [what, frame] of bad) {
      expect(() => decodeFrame(frame, 0, frame.length), what).toThrow(MsgpackError);
    }
  });
});

describe('frame scanner', () => {
  it('finds frame boundaries however the bytes are split', () => {
    const frames = [
      pack(['a', 1, { log: 'x'.repeat(300) }]),
      pack(['b', [[1, { k: [1, 2, { d: 'e' }] }]], { chunk: 'z' }]),
      pack(['c', Buffer.alloc(70_000, 1)]),
      Buffer.from([0xc0]),
    ];
    const stream = Buffer.concat(frames);
    for (const step of [1, 2, 3, 7, 1000, stream.length]) {
      const s = new FrameScanner(1 << 20);
      const found: number[] = [];
      let start = 0;
      for (let end = Math.min(step, stream.length); ; end = Math.min(end + step, stream.length)) {
        for (;;) {
          const len = s.scan(stream, start, end);
          if (len < 0) break;
          found.push(len);
          start += len;
          s.reset();
        }
        if (end === stream.length) break;
      }
      expect(found, `step ${step}`).toEqual(frames.map((f) => f.length));
    }
  });

  it('refuses a frame announcing more than the limit before its bytes arrive', () => {
    const s = new FrameScanner(1024);
    const head = Buffer.from([0x93, 0xa1, 0x74, 0xc6, 0, 0, 0x10, 0]); // bin32 of 4096 bytes
    expect(() => s.scan(head, 0, head.length)).toThrow(/limit/);
  });
});
