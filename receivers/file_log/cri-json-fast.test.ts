// The byte path for CRI + JSON lines must give byte for byte the OTLP the
// operators (container → json_parser → trace_parser) give, or decline the line.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema as tracelinkConfig } from '../../processors/tracelink/config.js';
import { TracelinkProcessor } from '../../processors/tracelink/processor.js';
import { encodeLogs } from '../../src/codec/proto-logs.js';
import { WireLogRecord } from '../../src/codec/wire-log.js';
import { countItems } from '../../src/pdata/count.js';
import { type Held, holdData, releaseHeld } from '../../src/pdata/hold.js';
import { lazyItemsTraced, leaseOf, rawList } from '../../src/pdata/lazy.js';
import type { LogsData } from '../../src/pdata/types.js';
import { copyMap, type EncodedRecords, type Entry, newEntry } from '../../src/stanza/entry.js';
import { buildPipeline, operatorsSchema } from '../../src/stanza/pipeline.js';
import { entriesToLogs } from '../../src/stanza/to-pdata.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { CollectingConsumer } from '../../test/support/component.js';
import { CriJsonFast, fastPlan } from './cri-json-fast.js';
import { records, startReceiver, tempDir, waitFor } from './testutil/harness.js';

const PATH = '/var/log/pods/shop_orders-7d9f_0f1e2d3c-aaaa-bbbb-cccc-000000000001/app/0.log';
const ATTRS: Record<string, unknown> = { 'log.file.path': PATH };
const OBS = 1_733_000_000_123_456_789n;
const TS = '2024-05-01T10:00:01.123456789Z';

const DEFAULT_OPS = [{ type: 'container' }, { type: 'json_parser' }, { type: 'trace_parser' }];
const AGENT_OPS = [
  { type: 'container', id: 'container-parser', max_log_size: '1MiB' },
  { type: 'json_parser', id: 'json', if: 'body matches "^\\\\s*\\\\{"', on_error: 'send_quiet' },
  {
    type: 'severity_parser',
    if: 'attributes.level != nil',
    parse_from: 'attributes.level',
    on_error: 'send_quiet',
  },
  { type: 'trace_parser', if: 'attributes.trace_id != nil', on_error: 'send_quiet' },
];
/** The three operators alone (the bench's chain). */
const AGENT_OPS_NO_SEVERITY = AGENT_OPS.filter((o) => o.type !== 'severity_parser');

interface Opts {
  ops?: Record<string, unknown>[];
  trim?: boolean;
}

function parseOps(ops: Record<string, unknown>[]) {
  return operatorsSchema.parse(ops);
}

/** The operators' way: the line as file_log hands it over (trimmed unless preserved). */
function slowLogs(lines: (string | Buffer)[], o: Opts = {}): LogsData {
  const out: Entry[] = [];
  const p = buildPipeline(
    parseOps(o.ops ?? DEFAULT_OPS),
    { logger: silentLogger(), onOperatorError() {} },
    (e) => out.push(e),
  );
  for (const l of lines) {
    let text = typeof l === 'string' ? l : l.toString('utf8');
    if (o.trim !== false) text = text.trim();
    const e = newEntry(text, OBS, undefined, 0);
    e.attributes = copyMap(ATTRS);
    p.process(e);
  }
  p.flush(0, true);
  return entriesToLogs(out, {});
}

/**
 * The byte path; undefined entries where it declined a line. As file_log does, a declined
 * line ends the run of records (the next taken line starts another).
 */
function fastLogs(lines: (string | Buffer)[], o: Opts = {}): { logs: LogsData; taken: boolean[] } {
  const plan = fastPlan(parseOps(o.ops ?? DEFAULT_OPS));
  if (!plan) throw new Error('no plan');
  const f = new CriJsonFast(plan, o.trim !== false);
  const entries: Entry[] = [];
  const taken: boolean[] = [];
  let run: Entry | undefined;
  for (const l of lines) {
    const b = typeof l === 'string' ? Buffer.from(l) : l;
    // inside a larger buffer, as the reader's chunk
    const big = Buffer.concat([Buffer.from('x\n'), b, Buffer.from('\nyy')]);
    const newRun = run === undefined;
    if (newRun) closeInto(f, entries);
    const res = f.encode(big, 2, 2 + b.length, ATTRS, OBS, newRun);
    taken.push(res !== undefined);
    if (!res) {
      run = undefined;
      continue;
    }
    if (newRun) {
      run = newEntry(undefined, OBS);
      run.resource = res;
      entries.push(run);
    }
  }
  closeInto(f, entries);
  return { logs: entriesToLogs(entries, {}), taken };
}

/** The writer's open run handed to the last entry, as file_log does. */
function closeInto(f: CriJsonFast, entries: Entry[]): void {
  const c = f.closeRun();
  if (c === undefined) return;
  entries[entries.length - 1].encoded = {
    scopeLogs: c.scopeLogs,
    items: c.items,
    lease: c.lease,
    traced: c.traced,
  };
}

function hex(u: Uint8Array): string {
  return Buffer.from(u).toString('hex');
}

/** Each line alone: taken lines encode exactly as the operators' record. */
function check(line: string | Buffer, o: Opts = {}): boolean {
  const { logs, taken } = fastLogs([line], o);
  if (taken[0]) {
    const want = hex(encodeLogs(slowLogs([line], o)));
    expect(hex(encodeLogs(logs))).toBe(want);
    // read (decoded from the bytes) and encoded again: the same record
    expect(logs.resourceLogs[0].scopeLogs[0].logRecords).toHaveLength(1);
    expect(hex(encodeLogs(logs))).toBe(want);
  }
  return taken[0];
}

const body = (o: Record<string, unknown>) => JSON.stringify(o);
const cri = (json: string, stream = 'stdout', tag = 'F', ts = TS) => `${ts} ${stream} ${tag} ${json}`;
const BENCH = body({
  level: 'info',
  msg: 'request handled',
  route: '/api/orders',
  status: 200,
  trace_id: '00000000000007b800000000000000e9',
  span_id: '0000000000000ed0',
});

describe('file_log byte path for CRI + JSON lines', () => {
  it('takes the agent’s common lines and encodes them as the operators do', () => {
    expect(check(cri(BENCH))).toBe(true);
    expect(check(cri(BENCH, 'stderr'))).toBe(true);
    expect(check(cri('{}'))).toBe(true);
    expect(check(cri('{ "a" : "b" ,\t"c":1 }'))).toBe(true);
    expect(check(`${TS} stdout F    ${BENCH}`)).toBe(true); // several spaces before the log
    expect(check(cri(BENCH, 'stdout', 'F', '2024-05-01T12:00:01.5+02:00'))).toBe(true);
    expect(check(cri(BENCH, 'stdout', 'F', '1970-01-01T00:00:00Z'))).toBe(true); // time 0: no field
    expect(
      check(cri(body({ trace_id: 'ABCDEF0123456789ABCDEF0123456789', span_id: 'ABCDEF0123456789' }))),
    ).toBe(true);
    expect(check(cri(body({ span_id: '0102030405060708' })))).toBe(true); // span without trace
  });

  it('strings: escapes, non-ASCII, empty, very long', () => {
    expect(check(cri(body({ m: 'a"b\\c\n\t\u0001 é 日本 😀 \u2028' })))).toBe(true);
    expect(check(cri('{"m":"\\u00e9\\ud83d\\ude00\\/"}'))).toBe(true);
    expect(check(cri(body({ clé: 'värde', 日本: '語' })))).toBe(true);
    expect(check(cri(body({ e: '' })))).toBe(true);
    expect(check(cri(body({ big: 'x'.repeat(100_000), n: 1 })))).toBe(true);
  });

  it('numbers, booleans and null', () => {
    for (const n of [
      '0',
      '-0',
      '-1',
      '7',
      '200',
      '1.5',
      '-2.25',
      '1e3',
      '1E400',
      '-1e-7',
      '3.0',
      '12345678901234567890',
      '-9007199254740993',
      '9007199254740991',
      '4294967296',
      '-2147483649',
    ])
      expect(check(cri(`{"n":${n}}`)), n).toBe(true);
    expect(check(cri('{"t":true,"f":false,"z":null}'))).toBe(true);
  });

  it('the agent config (its `if` conditions) and preserved trailing whitespace', () => {
    expect(check(cri(BENCH), { ops: AGENT_OPS })).toBe(true);
    expect(check(cri(BENCH), { ops: AGENT_OPS_NO_SEVERITY })).toBe(true);
    expect(check(cri(body({ span_id: '0102030405060708' })), { ops: AGENT_OPS_NO_SEVERITY })).toBe(true);
    // with the condition, a span_id without a trace_id is not parsed
    expect(check(cri(body({ span_id: '0102030405060708' })), { ops: AGENT_OPS })).toBe(true);
    expect(check(`${cri(BENCH)}  `, { ops: AGENT_OPS, trim: false })).toBe(true);
    expect(check(`${cri(BENCH)}\r`, { ops: AGENT_OPS, trim: false })).toBe(true);
  });

  it('severity_parser of config/agent.yaml: mapped, unmapped, numeric and absent levels', () => {
    for (const level of [
      'info',
      'ERROR',
      'Warn',
      'warning',
      'debug',
      'fatal',
      'weird',
      'é',
      '',
      30,
      50,
      -1,
      0,
    ])
      expect(
        check(cri(body({ msg: 'x', level, trace_id: '0af7651916cd43dd8448eb211c80319c' })), {
          ops: AGENT_OPS,
        }),
        String(level),
      ).toBe(true);
    expect(check(cri(body({ msg: 'no level' })), { ops: AGENT_OPS })).toBe(true);
    // values the severity parser would fail on, or report: the operators decide
    for (const l of [
      '{"level":null}',
      '{"level":true}',
      '{"level":1.5}',
      '{"level":"in\\u0066o"}',
      `{"level":"${'x'.repeat(200)}"}`,
    ])
      expect(fastLogs([cri(l)], { ops: AGENT_OPS }).taken[0], l).toBe(false);
    // without its `if`, a line without the level is the operator's error
    const noIf = AGENT_OPS.map((o) => (o.type === 'severity_parser' ? { ...o, if: undefined } : o));
    expect(fastLogs([cri(body({ msg: 'x' }))], { ops: noIf }).taken[0]).toBe(false);
    expect(check(cri(body({ level: 'info' })), { ops: noIf })).toBe(true);
  });

  it('declines what the operators must decide (and those lines still come out right)', () => {
    const declined = [
      cri(BENCH, 'stdout', 'P'), // partial: recombined by the container operator
      cri(body({ nested: { a: 1 } })),
      cri(body({ arr: [1, 2] })),
      cri('{"a":1,"a":2}'), // duplicate key
      cri('{"1":1,"b":2}'), // integer-like key (JS orders it first)
      cri('{"__proto__":1}'),
      cri('{"":1}'),
      cri(body({ 'log.iostream': 'x' })), // collides with the container's attribute
      cri(body({ 'log.file.path': 'x' })),
      cri(body({ trace_id: 'xyz' })),
      cri(body({ trace_id: '00000000000007b800000000000000eg' })),
      cri(body({ trace_id: 5 })),
      cri(body({ span_id: '0000000000000ed' })),
      cri(body({ trace_flags: '01' })),
      cri('{"a\\u0062":1}'), // escaped key
      cri('{"a":1,}'),
      cri('{"a":01}'),
      cri('{"a":1.}'),
      cri('{"a":tru}'),
      cri('{"a":"b}'),
      cri('{"a":"b"} x'),
      cri('not json'),
      cri(`${BENCH} `), // trimmed by file_log first
      `${TS} stdouts F ${BENCH}`,
      `${TS} stdout F:x ${BENCH}`,
      `nottime stdout F ${BENCH}`,
      '{"log":"docker\\n","stream":"stdout","time":"2024-05-01T10:00:00Z"}',
      ` ${cri(BENCH)}`,
    ];
    for (const l of declined) {
      const { taken } = fastLogs([l]);
      expect(taken[0], l).toBe(false);
    }
    // invalid UTF-8 (the operators see U+FFFD) and a containerd timestamp without Z
    expect(
      check(Buffer.concat([Buffer.from(cri('{"a":"')), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
    ).toBe(false);
    const containerd = [
      { type: 'container', format: 'containerd' },
      { type: 'json_parser' },
      { type: 'trace_parser' },
    ];
    expect(check(cri(BENCH, 'stdout', 'F', '2024-05-01T10:00:01+00:00'), { ops: containerd })).toBe(false);
    expect(check(cri(BENCH), { ops: containerd })).toBe(true);
  });

  it('is used only for the operator chain it knows', () => {
    const plan = (ops: Record<string, unknown>[]) => fastPlan(parseOps(ops));
    // the shipped agent config's chain, as written there
    const agent = parseYaml(
      readFileSync(fileURLToPath(new URL('../../config/agent.yaml', import.meta.url)), 'utf8'),
    );
    expect(plan(agent.receivers.file_log.operators)?.severity).toBeDefined();
    expect(plan(DEFAULT_OPS)).toBeDefined();
    expect(plan(AGENT_OPS)).toBeDefined();
    expect(plan([{ type: 'container' }, { type: 'json_parser' }])).toBeUndefined();
    expect(
      plan([{ type: 'container', format: 'docker' }, { type: 'json_parser' }, { type: 'trace_parser' }]),
    ).toBeUndefined();
    expect(
      plan([{ type: 'container' }, { type: 'json_parser', parse_to: 'body' }, { type: 'trace_parser' }]),
    ).toBeUndefined();
    expect(
      plan([
        { type: 'container' },
        { type: 'json_parser', severity: { parse_from: 'attributes.level' } },
        { type: 'trace_parser' },
      ]),
    ).toBeUndefined();
    expect(
      plan([{ type: 'container' }, { type: 'json_parser', if: 'body != nil' }, { type: 'trace_parser' }]),
    ).toBeUndefined();
    expect(
      plan([
        { type: 'container' },
        { type: 'json_parser' },
        { type: 'trace_parser', span_id: { parse_from: 'attributes.s' } },
      ]),
    ).toBeUndefined();
  });

  it('a batch of mixed lines: same records, order and resource groups; also through tracelink', () => {
    const lines = [
      cri(BENCH),
      cri(body({ msg: 'no trace', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' })),
      cri(body({ nested: { a: 1 } })),
      cri(BENCH, 'stderr'),
      cri(body({ level: 'warn', n: 1.5 })),
    ];
    // the byte path's records, with the declined line put through the operators between them,
    // as the consumer does: compare with the operators' batch
    const { logs: fast, taken } = fastLogs(lines);
    expect(taken).toEqual([true, true, false, true, true]);
    const slowAll = slowLogs(lines);
    const slowTaken = slowLogs(lines.filter((_, i) => taken[i]));
    expect(hex(encodeLogs(fast))).toBe(hex(encodeLogs(slowTaken)));
    expect(slowAll.resourceLogs).toHaveLength(1);
    const link = new TracelinkProcessor(tracelinkConfig.parse({}), { consume: async () => {} });
    for (const d of [fast, slowTaken])
      for (const r of d.resourceLogs[0].scopeLogs[0].logRecords) link.link(r);
    expect(hex(encodeLogs(fast))).toBe(hex(encodeLogs(slowTaken)));
    expect(hex(fast.resourceLogs[0].scopeLogs[0].logRecords[1].traceId)).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
  });

  it('seeded random flat objects encode as the operators’ records', () => {
    let seed = 17;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
    const chars = ['a', 'Z', '_', '.', ' ', '"', '\\', '\n', 'é', '日', '😀', '/', '0', '\u0007', '{', '}'];
    const str = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => pick(chars)).join('');
    let taken = 0;
    for (let k = 0; k < 400; k++) {
      const o: Record<string, unknown> = {};
      const n = Math.floor(rnd() * 8);
      for (let j = 0; j < n; j++) {
        const key = `k${str(6)}`;
        const kind = Math.floor(rnd() * 6);
        o[key] =
          kind === 0
            ? str(30)
            : kind === 1
              ? Math.floor((rnd() - 0.5) * 2 ** (rnd() * 70))
              : kind === 2
                ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)
                : kind === 3
                  ? rnd() < 0.5
                  : kind === 4
                    ? null
                    : { x: 1 };
      }
      let json = JSON.stringify(o);
      if (rnd() < 0.3) json = json.replace(/,/g, ' , ').replace(/:/g, ' :\t');
      if (check(cri(json, pick(['stdout', 'stderr'])))) taken++;
    }
    expect(taken).toBeGreaterThan(50);
  });

  it('batches held downstream keep their bytes while buffers are reused for later ones', () => {
    const plan = fastPlan(parseOps(DEFAULT_OPS));
    if (!plan) throw new Error('no plan');
    const f = new CriJsonFast(plan, true);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    // batch sizes jump (1 to 1024 lines), some lines 100+ KiB: batches span buffers, long
    // lines get buffers of their own
    const batches: { logs: LogsData; lines: string[]; copy: string; held: boolean }[] = [];
    let n = 0;
    for (let k = 0; k < 40; k++) {
      const size = k % 9 === 4 ? 1 + Math.floor(rnd() * 50) : k % 7 === 2 ? 700 : 1024;
      const lines: string[] = [];
      for (let j = 0; j < size; j++, n++) {
        const pad =
          k % 13 === 7 && j % 300 === 3 ? 'ü'.repeat(50_000) : k >= 20 && k < 26 ? 'a'.repeat(10) : '';
        lines.push(
          cri(
            body({
              level: 'info',
              msg: `handled ${n} ${pad}`,
              status: 200 + (n % 7),
              trace_id: '0af7651916cd43dd8448eb211c80319c',
            }),
          ),
        );
      }
      const e = batchOf(f, lines);
      const logs = entriesToLogs([e], {});
      // a third of the batches stay with a downstream holder (a batch being filled, a queue)
      const held = k % 3 === 1;
      if (held) holdData(logs);
      batches.push({ logs, lines, copy: hex(encodeLogs(logs)), held });
      releaseRun(e); // the consume() that took the batch settled
    }
    expect(f.pool.reused).toBeGreaterThan(5);
    let gone = 0;
    for (const b of batches) {
      if (b.held) {
        // unchanged by the batches written after it, and what the operators make
        expect(hex(encodeLogs(b.logs))).toBe(b.copy);
        expect(hex(encodeLogs(b.logs))).toBe(hex(encodeLogs(slowLogs(b.lines))));
      } else if (!(leaseOf(b.logs.resourceLogs[0])?.live ?? true)) {
        // let go and its buffer written again: reading it throws instead of giving other records
        expect(() => encodeLogs(b.logs)).toThrow(/pooled buffer was given back/);
        expect(() => b.logs.resourceLogs[0].scopeLogs).toThrow(/pooled buffer was given back/);
        gone++;
      }
    }
    expect(gone).toBeGreaterThan(5);
  });

  it('a release that never comes only costs buffers: no buffer is reused, every batch stays right', () => {
    const plan = fastPlan(parseOps(DEFAULT_OPS));
    if (!plan) throw new Error('no plan');
    const f = new CriJsonFast(plan, true);
    const batches: { logs: LogsData; lines: string[] }[] = [];
    for (let k = 0, n = 0; k < 12; k++) {
      const lines: string[] = [];
      for (let j = 0; j < 1024; j++, n++)
        lines.push(cri(body({ n, msg: 'request handled', trace_id: '0af7651916cd43dd8448eb211c80319c' })));
      batches.push({ logs: entriesToLogs([batchOf(f, lines)], {}), lines }); // never released
    }
    expect(f.pool.issued).toBeGreaterThan(3);
    expect(f.pool.reused).toBe(0);
    for (const b of batches) expect(hex(encodeLogs(b.logs))).toBe(hex(encodeLogs(slowLogs(b.lines))));
  });

  it('keeps a run in one buffer and reuses a few buffers while batches are let go', () => {
    // Lines as the agent bench writes them, under a path as long as its temporary one: ~540 KB
    // batches of 1024 lines, each one ScopeLogs entry in one buffer.
    const plan = fastPlan(parseOps(DEFAULT_OPS));
    if (!plan) throw new Error('no plan');
    const f = new CriJsonFast(plan, true);
    const attrs = {
      'log.file.path': `/tmp/agent-bench-Ab12Cd/pods/shop_orders-7d9f8b-x2x_0f1e2d3c-aaaa-bbbb-cccc-000000000001/app/0.log`,
    };
    let written = 0;
    const hex16 = (x: number) => x.toString(16).padStart(16, '0');
    for (let k = 0, n = 0; k < 40; k++) {
      const size = k % 10 === 9 ? 100 : 1024;
      const lines: string[] = [];
      for (let j = 0; j < size; j++, n++)
        lines.push(
          cri(
            `{"level":"info","msg":"request handled","route":"/api/orders","status":200,"trace_id":"${hex16(n * 7919 + 1)}${hex16(n + 1)}","span_id":"${hex16(n * 31 + 5)}"}`,
          ),
        );
      const e = batchOf(f, lines, attrs);
      const logs = entriesToLogs([e], {});
      expect(rawList(logs.resourceLogs[0])).toHaveLength(1);
      written += (e.encoded as EncodedRecords).scopeLogs?.length ?? 0;
      releaseRun(e);
    }
    // runs that did not fit a buffer's rest moved: a fraction of what was written
    expect(f.moved / written).toBeLessThan(0.5);
    // batches let go as soon as written: a few buffers go round
    expect(f.pool.issued - f.pool.reused).toBeLessThan(4);
  });

  it('tells tracelink when every record has a valid trace ID, and only then', async () => {
    const plan = fastPlan(parseOps(DEFAULT_OPS));
    if (!plan) throw new Error('no plan');
    const f = new CriJsonFast(plan, true);
    const withId = cri(BENCH);
    const zero = cri(body({ msg: 'x', trace_id: '00000000000000000000000000000000' }));
    const none = cri(body({ msg: 'no trace', request_id: 'abc' }));
    const all = entriesToLogs([batchOf(f, [withId, withId])], {});
    expect(lazyItemsTraced(all.resourceLogs[0])).toBe(true);
    for (const mixed of [
      [withId, zero],
      [none, withId],
    ]) {
      const logs = entriesToLogs([batchOf(f, mixed)], {});
      expect(lazyItemsTraced(logs.resourceLogs[0])).toBe(false);
    }
    // tracelink counts the vouched records present without reading them
    const counts: Record<string, number> = {};
    const sink = new CollectingConsumer<'logs'>();
    const p = new TracelinkProcessor(tracelinkConfig.parse({}), sink, (o, k) => {
      counts[o] = (counts[o] ?? 0) + k;
    });
    await p.consume(all);
    expect(counts).toEqual({ present: 2 });
    expect(rawList(all.resourceLogs[0])).toBeDefined(); // still bytes
  });
});

/** Encodes `lines` as one run (a batch of one file's lines), as file_log does. */
function batchOf(f: CriJsonFast, lines: string[], attrs = ATTRS): Entry {
  const e = newEntry(undefined, OBS);
  lines.forEach((line, i) => {
    const b = Buffer.from(line);
    const res = f.encode(b, 0, b.length, attrs, OBS, i === 0);
    if (res === undefined) throw new Error(`declined: ${line.slice(0, 80)}`);
    e.resource = res;
  });
  closeInto(f, [e]);
  return e;
}

/** What file_log does once the consume() that took the batch settled. */
function releaseRun(e: Entry): void {
  (e.encoded as EncodedRecords).lease?.release();
}

describe('file_log with the byte path on and off', () => {
  // the same file for both runs (log.file.path is in every record)
  const root = tempDir();
  async function run(lines: Buffer, byteOn: boolean) {
    const dir = join(root, 'pods', 'shop_orders-7d9f_0f1e2d3c-aaaa-bbbb-cccc-000000000001', 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0.log'), lines);
    const before = process.env.TSUNAGI_FILELOG_BYTE_PATH;
    process.env.TSUNAGI_FILELOG_BYTE_PATH = byteOn ? 'on' : 'off';
    try {
      const { rcv, consumer } = await startReceiver({
        include: [join(root, 'pods', '*', '*', '*.log')],
        start_at: 'beginning',
        include_file_path: true,
        include_file_name: false,
        operators: AGENT_OPS,
      });
      await waitFor(() => records(consumer.received).length >= 8, 5000, 'records');
      await rcv.shutdown();
      const recs = records(consumer.received);
      const wire = recs.filter(({ r }) => r instanceof WireLogRecord).length;
      // observed times are the polls' and differ between the runs
      const encoded = recs.map(({ rl, r }) => {
        r.observedTimeUnixNano = 0n;
        return hex(
          encodeLogs({
            resourceLogs: [
              {
                resource: rl.resource,
                scopeLogs: [{ scope: rl.scopeLogs[0].scope, logRecords: [r], schemaUrl: '' }],
                schemaUrl: '',
              },
            ],
          }),
        );
      });
      return { encoded, wire };
    } finally {
      if (before === undefined) delete process.env.TSUNAGI_FILELOG_BYTE_PATH;
      else process.env.TSUNAGI_FILELOG_BYTE_PATH = before;
    }
  }

  it('gives the same records, in the same order, with P/F fragments and declined lines between', async () => {
    const text = [
      cri(BENCH),
      cri('{"msg":"part one ', 'stdout', 'P'),
      cri('and two","n":1}', 'stdout', 'F'),
      cri(BENCH, 'stderr'),
      cri(body({ nested: { a: [1, 'é'] } })),
      cri(body({ m: 'a"b\\c 日本 😀', n: -3, f: 2.5, t: true, z: null })),
      'plain text line',
      cri(body({ traceId: '0af7651916cd43dd8448eb211c80319c', msg: 'camel' })),
      cri(BENCH),
    ].join('\n');
    const lines = Buffer.concat([Buffer.from(`${text}\n`)]);
    const on = await run(lines, true);
    const off = await run(lines, false);
    expect(on.encoded).toHaveLength(8); // the P and F fragments are one record
    expect(on.encoded).toEqual(off.encoded);
    expect(off.wire).toBe(0);
    expect(on.wire).toBe(5); // the two BENCH lines, stderr, the flat one with escapes, the camelCase one
  });

  it('records a downstream component still holds never change while later batches reuse buffers', async () => {
    const dir = join(root, 'pods', 'shop_cart-5c4b_1a2b3c4d-aaaa-bbbb-cccc-000000000002', 'app');
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    for (let n = 0; n < 30_000; n++)
      lines.push(
        cri(body({ level: 'info', msg: `handled ${n}`, n, trace_id: '0af7651916cd43dd8448eb211c80319c' })),
      );
    writeFileSync(join(dir, '0.log'), `${lines.join('\n')}\n`);
    // every other batch is let go once copied (a persistent queue's write), the others are
    // held to the end (a slow exporter, a batch being filled)
    const kept: { data: LogsData; copy: string; held: Held }[] = [];
    let batches = 0;
    let received = 0;
    const consumer = {
      async consume(data: LogsData) {
        const held = holdData(data);
        const copy = hex(encodeLogs(data));
        received += countItems('logs', data);
        if (batches++ % 2 === 0) kept.push({ data, copy, held });
        else releaseHeld(held);
      },
    };
    const { rcv } = await startReceiver(
      {
        include: [join(dir, '*.log')],
        start_at: 'beginning',
        include_file_path: true,
        include_file_name: false,
        operators: AGENT_OPS,
      },
      { consumer: consumer as unknown as CollectingConsumer<'logs'> },
    );
    await waitFor(() => received >= lines.length, 20_000, 'lines');
    await rcv.shutdown();
    expect(batches).toBeGreaterThan(20);
    // the byte path's records, handed on as bytes (one lazily read list per batch)
    expect(kept.every((k) => rawList(k.data.resourceLogs[0]) !== undefined)).toBe(true);
    for (const k of kept) expect(hex(encodeLogs(k.data))).toBe(k.copy);
    const bodies = kept.flatMap((k) =>
      k.data.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body))),
    );
    expect(bodies).toHaveLength(kept.reduce((n, k) => n + countItems('logs', k.data), 0));
    expect(bodies[0]).toEqual({ stringValue: lines[0].slice(lines[0].indexOf('{')) });
    for (const k of kept) releaseHeld(k.held);
  });
});
