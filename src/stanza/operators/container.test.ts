// Conformance: every case transcribed from the collector's container parser
// tests (shared/conformance/container-logs/otel-collector-contrib/cases.json),
// plus Docker json-file 16 KiB split recombination from Fluent Bit's samples.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from '../../../test/support/conformance-dir.js';
import { newStanzaLog, runOperators } from '../../../test/support/stanza.js';
import { parsePodPath } from './container.js';

const ROOT = `${CONFORMANCE_DIR}container-logs`;
const cases = JSON.parse(readFileSync(join(ROOT, 'otel-collector-contrib/cases.json'), 'utf8'));

function opConfig(c: { format?: string; add_metadata_from_file_path?: boolean; if?: string }) {
  const o: Record<string, unknown> = { type: 'container', id: 'test_id' };
  if (c.format && !c.format.startsWith('auto')) o.format = c.format;
  if (c.add_metadata_from_file_path !== undefined)
    o.add_metadata_from_file_path = c.add_metadata_from_file_path;
  if (c.if) o.if = c.if;
  return o;
}

interface CriFieldCase {
  name: string;
  input: string;
  ok: boolean;
  expected?: { time: string; stream: string; logtag: string; log: string };
}

/** Unix nanos of an RFC 3339 time with up to 9 fraction digits. */
function rfc3339Nanos(t: string): bigint {
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  const ms = Date.parse(t.replace(/\.\d+/, ''));
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
}

interface Expected {
  body: string;
  attributes: Record<string, unknown>;
  timestamp_unix_nano?: string;
  resource?: Record<string, string>;
}

function check(out: ReturnType<typeof runOperators>, expected: Expected[]) {
  expect(out.map((e) => e.body)).toEqual(expected.map((x) => x.body));
  expected.forEach((x, i) => {
    expect(out[i].attributes).toEqual(x.attributes);
    if (x.timestamp_unix_nano) expect(out[i].timestamp).toBe(BigInt(x.timestamp_unix_nano));
    if (x.resource) expect(out[i].resource).toEqual(x.resource);
  });
}

describe('container operator: collector conformance cases', () => {
  for (const c of cases.single_entry_cases) {
    it(`single entry: ${c.name}`, () => {
      const errors: string[] = [];
      const out = runOperators([opConfig(c.config)], [c.input], errors);
      if (c.expected_error_contains) {
        expect(errors.join('\n')).toContain(c.expected_error_contains);
        // on_error: send — the entry continues unchanged
        expect(out.map((e) => e.body)).toEqual([c.input.body]);
      } else check(out, c.expected);
    });
  }
  for (const c of cases.recombine_cases) {
    it(`recombine: ${c.name}`, () => check(runOperators([opConfig(c.config)], c.input), c.expected));
  }
  for (const c of cases.if_condition_cases) {
    it(`if: ${c.name}`, () => {
      const errors: string[] = [];
      const out = runOperators([opConfig(c.config)], [c.input], errors);
      check(out, c.expected);
      expect(errors).toEqual([]);
    });
  }
  it('path cache: the same resource on every output', () => {
    const c = cases.path_cache_case;
    // Deviation: we recombine Docker json-file partials (a `log` without a final "\n"),
    // which the collector does not; these synthetic lines lack the "\n" real Docker
    // lines carry, so each is run on its own (as if force_flush_period passed between them).
    const out = c.input.flatMap((i: { body: string }) => runOperators([opConfig(c.config)], [i]));
    expect(out).toHaveLength(3);
    for (const e of out) expect(e.resource).toEqual(c.expected_resource_on_every_output);
  });
  // the collector's field-split helper cases, run through the operator with each explicit format
  for (const [format, list] of [
    ['crio', cases.crio_field_cases],
    ['containerd', cases.containerd_field_cases],
  ] as const) {
    for (const c of list as CriFieldCase[]) {
      it(`${format} fields: ${c.name}`, () => {
        const log = newStanzaLog();
        const out = runOperators(
          [{ type: 'container', id: 'c', format, add_metadata_from_file_path: false }],
          [{ body: c.input }],
          log,
        );
        expect(out).toHaveLength(1);
        if (c.ok) {
          const x = c.expected as NonNullable<CriFieldCase['expected']>;
          expect(log.errors).toEqual([]);
          expect(out[0].body).toBe(x.log);
          expect(out[0].attributes).toEqual({ 'log.iostream': x.stream, logtag: x.logtag });
          expect(out[0].timestamp).toBe(rfc3339Nanos(x.time));
        } else {
          // on_error: send — reported, counted, and passed on unchanged
          expect(log.errors).toHaveLength(1);
          expect(log.counted).toEqual({ c: 1 });
          expect(out[0].body).toBe(c.input);
          expect(out[0].attributes).toEqual({});
        }
      });
      if (c.ok)
        it(`docker format refuses the ${format} line: ${c.name}`, () => {
          const log = newStanzaLog();
          const out = runOperators(
            [{ type: 'container', id: 'c', format: 'docker', add_metadata_from_file_path: false }],
            [{ body: c.input }],
            log,
          );
          expect(out.map((e) => e.body)).toEqual([c.input]);
          expect(log.errors[0]).toMatch(/docker/);
          expect(log.counted).toEqual({ c: 1 });
        });
    }
  }
  for (const c of cases.log_path_cases) {
    it(`path: ${c.name}`, () => {
      const m = parsePodPath(c.input);
      expect(m !== undefined).toBe(c.ok);
      if (c.ok) {
        const e = c.expected;
        expect(m).toEqual({
          'k8s.namespace.name': e.namespace,
          'k8s.pod.name': e.pod_name,
          'k8s.pod.uid': e.uid,
          'k8s.container.name': e.container_name,
          'k8s.container.restart_count': e.restart_count,
        });
      }
    });
  }
  for (const c of cases.additional_valid_log_paths)
    it(`path parses: ${c.input}`, () => expect(parsePodPath(c.input)).toBeDefined());
});

describe('container operator: Fluent Bit in_tail Docker_Mode samples (tail/dockermode*)', () => {
  const dir = join(ROOT, 'fluent-bit/tests/runtime/data/tail');
  const container = { type: 'container', add_metadata_from_file_path: false };
  // Fluent Bit's tests run the *_lines / firstline samples with Docker_Mode_Parser docker_multiline
  // (tail/parsers.conf: a first line starts with a date); here that is a recombine with is_first_entry
  // on the log text. max_unmatched_batch_size 1 emits lines before the first first-line on their own,
  // as Fluent Bit does (the collector's default, 100, would join them).
  const firstLine = {
    type: 'recombine',
    combine_field: 'body',
    is_first_entry: 'body matches "^\\\\d{4}-\\\\d{2}-\\\\d{2}"',
    max_unmatched_batch_size: 1,
  };
  const samples: Record<string, Record<string, unknown>[]> = {
    dockermode: [container],
    dockermode_splitted_line: [container],
    dockermode_multiple_lines: [container, firstLine],
    dockermode_firstline_detection: [container, firstLine],
    dockermode_splitted_multiple_lines: [container, firstLine],
  };
  for (const [name, operators] of Object.entries(samples)) {
    it(name, () => {
      const input = readFileSync(join(dir, 'log', `${name}.log`), 'utf8')
        .split('\n')
        .filter(Boolean);
      const expectedOut = readFileSync(join(dir, 'out', `${name}.out`), 'utf8')
        .split('\n')
        .filter(Boolean);
      const log = newStanzaLog();
      const out = runOperators(
        operators,
        input.map((body) => ({ body })),
        log,
      );
      // Fluent Bit's expected records carry the joined `log` (with its final "\n"); we strip that newline
      const want = expectedOut.map((l) => (JSON.parse(l).log as string).replace(/\n$/, ''));
      expect(out.map((e) => e.body)).toEqual(want);
      expect(log.errors).toEqual([]);
    });
  }
  it('covers every dockermode sample in the folder', () => {
    const logs = readdirSync(join(dir, 'log')).filter((f) => f.startsWith('dockermode'));
    const outs = readdirSync(join(dir, 'out')).filter((f) => f.startsWith('dockermode'));
    expect(logs.map((f) => f.replace(/\.log$/, '')).sort()).toEqual(Object.keys(samples).sort());
    expect(outs.map((f) => f.replace(/\.out$/, '')).sort()).toEqual(Object.keys(samples).sort());
  });
});

describe('container operator: Fluent Bit multiline container cases', () => {
  const fb = JSON.parse(readFileSync(join(ROOT, 'fluent-bit/multiline-cases.json'), 'utf8'));
  for (const c of fb.cases) {
    it(c.name, () => {
      // one upstream input has a raw newline inside a JSON string; in a file that cannot be
      // one line, so it is given here escaped
      const input = (c.input_lines as string[]).map((l) => ({
        body: l.startsWith('{') ? l.replace(/\n/g, '\\n') : l,
      }));
      const out = runOperators([{ type: 'container', add_metadata_from_file_path: false }], input);
      // Fluent Bit keeps Docker's final "\n" in `log`; we remove it
      expect(out.map((e) => e.body)).toEqual(
        (c.expected_log_values as string[]).map((v) => v.replace(/\n$/, '')),
      );
    });
  }
});

describe('container operator: every Fluent Bit kubernetes json-file sample', () => {
  const base = join(ROOT, 'fluent-bit/tests/runtime/data/kubernetes/log');
  const files = readdirSync(base, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'));
  it(`parses all ${files.length} files: body, log.iostream and timestamp from the runtime`, () => {
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const lines = readFileSync(join(base, f), 'utf8').split('\n').filter(Boolean);
      const errors: string[] = [];
      const out = runOperators(
        [{ type: 'container', add_metadata_from_file_path: false }],
        lines.map((body) => ({ body })),
        errors,
      );
      expect(errors, f).toEqual([]);
      const want = lines.map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
      expect(
        out.map((e) => e.body),
        f,
      ).toEqual(want.map((w) => w.log.replace(/\n$/, '')));
      out.forEach((e, i) => {
        expect(e.attributes['log.iostream']).toBe(want[i].stream);
        expect(e.timestamp / 1_000_000n).toBe(BigInt(Date.parse(want[i].time))); // ms precision of Date.parse
      });
    }
  });
  // kubernetes/out/<group>/<log name>[_stdout|_stderr].out: Fluent Bit's records after its kubernetes
  // filter. What the container operator gives must match their `log` (without the final "\n"), `stream`
  // and time. Not compared: the `kubernetes` metadata (from the API server, not the file), the time in
  // annotations-parser (a parser named in a pod annotation re-reads it from the log text), and
  // kairosdb-914055854-b63vq.out (it has no input log in the folder).
  const outBase = join(ROOT, 'fluent-bit/tests/runtime/data/kubernetes/out');
  const outs = readdirSync(outBase, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.out'));
  const matchable = outs.filter((o) => o !== 'kairosdb-914055854-b63vq.out');
  it(`matches the ${matchable.length} expected kubernetes/out records: log, stream, time`, () => {
    expect(matchable.length).toBe(outs.length - 1);
    for (const o of matchable) {
      let name = o.replace(/\.out$/, '');
      let stream: string | undefined;
      if (!existsSync(join(base, `${name}.log`))) {
        const m = /^(.*)_(stdout|stderr)$/.exec(name);
        expect(m, o).not.toBeNull();
        [name, stream] = [(m as RegExpExecArray)[1], (m as RegExpExecArray)[2]];
      }
      const lines = readFileSync(join(base, `${name}.log`), 'utf8')
        .split('\n')
        .filter(Boolean);
      const log = newStanzaLog();
      const out = runOperators(
        [{ type: 'container', add_metadata_from_file_path: false }],
        lines.map((body) => ({ body })),
        log,
      ).filter((e) => stream === undefined || e.attributes['log.iostream'] === stream);
      expect(log.errors, o).toEqual([]);
      const want = readFileSync(join(outBase, o), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as [number, { log?: string; stream: string }]);
      expect(out.length, o).toBe(want.length);
      want.forEach(([ts, rec], i) => {
        if (rec.log !== undefined) expect(out[i].body, o).toBe(rec.log.replace(/\n$/, ''));
        expect(out[i].attributes['log.iostream'], o).toBe(rec.stream);
        // Fluent Bit's time is a double (seconds): within 1 µs of ours
        if (!o.startsWith('annotations-parser'))
          expect(Math.abs(Number(out[i].timestamp / 1000n) - ts * 1e6), o).toBeLessThanOrEqual(1);
      });
    }
  });
  it('json_parser after container gives the keys Fluent Bit merge_log adds (every merge-log-enabled sample)', () => {
    for (const o of outs.filter((f) => f.startsWith('options/options_merge-log-enabled'))) {
      const line = readFileSync(join(base, o.replace(/\.out$/, '.log')), 'utf8').trim();
      const [rec] = readFileSync(join(outBase, o), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)[1] as Record<string, unknown>);
      const { log: _l, stream: _s, kubernetes: _k, ...merged } = rec;
      const [e] = runOperators(
        [
          { type: 'container', add_metadata_from_file_path: false },
          { type: 'json_parser', on_error: 'send_quiet' },
        ],
        [{ body: line }],
      );
      const { 'log.iostream': _i, ...parsed } = e.attributes;
      expect(parsed, o).toEqual(merged);
    }
  });
  it('json_parser after container merges a JSON log (Fluent Bit merge_log)', () => {
    const line = readFileSync(join(base, 'options/options_merge-log-enabled_json.log'), 'utf8').trim();
    const [e] = runOperators(
      [{ type: 'container', add_metadata_from_file_path: false }, { type: 'json_parser' }],
      [{ body: line }],
    );
    expect(e.attributes).toMatchObject({ text: 'Simple text', 'log.iostream': 'stdout' });
  });
});

describe('container operator: behaviour', () => {
  const path = '/var/log/pods/ns_pod_0123abcd-0000/app/0.log';
  it('keeps stdout and stderr partials apart and respects max_log_size after recombination', () => {
    const t = '2024-01-01T00:00:00.000000001Z';
    const out = runOperators(
      [{ type: 'container', max_log_size: 10 }],
      [
        { body: `${t} stdout P aaaa`, attributes: { 'log.file.path': path } },
        { body: `${t} stderr F err`, attributes: { 'log.file.path': path } },
        { body: `${t} stdout P bbbbbbb`, attributes: { 'log.file.path': path } },
        { body: `${t} stdout F cc`, attributes: { 'log.file.path': path } },
      ],
    );
    expect(out.map((e) => e.body)).toEqual(['err', 'aaaabbbbbbb', 'cc']);
  });
  it('a Docker line cut by max_log_size still yields its log text (no format-detection failure)', () => {
    const long = JSON.stringify({
      log: `${'a\\"b '.repeat(50)}\n`,
      stream: 'stderr',
      time: '2024-01-01T00:00:00Z',
    });
    const cut = long.slice(0, 120);
    const errors: string[] = [];
    const [e] = runOperators(
      [{ type: 'container', add_metadata_from_file_path: false }],
      [{ body: cut }],
      errors,
    );
    expect(errors).toEqual([]);
    expect(typeof e.body).toBe('string');
    expect((e.body as string).startsWith('a\\"b a')).toBe(true);
    expect(e.body as string).toBe(JSON.parse(`"${cut.slice(8).replace(/\\$/, '')}"`));
  });
  it('a malformed line between good CRI lines is reported and counted; the good lines still come out', () => {
    const t = '2024-01-01T00:00:00.000000001Z';
    const at = (body: string) => ({ body, attributes: { 'log.file.path': path } });
    const lines = [
      at(`${t} stdout F one`),
      at(`${t} stdout P tw`),
      at(`${t} stdout F o`),
      at('2024-01-01 garbage without a stream'),
      at(`${t} stderr F three`),
      at(`${t} stdout P fo`),
      at(`${t} stdout F ur`),
    ];
    for (const on_error of ['send', 'drop'] as const) {
      const log = newStanzaLog();
      const out = runOperators([{ type: 'container', id: 'crio', on_error }], lines, log);
      const good = ['one', 'two', 'three', 'four'];
      expect(out.map((e) => e.body)).toEqual(
        on_error === 'send'
          ? [...good.slice(0, 2), '2024-01-01 garbage without a stream', ...good.slice(2)]
          : good,
      );
      expect(log.errors).toHaveLength(1);
      expect(log.errors[0]).toMatch(/failed to detect a valid container log format/);
      expect(log.counted).toEqual({ crio: 1 });
      for (const e of out.filter((x) => x.body !== lines[3].body))
        expect(e.resource['k8s.pod.name']).toBe('pod');
    }
  });
  it('internal recombine: a run of P fragments is released at max_unmatched_batch_size (100), as in the collector', () => {
    const t = '2024-01-01T00:00:00.000000001Z';
    const lines = [
      ...Array.from({ length: 150 }, () => ({ body: `${t} stdout P x` })),
      { body: `${t} stdout F y` },
    ];
    const run = (recombine?: Record<string, unknown>) =>
      runOperators(
        [{ type: 'container', add_metadata_from_file_path: false, ...(recombine ? { recombine } : {}) }],
        lines,
      ).map((e) => e.body);
    expect(run()).toEqual(['x'.repeat(100), `${'x'.repeat(50)}y`]);
    expect(run({ max_unmatched_batch_size: 0 })).toEqual([`${'x'.repeat(150)}y`]);
    expect(run({ max_unmatched_batch_size: 0, max_batch_size: 60 })).toEqual([
      'x'.repeat(60),
      'x'.repeat(60),
      `${'x'.repeat(30)}y`,
    ]);
  });
  it('a malformed CRI line is reported and sent on unchanged (on_error: send), or dropped', () => {
    const errors: string[] = [];
    expect(
      runOperators(
        [{ type: 'container', add_metadata_from_file_path: false }],
        [{ body: 'garbage' }],
        errors,
      ).map((e) => e.body),
    ).toEqual(['garbage']);
    expect(errors[0]).toMatch(/failed to detect/);
    expect(
      runOperators(
        [{ type: 'container', add_metadata_from_file_path: false, on_error: 'drop_quiet' }],
        [{ body: 'garbage' }],
      ),
    ).toEqual([]);
  });
});
