import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../../receivers/file_log/config.js';
import { CONFORMANCE_DIR } from '../../../test/support/conformance-dir.js';
import { runOperators } from '../../../test/support/stanza.js';
import { compileTime } from '../time.js';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';

describe('parsers', () => {
  it('json_parser merges the object into attributes and runs timestamp/severity/trace blocks', () => {
    const line = JSON.stringify({
      msg: 'hi',
      level: 'WARN',
      ts: '2024-05-01T10:00:00.123Z',
      trace_id: TID,
      span_id: SID,
      n: 3,
    });
    const [e] = runOperators(
      [
        {
          type: 'json_parser',
          timestamp: {
            parse_from: 'attributes.ts',
            layout_type: 'gotime',
            layout: '2006-01-02T15:04:05.999Z07:00',
          },
          severity: { parse_from: 'attributes.level' },
          trace: {},
        },
      ],
      [{ body: line, attributes: { 'log.file.name': 'a.log' } }],
    );
    expect(e.body).toBe(line);
    expect(e.attributes).toMatchObject({ 'log.file.name': 'a.log', msg: 'hi', n: 3 });
    expect(e.timestamp).toBe(1714557600123000000n);
    expect(e.severity).toBe(13);
    expect(e.severityText).toBe('WARN');
    expect(Buffer.from(e.traceId).toString('hex')).toBe(TID);
    expect(Buffer.from(e.spanId).toString('hex')).toBe(SID);
  });

  it('json_parser on_error: send keeps a non-JSON line, drop removes it', () => {
    const errors: string[] = [];
    expect(
      runOperators([{ type: 'json_parser' }], [{ body: 'plain text' }], errors).map((e) => e.body),
    ).toEqual(['plain text']);
    expect(errors[0]).toMatch(/invalid JSON/);
    expect(runOperators([{ type: 'json_parser', on_error: 'drop' }], [{ body: 'plain text' }])).toEqual([]);
  });

  it('regex_parser with RE2 named groups, parse_to body', () => {
    const [e] = runOperators(
      [
        {
          type: 'regex_parser',
          regex: '^(?P<time>\\d{4}-\\d{2}-\\d{2}) (?P<sev>[A-Z]*) (?P<msg>.*)$',
          parse_to: 'body',
        },
      ],
      [{ body: '2024-01-02 ERROR boom' }],
    );
    expect(e.body).toEqual({ time: '2024-01-02', sev: 'ERROR', msg: 'boom' });
  });

  it('key_value_parser handles quotes and custom delimiters', () => {
    expect(
      runOperators([{ type: 'key_value_parser' }], [{ body: 'a=1 b="two words" c=x' }])[0].attributes,
    ).toEqual({
      a: '1',
      b: 'two words',
      c: 'x',
    });
    expect(
      runOperators(
        [{ type: 'key_value_parser', delimiter: ':', pair_delimiter: ';' }],
        [{ body: 'a:1;b:2' }],
      )[0].attributes,
    ).toEqual({ a: '1', b: '2' });
  });

  it('severity_parser: default mapping, custom mapping with ranges and HTTP classes, preset none', () => {
    const sev = (cfg: Record<string, unknown>, body: unknown) =>
      runOperators([{ type: 'severity_parser', ...cfg }], [{ body }])[0];
    expect(sev({}, 'error').severity).toBe(17);
    expect(sev({}, 'Info').severity).toBe(9);
    expect(
      sev({ mapping: { warn: ['w', 'warning'], error: '5xx', info: { min: 200, max: 299 } } }, 'warning')
        .severity,
    ).toBe(13);
    expect(sev({ mapping: { error: '5xx' } }, 503).severity).toBe(17);
    expect(sev({ mapping: { info: { min: 200, max: 299 } } }, 204).severity).toBe(9);
    expect(sev({ preset: 'none' }, 'error').severity).toBe(0);
    expect(sev({ overwrite_text: true }, 'error').severityText).toBe('ERROR');
  });

  it('time_parser: strptime, gotime, epoch, location', () => {
    const t = (cfg: Record<string, unknown>, body: unknown) =>
      runOperators([{ type: 'time_parser', ...cfg }], [{ body }])[0].timestamp;
    expect(t({ layout: '%Y-%m-%d %H:%M:%S.%f %z' }, '2024-01-02 03:04:05.250 +0100')).toBe(
      1704161045250000000n,
    );
    expect(t({ layout: '%d/%b/%Y:%H:%M:%S %z' }, '10/Oct/2000:13:55:36 -0700')).toBe(971211336000000000n);
    expect(t({ layout_type: 'gotime', layout: 'Jan _2 15:04:05 2006 MST' }, 'Feb  3 04:05:06 2021 UTC')).toBe(
      1612325106000000000n,
    );
    expect(
      t(
        { layout_type: 'gotime', layout: '2006-01-02T15:04:05.999999999Z07:00' },
        '2024-04-13T07:59:37.505201169-10:00',
      ),
    ).toBe(1713031177505201169n);
    expect(t({ layout_type: 'epoch', layout: 's' }, 1700000000)).toBe(1700000000000000000n);
    expect(t({ layout_type: 'epoch', layout: 'ms' }, '1700000000123')).toBe(1700000000123000000n);
    expect(t({ layout_type: 'epoch', layout: 's.us' }, '1700000000.123456')).toBe(1700000000123456000n);
    expect(t({ layout: '%Y-%m-%d %H:%M:%S', location: 'America/New_York' }, '2024-07-01 12:00:00')).toBe(
      1719849600000000000n,
    );
    expect(t({ layout: '%Y-%m-%d %H:%M:%S', location: 'UTC' }, '2024-07-01 12:00:00')).toBe(
      1719835200000000000n,
    );
    expect(() => compileTime({ layout_type: 'strptime', layout: '%Q' })).toThrow(/unsupported/);
  });

  it('trace_parser: ids from attributes (default fields) and from body fields', () => {
    const [e] = runOperators(
      [{ type: 'trace_parser' }],
      [{ body: 'x', attributes: { trace_id: TID, span_id: SID, trace_flags: '01' } }],
    );
    expect(Buffer.from(e.traceId).toString('hex')).toBe(TID);
    expect(Buffer.from(e.spanId).toString('hex')).toBe(SID);
    expect(e.traceFlags).toBe(1);
    const [f] = runOperators(
      [{ type: 'trace_parser', trace_id: { parse_from: 'body.tid' }, span_id: { parse_from: 'body.sid' } }],
      [{ body: { tid: TID, sid: SID } }],
    );
    expect(Buffer.from(f.spanId).toString('hex')).toBe(SID);
    const errors: string[] = [];
    runOperators([{ type: 'trace_parser' }], [{ body: 'x', attributes: { trace_id: 'nothex' } }], errors);
    expect(errors[0]).toMatch(/trace_id/);
  });
});

describe('transformers', () => {
  it('move, copy, add, remove, flatten', () => {
    const [e] = runOperators(
      [
        { type: 'json_parser', parse_to: 'body' },
        { type: 'move', from: 'body.msg', to: 'attributes.message' },
        { type: 'copy', from: 'attributes.message', to: 'resource["service.name"]' },
        { type: 'add', field: 'attributes.env', value: 'prod' },
        { type: 'remove', field: 'body.drop' },
        { type: 'flatten', field: 'body.nested' },
      ],
      [{ body: '{"msg":"hello","drop":1,"nested":{"a":1,"b":{"c":2}}}' }],
    );
    expect(e.body).toEqual({ a: 1, b: { c: 2 } });
    expect(e.attributes).toEqual({ message: 'hello', env: 'prod' });
    expect(e.resource).toEqual({ 'service.name': 'hello' });
  });

  it('if: a simple expression subset gates an operator', () => {
    const out = runOperators(
      [
        {
          type: 'add',
          field: 'attributes.k',
          value: 'v',
          if: 'body matches "^ERR" and attributes["x.y"] == "1"',
        },
      ],
      [
        { body: 'ERR a', attributes: { 'x.y': '1' } },
        { body: 'OK b', attributes: { 'x.y': '1' } },
      ],
    );
    expect(out.map((e) => e.attributes.k)).toEqual(['v', undefined]);
  });

  it('router sends to the first matching route (with attributes) or default; filter drops', () => {
    const out = runOperators(
      [
        {
          type: 'router',
          routes: [{ expr: 'body startsWith "{"', output: 'json', attributes: { routed: 'json' } }],
          default: 'tag',
        },
        { type: 'json_parser', id: 'json', output: 'drop_debug' },
        { type: 'add', id: 'tag', field: 'attributes.plain', value: true },
        { type: 'filter', id: 'drop_debug', expr: 'attributes.level == "debug"' },
      ],
      [{ body: '{"level":"info"}' }, { body: '{"level":"debug"}' }, { body: 'text' }],
    );
    expect(out.map((e) => e.attributes)).toEqual([{ routed: 'json', level: 'info' }, { plain: true }]);
  });

  it('recombine joins stack traces by is_first_entry per source, and by is_last_entry', () => {
    const a = { 'log.file.path': 'a' };
    const b = { 'log.file.path': 'b' };
    const out = runOperators(
      [{ type: 'recombine', combine_field: 'body', is_first_entry: 'body matches "^\\\\d{4}"' }],
      [
        { body: '2024 first', attributes: a },
        { body: '  at x', attributes: a },
        { body: '2024 other', attributes: b },
        { body: '  at y', attributes: a },
        { body: '2024 second', attributes: a },
      ],
    );
    expect(out.map((e) => e.body)).toEqual(['2024 first\n  at x\n  at y', '2024 other', '2024 second']);
    const last = runOperators(
      [{ type: 'recombine', combine_field: 'body', combine_with: '', is_last_entry: 'body endsWith "."' }],
      [{ body: 'a' }, { body: 'b.' }, { body: 'c.' }],
    );
    expect(last.map((e) => e.body)).toEqual(['ab.', 'c.']);
  });
});

describe('config', () => {
  it('accepts the collector fixture filelogreceiver.yaml', () => {
    const doc = parse(readFileSync(`${CONFORMANCE_DIR}collector-configs/filelogreceiver.yaml`, 'utf8'));
    const cfg = configSchema.parse(doc.filelog);
    expect(cfg.operators).toHaveLength(1);
    expect(cfg.start_at).toBe('beginning');
  });
  it('accepts every container operator fixture of the collector', () => {
    const doc = parse(
      readFileSync(`${CONFORMANCE_DIR}container-logs/otel-collector-contrib/config.yaml`, 'utf8'),
    );
    for (const [name, op] of Object.entries(doc)) {
      const r = configSchema.safeParse({ include: ['x'], operators: [op] });
      expect(r.success, `${name}: ${r.success ? '' : r.error.message}`).toBe(true);
    }
  });
  it('rejects unknown operator types and keys with a path', () => {
    const r = configSchema.safeParse({
      include: ['x'],
      operators: [{ type: 'json_parser', parse_frm: 'body' }],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/operators.*0/);
    expect(configSchema.safeParse({ include: ['x'], operators: [{ type: 'nope' }] }).success).toBe(false);
  });
});
