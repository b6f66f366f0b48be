// The severity mapping against the collector's stanza severity parser
// (pkg/stanza/operator/helper/severity_builder.go getBuiltinMapping and
// severity.go find): presets, aliases, numbers, ranges, errors.
import { describe, expect, it } from 'vitest';
import { newStanzaLog, runOperators } from '../../test/support/stanza.js';
import { operatorsSchema } from './pipeline.js';

const sev = (cfg: Record<string, unknown>, body: unknown) => {
  const log = newStanzaLog();
  const [e] = runOperators([{ type: 'severity_parser', ...cfg }], [{ body }], log);
  return { severity: e.severity, text: e.severityText, errors: log.errors };
};

describe('severity presets', () => {
  // value → severity number under the default preset, as the collector maps it
  const defaults: [unknown, number][] = [
    ['trace', 1],
    ['TRACE4', 4],
    ['debug', 5],
    ['info', 9],
    ['Info3', 11],
    ['warn', 13],
    ['warning', 13],
    ['WARNING', 13],
    ['warning2', 14],
    ['warning3', 15],
    ['warning4', 16],
    ['error', 17],
    ['err', 17],
    ['ERR', 17],
    ['err2', 18],
    ['err3', 19],
    ['err4', 20],
    ['fatal', 21],
    ['fatal4', 24],
    ['1', 1],
    ['13', 13],
    ['17', 17],
    [17, 17],
    [24, 24],
    [21.0, 21],
    // not in any preset: severity unset, text kept
    ['critical', 0],
    ['crit', 0],
    ['notice', 0],
    ['emerg', 0],
    ['warning5', 0],
    ['0', 0],
    ['25', 0],
    [25, 0],
    ['', 0],
  ];
  for (const [value, want] of defaults)
    it(`default preset: ${JSON.stringify(value)} → ${want}`, () => {
      const r = sev({}, value);
      expect(r.severity).toBe(want);
      expect(r.text).toBe(String(value));
      expect(r.errors).toEqual([]);
    });

  it('otel (and its alias "aliases") has names and numbers but not warning/err', () => {
    for (const preset of ['otel', 'aliases']) {
      expect(sev({ preset }, 'warn2').severity).toBe(14);
      expect(sev({ preset }, '22').severity).toBe(22);
      expect(sev({ preset }, 'warning').severity).toBe(0);
      expect(sev({ preset }, 'err').severity).toBe(0);
    }
  });

  it('none maps nothing but the mapping', () => {
    expect(sev({ preset: 'none' }, 'error').severity).toBe(0);
    expect(sev({ preset: 'none' }, '17').severity).toBe(0);
    expect(sev({ preset: 'none', mapping: { error: 'oops' } }, 'OOPS').severity).toBe(17);
  });

  it('an unknown preset is a config error', () => {
    expect(() => operatorsSchema.parse([{ type: 'severity_parser', preset: 'syslog' }])).toThrow(/preset/);
  });
});

describe('severity mapping', () => {
  it('keys are severity names or 1..24; other keys are config errors', () => {
    expect(sev({ mapping: { warn2: 'w2' } }, 'W2').severity).toBe(14);
    expect(sev({ mapping: { '18': 'e2' } }, 'e2').severity).toBe(18);
    expect(() => sev({ mapping: { warning: 'w' } }, 'w')).toThrow(/unknown severity "warning"/);
    expect(() => sev({ mapping: { '99': 'x' } }, 'x')).toThrow(/unknown severity "99"/);
  });

  it('values: strings (case-insensitive), whole numbers, lists, ranges (either order), 2xx..5xx', () => {
    const mapping = {
      info: ['ok', 200, { min: 300, max: 302 }],
      warn: '4xx',
      error: '5xx',
      debug: { min: 110, max: 100 },
    };
    expect(sev({ mapping }, 'OK').severity).toBe(9);
    expect(sev({ mapping }, 200).severity).toBe(9);
    expect(sev({ mapping }, '301').severity).toBe(9);
    expect(sev({ mapping }, 404).severity).toBe(13);
    expect(sev({ mapping }, '503').severity).toBe(17);
    expect(sev({ mapping }, 105).severity).toBe(5);
    expect(sev({ mapping }, '303').severity).toBe(0);
    // the preset still applies next to the mapping
    expect(sev({ mapping }, 'warning').severity).toBe(13);
  });

  it('the mapping overrides the preset for the same value', () => {
    expect(sev({ mapping: { error: { min: 10, max: 20 } } }, 13).severity).toBe(17);
    expect(sev({ mapping: { fatal: 'err' } }, 'err').severity).toBe(21);
  });

  it('"1xx" is not an HTTP class in the collector: it is the literal string', () => {
    expect(sev({ mapping: { info: '1xx' } }, 150).severity).toBe(0);
    expect(sev({ mapping: { info: '1xx' } }, '1XX').severity).toBe(9);
  });

  it('bad mapping values are config errors', () => {
    expect(() => sev({ mapping: { info: true } }, 'x')).toThrow(/cannot be parsed as a severity/);
    expect(() => sev({ mapping: { info: 1.5 } }, 'x')).toThrow(/whole number/);
    expect(() => sev({ mapping: { info: { min: 1 } } }, 'x')).toThrow(/min and max/);
  });
});

describe('severity values', () => {
  it('overwrite_text replaces the text with the severity name, but not for unmapped values', () => {
    expect(sev({ overwrite_text: true }, 'err').text).toBe('ERROR');
    expect(sev({ overwrite_text: true }, 'warning3').text).toBe('WARN3');
    expect(sev({ overwrite_text: true }, 14).text).toBe('WARN2');
    expect(sev({ overwrite_text: true }, 'critical').text).toBe('critical');
    expect(sev({ overwrite_text: false }, 'err').text).toBe('err');
  });

  it('a missing field, a fraction and a non-scalar are errors (on_error applies)', () => {
    for (const body of [undefined, 2.5, { a: 1 }, true]) {
      const log = newStanzaLog();
      const out = runOperators([{ type: 'severity_parser', id: 's', on_error: 'send' }], [{ body }], log);
      expect(out).toHaveLength(1);
      expect(out[0].severity).toBe(0);
      expect(log.errors).toHaveLength(1);
      expect(log.counted).toEqual({ s: 1 });
    }
  });

  it('the severity block of a parser: a missing field fails the parser (parse_to already set)', () => {
    const log = newStanzaLog();
    const [e] = runOperators(
      [{ type: 'json_parser', id: 'j', severity: { parse_from: 'attributes.lvl' } }],
      [{ body: '{"msg":"x"}' }],
      log,
    );
    expect(e.attributes).toEqual({ msg: 'x' });
    expect(e.severity).toBe(0);
    expect(log.errors[0]).toMatch(/attributes.lvl/);
    expect(log.counted).toEqual({ j: 1 });
  });
});
