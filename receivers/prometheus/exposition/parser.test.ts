import { describe, expect, it } from 'vitest';
import { DECODE_BYTES, ExpositionStream, parseExposition, parseSeries } from './parser.js';
import { type Exposition, ParseError } from './types.js';

function timestampOf(e: Exposition, i: number): number | undefined {
  const t = e.timestampsMs?.[i];
  return t === undefined || Number.isNaN(t) ? undefined : t;
}

/** The samples as objects, for readable assertions. */
function withSamples(e: Exposition) {
  return {
    ...e,
    samples: e.series.map((series, i) => ({
      series,
      name: parseSeries(series).name,
      value: e.values[i],
      timestampMs: timestampOf(e, i),
      exemplar: e.exemplars?.get(i),
    })),
  };
}
const text = (s: string) => withSamples(parseExposition(s, 'text'));
const om = (s: string) => withSamples(parseExposition(s, 'openmetrics'));
const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
};

describe('text format 0.0.4', () => {
  it('samples, labels with escapes, timestamps, metadata', () => {
    const e = text(
      [
        '# HELP http_requests_total The total\\nnumber of requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        '',
        '# A normal comment.',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'metric_without_timestamp_and_labels 12.47',
        'something_weird{problem="division by zero"} +Inf -3982045',
        '  indented{a="b",} NaN',
        'spaced { a = "b" } 1',
      ].join('\n'),
    );
    expect(e.metadata.get('http_requests_total')).toEqual({
      type: 'counter',
      help: 'The total\nnumber of requests.',
      unit: '',
    });
    expect(e.samples.map((s) => [s.name, s.value, s.timestampMs])).toEqual([
      ['http_requests_total', 1027, 1395066363000],
      ['http_requests_total', 3, 1395066363000],
      ['msdos_file_access_time_seconds', 1.458255915e9, undefined],
      ['metric_without_timestamp_and_labels', 12.47, undefined],
      ['something_weird', Number.POSITIVE_INFINITY, -3982045],
      ['indented', Number.NaN, undefined],
      ['spaced', 1, undefined],
    ]);
    expect(parseSeries(e.samples[2].series).labels).toEqual([
      ['path', 'C:\\DIR\\FILE.TXT'],
      ['error', 'Cannot find file:\n"FILE.TXT"'],
    ]);
    expect(parseSeries(e.samples[6].series)).toEqual({ name: 'spaced', labels: [['a', 'b']] });
    expect(e.samples[0].series).toBe('http_requests_total{method="post",code="200"}');
  });

  it('untyped is unknown; an unknown type fails', () => {
    expect(text('# TYPE x untyped\nx 1').metadata.get('x')?.type).toBe('unknown');
    expect(err(() => text('# TYPE x info\nx 1'))).toMatch(/invalid metric type "info"/);
  });

  it('rejects malformed lines with the line number', () => {
    expect(err(() => text('ok 1\nbad{a="b" 1'))).toMatch(/line 2/);
    expect(err(() => text('x{a="b} 1'))).toMatch(/unterminated/);
    expect(err(() => text('x 1 2 3'))).toMatch(/unexpected/);
    expect(err(() => text('x abc'))).toMatch(/bad value "abc"/);
    expect(err(() => text('x 0x1p3'))).toMatch(/bad value/);
    expect(err(() => text('x 1 1.5'))).toMatch(/invalid timestamp/);
    expect(err(() => text('x{1a="b"} 1'))).toMatch(/invalid label name/);
    expect(err(() => text('9x 1'))).toMatch(/invalid metric name/);
    expect(err(() => text('x'))).toMatch(/expected value/);
    expect(err(() => text('x 1 # {a="b"} 1'))).toMatch(/invalid timestamp "#"/);
  });
});

describe('OpenMetrics 1.0', () => {
  it('families, units, float timestamps in seconds, exemplars, # EOF', () => {
    const e = om(
      [
        '# TYPE acme_http_router_request_seconds summary',
        '# UNIT acme_http_router_request_seconds seconds',
        "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.",
        'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
        'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
        'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
        '# TYPE foo histogram',
        'foo_bucket{le="0.01"} 0',
        'foo_bucket{le="+Inf"} 17 # {trace_id="KOO5S4vxi0o"} 0.67 1520879607.789',
        'foo_count 17 1520879607.789',
        '# TYPE bar info',
        'bar_info{version="1.2"} 1',
        '# EOF',
        '',
      ].join('\n'),
    );
    expect(e.metadata.get('acme_http_router_request_seconds')).toMatchObject({
      type: 'summary',
      unit: 'seconds',
    });
    expect(e.metadata.get('bar')?.type).toBe('info');
    const bucket = e.samples.find((s) => s.series === 'foo_bucket{le="+Inf"}');
    expect(bucket?.exemplar).toEqual({
      labels: [['trace_id', 'KOO5S4vxi0o']],
      value: 0.67,
      timestampMs: 1520879607789,
    });
    expect(e.samples.find((s) => s.name === 'foo_count')?.timestampMs).toBe(1520879607789);
  });

  it('is strict where the spec is', () => {
    expect(err(() => om('x 1\n'))).toMatch(/does not end with # EOF/);
    expect(err(() => om('# EOF\nx 1\n'))).toMatch(/after # EOF/);
    expect(err(() => om('x  1\n# EOF\n'))).toMatch(/single space/);
    expect(err(() => om('# some comment\n# EOF\n'))).toMatch(/invalid comment/);
    expect(err(() => om('# TYPE x histogramm\n# EOF\n'))).toMatch(/invalid metric type/);
    expect(err(() => om('# UNIT x_total seconds\n# EOF\n'))).toMatch(/not a suffix/);
    expect(err(() => om('x{a="b",} 1\n# EOF\n'))).toMatch(/","/);
    const long = 'x'.repeat(129);
    expect(err(() => om(`x_total 1 # {a="${long}"} 1\n# EOF\n`))).toMatch(/exceeding the limit of 128/);
  });
});

/** A seeded PRNG (mulberry32): the fuzz inputs are the same on every run. */
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

const CORPUS = [
  '# HELP a_total Help \\n text\n# TYPE a_total counter\na_total{x="1",y="a\\"b"} 3 1700000000000\n',
  '# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n',
  '# TYPE c counter\n# UNIT c_seconds seconds\nc_total{a="b"} 1 # {trace_id="abc"} 1 1.5\nc_created 17e8\n# EOF\n',
  '# TYPE s summary\ns{quantile="0.9"} NaN\ns_sum -Inf\ns_count 0\n# EOF\n',
];

describe('fuzz (seeded, bounded): any input gives samples or a ParseError, never a crash or a hang', () => {
  it('mutated valid expositions and random bytes', () => {
    const rand = rng(0x5eed);
    const alphabet = '{}="\\,# \n\t.+-e0123456789abcdefxyz_:EOFTYPEHELPUNIT\u00e9\u{1F600}';
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      let s = CORPUS[Math.floor(rand() * CORPUS.length)];
      const edits = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * (s.length + 1));
        const op = rand();
        if (op < 0.4) s = s.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + s.slice(at);
        else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 4));
        else if (op < 0.85) s = s.slice(0, at) + s.slice(Math.floor(rand() * s.length));
        else if (s.length < 4096) s = s + s.slice(0, at);
      }
      if (rand() < 0.05)
        s = Array.from({ length: 64 }, () => String.fromCharCode(Math.floor(rand() * 256))).join('');
      for (const format of ['text', 'openmetrics'] as const) {
        try {
          const e = parseExposition(s, format);
          // every accepted series splits into labels
          for (const series of e.series)
            if (!series.startsWith(parseSeries(series).name)) throw new Error(series);
          parsed++;
        } catch (e) {
          if (!(e instanceof ParseError))
            throw new Error(`${format} parser crashed on ${JSON.stringify(s)}: ${e}`);
          rejected++;
        }
      }
    }
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

describe("the previous scrape's series as the hint", () => {
  const lines = Array.from({ length: 50 }, (_, i) => `m{i="${i}",v="${i % 3 ? 'x' : '日本'}"} ${i}`);
  const body = (ls: string[]) => `# TYPE m gauge\n${ls.join('\n')}\n`;
  const parsed = (b: string, previous?: string[]) => {
    const e = parseExposition(Buffer.from(b), 'text', previous);
    return { ...e, values: [...e.values], timestampsMs: e.timestampsMs && [...e.timestampsMs] };
  };

  it('parses exactly as without it, and never changes it; an unchanged scrape hands it back', () => {
    const previous = parseExposition(body(lines), 'text').series;
    const copy = [...previous];
    const variants: string[][] = [
      lines, // unchanged
      lines.slice(0, 30), // fewer series
      [...lines, 'm{i="new"} 1', 'n 2'], // more
      lines.map((l, i) => (i === 20 ? 'm{i="other"} 5' : l)), // one changed in the middle
      lines.map((l, i) => (i === 0 ? 'first 1' : l)), // the first one changed
      [...lines].reverse(), // reordered
      lines.map((l, i) => (i === 10 ? `${l} 1700000000000` : l)), // the same series with a timestamp
      lines.map((l, i) => (i === 5 ? l.replace('} ', '}  ') : l)), // blanks before the value
      [], // no series at all
    ];
    for (const v of variants) {
      expect(parsed(body(v), previous)).toEqual(parsed(body(v)));
      expect(previous).toEqual(copy);
    }
    expect(parseExposition(Buffer.from(body(lines)), 'text', previous).series).toBe(previous);
  });
});

describe('a body given as bytes (decoded a piece at a time)', () => {
  /** The parse of `body` (a string or its bytes): its result, or its error message. */
  const outcome = (body: string | Buffer, format: 'text' | 'openmetrics', previous?: string[]) => {
    try {
      const e = parseExposition(body, format, previous);
      return { ...e, values: [...e.values], timestampsMs: e.timestampsMs && [...e.timestampsMs] };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };

  it('parses exactly as the decoded string, in bodies of several pieces (non-ASCII, invalid UTF-8, BOM, errors late in the body)', () => {
    const many = (n: number, line: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => line(i)).join('\n');
    // about 2.6 MiB: three pieces, cut at newlines
    const big = many(30_000, (i) =>
      `m_total{svc="s${i % 7}",v="${i % 3 === 0 ? '日本語ü' : 'x'.repeat(i % 40)}",e="a\\"b\\\\c\\n"} ${i} ${i % 5 === 0 ? 1700000000000 + i : ''}`.trimEnd(),
    );
    const bodies: [string | Buffer, 'text' | 'openmetrics'][] = [
      ['', 'text'],
      ['\n\n', 'text'],
      [`# TYPE m_total counter\n${big}\n`, 'text'],
      [`# TYPE m_total counter\n${big}`, 'text'], // no newline at the end
      [`\ufeff# TYPE a gauge\na 1\n`, 'text'], // a BOM is not skipped (it makes the first line invalid)
      [`# TYPE m_total counter\n${big}\nm_total{bad 1\n`, 'text'], // the error's line number, in the last piece
      [`# TYPE m counter\n${big}\n# EOF\n`, 'openmetrics'],
      [`# TYPE m counter\n${big}\n# EOF\nm_total 1\n`, 'openmetrics'],
      [`${big}\n`, 'openmetrics'], // no # EOF
    ];
    let parsed = 0;
    for (const [body, format] of bodies) {
      const bytes = Buffer.from(body as string);
      const o = outcome(bytes, format);
      expect(o).toEqual(outcome(body, format));
      if ('series' in o && o.series.length === 30_000) parsed++;
    }
    expect(parsed).toBe(3); // the big bodies that are valid did parse
    // invalid UTF-8 (a lone continuation byte, a cut sequence) around a piece boundary decodes as the whole would
    const raw = Buffer.concat([
      Buffer.from(`${many(40_000, (i) => `g{v="${'y'.repeat(i % 30)}"} ${i}`)}\n`),
      Buffer.from([0x67, 0x7b, 0x76, 0x3d, 0x22, 0x80, 0xe6, 0x97, 0x22, 0x7d, 0x20, 0x31, 0x0a]), // g{v="\x80\xe6\x97"} 1
    ]);
    expect(raw.length).toBeGreaterThan(1 << 20);
    expect(outcome(raw, 'text')).toEqual(outcome(raw.toString('utf8'), 'text'));
    // with the previous scrape's series as the hint
    const first = parseExposition(Buffer.from(`# TYPE m_total counter\n${big}\n`), 'text');
    const again = Buffer.from(`# TYPE m_total counter\n${big.replaceAll('} 1', '} 2')}\n`);
    expect(outcome(again, 'text', first.series)).toEqual(
      outcome(again.toString('utf8'), 'text', first.series),
    );
  });

  it('parses exactly the same when the bytes arrive in pieces cut anywhere (the scrape parses as the body arrives)', () => {
    const many = (n: number, line: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => line(i)).join('\n');
    const big = many(8_000, (i) =>
      `m_total{svc="s${i % 7}",v="${i % 3 === 0 ? '日本語ü' : 'x'.repeat(i % 40)}",e="a\\"b\\\\c\\n"} ${i} ${i % 5 === 0 ? 1700000000000 + i : ''}`.trimEnd(),
    );
    const long = 'L'.repeat(DECODE_BYTES * 2 + 17); // one line longer than a decoded piece
    const bodies: [Buffer, 'text' | 'openmetrics'][] = [
      [Buffer.from(''), 'text'],
      [Buffer.from('\n\n'), 'text'],
      [Buffer.from(`# TYPE m_total counter\n${big}\n`), 'text'],
      [Buffer.from(`# TYPE m_total counter\n${big}`), 'text'], // no newline at the end
      [Buffer.from(`a{v="${long}"} 1\nb 2\n${big}\n`), 'text'],
      [Buffer.from(`# TYPE m_total counter\n${big}\nm_total{bad 1\n${big}\n`), 'text'], // an error mid-body
      [Buffer.from(`# TYPE m counter\n${big}\n# EOF\n`), 'openmetrics'],
      [Buffer.from(`# TYPE m counter\n${big}\n# EOF\nm_total 1\n`), 'openmetrics'],
      [Buffer.from(`${big}\n`), 'openmetrics'], // no # EOF
      // invalid UTF-8: a lone continuation byte, a cut sequence, a sequence cut by the newline
      [
        Buffer.concat([
          Buffer.from(`${big}\n`),
          Buffer.from([
            0x67, 0x7b, 0x76, 0x3d, 0x22, 0x80, 0xe6, 0x97, 0x22, 0x7d, 0x20, 0x31, 0x0a, 0xe6, 0x0a,
          ]),
        ]),
        'text',
      ],
    ];
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const streamed = (body: Buffer, format: 'text' | 'openmetrics', previous?: string[]) => {
      try {
        const st = new ExpositionStream(format, previous);
        // pieces of 1 byte to 100 KiB, cut anywhere (inside UTF-8 sequences too)
        for (let at = 0; at < body.length; ) {
          const n = [1, 2, 3, 5, 700, 65_536, 100_000][rand(7)];
          st.write(body.subarray(at, at + n));
          at += n;
        }
        const e = st.end();
        return { ...e, values: [...e.values], timestampsMs: e.timestampsMs && [...e.timestampsMs] };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    let parsed = 0;
    for (const [body, format] of bodies)
      for (let round = 0; round < 3; round++) {
        const o = streamed(body, format);
        expect(o).toEqual(outcome(body.toString('utf8'), format));
        if ('series' in o && o.series.length >= 8_000) parsed++;
      }
    expect(parsed).toBe(4 * 3);
    // with the previous scrape's series as the hint
    const first = parseExposition(Buffer.from(`# TYPE m_total counter\n${big}\n`), 'text');
    const again = Buffer.from(`# TYPE m_total counter\n${big.replaceAll('} 1', '} 2')}\n`);
    expect(streamed(again, 'text', first.series)).toEqual(
      outcome(again.toString('utf8'), 'text', first.series),
    );
  });
});
