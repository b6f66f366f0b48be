// TCP framing: tokens do not depend on how the stream was cut into reads
// (checked with seeded random cuts), and a seeded, bounded fuzz of random
// and mutated byte streams ends in tokens or a FrameError, never another
// exception, never a token larger than max_log_size.
import { describe, expect, it } from 'vitest';
import { makeDecoder } from './decode.js';
import { FrameError, type Framer, MultilineFramer, OctetFramer, SeparatorFramer } from './framing.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feeds `stream` cut at random places; returns the tokens (as text) and the FrameError if one ended it. */
function feed(
  framer: Framer,
  stream: Buffer,
  rnd: () => number,
  maxCut = 64,
): { tokens: string[]; error?: string } {
  const tokens: string[] = [];
  const sink = (t: Buffer | string) => tokens.push(typeof t === 'string' ? t : t.toString('latin1'));
  try {
    let i = 0;
    while (i < stream.length) {
      const n = 1 + Math.floor(rnd() * maxCut);
      framer.push(stream.subarray(i, i + n), sink);
      i += n;
    }
    framer.end(sink);
  } catch (err) {
    if (!(err instanceof FrameError)) throw err;
    return { tokens, error: err.message };
  }
  return { tokens };
}

const MAX = 64 * 1024;

describe('framing', () => {
  it('octet counting: random cuts give the same frames (UTF-8 counted in bytes, LF between frames tolerated)', () => {
    const rnd = prng(1);
    const msgs = Array.from(
      { length: 300 },
      (_, i) => `<14>1 - h a - - - m${i} ${'é✓x'.repeat(Math.floor(rnd() * 50))}`,
    );
    const frames = msgs.map((m) => `${Buffer.byteLength(m)} ${m}`);
    const stream = Buffer.from(frames.map((f, i) => (i % 7 === 0 ? `${f}\n` : f)).join(''));
    for (const cut of [1, 3, 17, 4096]) {
      const { tokens, error } = feed(new OctetFramer(MAX), stream, rnd, cut);
      expect(error).toBeUndefined();
      expect(tokens.map((t) => Buffer.from(t, 'latin1').toString('utf8'))).toEqual(frames);
    }
  });

  it('LF and NUL separators: random cuts give the same lines; a CR before LF is dropped', () => {
    const rnd = prng(2);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'z'.repeat(Math.floor(rnd() * 100))}`);
    const lf = Buffer.from(lines.map((l, i) => (i % 5 === 0 ? `${l}\r\n` : `${l}\n`)).join(''));
    const nul = Buffer.from(lines.map((l) => `${l}\0`).join(''));
    const d = makeDecoder('utf-8');
    for (const cut of [1, 2, 9, 5000]) {
      expect(feed(new SeparatorFramer(d.newline, d.carriageReturn, MAX), lf, rnd, cut).tokens).toEqual(lines);
      expect(feed(new SeparatorFramer(Buffer.from([0]), undefined, MAX), nul, rnd, cut).tokens).toEqual(
        lines,
      );
    }
    const u16 = makeDecoder('utf-16le');
    const wide = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf16le');
    const got = feed(new SeparatorFramer(u16.newline, u16.carriageReturn, MAX), wide, rnd, 7).tokens;
    expect(got.map((t) => Buffer.from(t, 'latin1').toString('utf16le'))).toEqual(lines);
  });

  it('multiline: line_start_pattern tokens do not depend on the cuts', () => {
    const rnd = prng(3);
    const entries = Array.from({ length: 100 }, (_, i) => `<1>start ${i}\n${'  cont\n'.repeat(i % 4)}`);
    const stream = Buffer.from(entries.join(''));
    const whole = feed(
      new MultilineFramer(
        { line_start_pattern: '^<\\d>', omit_pattern: false },
        makeDecoder('utf-8'),
        'utf-8',
        MAX,
      ),
      stream,
      rnd,
      1_000_000,
    ).tokens;
    expect(whole).toEqual(entries);
    for (const cut of [1, 5, 33]) {
      const f = new MultilineFramer(
        { line_start_pattern: '^<\\d>', omit_pattern: false },
        makeDecoder('utf-8'),
        'utf-8',
        MAX,
      );
      expect(feed(f, stream, rnd, cut).tokens).toEqual(whole);
    }
  });

  it('seeded fuzz: random and mutated streams end in tokens or a FrameError, tokens never exceed max_log_size', () => {
    const rnd = prng(424242);
    const good = Buffer.from(
      Array.from({ length: 20 }, (_, i) => {
        const m = `<14>1 - h a - - - msg ${i}`;
        return `${m.length} ${m}`;
      }).join(''),
    );
    const small = 70_000;
    let errorsSeen = 0;
    for (let round = 0; round < 400; round++) {
      let stream: Buffer;
      if (round % 2 === 0) {
        stream = Buffer.from(good);
        for (let k = 0; k < 1 + Math.floor(rnd() * 5); k++)
          stream[Math.floor(rnd() * stream.length)] = Math.floor(rnd() * 256);
      } else {
        stream = Buffer.alloc(Math.floor(rnd() * 3000));
        for (let k = 0; k < stream.length; k++)
          stream[k] = rnd() < 0.3 ? 48 + Math.floor(rnd() * 10) : Math.floor(rnd() * 256);
      }
      if (rnd() < 0.05) stream = Buffer.concat([stream, Buffer.from(`99999 <1>${'a'.repeat(100)}`)]);
      const d = makeDecoder('utf-8');
      for (const framer of [
        new OctetFramer(small),
        new SeparatorFramer(d.newline, d.carriageReturn, small),
        new MultilineFramer({ line_end_pattern: '\\n', omit_pattern: false }, d, 'utf-8', small),
      ]) {
        const { tokens, error } = feed(framer, stream, rnd);
        if (error) errorsSeen++;
        for (const t of tokens) expect(t.length).toBeLessThanOrEqual(small);
      }
    }
    expect(errorsSeen).toBeGreaterThan(50);
  });

  it('a separator stream with no line end within max_log_size is a FrameError', () => {
    const d = makeDecoder('utf-8');
    const { error } = feed(
      new SeparatorFramer(d.newline, d.carriageReturn, MAX),
      Buffer.alloc(MAX + 10, 97),
      prng(4),
      8192,
    );
    expect(error).toMatch(/no line end within max_log_size/);
    expect(feed(new OctetFramer(MAX), Buffer.from('20 <1>1 - - - -'), prng(5)).error).toMatch(
      /inside a frame/,
    );
  });
});
