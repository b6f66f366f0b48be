// parse_from / parse_to / on_error for every parser, with the collector's
// semantics (helper.TransformerOperator.HandleEntryError): `send` passes the
// entry on unchanged and logs at error level, `send_quiet` passes it on and
// logs at debug, `drop` / `drop_quiet` discard it (logging at error / debug).
// Every failure is counted for the operator (tsunagi_stanza_operator_errors_total).
import { describe, expect, it } from 'vitest';
import { newStanzaLog, runOperators, type StanzaInput } from '../../../test/support/stanza.js';
import type { Entry } from '../entry.js';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CRI = '2024-01-01T00:00:00.000000001Z stderr F hello';

interface ParserCase {
  type: string;
  /** Operator keys besides type/id/on_error (parse_from/parse_to moved off their defaults where the parser has them). */
  cfg: Record<string, unknown>;
  good: StanzaInput;
  /** What a good input must yield. */
  check: (e: Entry) => void;
  bad: StanzaInput;
  /** The parse_from field is missing in this input (an error for every parser that reads one). */
  missing?: StanzaInput;
}

const cases: ParserCase[] = [
  {
    type: 'json_parser',
    cfg: { parse_from: 'attributes.raw', parse_to: 'attributes.parsed' },
    good: { body: 'b', attributes: { raw: '{"a":1,"s":"x"}' } },
    check: (e) => expect(e.attributes).toEqual({ raw: '{"a":1,"s":"x"}', parsed: { a: 1, s: 'x' } }),
    bad: { body: 'b', attributes: { raw: '{"a":' } },
    missing: { body: '{"a":1}' },
  },
  {
    type: 'regex_parser',
    cfg: { regex: '^(?P<k>\\w+)=(?P<v>\\w+)$', parse_from: 'body.msg', parse_to: 'resource' },
    good: { body: { msg: 'user=ann' } },
    check: (e) => {
      expect(e.resource).toEqual({ k: 'user', v: 'ann' });
      expect(e.body).toEqual({ msg: 'user=ann' });
    },
    bad: { body: { msg: 'no match here' } },
    missing: { body: { other: 'user=ann' } },
  },
  {
    type: 'key_value_parser',
    cfg: { parse_from: 'attributes.kv', parse_to: 'body' },
    good: { body: 'orig', attributes: { kv: 'a=1 b=2' } },
    check: (e) => expect(e.body).toEqual({ a: '1', b: '2' }),
    bad: { body: 'orig', attributes: { kv: 'a=1 oops' } },
    missing: { body: 'a=1' },
  },
  {
    type: 'severity_parser',
    cfg: { parse_from: 'attributes.lvl' },
    good: { body: 'b', attributes: { lvl: 'warning' } },
    check: (e) => expect([e.severity, e.severityText]).toEqual([13, 'warning']),
    bad: { body: 'b', attributes: { lvl: { nested: 1 } } },
    missing: { body: 'warning' },
  },
  {
    type: 'time_parser',
    cfg: { parse_from: 'attributes.ts', layout_type: 'gotime', layout: '2006-01-02T15:04:05Z07:00' },
    good: { body: 'b', attributes: { ts: '2024-05-01T10:00:00Z' } },
    check: (e) => expect(e.timestamp).toBe(BigInt(Date.parse('2024-05-01T10:00:00Z')) * 1_000_000n),
    bad: { body: 'b', attributes: { ts: 'yesterday' } },
    missing: { body: '2024-05-01T10:00:00Z' },
  },
  {
    type: 'trace_parser',
    cfg: { trace_id: { parse_from: 'attributes.tid' } },
    good: { body: 'b', attributes: { tid: TID } },
    check: (e) => expect(Buffer.from(e.traceId).toString('hex')).toBe(TID),
    bad: { body: 'b', attributes: { tid: 'not-hex' } },
    // trace fields are optional in the collector: a missing one is not an error
  },
  {
    type: 'container',
    cfg: {
      format: 'containerd',
      add_metadata_from_file_path: false,
      parse_from: 'attributes.line',
      parse_to: 'attributes.c',
    },
    good: { body: 'b', attributes: { line: CRI } },
    check: (e) => {
      expect(e.body).toBe('hello');
      expect(e.attributes).toEqual({ line: CRI, c: { 'log.iostream': 'stderr', logtag: 'F' } });
      expect(e.timestamp).toBe(BigInt(Date.parse('2024-01-01T00:00:00Z')) * 1_000_000n + 1n);
    },
    bad: { body: 'b', attributes: { line: 'not a container log line' } },
    missing: { body: CRI },
  },
];

/** The parts of an entry an operator may change. */
const view = (e: Entry) => ({
  body: e.body,
  attributes: e.attributes,
  resource: e.resource,
  timestamp: e.timestamp,
  severity: e.severity,
  severityText: e.severityText,
  traceId: Buffer.from(e.traceId).toString('hex'),
});
const viewOf = (i: StanzaInput) => ({
  body: i.body,
  attributes: i.attributes ?? {},
  resource: {},
  timestamp: 0n,
  severity: 0,
  severityText: '',
  traceId: '',
});

const modes = [
  { on_error: 'send', sent: true, level: 'errors' },
  { on_error: 'send_quiet', sent: true, level: 'debug' },
  { on_error: 'drop', sent: false, level: 'errors' },
  { on_error: 'drop_quiet', sent: false, level: 'debug' },
] as const;

describe.each(cases)('$type', (c) => {
  const run = (input: StanzaInput, on_error?: string) => {
    const log = newStanzaLog();
    const op = { type: c.type, id: 'p', ...c.cfg, ...(on_error ? { on_error } : {}) };
    const out = runOperators([op], [input], log);
    return { out, log };
  };

  it('parses from parse_from into parse_to, with no error', () => {
    const { out, log } = run(c.good);
    expect(out).toHaveLength(1);
    c.check(out[0]);
    expect(log).toEqual({ errors: [], debug: [], counted: {} });
  });

  it('on_error defaults to send', () => {
    const { out, log } = run(c.bad);
    expect(out.map(view)).toEqual([viewOf(c.bad)]);
    expect(log.errors).toHaveLength(1);
    expect(log.counted).toEqual({ p: 1 });
  });

  for (const m of modes) {
    it(`on_error: ${m.on_error} ${m.sent ? 'passes the entry on unchanged' : 'discards the entry'}, logs at ${m.level === 'errors' ? 'error' : 'debug'} level and counts it`, () => {
      const { out, log } = run(c.bad, m.on_error);
      expect(out.map(view)).toEqual(m.sent ? [viewOf(c.bad)] : []);
      expect(log[m.level]).toHaveLength(1);
      expect(log[m.level === 'errors' ? 'debug' : 'errors']).toEqual([]);
      expect(log.counted).toEqual({ p: 1 });
    });
  }

  if (c.missing) {
    const missing = c.missing;
    it('a missing parse_from field is an error', () => {
      const { out, log } = run(missing, 'send');
      expect(out.map(view)).toEqual([viewOf(missing)]);
      expect(log.errors).toHaveLength(1);
      expect(log.counted).toEqual({ p: 1 });
    });
  }
});

describe('on_error in a pipeline', () => {
  it('a failed entry does not stop the entries after it, and each failure is counted', () => {
    const log = newStanzaLog();
    const out = runOperators(
      [
        { type: 'json_parser', id: 'j', on_error: 'drop' },
        { type: 'add', field: 'attributes.seen', value: true },
      ],
      [{ body: '{"n":1}' }, { body: 'bad' }, { body: '{"n":3}' }, { body: 'bad again' }],
      log,
    );
    expect(out.map((e) => e.attributes)).toEqual([
      { n: 1, seen: true },
      { n: 3, seen: true },
    ]);
    expect(log.counted).toEqual({ j: 2 });
    // one log line per operator per second at most; the counter sees every failure
    expect(log.errors).toHaveLength(1);
  });

  it('a parser whose timestamp block fails still sends what it parsed (on_error: send), as the collector does', () => {
    const log = newStanzaLog();
    const [e] = runOperators(
      [
        {
          type: 'json_parser',
          id: 'j',
          timestamp: { parse_from: 'attributes.t', layout_type: 'gotime', layout: '2006-01-02' },
        },
      ],
      [{ body: '{"t":"soon"}' }],
      log,
    );
    expect(e.attributes).toEqual({ t: 'soon' });
    expect(e.timestamp).toBe(0n);
    expect(log.counted).toEqual({ j: 1 });
  });
});
