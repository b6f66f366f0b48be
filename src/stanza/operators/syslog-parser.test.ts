// syslog_parser: the collector's syslogtest cases (pkg/stanza/operator/parser/
// syslog/syslogtest/data.go) and parser_test.go, go-syslog's grammar edges
// (RFC 5424 structured data and escapes, the RFC 3164 hostname/tag/pid
// readings), config errors, and a seeded fuzz of both grammars.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newStanzaLog, runOperators } from '../../../test/support/stanza.js';
import type { Entry } from '../entry.js';
import { operatorsSchema } from '../pipeline.js';
import { SyslogError } from '../syslog/common.js';
import { lastOctetFrame } from '../syslog/framing.js';
import { parseRfc3164 } from '../syslog/rfc3164.js';
import { parseRfc5424 } from '../syslog/rfc5424.js';

const SECURE_AUTH =
  '<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [SecureAuth@27389 UserHostAddress="192.168.2.132" Realm="SecureAuth0" UserID="Tester2" PEN="27389"] Found the user for retrieving user\'s profile';
const SECURE_AUTH_SD = {
  'SecureAuth@27389': {
    PEN: '27389',
    Realm: 'SecureAuth0',
    UserHostAddress: '192.168.2.132',
    UserID: 'Tester2',
  },
};
const T_2015 = 1438811939693000000n; // 2015-08-05T21:58:59.693Z

function run(cfg: Record<string, unknown>, body: unknown): { e: Entry; errors: string[]; out: Entry[] } {
  const log = newStanzaLog();
  const out = runOperators([{ type: 'syslog_parser', ...cfg }], [{ body }], log);
  return { e: out[0], errors: log.errors, out };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Go's time.Stamp ("Jan _2 15:04:05") of a month/day/time. */
const stamp = (mo: number, d: number, hms: string) =>
  `${MONTHS[mo - 1]} ${String(d).padStart(2, ' ')} ${hms}`;
/** The year the collector gives a yearless stamp: this year, unless that is more than 7 days ahead. */
function yearFor(mo: number, d: number, h: number, offsetHours: number): number {
  const now = Date.now();
  const y = new Date(now).getUTCFullYear();
  const t = Date.UTC(y, mo - 1, d, h) - offsetHours * 3_600_000;
  return t > now + 7 * 86_400_000 ? y - 1 : y;
}

describe('syslog_parser: the collector syslogtest cases', () => {
  it('RFC 5424', () => {
    const { e, errors } = run({ protocol: 'rfc5424' }, SECURE_AUTH);
    expect(errors).toEqual([]);
    expect(e.body).toBe(SECURE_AUTH);
    expect(e.timestamp).toBe(T_2015);
    expect([e.severity, e.severityText]).toEqual([9, 'info']);
    expect(e.attributes).toEqual({
      appname: 'SecureAuth0',
      facility: 10,
      facility_text: 'authpriv',
      hostname: '192.168.2.132',
      message: "Found the user for retrieving user's profile",
      msg_id: 'ID52020',
      priority: 86,
      proc_id: '23108',
      structured_data: SECURE_AUTH_SD,
      version: 1,
    });
  });

  it('RFC 5424 with allow_skip_pri_header: absent PRI leaves out PRI fields and severity', () => {
    const noPri = SECURE_AUTH.slice(4);
    const { e, errors } = run({ protocol: 'rfc5424', allow_skip_pri_header: true }, noPri);
    expect(errors).toEqual([]);
    expect([e.severity, e.severityText, e.timestamp]).toEqual([0, '', T_2015]);
    expect(e.attributes).toEqual({
      appname: 'SecureAuth0',
      hostname: '192.168.2.132',
      message: "Found the user for retrieving user's profile",
      msg_id: 'ID52020',
      proc_id: '23108',
      structured_data: SECURE_AUTH_SD,
      version: 1,
    });
    const withPri = `<123>${noPri}`;
    const p = run({ protocol: 'rfc5424', allow_skip_pri_header: true }, withPri).e;
    expect([p.severity, p.severityText]).toEqual([17, 'err']);
    expect(p.attributes).toMatchObject({ facility: 15, facility_text: 'cron2', priority: 123 });
  });

  it('RFC 6587 octet counting (body keeps the length prefix) and its max_octets', () => {
    const framed = `215 ${SECURE_AUTH}`;
    const { e, errors } = run({ protocol: 'rfc5424', enable_octet_counting: true }, framed);
    expect(errors).toEqual([]);
    expect(e.body).toBe(framed);
    expect(e.attributes.structured_data).toEqual(SECURE_AUTH_SD);
    const small = run({ protocol: 'rfc5424', enable_octet_counting: true, max_octets: 214 }, framed);
    expect(small.errors.join()).toContain('message length (215) exceeds maximum length (214)');
    expect(small.e.body).toBe(framed);
    // a frame shorter than its length (its trailing space trimmed away) fails, as in the collector
    const spaced = '77 <86>1 2015-08-05T21:58:59.693Z 192.168.2.132 inactive - - -  partition is p2 ';
    const ok = run({ protocol: 'rfc5424', enable_octet_counting: true }, spaced).e;
    expect(ok.attributes).toMatchObject({ appname: 'inactive', message: ' partition is p2 ', version: 1 });
    expect(
      run({ protocol: 'rfc5424', enable_octet_counting: true }, spaced.trimEnd()).errors.join(),
    ).toContain('expecting a SYSLOGMSG containing 77 octets');
  });

  it('RFC 6587 non-transparent framing with a NUL trailer', () => {
    const body = `${SECURE_AUTH}\0`;
    const { e, errors } = run({ protocol: 'rfc5424', non_transparent_framing_trailer: 'NUL' }, body);
    expect(errors).toEqual([]);
    expect(e.body).toBe(body);
    expect(e.attributes.msg_id).toBe('ID52020');
  });

  for (const [loc, winter, summer] of [
    ['UTC', 0, 0],
    ['America/Detroit', -5, -4],
    ['Europe/Athens', 2, 3],
  ] as const)
    it(`RFC 3164 in ${loc}: this year (or last year if more than 7 days ahead), the zone's offset`, () => {
      for (const [mo, off] of [
        [1, winter],
        [7, summer],
      ] as const) {
        const body = `<34>${stamp(mo, 10, '06:30:00')} 1.2.3.4 apache_server: test message`;
        const { e, errors } = run({ protocol: 'rfc3164', location: loc }, body);
        expect(errors).toEqual([]);
        const want = Date.UTC(yearFor(mo, 10, 6, off), mo - 1, 10, 6, 30, 0) - off * 3_600_000;
        expect(e.timestamp).toBe(BigInt(want) * 1_000_000n);
        expect([e.severity, e.severityText]).toEqual([18, 'crit']);
        expect(e.attributes).toEqual({
          appname: 'apache_server',
          facility: 4,
          facility_text: 'auth',
          hostname: '1.2.3.4',
          message: 'test message',
          priority: 34,
        });
      }
    });

  it('RFC 3164 with allow_skip_pri_header, absent and present', () => {
    const noPri = `${stamp(1, 2, '03:04:05')} 1.2.3.4 apache_server: test message`;
    const a = run({ protocol: 'rfc3164', allow_skip_pri_header: true }, noPri).e;
    expect([a.severity, a.severityText]).toEqual([0, '']);
    expect(a.attributes).toEqual({ appname: 'apache_server', hostname: '1.2.3.4', message: 'test message' });
    const p = run({ protocol: 'rfc3164', allow_skip_pri_header: true }, `<123>${noPri}`).e;
    expect([p.severity, p.severityText]).toEqual([17, 'err']);
    expect(p.attributes).toMatchObject({ facility: 15, facility_text: 'cron2', priority: 123 });
  });
});

describe('syslog_parser: collector parser_test.go', () => {
  it('an SD-ID over 32 characters is an error; the entry goes on unchanged', () => {
    const body =
      '<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [verylongsdnamethatisgreaterthan32bytes@12345 UserHostAddress="192.168.2.132"] my message';
    const { e, errors } = run({ protocol: 'rfc5424' }, body);
    expect(errors.join()).toContain(
      'expecting a structured data element id (from 1 to max 32 US-ASCII characters',
    );
    expect(e.body).toBe(body);
    expect(e.attributes).toEqual({});
  });
  it('protocol names are case-insensitive; anything else is a config error', () => {
    for (const p of ['RFC5424', 'rfc5424', 'RFC3164', 'rfc3164'])
      expect(operatorsSchema.safeParse([{ type: 'syslog_parser', protocol: p }]).success, p).toBe(true);
    for (const p of ['RFC5424a', 'rfc5424b', 'RFC3164c', 'rfc3164d'])
      expect(operatorsSchema.safeParse([{ type: 'syslog_parser', protocol: p }]).success, p).toBe(false);
  });
});

describe('syslog_parser: severity mapping and the RFC 5424 grammar', () => {
  it('maps the eight syslog severities as the collector does', () => {
    const want = [
      [21, 'emerg'],
      [19, 'alert'],
      [18, 'crit'],
      [17, 'err'],
      [13, 'warning'],
      [10, 'notice'],
      [9, 'info'],
      [5, 'debug'],
    ];
    for (let sev = 0; sev < 8; sev++) {
      const { e } = run({ protocol: 'rfc5424' }, `<${8 + sev}>1 2024-01-01T00:00:00Z h a - - - m`);
      expect([e.severity, e.severityText]).toEqual(want[sev]);
      expect(e.attributes.facility_text).toBe('user');
    }
  });
  it('nil values, empty SD elements, escapes, offsets, fractions, BOM and non-ASCII messages', () => {
    const m = parseRfc5424(
      '<165>1 2003-10-11T22:14:15.003000-07:00 - - - - [exampleSDID@32473 iut="3" eventSource="App\\"li\\]ca\\\\tion"][examplePriority@32473 class="high"][empty] \ufeffÄnderung ✓',
    );
    expect(m).toEqual({
      timestamp: expect.anything(),
      structured_data: {
        'exampleSDID@32473': { iut: '3', eventSource: 'App"li]ca\\tion' },
        'examplePriority@32473': { class: 'high' },
        empty: {},
      },
      message: '\ufeffÄnderung ✓',
      version: 1,
      priority: 165,
      severity: 5,
      facility: 20,
      facility_text: 'local4',
    });
    expect((m.timestamp as { nanos: bigint }).nanos).toBe(1065935655003000000n);
    expect(parseRfc5424('<0>999 - - - - - -')).toEqual({
      version: 999,
      priority: 0,
      severity: 0,
      facility: 0,
      facility_text: 'kern',
    });
    expect(parseRfc5424('<1>1 - h a p m - ').message).toBeUndefined(); // an empty MSG is left out
  });
  it('"__proto__" as an SD-ID or PARAM name is an ordinary key (no prototype change)', () => {
    const m = parseRfc5424('<1>1 - - - - - [__proto__ __proto__="x" a="1"] m');
    const sd = m.structured_data as Record<string, Record<string, string>>;
    expect(Object.keys(sd)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
    expect(Object.entries(Object.getOwnPropertyDescriptor(sd, '__proto__')?.value)).toEqual([
      ['__proto__', 'x'],
      ['a', '1'],
    ]);
  });
  it('refuses what go-syslog refuses', () => {
    for (const [bad, msg] of [
      ['<192>1 - - - - - -', 'priority value in the range 1-191'],
      ['<01>1 - - - - - -', 'priority value in the range'],
      ['86>1 - - - - - -', 'priority value within angle brackets'],
      ['<86>0 - - - - - -', 'version value in the range 1-999'],
      ['<86>1000 - - - - - -', 'version value in the range 1-999'],
      ['<86>1 2015-02-29T00:00:00Z - - - - -', 'day out of range'],
      ['<86>1 2015-08-05T21:58:59.6931234Z - - - - -', 'RFC3339MICRO timestamp'],
      ['<86>1 2015-08-05 21:58:59Z - - - - -', 'RFC3339MICRO timestamp'],
      [`<86>1 - ${'h'.repeat(256)} - - - -`, 'hostname'],
      [`<86>1 - - ${'a'.repeat(49)} - - -`, 'app-name'],
      [`<86>1 - - - - ${'m'.repeat(33)} -`, 'msgid'],
      ['<86>1 - - - - - [a x="1"][a y="2"]', 'duplicate structured data element id'],
      ['<86>1 - - - - - [a x="\\n"]', 'to be escaped within param value'],
      ['<86>1 - - - - - [a x="]"]', 'structured data parameter'],
      ['<86>1 - - - - - [a x=1]', 'structured data parameter'],
      ['<86>1 - - - - - x', 'structured data section'],
      ['<86>1 - - - - --', 'parsing error'],
    ] as const)
      expect(() => parseRfc5424(bad), bad).toThrow(msg);
  });
  it('an RFC 5424 "-" timestamp fails the time step: the entry goes on with severity left in the attributes', () => {
    const { e, errors } = run({ protocol: 'rfc5424' }, '<14>1 - host app - - - hello');
    expect(errors.join()).toContain('time parser: log entry does not have the expected parse_from field');
    expect(e.timestamp).toBe(0n);
    expect(e.severity).toBe(0);
    expect(e.attributes).toMatchObject({ severity: 6, hostname: 'host', appname: 'app', message: 'hello' });
  });
  it('parse_to elsewhere: parsed there, then the time step fails as in the collector (no internal objects leak)', () => {
    const { e, errors } = run({ protocol: 'rfc5424', parse_to: 'body.syslog' }, SECURE_AUTH);
    expect(errors.join()).toContain('time parser');
    expect((e.body as { syslog: Record<string, unknown> }).syslog.timestamp).toBe('2015-08-05T21:58:59.693Z');
  });
  it('a user timestamp block replaces the native time step', () => {
    const { e, errors } = run(
      {
        protocol: 'rfc5424',
        timestamp: { parse_from: 'attributes.message', layout_type: 'epoch', layout: 's' },
      },
      '<14>1 2024-01-01T00:00:00Z h a - - - 1700000000',
    );
    expect(errors).toEqual([]);
    expect(e.timestamp).toBe(1700000000000000000n);
  });
});

describe('syslog_parser: the RFC 3164 readings (go-syslog machine)', () => {
  const s = stamp(10, 11, '22:14:15');
  const fields = (line: string) => {
    const m = parseRfc3164(`<34>${s}${line}`, 'UTC');
    const { timestamp: _t, priority: _p, severity: _s, facility: _f, facility_text: _x, ...rest } = m;
    return rest;
  };
  it('hostname, tag, pid, message', () => {
    expect(fields(" mymachine su: 'su root' failed")).toEqual({
      hostname: 'mymachine',
      appname: 'su',
      message: "'su root' failed",
    });
    expect(fields(' host sshd[1234]: Accepted key')).toEqual({
      hostname: 'host',
      appname: 'sshd',
      proc_id: '1234',
      message: 'Accepted key',
    });
    expect(fields(' sshd[1234]: no host')).toEqual({ appname: 'sshd', proc_id: '1234', message: 'no host' });
    expect(fields('   host   many spaces')).toEqual({ hostname: 'host', message: 'many spaces' });
    expect(fields(' singleword')).toEqual({ message: 'singleword' });
    expect(fields(' host msg with trailing newline\n')).toEqual({
      hostname: 'host',
      message: 'msg with trailing newline',
    });
    expect(fields(' host app:  two spaces')).toEqual({
      hostname: 'host',
      appname: 'app',
      message: ' two spaces',
    });
    expect(fields(' host app[]: empty pid')).toEqual({
      hostname: 'host',
      appname: 'app',
      message: 'empty pid',
    });
    expect(fields(' host déjà vu ✓')).toEqual({ hostname: 'host', message: 'déjà vu ✓' });
  });
  it('odd lines give the fields go-syslog gives (every reading fires as it goes)', () => {
    // "a:b" is no hostname (':'), the tag reading sets appname "a" before it dies
    expect(fields(' a:b c: d')).toEqual({ appname: 'a', message: 'a:b c: d' });
    // a broken pid: the tag was set at "[", the message starts where the pid reading marked
    expect(fields(' host app[12 x')).toEqual({ hostname: 'host', appname: 'app', message: '12 x' });
    // a hostname followed by nothing: set, and the message is the whole tail
    expect(fields(' host ')).toEqual({ hostname: 'host', message: 'host ' });
  });
  it('day padding: " 2", "02" and "12" are read, "2" alone is not; Feb 29 is a date', () => {
    expect(() => parseRfc3164('<34>Jan  2 03:04:05 h m', 'UTC')).not.toThrow();
    expect(() => parseRfc3164('<34>Jan 02 03:04:05 h m', 'UTC')).not.toThrow();
    expect(() => parseRfc3164('<34>Feb 29 03:04:05 h m', 'UTC')).not.toThrow();
    expect(() => parseRfc3164('<34>Jan 2 03:04:05 h m', 'UTC')).toThrow('Stamp timestamp');
    expect(() => parseRfc3164('<34>Feb 30 03:04:05 h m', 'UTC')).toThrow('day out of range');
  });
  it('refuses control characters in MSG, a missing space after the stamp, and an empty tail', () => {
    for (const bad of [
      `<34>${s} host a\tb`,
      `<34>${s}host`,
      `<34>${s} `,
      `<34>${s}`,
      '<34>Foo 11 22:14:15 h m',
      `<34>${s} a\nb`,
    ])
      expect(() => parseRfc3164(bad, 'UTC'), JSON.stringify(bad)).toThrow(SyslogError);
  });
  it('allow_skip_pri_header prepends <0> only when no <n> appears anywhere (collector priRegex)', () => {
    const r = run({ protocol: 'rfc3164', allow_skip_pri_header: true }, `${s} host value <12> text`);
    expect(r.errors.join()).toContain('priority');
  });
});

describe('syslog_parser: framing helpers', () => {
  it('octet counting counts UTF-8 bytes; the last of several frames wins; a LF between frames is allowed', () => {
    const msg = '<1>1 - - - - - - ä';
    const n = Buffer.byteLength(msg);
    expect(lastOctetFrame(`${n} ${msg}`, 8192, false)).toBe(msg);
    expect(lastOctetFrame(`5 <1>1 ${n} ${msg}`, 8192, false)).toBe(msg);
    expect(lastOctetFrame(`5 <1>1\n${n} ${msg}`, 8192, false)).toBe(msg);
    for (const bad of ['x <1>1', '5<1>1', '5 x1234', '0 <', '99 <1>1', `${n} ${msg}junk`])
      expect(() => lastOctetFrame(bad, 8192, false), bad).toThrow(SyslogError);
  });
});

describe('syslog_parser: the direct path equals the collector flow', () => {
  it('with and without a block configured (which forces the step-by-step flow), entries come out the same', () => {
    const inputs = [
      SECURE_AUTH,
      '<14>1 - host app - - - nil timestamp',
      `<34>${stamp(3, 4, '05:06:07')} host app[1]: bsd`,
      `${stamp(3, 4, '05:06:07')} host app: no pri`,
      'garbage',
    ].map((body) => ({ body }));
    for (const protocol of ['rfc5424', 'rfc3164']) {
      const base = { type: 'syslog_parser', protocol, allow_skip_pri_header: true };
      const a = runOperators([base], inputs, newStanzaLog());
      const b = runOperators([{ ...base, trace: {} }], inputs, newStanzaLog());
      expect(a.map((e) => [e.body, e.attributes, e.timestamp, e.severity, e.severityText])).toEqual(
        b.map((e) => [e.body, e.attributes, e.timestamp, e.severity, e.severityText]),
      );
    }
  });
});

describe('syslog_parser: YAML config errors (collector Config.Build)', () => {
  const errs = (yaml: string) => {
    const r = operatorsSchema.safeParse(parse(yaml));
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('protocol required; framing only with rfc5424; one framing; LF or NUL; a known location', () => {
    expect(errs('- type: syslog_parser')).toEqual(["0.protocol: missing field 'protocol'"]);
    expect(errs('- type: syslog_parser\n  protocol: rfc3164\n  enable_octet_counting: true')).toEqual([
      '0.protocol: octet_counting and non_transparent_framing are only compatible with protocol rfc5424',
    ]);
    expect(
      errs(
        '- type: syslog_parser\n  protocol: rfc5424\n  enable_octet_counting: true\n  non_transparent_framing_trailer: LF',
      ),
    ).toEqual([
      '0.enable_octet_counting: only one of octet_counting or non_transparent_framing can be enabled',
    ]);
    expect(
      errs('- type: syslog_parser\n  protocol: rfc5424\n  non_transparent_framing_trailer: CRLF'),
    ).toEqual([
      "0.non_transparent_framing_trailer: invalid non_transparent_framing_trailer 'CRLF'. Must be either 'LF' or 'NUL'",
    ]);
    expect(errs('- type: syslog_parser\n  protocol: rfc3164\n  location: Mars/Olympus')).toEqual([
      '0.location: failed to load location Mars/Olympus: unknown time zone',
    ]);
    expect(errs('- type: syslog_parser\n  protocol: rfc5424\n  max_octets: -1')[0]).toMatch(/^0\.max_octets/);
  });
});

/** A small seeded PRNG (mulberry32): the fuzz cases are the same on every run. */
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

describe('syslog_parser: seeded fuzz', () => {
  const seeds5424 = [
    SECURE_AUTH,
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] BOMAn application event',
    '<34>1 - - - - - -',
  ];
  const seeds3164 = [
    `<34>${stamp(10, 11, '22:14:15')} mymachine su: 'su root' failed for lonvick on /dev/pts/8`,
    `<13>${stamp(1, 2, '03:04:05')} host app[12]: x`,
  ];
  const ALPHABET = '<>[]"\\=: -0123456789abcZ\t\n\u00e9\ufeff@.T';
  function mutate(s: string, rnd: () => number): string {
    const chars = [...s];
    const n = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rnd() * (chars.length + 1));
      const op = rnd();
      const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)];
      if (op < 0.4) chars.splice(i, 1);
      else if (op < 0.7) chars.splice(i, 0, c);
      else chars[Math.min(i, chars.length - 1)] = c;
    }
    if (rnd() < 0.05) return chars.join('').repeat(50); // long inputs too
    return chars.join('');
  }
  it('5000 mutated messages per grammar: a parse or a SyslogError, never another exception, quickly', () => {
    const rnd = prng(20240601);
    const started = process.hrtime.bigint();
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      for (const [seeds, parseOne] of [
        [seeds5424, (x: string) => parseRfc5424(x)],
        [seeds3164, (x: string) => parseRfc3164(x, 'Europe/Athens')],
      ] as const) {
        const input = mutate(seeds[i % seeds.length], rnd);
        try {
          const m = parseOne(input);
          expect(typeof m).toBe('object');
          parsed++;
        } catch (err) {
          if (!(err instanceof SyslogError)) throw new Error(`${JSON.stringify(input)}: ${err}`);
          refused++;
        }
      }
      const framed = mutate(`215 ${SECURE_AUTH}`, rnd);
      try {
        lastOctetFrame(framed, 8192, rnd() < 0.5);
      } catch (err) {
        if (!(err instanceof SyslogError)) throw new Error(`${JSON.stringify(framed)}: ${err}`);
      }
    }
    expect(parsed).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
    // bounded: 15k inputs in well under the test timeout (no pathological backtracking)
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(20);
  });
  it('whole-operator fuzz: every mutated line comes out exactly once (on_error send)', () => {
    const rnd = prng(7);
    const inputs = Array.from({ length: 500 }, (_, i) => ({
      body: mutate(i % 2 ? seeds3164[0] : SECURE_AUTH, rnd),
    }));
    for (const protocol of ['rfc3164', 'rfc5424']) {
      const out = runOperators([{ type: 'syslog_parser', protocol }], inputs, newStanzaLog());
      expect(out).toHaveLength(inputs.length);
    }
  });
});
