// OTTL statement and condition cases, written from the collector's OTTL
// documentation (LANGUAGE.md, ottlfuncs README, contexts READMEs): parsing
// with column errors, comparison and math rules, paths, editors, converters.
import { describe, expect, it } from 'vitest';
import { fromAnyValue, toAnyValue } from '../pdata/attributes.js';
import { newLogRecord, newResource, newScope, newSpan, newSpanEvent } from '../pdata/create.js';
import type { KeyValue, LogRecord, Span } from '../pdata/types.js';
import {
  type ContextName,
  compileConditions,
  compileGroup,
  ErrorReporter,
  evalConditions,
  OttlConfigError,
  runGroup,
  SIGNAL_CONTEXTS,
  TransformContext,
} from './index.js';

const attrs = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: toAnyValue(v) }));
const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

function fixture() {
  const ctx = new TransformContext();
  const resource = newResource();
  resource.attributes = attrs({ 'service.name': 'checkout', 'host.name': 'pod-1', env: 'prod' });
  const scope = newScope('lib', '1.2');
  scope.attributes = attrs({ team: 'payments' });
  const log: LogRecord = newLogRecord();
  log.severityNumber = 13;
  log.severityText = 'WARN';
  log.body = { stringValue: '{"user":"alice","level":"warn","n":3,"nested":{"a":1}}' };
  log.attributes = attrs({
    'http.method': 'GET',
    'http.status_code': 500n,
    duration: 1.5,
    ok: true,
    tags: ['a', 'b'],
    m: { k: 'v', n: { x: 1n } },
    empty: '',
    path: '/user/123/list/456',
    cmd: 'run --password=secret now',
    kv: 'k1=v1 k2="v 2"',
    when: '2023-02-04 12:34:56',
    Upper_Key: 'X',
  });
  log.attributes.push({ key: 'raw', value: { bytesValue: Uint8Array.from([1, 2]) } });
  log.traceId = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  log.timeUnixNano = 1_700_000_000_000_000_000n;
  const span: Span = newSpan();
  span.name = 'GET /health';
  span.kind = 2;
  span.status = { code: 2, message: 'boom' };
  span.traceState = 'a=1,b=2';
  span.startTimeUnixNano = 1_000_000_000n;
  span.endTimeUnixNano = 3_500_000_000n;
  span.attributes = attrs({ 'http.route': '/health', 'http.status_code': 200n });
  const ev = newSpanEvent();
  ev.name = 'exception';
  ev.attributes = attrs({ 'exception.type': 'Error' });
  span.events.push(ev);
  ctx.setResource(resource, { schemaUrl: 'https://schema/1' });
  ctx.setScope(scope, { schemaUrl: '' });
  ctx.log = log;
  ctx.span = span;
  ctx.event = ev;
  return { ctx, resource, scope, log, span, ev };
}

function contextOf(text: string): ContextName {
  if (/\bspanevent\./.test(text)) return 'spanevent';
  if (/\bspan\./.test(text) || /IsRootSpan/.test(text)) return 'span';
  return 'log';
}

function cond(text: string): boolean {
  const f = fixture();
  const context = contextOf(text);
  const allowed = context === 'log' ? SIGNAL_CONTEXTS.logs : SIGNAL_CONTEXTS.traces;
  const [set] = compileConditions([text], { context, allowed, errorMode: 'propagate' });
  return evalConditions(set.conditions, 'propagate', f.ctx, new ErrorReporter(undefined));
}

function run(statements: string[], context: ContextName = 'log') {
  const f = fixture();
  const allowed =
    context === 'log' || context === 'resource' || context === 'scope'
      ? SIGNAL_CONTEXTS.logs
      : SIGNAL_CONTEXTS.traces;
  const g = compileGroup({ context, statements, errorMode: 'propagate' }, allowed);
  runGroup(g, f.ctx, new ErrorReporter(undefined));
  return f;
}

/** Evaluates an expression by setting it into an attribute and reading it back (plain JS form). */
function value(expr: string, context: ContextName = 'log'): unknown {
  const f = run([`set(${context === 'log' ? 'log' : 'span'}.attributes["out"], ${expr})`], context);
  const kvs = context === 'log' ? f.log.attributes : f.span.attributes;
  const kv = kvs.find((x) => x.key === 'out');
  return kv ? fromAnyValue(kv.value) : undefined;
}

function compileError(text: string, kind: 'statement' | 'condition' = 'statement'): OttlConfigError {
  try {
    if (kind === 'statement') compileGroup({ statements: [text], errorMode: 'ignore' }, SIGNAL_CONTEXTS.logs);
    else compileConditions([text], { allowed: SIGNAL_CONTEXTS.logs, errorMode: 'ignore' });
  } catch (err) {
    if (err instanceof OttlConfigError) return err;
    throw err;
  }
  throw new Error(`no error for ${text}`);
}

describe('parse errors name what was expected and the column', () => {
  const cases: [string, RegExp, number | undefined][] = [
    ['set(log.body, "x"', /expected "," or "\)", found end of input/, 18],
    ['set(log.body "x")', /expected "," or "\)"/, 14],
    ['set log.body', /expected an editor invocation/, 1],
    ['', /expected an editor invocation/, 1],
    ['Set(log.body, "x")', /editor names must start with a lowercase letter but got 'Set'/, 1],
    [
      'set(log.body, concat(["a"], ""))',
      /converter names must start with an uppercase letter but got 'concat'/,
      15,
    ],
    ['set(log.body, "x") where', /expected a value, found end of input/, 25],
    ['set(log.body, "x") where log.body', /expected a condition/, 26],
    ['set(log.body, "x") where log.body == "a" xor', /expected "and", "or" or end of statement/, 42],
    ['set(log.body, "x") wher log.body == "a"', /expected "where" or end of statement/, 20],
    ['set(log.attributes[test], "x")', /missing context name|expected/, undefined],
    ['set(log.body, "unterminated)', /unterminated string literal/, 15],
    ['set(log.body, "bad \\q escape")', /invalid escape \\q/, 20],
    ['set(log.body, 0x123)', /odd number of hex digits/, 15],
    ['set(log.body, 1 +)', /expected a value, found "\)"/, 18],
    ['set(log.body, "a" + "b")', /invalid math operand/, 15],
    ['set(log.body, 1 == 1)', /unexpected comparison where a value is expected/, 15],
    ['set(log.body, "x") where 1 == 1 == 1', /comparisons cannot be chained/, 33],
    ['set(log.body, "x") where not not true', /a condition after "not"/, 30],
    ['set(log.body, [1, 2)', /expected "," or "\]"/, 20],
    ['set(log.body, {"a" 1})', /expected ":"/, 20],
    ['set(log.body, {a: 1})', /expected a string map key/, 16],
    ['set(log.body, x=1, 2)', /positional arguments must come before named arguments/, 20],
    ['set(log.body, "x") | 1', /unexpected character "\|"/, 20],
    ['set(log.body, 99999999999999999999)', /out of range for int64/, 15],
    ['set(log.attributes[], "x")', /expected a key/, 20],
    ['set(log.attributes[true], "x")', /a key must be a string, an int, a path or a converter/, 20],
    ['delete_key(log.attributes, "a")["x"]', /only paths and converters may be indexed/, undefined],
    ['set(log.body, "x") where (log.body == "a"', /expected "\)"/, 42],
    [`set(log.body, ${'('.repeat(80)}1${')'.repeat(80)})`, /nested too deeply/, undefined],
  ];
  it.each(cases)('%s', (text, re, column) => {
    const err = compileError(text);
    expect(err.message).toMatch(re);
    if (column !== undefined) expect(err.column).toBe(column);
  });

  const condCases: [string, RegExp][] = [
    ['log.body ==', /expected a value/],
    ['set(log.body, "x")', /editors cannot be used in conditions|converter names must start/],
    ['log.body == "a" and', /expected a value/],
    ['IsMatch(log.body, "(")', /not a valid regexp/],
  ];
  it.each(condCases)('condition %s', (text, re) => {
    expect(compileError(text, 'condition').message).toMatch(re);
  });
});

describe('compile errors: paths, functions, arguments', () => {
  const cases: [string, RegExp][] = [
    ['set(log.nope, "x")', /unknown path "log.nope"/],
    ['set(span.name, "x")', /context "span" cannot be used here/],
    ['set(attributes["x"], "y")', /unable to infer context/],
    ['not_a_function(log.attributes)', /undefined function "not_a_function"/],
    ['set(log.body)', /incorrect number of arguments\. Expected: 2 Received: 1/],
    ['set(log.body, "a", "b")', /incorrect number of arguments/],
    ['keep_keys(log.attributes, "x")', /invalid argument at position 1: expected a list of strings/],
    ['set("x", log.body)', /invalid argument at position 0: must be a path/],
    ['limit(log.attributes, -1, [])', /cannot be negative/],
    ['limit(log.attributes, 1, ["a", "b"])', /greater than limit/],
    ['truncate_all(log.attributes, -1)', /cannot be negative/],
    ['merge_maps(log.attributes, log.cache, "both")', /must be 'insert', 'update' or 'upsert'/],
    [
      'replace_all_patterns(log.attributes, "both", "a", "b")',
      /invalid mode both, must be either 'key' or 'value'/,
    ],
    ['replace_pattern(log.body, "(", "x")', /not a valid pattern/],
    ['set(log.attributes["x"], ConvertCase(log.body, "kebab"))', /invalid case: kebab/],
    ['set(log.attributes["x"], ExtractPatterns(log.body, "(a)"))', /at least 1 named capture group/],
    // RE2 group names are [A-Za-z0-9_]+ (Go's regexp/syntax isValidCaptureName)
    [
      'set(log.attributes["x"], ExtractPatterns(log.body, "(?P<git.sha>a)"))',
      /invalid named capture: \(\?P<git\.sha>/,
    ],
    // RE2 has no backreferences and no look-around
    [
      'set(log.attributes["x"], IsMatch(log.body, "(a)\\\\1"))',
      /invalid escape sequence: \\1 \(backreferences/,
    ],
    ['replace_pattern(log.body, "a(?=b)", "x")', /\(\?= \(look-ahead\)/],
    ['set(log.severity_number, SEVERITY_NUMBER_NOPE)', /enum symbol, SEVERITY_NUMBER_NOPE, not found/],
    ['set(log.body, "x") where IsRootSpan()', /IsRootSpan|not supported/],
    ['append(log.attributes["t"])', /at least one of the optional arguments/],
    ['set(log.body, Time(log.attributes["when"], "%Q"))', /unsupported directive %Q/],
    [
      'set(resource.cache["x"], 1) where log.body != nil',
      /access to cache must be performed using the same context/,
    ],
    ['set(log.attributes["x"], Concat(["a"], "-", "extra"))', /incorrect number of arguments/],
    ['set(log.attributes["x"], ParseKeyValue(log.body, "=", "="))', /cannot be equal to delimiter/],
    ['flatten(log.attributes, "p", -2)', /cannot be negative/],
    ['set(log.body, "x", nope = 1)', /no such parameter "nope"/],
  ];
  it.each(cases)('%s', (text, re) => {
    expect(compileError(text).message).toMatch(re);
  });
});

describe('conditions (comparison rules, boolean logic, paths)', () => {
  const cases: [string, boolean][] = [
    ['log.attributes["http.method"] == "GET"', true],
    ['log.attributes["http.method"] != "GET"', false],
    ['log.attributes["http.method"] == "get"', false],
    ['log.attributes["http.status_code"] == 500', true],
    ['log.attributes["http.status_code"] >= 500', true],
    ['log.attributes["http.status_code"] < 500', false],
    ['log.attributes["http.status_code"] == 500.0', true],
    ['log.attributes["http.status_code"] > 499.5', true],
    ['log.attributes["duration"] == 1.5', true],
    ['log.attributes["duration"] < 2', true],
    ['log.attributes["duration"] > 1', true],
    ['log.attributes["http.status_code"] == "500"', false],
    ['log.attributes["http.status_code"] != "500"', true],
    ['log.attributes["http.status_code"] < "600"', false],
    ['log.attributes["ok"] == true', true],
    ['log.attributes["ok"] != false', true],
    ['log.attributes["ok"] > false', true],
    ['log.attributes["missing"] == nil', true],
    ['log.attributes["missing"] != nil', false],
    ['log.attributes["http.method"] != nil', true],
    ['log.attributes["missing"] == ""', false],
    ['log.attributes["empty"] == ""', true],
    ['log.attributes["empty"] == nil', false],
    ['nil == nil', true],
    ['nil != nil', false],
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 2.5', true],
    ['"abc" < "abd"', true],
    ['"b" > "a"', true],
    ['"a" == "a"', true],
    ['true', true],
    ['false', false],
    ['not true', false],
    ['not false', true],
    ['true and false', false],
    ['true or false', true],
    ['false or false or true', true],
    ['true and true and false', false],
    ['not true and false', false],
    ['not (true and false)', true],
    ['false and false or true', true],
    ['false and (false or true)', false],
    ['(1 + 2) == 3', true],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 / 3 == 3', true],
    ['-7 / 2 == -3', true],
    ['1.5 * 2.0 == 3.0', true],
    ['10 - 2 - 3 == 5', true],
    ['log.attributes["http.status_code"] + 1 == 501', true],
    ['log.severity_number == SEVERITY_NUMBER_WARN', true],
    ['log.severity_number >= SEVERITY_NUMBER_INFO', true],
    ['log.severity_number < SEVERITY_NUMBER_WARN', false],
    ['log.severity_text == "WARN"', true],
    ['log.attributes["m"]["k"] == "v"', true],
    ['log.attributes["m"]["n"]["x"] == 1', true],
    ['log.attributes["m"]["missing"] == nil', true],
    ['log.attributes["tags"][0] == "a"', true],
    ['log.attributes["tags"][1] == "b"', true],
    ['log.attributes["tags"] == ["a", "b"]', true],
    ['log.attributes["tags"] != ["b", "a"]', true],
    ['log.attributes["m"] == {"k": "v", "n": {"x": 1}}', true],
    ['log.attributes["raw"] == 0x0102', true],
    ['log.attributes["raw"] != 0x0103', true],
    ['log.attributes["raw"] < 0x0103', true],
    ['resource.attributes["service.name"] == "checkout"', true],
    ['resource.attributes["host.name"] != "pod-2"', true],
    ['resource.schema_url == "https://schema/1"', true],
    ['scope.name == "lib"', true],
    ['instrumentation_scope.version == "1.2"', true],
    ['scope.attributes["team"] == "payments"', true],
    ['log.trace_id.string == "0102030405060708090a0b0c0d0e0f10"', true],
    ['log.trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f10)', true],
    ['log.span_id == SpanID(0x0000000000000000)', true],
    ['log.span_id.string == "0000000000000000"', true],
    ['log.time_unix_nano == 1700000000000000000', true],
    ['log.time == Unix(1700000000)', true],
    ['log.time > Unix(1600000000)', true],
    ['log.observed_time_unix_nano == 0', true],
    ['log.flags == 0', true],
    ['log.dropped_attributes_count == 0', true],
    ['log.event_name == ""', true],
    ['IsMatch(log.attributes["http.method"], "^G")', true],
    ['IsMatch(log.attributes["missing"], ".*")', false],
    ['IsMatch(log.attributes["http.status_code"], "^5\\\\d\\\\d$")', true],
    ['IsMatch(log.attributes["ok"], "true")', true],
    ['IsMatch(log.body, "(?i)ALICE")', true],
    ['IsMatch(resource.attributes["host.name"], "pod-*")', true],
    ['not IsMatch(log.attributes["http.method"], "POST")', true],
    ['IsString(log.body) and IsMatch(log.body, "^\\\\{")', true],
    ['IsMap(ParseJSON(log.body))', true],
    ['ParseJSON(log.body)["user"] == "alice"', true],
    ['ParseJSON(log.body)["n"] == 3.0', true],
    ['ParseJSON(log.body)["nested"]["a"] == 1.0', true],
    ['Len(log.attributes["tags"]) == 2', true],
    ['Len(log.attributes) > 5', true],
    ['Split(log.attributes["path"], "/")[2] == "123"', true],
    ['Concat(["a", "b"], "-") == "a-b"', true],
    ['log.body.string != ""', true],
    ['span.name == "GET /health"', true],
    ['span.kind == SPAN_KIND_SERVER', true],
    ['span.kind.string == "Server"', true],
    ['span.status.code == STATUS_CODE_ERROR', true],
    ['span.status.message == "boom"', true],
    ['span.trace_state["b"] == "2"', true],
    ['span.trace_state["zz"] == nil', true],
    ['span.end_time_unix_nano - span.start_time_unix_nano == 2500000000', true],
    ['span.end_time - span.start_time == Duration("2.5s")', true],
    ['span.attributes["http.route"] == "/health" and span.attributes["http.status_code"] < 400', true],
    ['IsRootSpan()', true],
    ['span.parent_span_id == SpanID(0x0000000000000000)', true],
    ['span.dropped_events_count == 0', true],
    ['spanevent.name == "exception" and span.name == "GET /health"', true],
    ['spanevent.attributes["exception.type"] == "Error"', true],
    ['Len(log.attributes["http.method"]) == 3', true],
    ['HasPrefix(log.attributes["path"], "/user")', true],
    ['HasSuffix(log.attributes["path"], "456")', true],
    ['ContainsValue(log.attributes["tags"], "b")', true],
    ['ContainsValue([1, 2, 3], 4)', false],
    ['IsInt(log.attributes["http.status_code"])', true],
    ['IsDouble(log.attributes["duration"])', true],
    ['IsBool(log.attributes["ok"])', true],
    ['IsList(log.attributes["tags"])', true],
    ['IsEmpty(log.attributes["empty"])', true],
    ['IsEmpty(log.attributes["missing"])', true],
    ['IsEmpty(log.attributes["tags"])', false],
  ];
  it.each(cases)('%s → %s', (text, want) => {
    expect(cond(text)).toBe(want);
  });
});

describe('editors change pdata in place', () => {
  it.each<[string, Record<string, unknown>]>([
    ['set(log.attributes["new"], "v")', { new: 'v' }],
    ['set(log.attributes["n"], 5)', { n: 5 }],
    ['set(log.attributes["f"], 2.5)', { f: 2.5 }],
    ['set(log.attributes["b"], false)', { b: false }],
    ['set(log.attributes["l"], [1, "a", true])', { l: [1, 'a', true] }],
    ['set(log.attributes["mm"], {"a": {"b": 1}})', { mm: { a: { b: 1 } } }],
    ['set(log.attributes["copy"], resource.attributes["service.name"])', { copy: 'checkout' }],
    ['set(log.attributes["http.method"], nil)', { 'http.method': 'GET' }],
    ['set(log.attributes["x"], log.attributes["missing"])', {}],
    ['set(log.attributes["m"]["k"], "w")', { m: { k: 'w', n: { x: 1 } } }],
    ['set(log.attributes["deep"]["a"]["b"], 1)', { deep: { a: { b: 1 } } }],
    ['set(log.attributes["tags"][1], "z")', { tags: ['a', 'z'] }],
  ])('%s', (stmt, want) => {
    const f = run([stmt]);
    const got = plain(f.log.attributes);
    for (const [k, v] of Object.entries(want)) expect(got[k]).toEqual(v);
    if (Object.keys(want).length === 0) expect(got.x).toBeUndefined();
  });

  it.each<[string, (a: Record<string, unknown>) => void]>([
    ['delete_key(log.attributes, "http.method")', (a) => expect(a['http.method']).toBeUndefined()],
    [
      'delete_matching_keys(log.attributes, "^http\\\\.")',
      (a) => expect(Object.keys(a).some((k) => k.startsWith('http.'))).toBe(false),
    ],
    ['delete_matching_keys(log.attributes, "(?i)PASS|CMD")', (a) => expect(a.cmd).toBeUndefined()],
    [
      'keep_keys(log.attributes, ["ok", "duration"])',
      (a) => expect(Object.keys(a).sort()).toEqual(['duration', 'ok']),
    ],
    ['keep_keys(log.attributes, [])', (a) => expect(a).toEqual({})],
    [
      'keep_matching_keys(log.attributes, "^http")',
      (a) => expect(Object.keys(a).sort()).toEqual(['http.method', 'http.status_code']),
    ],
    ['limit(log.attributes, 2, ["ok"])', (a) => expect(Object.keys(a).length).toBe(2)],
    ['limit(log.attributes, 1, ["ok"])', (a) => expect(Object.keys(a)).toEqual(['ok'])],
    [
      'truncate_all(log.attributes, 3)',
      (a) => expect([a.path, a['http.method'], a.duration]).toEqual(['/us', 'GET', 1.5]),
    ],
    ['truncate_all(log.attributes, 8, true, "...")', (a) => expect(a.path).toBe('/user...')],
    [
      'replace_pattern(log.attributes["cmd"], "password=[^\\\\s]*(\\\\s?)", "password=***$1")',
      (a) => expect(a.cmd).toBe('run --password=*** now'),
    ],
    [
      'replace_pattern(log.attributes["path"], "^/user/(?P<id>\\\\d+)", "/u/${id}")',
      (a) => expect(a.path).toBe('/u/123/list/456'),
    ],
    ['replace_pattern(log.attributes["path"], "\\\\d+", "N")', (a) => expect(a.path).toBe('/user/N/list/N')],
    [
      'replace_pattern(log.attributes["path"], "(\\\\d+)", "$$1")',
      (a) => expect(a.path).toBe('/user/$1/list/$1'),
    ],
    [
      'replace_pattern(log.attributes["path"], "\\\\d+", "x", SHA256, "id:%s")',
      (a) => expect(String(a.path)).toMatch(/^\/user\/id:[0-9a-f]{64}\/list\/id:/),
    ],
    [
      'replace_all_patterns(log.attributes, "value", "/\\\\d+", "/{id}")',
      (a) => expect(a.path).toBe('/user/{id}/list/{id}'),
    ],
    [
      'replace_all_patterns(log.attributes, "key", "^http\\\\.", "h.")',
      (a) => expect(a['h.method']).toBe('GET'),
    ],
    [
      'replace_match(log.attributes["path"], "/user/*/list/*", "/user/{userId}/list/{listId}")',
      (a) => expect(a.path).toBe('/user/{userId}/list/{listId}'),
    ],
    [
      'replace_match(log.attributes["path"], "/other/*", "x")',
      (a) => expect(a.path).toBe('/user/123/list/456'),
    ],
    [
      'replace_all_matches(log.attributes, "/user/*/list/*", "/user/{userId}/list/{listId}")',
      (a) => expect(a.path).toBe('/user/{userId}/list/{listId}'),
    ],
    [
      'merge_maps(log.attributes, ParseJSON(log.body), "upsert")',
      (a) => expect([a.user, a.n, a.nested]).toEqual(['alice', 3, { a: 1 }]),
    ],
    [
      'merge_maps(log.attributes, {"http.method": "PUT", "new": 1}, "insert")',
      (a) => expect([a['http.method'], a.new]).toEqual(['GET', 1]),
    ],
    [
      'merge_maps(log.attributes, {"http.method": "PUT", "new": 1}, "update")',
      (a) => expect([a['http.method'], a.new]).toEqual(['PUT', undefined]),
    ],
    [
      'flatten(log.attributes)',
      (a) => expect([a['m.k'], a['m.n.x'], a['tags.0'], a['tags.1']]).toEqual(['v', 1, 'a', 'b']),
    ],
    [
      'flatten(log.attributes, "app", 1)',
      (a) => expect([a['app.m.k'], a['app.m.n']]).toEqual(['v', { x: 1 }]),
    ],
    ['flatten(log.attributes, depth=0)', (a) => expect(a.m).toEqual({ k: 'v', n: { x: 1 } })],
    ['append(log.attributes["tags"], "c")', (a) => expect(a.tags).toEqual(['a', 'b', 'c'])],
    ['append(log.attributes["new"], values = ["x", "y"])', (a) => expect(a.new).toEqual(['x', 'y'])],
    [
      'append(log.attributes["http.method"], "POST")',
      (a) => expect(a['http.method']).toEqual(['GET', 'POST']),
    ],
    ['delete_index(log.attributes["tags"], 0)', (a) => expect(a.tags).toEqual(['b'])],
    [
      'stringify_all(log.attributes)',
      (a) => expect([a['http.status_code'], a.ok, a.tags]).toEqual(['500', 'true', '["a","b"]']),
    ],
    [
      'set(log.attributes["x"], "y") where log.attributes["http.method"] == "POST"',
      (a) => expect(a.x).toBeUndefined(),
    ],
    [
      'set(log.attributes["x"], "y") where log.attributes["http.method"] == "GET"',
      (a) => expect(a.x).toBe('y'),
    ],
  ])('%s', (stmt, check) => {
    check(plain(run([stmt]).log.attributes));
  });

  it.each<[string, (f: ReturnType<typeof fixture>) => void]>([
    ['set(log.body, "bear")', (f) => expect(f.log.body).toEqual({ stringValue: 'bear' })],
    [
      'set(log.body, ParseJSON(log.body))',
      (f) =>
        expect(fromAnyValue(f.log.body)).toEqual({ user: 'alice', level: 'warn', n: 3, nested: { a: 1 } }),
    ],
    ['set(log.severity_number, SEVERITY_NUMBER_ERROR)', (f) => expect(f.log.severityNumber).toBe(17)],
    [
      'set(log.severity_text, "FAIL") where log.severity_number == 13',
      (f) => expect(f.log.severityText).toBe('FAIL'),
    ],
    ['set(log.time_unix_nano, 5)', (f) => expect(f.log.timeUnixNano).toBe(5n)],
    ['set(log.observed_time, Unix(10, 5))', (f) => expect(f.log.observedTimeUnixNano).toBe(10_000_000_005n)],
    [
      'set(log.trace_id.string, "a389023abaa839283293ed323892389d")',
      (f) => expect(Buffer.from(f.log.traceId).toString('hex')).toBe('a389023abaa839283293ed323892389d'),
    ],
    [
      'set(log.span_id, SpanID(0x0102030405060708))',
      (f) => expect([...f.log.spanId]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]),
    ],
    [
      'set(log.trace_id, TraceID(0x00000000000000000000000000000000))',
      (f) => expect(f.log.traceId.length).toBe(0),
    ],
    ['set(log.flags, 1)', (f) => expect(f.log.flags).toBe(1)],
    ['set(log.event_name, "login")', (f) => expect(f.log.eventName).toBe('login')],
    [
      'set(resource.attributes["k8s.pod"], log.attributes["http.method"])',
      (f) => expect(plain(f.resource.attributes)['k8s.pod']).toBe('GET'),
    ],
    ['set(scope.name, "renamed")', (f) => expect(f.scope.name).toBe('renamed')],
    ['set(log.cache["a"], "b")', (f) => expect(plain(f.ctx.cache)).toEqual({ a: 'b' })],
    [
      'merge_maps(log.cache, ParseJSON(log.body), "upsert")',
      (f) => expect(plain(f.ctx.cache).user).toBe('alice'),
    ],
    [
      'set(log.body, "x") where log.body == "nope"',
      (f) => expect(f.log.body).not.toEqual({ stringValue: 'x' }),
    ],
  ])('%s', (stmt, check) => {
    check(run([stmt]));
  });

  it('runs statements in order, each seeing the previous one', () => {
    const f = run([
      'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")',
      'set(log.attributes["user"], log.cache["user"])',
      'set(log.attributes["nested.a"], log.cache["nested"]["a"])',
      'set(log.attributes["absent"], log.cache["absent"])',
    ]);
    const a = plain(f.log.attributes);
    expect([a.user, a['nested.a'], 'absent' in a]).toEqual(['alice', 1, false]);
  });

  it('span context: names, status, kind, trace state and times', () => {
    const f = run(
      [
        'set(span.name, "bear") where span.attributes["http.route"] == "/health"',
        'set(span.status.code, STATUS_CODE_OK)',
        'set(span.kind, SPAN_KIND_CLIENT)',
        'set(span.trace_state["c"], "3")',
        'set(span.end_time, span.start_time + Duration("1s"))',
        'set(span.attributes["root"], true) where IsRootSpan()',
      ],
      'span',
    );
    expect([f.span.name, f.span.status.code, f.span.kind, f.span.traceState]).toEqual([
      'bear',
      1,
      3,
      'c=3,a=1,b=2',
    ]);
    expect(f.span.endTimeUnixNano).toBe(2_000_000_000n);
    expect(plain(f.span.attributes).root).toBe(true);
  });
});

describe('converters', () => {
  const cases: [string, unknown][] = [
    ['Concat(["HTTP method is: ", log.attributes["http.method"]], "")', 'HTTP method is: GET'],
    [
      'Concat([log.attributes["http.method"], log.attributes["http.status_code"], log.attributes["ok"]], " ")',
      'GET 500 true',
    ],
    ['Concat(["a", log.attributes["missing"]], "-")', 'a-<nil>'],
    ['Concat([log.attributes["raw"]], "")', '0102'],
    ['Split("a,b,c", ",")', ['a', 'b', 'c']],
    ['Substring("123456789", 0, 3)', '123'],
    ['Substring("123456789", 3, 2)', '45'],
    ['ConvertCase("MyMetricName", "snake")', 'my_metric_name'],
    ['ConvertCase("my_metric", "camel")', 'MyMetric'],
    ['ConvertCase("my_metric", "upper")', 'MY_METRIC'],
    ['ConvertCase("MY_METRIC", "lower")', 'my_metric'],
    ['ToLowerCase("MyMetricName")', 'mymetricname'],
    ['ToUpperCase("MyMetricName")', 'MYMETRICNAME'],
    ['ToSnakeCase("MyMetricName")', 'my_metric_name'],
    ['ToCamelCase("my_metric_name")', 'MyMetricName'],
    ['Int("2")', 2],
    ['Int("2.0")', undefined],
    ['Int(2.9)', 2],
    ['Int(-2.9)', -2],
    ['Int(true)', 1],
    ['Int(log.attributes["http.status_code"])', 500],
    ['Double("2.0")', 2],
    ['Double(3)', 3],
    ['Double("x")', undefined],
    ['Bool("true")', true],
    ['Bool("0")', false],
    ['Bool(1.5)', true],
    ['Bool("yes")', undefined],
    ['String(log.attributes["http.status_code"])', '500'],
    ['String(1.5)', '1.5'],
    ['String(false)', 'false'],
    ['String(log.attributes["raw"])', '0102'],
    ['String([1, 2, 3])', '[1,2,3]'],
    ['String(log.attributes["m"])', '{"k":"v","n":{"x":1}}'],
    ['SHA256("name")', '82a3537ff0dbce7eec35d69edc3a189ee6f17d82f353a553f9aa96cb0be3ce89'],
    ['SHA1("name")', '6ae999552a0d2dca14d62e2bc8b764d377b1dd6c'],
    ['MD5("name")', 'b068931cc450442b63f5b3d276ea4297'],
    ['Len("héllo")', 6],
    ['Len(log.attributes["m"])', 2],
    ['Hex("1")', '31'],
    ['Hex(true)', '01'],
    ['Hex(12)', '000000000000000c'],
    ['Hex(log.attributes["raw"])', '0102'],
    ['Log(1.0)', 0],
    ['Trim("  hello  ")', 'hello'],
    ['Trim("!!this is a test!!", "!!")', 'this is a test'],
    ['TrimPrefix("ingest_service", "ingest_")', 'service'],
    ['TrimSuffix("ingest_service", "_service")', 'ingest'],
    ['ParseKeyValue("k1=v1 k2=v2 k3=v3")', { k1: 'v1', k2: 'v2', k3: 'v3' }],
    ['ParseKeyValue("k1!v1_k2!v2_k3!v3", "!", "_")', { k1: 'v1', k2: 'v2', k3: 'v3' }],
    ['ParseKeyValue(log.attributes["kv"])', { k1: 'v1', k2: 'v 2' }],
    ['ParseJSON("[\\"attr1\\",\\"attr2\\"]")', ['attr1', 'attr2']],
    ['ParseJSON("{\\"attr\\":true}")', { attr: true }],
    [
      'ExtractPatterns(log.attributes["path"], "^/user/(?P<user_id>\\\\d+)/list/(?<list>\\\\d+)")',
      { user_id: '123', list: '456' },
    ],
    ['ExtractPatterns("no match", "(?P<x>\\\\d+)")', {}],
    ['Keys({"a": 1, "b": 2})', ['a', 'b']],
    ['Values({"a": 1, "b": "x"})', [1, 'x']],
    ['Index("hello world", "world")', 6],
    ['Index(log.attributes["tags"], "b")', 1],
    ['Index(log.attributes["tags"], "z")', -1],
    ['Coalesce([log.attributes["missing"], log.attributes["http.method"], "unknown"])', 'GET'],
    ['Base64Encode("test string")', 'dGVzdCBzdHJpbmc='],
    ['Base64Encode("test string", "base64-raw")', 'dGVzdCBzdHJpbmc'],
    ['Decode("aGVsbG8gd29ybGQ=", "base64")', 'hello world'],
    ['ParseInt("0xFF", 0)', 255],
    ['ParseInt("-0o123", 0)', -83],
    ['ParseInt("0b1111_0000", 0)', 240],
    ['ParseInt("AA", 16)', 170],
    ['UnixSeconds(Time("02/04/2023", "%m/%d/%Y"))', 1675468800],
    ['UnixMilli(Time("2023-05-26 12:34:56.789", "%Y-%m-%d %H:%M:%S.%L"))', 1685104496789],
    ['UnixSeconds(Time("2012-11-01T22:08:41+0000", "%Y-%m-%dT%H:%M:%S%z"))', 1351807721],
    ['UnixSeconds(Time("1986-10-01T00:17:33 MST", "%Y-%m-%dT%H:%M:%S %Z"))', 528535053],
    ['UnixSeconds(Time("Feb 15, 2023", "%b %d, %Y"))', 1676419200],
    ['UnixSeconds(Time("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S", "America/New_York"))', 1685118896],
    ['UnixSeconds(Time("02:55:02 pm", "%r"))', -62167165498],
    ['FormatTime(Unix(1675468800), "%Y-%m-%d %H:%M:%S")', '2023-02-04 00:00:00'],
    ['FormatTime(Time("02/04/2023", "%m/%d/%Y"), "%A %h %e %Y")', 'Saturday Feb  4 2023'],
    ['UnixNano(Unix(1, 5))', 1000000005],
    ['UnixMicro(Unix(2))', 2000000],
    ['Year(Unix(1675468800))', 2023],
    ['Month(Unix(1675468800))', 2],
    ['Day(Unix(1675468800))', 4],
    ['Weekday(Unix(1675468800))', 6],
    ['Hour(Unix(1675468800 + 3600))', 1],
    ['Hours(Duration("90m"))', 1.5],
    ['Milliseconds(Duration("1h"))', 3600000],
    ['Nanoseconds(Duration("333ms"))', 333000000],
    ['UnixSeconds(TruncateTime(Unix(1675468859), Duration("1m")))', 1675468800],
    ['Sort([3, 1, 2])', [1, 2, 3]],
    ['Sort(["b", "a"], "desc")', ['b', 'a']],
    ['SliceToMap(ParseJSON("[{\\"name\\":\\"foo\\",\\"value\\":2}]"), ["name"], ["value"])', { foo: 2 }],
    ['Format("%02d-%s", [7, "x"])', '07-x'],
    [
      'TraceID("a389023abaa839283293ed323892389d")',
      Buffer.from('a389023abaa839283293ed323892389d', 'hex').toString('base64'),
    ],
    ['Split(log.attributes["path"], "/")[1]', 'user'],
    ['ParseJSON(log.body)["nested"]', { a: 1 }],
    ['log.attributes["http.status_code"] * 2 - 1', 999],
    ['log.attributes["duration"] * 2.0', 3],
  ];
  it.each(cases)('%s', (expr, want) => {
    expect(value(expr)).toEqual(want);
  });

  it('FNV is a 64-bit FNV-1a hash as int64', () => {
    expect(typeof value('FNV("name")')).toBe('bigint');
    expect(value('FNV("")')).toBe(BigInt.asIntN(64, 0xcbf29ce484222325n));
  });

  it('UUID and Now produce fresh values', () => {
    expect(String(value('UUID()'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(value('UnixSeconds(Now())'))).toBeGreaterThan(1_700_000_000);
  });
});

describe("runtime errors follow the functions' documented behaviour", () => {
  const cases: [string, RegExp][] = [
    ['set(log.attributes["x"], ParseJSON(log.attributes["http.method"]))', /could not parse JSON/],
    ['set(log.attributes["x"], ParseJSON(log.attributes["missing"]))', /expected string but got nil/],
    ['set(log.attributes["x"], ConvertCase(log.attributes["ok"], "upper"))', /expected string but got bool/],
    ['set(log.attributes["x"], Substring("abc", 2, 5))', /cannot be greater than the length/],
    ['set(log.attributes["x"], Log(0))', /cannot take log of 0/],
    ['set(log.attributes["x"], 1 / 0)', /attempted to divide by 0/],
    ['set(log.attributes["x"], 1 + 1.5)', /unsupported math operation: int64 \+ float64/],
    ['set(log.severity_number, "ERROR")', /expected int64 but got string/],
    ['set(log.body, "x") where log.attributes["tags"][5] == "a"', /index 5 out of bounds/],
    ['set(log.attributes["x"], log.attributes["http.method"]["k"])', /does not support string indexing/],
    [
      'merge_maps(log.attributes, log.attributes["http.method"], "upsert")',
      /expected pcommon\.Map but got string/,
    ],
    ['set(log.trace_id, 0x01)', /expected pcommon\.TraceID/],
    ['set(log.attributes["x"], TraceID(0x01))', /traces ids must be 16 bytes/],
    ['set(log.attributes["x"], Time("not a date", "%Y-%m-%d"))', /unable to parse/],
    ['set(log.attributes["x"], ParseKeyValue(""))', /cannot parse from empty target/],
    ['set(log.attributes["x"], Len(1))', /unimplemented type for Len/],
    ['set(log.body, "x") where ParseJSON(log.body)', /must be bool/],
  ];
  it.each(cases)('%s', (stmt, re) => {
    expect(() => run([stmt])).toThrow(re);
  });

  it('error_mode ignore continues with the next statement; silent does too', () => {
    for (const errorMode of ['ignore', 'silent'] as const) {
      const f = fixture();
      const warnings: object[] = [];
      const g = compileGroup(
        { statements: ['set(log.attributes["x"], 1 / 0)', 'set(log.attributes["y"], "ok")'], errorMode },
        SIGNAL_CONTEXTS.logs,
      );
      runGroup(g, f.ctx, new ErrorReporter({ warn: (o) => warnings.push(o) }));
      expect(plain(f.log.attributes).y).toBe('ok');
      expect(warnings.length).toBe(errorMode === 'ignore' ? 1 : 0);
    }
  });
});

describe('context inference', () => {
  const infer = (statements: string[], allowed: readonly ContextName[] = SIGNAL_CONTEXTS.traces) =>
    compileGroup({ statements, errorMode: 'ignore' }, allowed).context;
  it.each<[string[], ContextName]>([
    [['set(span.name, "x") where span.attributes["a"] == "b"'], 'span'],
    [['set(resource.attributes["a"], "b")'], 'resource'],
    [['set(resource.attributes["a"], "b")', 'set(span.name, "x")'], 'span'],
    [['set(spanevent.name, "x") where span.name == "y"'], 'spanevent'],
    [['set(scope.name, "x")'], 'scope'],
    [['set(resource.attributes["root"], true) where IsRootSpan()'], 'span'],
    [['set(instrumentation_scope.name, "x")'], 'scope'],
  ])('%j → %s', (statements, want) => {
    expect(infer(statements)).toBe(want);
  });
  it('metric and datapoint statements infer datapoint', () => {
    expect(
      infer(['set(metric.description, "x") where datapoint.attributes["t"] == "p"'], SIGNAL_CONTEXTS.metrics),
    ).toBe('datapoint');
  });
  it('log paths are refused in trace statements', () => {
    expect(() => infer(['set(log.body, "x")'])).toThrow(/context "log" cannot be used here/);
  });
});
