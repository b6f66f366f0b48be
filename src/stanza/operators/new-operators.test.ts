// The operators of issue 14 (retain, noop, csv_parser, uri_parser,
// regex_replace, assign_keys, unquote, strip_ansi_escape_codes,
// sanitize_utf8, json_array_parser, scope_name_parser) and the parsers'
// `body:` key, with cases taken from the collector's tests and docs
// (pkg/stanza/operator/{parser,transformer}/*/…_test.go, docs/operators/*.md),
// and their YAML config errors.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newStanzaLog, runOperators } from '../../../test/support/stanza.js';
import { operatorsSchema } from '../pipeline.js';

/** Validates an `operators:` list written as YAML; returns the messages (with paths) or []. */
function yamlErrors(yaml: string): string[] {
  const r = operatorsSchema.safeParse(parse(yaml));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const one = (ops: Record<string, unknown>[], body: unknown, attributes?: Record<string, unknown>) => {
  const log = newStanzaLog();
  const out = runOperators(ops, [{ body, attributes }], log);
  return { e: out[0], out, log };
};

describe('retain', () => {
  const input = { key1: 'val1', key2: 'val2', key3: 'val3', object: { nestedkey: 'v' } };
  it('keeps the listed body fields and drops the others', () => {
    const { e } = one([{ type: 'retain', fields: ['body.key1', 'body.object'] }], input, { a: 1 });
    expect(e.body).toEqual({ key1: 'val1', object: { nestedkey: 'v' } });
    expect(e.attributes).toEqual({ a: 1 }); // a group with no listed field is kept whole
  });
  it('keeps listed attributes and resource keys across groups; missing fields are skipped', () => {
    const log = newStanzaLog();
    const [e] = runOperators(
      [
        { type: 'add', field: 'resource.r1', value: 'x' },
        { type: 'add', id: 'add2', field: 'resource.r2', value: 'y' },
        { type: 'retain', fields: ['resource.r1', 'attributes.k3', 'body.key1', 'attributes.absent'] },
      ],
      [{ body: input, attributes: { k3: 'v3', k4: 'v4' } }],
      log,
    );
    expect(e.resource).toEqual({ r1: 'x' });
    expect(e.attributes).toEqual({ k3: 'v3' });
    expect(e.body).toEqual({ key1: 'val1' });
    expect(log.errors).toEqual([]);
  });
  it('YAML errors: fields required and non-empty', () => {
    expect(yamlErrors('- type: retain')).toEqual([expect.stringMatching(/^0\.fields: /)]);
    expect(yamlErrors('- type: retain\n  fields: []')).toEqual(["0.fields: retain: 'fields' is empty"]);
  });
});

describe('noop', () => {
  it('passes entries on unchanged and wires by output', () => {
    const out = runOperators(
      [
        { type: 'noop', output: 'last' },
        { type: 'add', field: 'attributes.skipped', value: true },
        { type: 'noop', id: 'last' },
      ],
      [{ body: 'x', attributes: { a: 1 } }],
    );
    expect(out.map((e) => [e.body, e.attributes])).toEqual([['x', { a: 1 }]]);
    expect(yamlErrors('- type: noop\n  field: body')).toEqual([expect.stringMatching(/^0: .*field/)]);
  });
});

describe('csv_parser (collector parser_test.go cases)', () => {
  const header = 'name,sev,msg';
  const cases: [string, Record<string, unknown>, string, Record<string, unknown>?, unknown?][] = [
    [
      'basic',
      { header },
      'stanza,INFO,started agent',
      undefined,
      { name: 'stanza', sev: 'INFO', msg: 'started agent' },
    ],
    [
      'different delimiters',
      { header, header_delimiter: ',', delimiter: '|' },
      'stanza|INFO|started agent',
      undefined,
      { name: 'stanza', sev: 'INFO', msg: 'started agent' },
    ],
    [
      'advanced',
      { header: 'name;address;age;phone;position', delimiter: ';' },
      'stanza;Evergreen;1;555-5555;agent',
      undefined,
      { name: 'stanza', address: 'Evergreen', age: '1', phone: '555-5555', position: 'agent' },
    ],
    [
      'empty field',
      { header: 'name,address,age,phone,position' },
      'stanza,Evergreen,,555-5555,agent',
      undefined,
      { name: 'stanza', address: 'Evergreen', age: '', phone: '555-5555', position: 'agent' },
    ],
    [
      'tab delimiter',
      { header: 'name\taddress', delimiter: '\t' },
      'stanza\tEvergreen',
      undefined,
      { name: 'stanza', address: 'Evergreen' },
    ],
    [
      'comma in quotes',
      { header: 'name,address,age' },
      'stanza,"Evergreen,49508",1',
      undefined,
      { name: 'stanza', address: 'Evergreen,49508', age: '1' },
    ],
    [
      'quotes in quotes',
      { header: 'name,address' },
      '"bob ""the man""",Evergreen',
      undefined,
      { name: 'bob "the man"', address: 'Evergreen' },
    ],
    [
      'lazy quotes',
      { header: 'name,age', lazy_quotes: true },
      'stanza "log parser",1',
      undefined,
      { name: 'stanza "log parser"', age: '1' },
    ],
    [
      'ignore quotes',
      { header: 'name,age,height,number', ignore_quotes: true },
      'stanza log parser,"1,"6ft,5"',
      undefined,
      { name: 'stanza log parser', age: '"1', height: '"6ft', number: '5"' },
    ],
    [
      'dynamic header',
      { header_attribute: 'Fields' },
      'stanza dev,1',
      { Fields: 'name,age' },
      { Fields: 'name,age', name: 'stanza dev', age: '1' },
    ],
    [
      'dynamic header delimiter',
      { header_attribute: 'Fields', header_delimiter: '|' },
      'a,b',
      { Fields: 'x|y' },
      { Fields: 'x|y', x: 'a', y: 'b' },
    ],
    [
      'mariadb audit log',
      { header: 'ts,host,user,db,obj,ret' },
      '20210316 17:08:01,oiq,load,,,0',
      undefined,
      { ts: '20210316 17:08:01', host: 'oiq', user: 'load', db: '', obj: '', ret: '0' },
    ],
  ];
  for (const [name, cfg, body, attrs, want] of cases)
    it(name, () => {
      const { e, log } = one([{ type: 'csv_parser', ...cfg }], body, attrs);
      expect(log.errors).toEqual([]);
      expect(e.attributes).toEqual(want);
      expect(e.body).toBe(body);
    });

  it('a newline in a quoted or unquoted field belongs to the field (TestParserCSVMultiline)', () => {
    const h = { header: 'A,B,C,D,E' };
    const parseBody = (b: string) => one([{ type: 'csv_parser', ...h, parse_to: 'body' }], b).e.body;
    expect(parseBody('aaaa,bbbb,12,true,"e\neee"')).toEqual({
      A: 'aaaa',
      B: 'bbbb',
      C: '12',
      D: 'true',
      E: 'e\neee',
    });
    expect(parseBody('aa\naa,bbbb,12,true,eeee')).toEqual({
      A: 'aa\naa',
      B: 'bbbb',
      C: '12',
      D: 'true',
      E: 'eeee',
    });
    expect(parseBody('aaaa,bb\nbb,12,true,e\neee')).toEqual({
      A: 'aaaa',
      B: 'bb\nbb',
      C: '12',
      D: 'true',
      E: 'e\neee',
    });
    expect(parseBody('\naaaa,bbbb,cccc,dddd,eeee')).toEqual({
      A: 'aaaa',
      B: 'bbbb',
      C: 'cccc',
      D: 'dddd',
      E: 'eeee',
    });
    expect(parseBody('aaaa,"bb\r\nbb",cccc,dddd,eeee')).toEqual({
      A: 'aaaa',
      B: 'bb\nbb',
      C: 'cccc',
      D: 'dddd',
      E: 'eeee',
    });
  });

  it('errors go to on_error: field count, bare quote, missing dynamic header, non-string', () => {
    const h = { header: 'name,age,height,number' };
    for (const [cfg, body, attrs, msg] of [
      [h, '1,400,555', undefined, 'wrong number of fields: expected 4, found 3'],
      [h, 'stanza:1:400:555', undefined, 'wrong number of fields: expected 4, found 1'],
      [h, 'a "b",c,d,e', undefined, 'bare " in non-quoted-field'],
      [h, '"a"b,c,d,e', undefined, 'extraneous or missing " in quoted-field'],
      [h, '"open,c,d,e', undefined, 'extraneous or missing " in quoted-field'],
      [{ header_attribute: 'Fields' }, 'a,b', undefined, 'failed to read dynamic header attribute Fields'],
      [{ header_attribute: 'Fields' }, 'a,b', { Fields: 3 }, 'header is expected to be a string'],
      [h, { not: 'text' }, undefined, 'cannot be parsed as csv'],
    ] as const) {
      const { e, log } = one([{ type: 'csv_parser', ...cfg }], body, attrs);
      expect(log.errors.join(), `${body}`).toContain(msg);
      expect(e.body).toEqual(body); // on_error send: unchanged
    }
  });

  it('YAML errors: the collector Build checks', () => {
    const base = '- type: csv_parser\n';
    expect(yamlErrors(base)).toEqual(["0.header: missing required field 'header' or 'header_attribute'"]);
    expect(yamlErrors(`${base}  header: a,b\n  lazy_quotes: true\n  ignore_quotes: true`)).toEqual([
      "0.ignore_quotes: only one of 'ignore_quotes' or 'lazy_quotes' can be true",
    ]);
    expect(yamlErrors(`${base}  header: a,b\n  delimiter: ';;'`)).toContain(
      "0.delimiter: invalid 'delimiter': ';;'",
    );
    expect(yamlErrors(`${base}  header: 'a,,b'\n  header_delimiter: ',,'`)).toContain(
      "0.header_delimiter: invalid 'header_delimiter': ',,'",
    );
    expect(yamlErrors(`${base}  header: x\n  header_attribute: y`)).toContain(
      "0.header_attribute: only one header parameter can be set: 'header' or 'header_attribute'",
    );
    expect(yamlErrors(`${base}  header: 'name:age'`)).toEqual([
      '0.header: missing field delimiter in header',
    ]);
    expect(yamlErrors(`${base}  header: a,b\n  heder: x`)).toEqual([expect.stringMatching(/heder/)]);
  });
});

describe('uri_parser (collector uri_test.go and doc cases)', () => {
  const cases: [string, unknown][] = [
    [
      'https://dev:pass@google.com/app?user_id=2&token=001',
      {
        scheme: 'https',
        user: 'dev',
        host: 'google.com',
        path: '/app',
        query: { user_id: ['2'], token: ['001'] },
      },
    ],
    ['/app?user=admin', { path: '/app', query: { user: ['admin'] } }],
    [
      '?request=681e6fc4-3314-4ccc-933e-4f9c9f0efd24&env=stage&env=dev',
      { query: { request: ['681e6fc4-3314-4ccc-933e-4f9c9f0efd24'], env: ['stage', 'dev'] } },
    ],
    [
      'http://localhost:8443/v1/x%20y',
      { scheme: 'http', host: 'localhost', port: '8443', path: '/v1/x%20y' },
    ],
    ['http://[::1]:9000/p', { scheme: 'http', host: '::1', port: '9000', path: '/p' }],
    ['/a b', { path: '/a%20b' }],
    ['mailto:someone@example.com', { scheme: 'mailto' }],
    ['/p?a=1+2&b=%41', { path: '/p', query: { a: ['1 2'], b: ['A'] } }],
    ['/p?', { path: '/p' }],
  ];
  for (const [uri, want] of cases)
    it(uri, () => {
      const { e, log } = one([{ type: 'uri_parser', parse_to: 'body' }], uri);
      expect(log.errors).toEqual([]);
      expect(e.body).toEqual(want);
    });
  it('a "__proto__" query parameter is an ordinary key', () => {
    const q = (one([{ type: 'uri_parser', parse_to: 'body' }], '/p?__proto__=x').e.body as { query: object })
      .query;
    expect(Object.entries(q)).toEqual([['__proto__', ['x']]]);
    expect(Object.getPrototypeOf(q)).toBe(Object.prototype);
  });
  it('errors: relative without slash, bad escapes, semicolons, control characters, non-string', () => {
    for (const [v, msg] of [
      ['app/x', 'invalid URI for request'],
      ['/p%zz', 'invalid URL escape "%zz"'],
      ['?a=1;b=2', 'invalid semicolon separator in query'],
      ['?a=%', 'invalid URL escape "%"'],
      ['http://h:x/', 'invalid port ":x" after host'],
      ['/a\tb', 'invalid control character'],
      [':x', 'missing protocol scheme'],
      [12, "type 'int64' cannot be parsed as URI"],
    ] as const) {
      const { log } = one([{ type: 'uri_parser' }], v);
      expect(log.errors.join(), String(v)).toContain(msg);
    }
  });
});

describe('regex_replace (collector transformer_test.go)', () => {
  const run = (cfg: Record<string, unknown>, body: unknown) =>
    one([{ type: 'regex_replace', field: 'body', ...cfg }], body);
  it('replaces every match, expanding Go templates', () => {
    expect(run({ regex: ' +', replace_with: ' ' }, 'Hello  World').e.body).toBe('Hello World');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go replacement template
    expect(run({ regex: '{(.*?)}', replace_with: '${1}' }, '{a}{bb}{ccc}').e.body).toBe('abbccc');
    // greedy, as in Go: the collector doc's "abbccc" is what the lazy form above gives
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go replacement template
    expect(run({ regex: '{(.*)}', replace_with: '${1}' }, '{a}{bb}{ccc}').e.body).toBe('a}{bb}{ccc');
    expect(run({ regex: '(?P<k>\\w+)=(?P<v>\\w+)', replace_with: '$v:$k' }, 'a=1 b=2').e.body).toBe(
      '1:a 2:b',
    );
    // Go reads "$1x" as the group named "1x" (none): empty; "$$" is a dollar
    expect(run({ regex: '(b)', replace_with: '$1x-$$' }, 'abc').e.body).toBe('a-$c');
    expect(run({ regex: 'x', replace_with: 'y' }, 'no match').e.body).toBe('no match');
    // an empty match right after a match is skipped (Go), not replaced (JS)
    expect(run({ regex: 'a*', replace_with: '-' }, 'baaac').e.body).toBe('-b-c-');
    expect(run({ regex: '(?i)hello', replace_with: 'bye' }, 'HeLLo there').e.body).toBe('bye there');
  });
  it('ansi_control_sequences removes CSI escape codes', () => {
    expect(
      run({ regex_name: 'ansi_control_sequences' }, '\x1b[31mred\x1b[0m \x1b[1;4mbold\x1b[m').e.body,
    ).toBe('red bold');
  });
  it('a missing field is left alone; a non-string is an error', () => {
    expect(one([{ type: 'regex_replace', field: 'attributes.x', regex: 'a' }], 'a').log.errors).toEqual([]);
    expect(run({ regex: 'a' }, { m: 1 }).log.errors.join()).toContain('cannot be handled');
  });
  it('YAML errors: exactly one of regex and regex_name; a valid regex; a known name', () => {
    expect(yamlErrors('- type: regex_replace\n  field: body')).toEqual([
      '0: either regex or regex_name must be set',
    ]);
    expect(
      yamlErrors('- type: regex_replace\n  field: body\n  regex: a\n  regex_name: ansi_control_sequences'),
    ).toEqual(['0: either regex or regex_name must be set']);
    expect(yamlErrors("- type: regex_replace\n  field: body\n  regex: '('")[0]).toMatch(
      /^0\.regex: regex: invalid regexp "\(": /,
    );
    // RE2 has no backreferences: refused with the construct named, as the collector refuses it
    expect(yamlErrors("- type: regex_replace\n  field: body\n  regex: '(a)\\1'")).toEqual([
      '0.regex: regex: invalid regexp "(a)\\1": invalid escape sequence: \\1 (backreferences are not supported in RE2)',
    ]);
    expect(yamlErrors('- type: regex_replace\n  field: body\n  regex_name: colours')[0]).toMatch(
      /^0\.regex_name/,
    );
    expect(yamlErrors('- type: regex_replace\n  regex: a')[0]).toMatch(/^0\.field/);
  });
});

describe('strip_ansi_escape_codes', () => {
  it('removes CSI codes from the field', () => {
    const { e } = one([{ type: 'strip_ansi_escape_codes', field: 'body' }], '\x1b[31mred\x1b[0m');
    expect(e.body).toBe('red');
    const a = one([{ type: 'strip_ansi_escape_codes', field: 'attributes.m' }], 'b', { m: 'x\x1b[2Ky' });
    expect(a.e.attributes.m).toBe('xy');
    expect(one([{ type: 'strip_ansi_escape_codes', field: 'body' }], 5).log.errors.join()).toContain(
      'cannot be handled',
    );
    expect(yamlErrors('- type: strip_ansi_escape_codes')[0]).toMatch(/^0\.field/);
  });
});

describe('assign_keys (collector transformer_test.go)', () => {
  it('turns a list into a map in the body or an attribute', () => {
    const { e } = one(
      [{ type: 'assign_keys', field: 'body', keys: ['foo', 'bar', 'charlie', 'foxtrot'] }],
      [1, 'debug', 'Debug Message', true],
    );
    expect(e.body).toEqual({ foo: 1, bar: 'debug', charlie: 'Debug Message', foxtrot: true });
    const a = one([{ type: 'assign_keys', field: 'attributes.input', keys: ['foo', 'bar'] }], 'b', {
      input: [1, 'debug'],
      field2: 'unchanged',
    });
    expect(a.e.attributes).toEqual({ input: { foo: 1, bar: 'debug' }, field2: 'unchanged' });
  });
  it('errors: missing field, not a list, count mismatch', () => {
    const k = { type: 'assign_keys', field: 'body', keys: ['a', 'b'] };
    expect(one([{ ...k, field: 'attributes.x' }], [1]).log.errors.join()).toContain('does not exist');
    expect(one([k], 'text').log.errors.join()).toContain("couldn't convert field body to []any");
    expect(one([k], [1, 2, 3]).log.errors.join()).toContain('contains 3 values');
  });
  it('YAML errors: keys required and non-empty', () => {
    expect(yamlErrors('- type: assign_keys\n  field: body\n  keys: []')).toEqual([
      '0.keys: assign_keys missing required field keys',
    ]);
    expect(yamlErrors('- type: assign_keys\n  field: body')[0]).toMatch(/^0\.keys/);
  });
});

describe('unquote (Go strconv.Unquote, collector unquote_test.go)', () => {
  const cases: [string, string][] = [
    ['"hello"', 'hello'],
    ['`bar`', 'bar'],
    ["'v'", 'v'],
    ['"a\\tb\\n\\"q\\""', 'a\tb\n"q"'],
    ['"\\u00e9\\U0001F600\\x41\\101"', 'é😀AA'],
    ['`raw\\n\r`', 'raw\\n'],
    ["'\\n'", '\n'],
    ['"é"', 'é'],
  ];
  for (const [input, want] of cases)
    it(input, () => {
      const { e, log } = one([{ type: 'unquote', field: 'body' }], input);
      expect(log.errors).toEqual([]);
      expect(e.body).toBe(want);
    });
  it('invalid syntax is an error and leaves the value', () => {
    for (const bad of [
      'hello',
      '"unterminated',
      '"a"b"',
      "'ab'",
      '"bad \\q"',
      '"\\xZZ"',
      '"a\nb"',
      '`a`b`',
      '"\\ud800"',
      '"\\400"',
    ]) {
      const { e, log } = one([{ type: 'unquote', field: 'body' }], bad);
      expect(log.errors.join(), bad).toContain('invalid syntax');
      expect(e.body).toBe(bad);
    }
    expect(one([{ type: 'unquote', field: 'body' }], 1.5).log.errors.join()).toContain('cannot be unquoted');
    expect(one([{ type: 'unquote', field: 'attributes.none' }], '"x"').log.errors).toEqual([]);
    expect(yamlErrors('- type: unquote')[0]).toMatch(/^0\.field/);
  });
});

describe('sanitize_utf8', () => {
  it('replaces unpaired surrogates with U+FFFD and leaves valid text alone', () => {
    expect(one([{ type: 'sanitize_utf8' }], 'a\ud800b\udc00c😀').e.body).toBe('a\ufffdb\ufffdc😀');
    const { e } = one([{ type: 'sanitize_utf8', field: 'attributes.m' }], 'x', { m: 'ok é' });
    expect(e.attributes.m).toBe('ok é');
    expect(one([{ type: 'sanitize_utf8' }], { a: 1 }).log.errors.join()).toContain(
      "field 'body' is not a string",
    );
    expect(yamlErrors('- type: sanitize_utf8\n  fields: body')[0]).toMatch(/fields/);
  });
});

describe('json_array_parser (collector parser_test.go)', () => {
  it('parses into a list or, with a header, a map', () => {
    const body = '["stanza","INFO","started agent", 42, true]';
    expect(one([{ type: 'json_array_parser', parse_to: 'body' }], body).e.body).toEqual([
      'stanza',
      'INFO',
      'started agent',
      42,
      true,
    ]);
    expect(one([{ type: 'json_array_parser', parse_to: 'attributes.output' }], body).e.attributes).toEqual({
      output: ['stanza', 'INFO', 'started agent', 42, true],
    });
    expect(
      one([{ type: 'json_array_parser', header: 'origin,sev,message,count,isBool' }], body).e.attributes,
    ).toEqual({
      origin: 'stanza',
      sev: 'INFO',
      message: 'started agent',
      count: 42,
      isBool: true,
    });
    expect(
      one(
        [{ type: 'json_array_parser', parse_to: 'body' }],
        '["stanza", 42, {"city": "New York", "zip": 10001}, null, 1.5, 9223372036854775807]',
      ).e.body,
    ).toEqual(['stanza', 42, '{"city":"New York","zip":10001}', null, 0, 9223372036854775807n]);
    expect(
      one([{ type: 'json_array_parser', parse_to: 'body' }], '["a\\nb","Evergreen,49508"]').e.body,
    ).toEqual(['a\nb', 'Evergreen,49508']);
    expect(one([{ type: 'json_array_parser', parse_to: 'body' }], '{"not":"array"}').e.body).toEqual([]);
  });
  it('errors: default parse_to (a list cannot be the attributes), header count, nested array, bad JSON', () => {
    const body = '["stanza","INFO","started agent", 42, true]';
    expect(one([{ type: 'json_array_parser' }], body).log.errors.join()).toContain('non-map');
    expect(one([{ type: 'json_array_parser', header: 'name,sev,msg' }], body).log.errors.join()).toContain(
      'wrong number of fields: expected 3, found 5',
    );
    expect(one([{ type: 'json_array_parser', parse_to: 'body' }], '[[1,2]]').log.errors.join()).toContain(
      'failed to parse entry',
    );
    expect(one([{ type: 'json_array_parser', parse_to: 'body' }], '[1,').log.errors.join()).toContain(
      'failed to parse entry',
    );
    expect(one([{ type: 'json_array_parser', parse_to: 'body' }], '[1] x').log.errors.join()).toContain(
      'failed to parse entry',
    );
    expect(yamlErrors('- type: json_array_parser\n  header: [a]')[0]).toMatch(/^0\.header/);
  });
});

describe('scope_name_parser and the scope_name block', () => {
  it('sets the scope name from a string field; missing or non-string is an error', () => {
    expect(one([{ type: 'scope_name_parser' }], 'my.logger').e.scopeName).toBe('my.logger');
    expect(
      one([{ type: 'scope_name_parser', parse_from: 'attributes.logger' }], 'b', { logger: 'x.y' }).e
        .scopeName,
    ).toBe('x.y');
    expect(
      one([{ type: 'scope_name_parser', parse_from: 'attributes.none' }], 'b').log.errors.join(),
    ).toContain('does not have the expected parse_from field');
    expect(one([{ type: 'scope_name_parser' }], { a: 1 }).log.errors.join()).toContain(
      'does not contain a string',
    );
    const block = one(
      [{ type: 'json_parser', scope_name: { parse_from: 'attributes.logger' } }],
      '{"logger":"lib.a"}',
    );
    expect(block.e.scopeName).toBe('lib.a');
  });
});

describe('the parsers’ body key', () => {
  it('after parsing, the body becomes that field (every complex parser)', () => {
    const cases: [Record<string, unknown>, unknown, unknown][] = [
      [{ type: 'json_parser', body: 'attributes.msg' }, '{"msg":"hi","n":1}', 'hi'],
      [
        { type: 'regex_parser', regex: '^(?P<lvl>\\w+) (?P<msg>.*)$', body: 'attributes.msg' },
        'INFO started',
        'started',
      ],
      [{ type: 'key_value_parser', body: 'attributes.msg' }, 'a=1 msg=done', 'done'],
      [{ type: 'csv_parser', header: 'a,msg', body: 'attributes.msg' }, '1,text', 'text'],
      [{ type: 'uri_parser', body: 'attributes.path' }, '/x?y=1', '/x'],
      [{ type: 'json_array_parser', header: 'a,msg', body: 'attributes.msg' }, '[1,"m"]', 'm'],
      [
        { type: 'syslog_parser', protocol: 'rfc3164', body: 'attributes.message' },
        '<34>Oct 11 22:14:15 host su: gone',
        'gone',
      ],
    ];
    for (const [op, input, want] of cases) {
      const { e, log } = one([op], input);
      expect(log.errors, String(op.type)).toEqual([]);
      expect(e.body, String(op.type)).toEqual(want);
    }
  });
  it('a body field that is missing leaves the body as it was', () => {
    expect(one([{ type: 'json_parser', body: 'attributes.nope' }], '{"a":1}').e.body).toBe('{"a":1}');
  });
  it('YAML error: parse_to body together with body', () => {
    expect(yamlErrors('- type: json_parser\n  parse_to: body\n  body: body.msg')).toEqual([
      '0.body: `parse_to: body` not allowed when `body` is configured',
    ]);
  });
});

describe('parser blocks: every block is attempted, the first failure wins', () => {
  it('a failing timestamp block still lets severity run, and on_error reports the time error', () => {
    const log = newStanzaLog();
    const [e] = runOperators(
      [
        {
          type: 'json_parser',
          timestamp: { parse_from: 'attributes.missing', layout: '%Y' },
          severity: { parse_from: 'attributes.level' },
        },
      ],
      [{ body: '{"level":"error"}' }],
      log,
    );
    expect(e.severity).toBe(17);
    expect(log.errors[0]).toMatch(/^time parser: /);
  });
});
