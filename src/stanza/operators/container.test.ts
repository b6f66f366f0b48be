// Conformance: every case transcribed from the collector's container parser
// tests (shared/conformance/container-logs/otel-collector-contrib/cases.json),
// plus Docker json-file 16 KiB split recombination from Fluent Bit's samples.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOperators } from '../../../test/support/stanza.js';
import { parsePodPath, splitCri } from './container.js';

const ROOT = '/work/shared/conformance/container-logs';
const cases = JSON.parse(readFileSync(join(ROOT, 'otel-collector-contrib/cases.json'), 'utf8'));

function opConfig(c: { format?: string; add_metadata_from_file_path?: boolean; if?: string }) {
  const o: Record<string, unknown> = { type: 'container', id: 'test_id' };
  if (c.format && !c.format.startsWith('auto')) o.format = c.format;
  if (c.add_metadata_from_file_path !== undefined)
    o.add_metadata_from_file_path = c.add_metadata_from_file_path;
  if (c.if) o.if = c.if;
  return o;
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
  for (const [kind, list] of [
    ['crio', cases.crio_field_cases],
    ['containerd', cases.containerd_field_cases],
  ] as const) {
    for (const c of list) {
      it(`${kind} fields: ${c.name}`, () => {
        const f = splitCri(c.input);
        const ok = f !== undefined && (kind === 'crio' || f.time.endsWith('Z'));
        expect(ok).toBe(c.ok);
        if (c.ok) expect(f).toEqual(c.expected);
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

describe('container operator: Docker json-file split lines (Fluent Bit dockermode samples)', () => {
  const dir = join(ROOT, 'fluent-bit/tests/runtime/data/tail');
  for (const name of ['dockermode', 'dockermode_splitted_line']) {
    it(name, () => {
      const input = readFileSync(join(dir, 'log', `${name}.log`), 'utf8')
        .split('\n')
        .filter(Boolean);
      const expectedOut = readFileSync(join(dir, 'out', `${name}.out`), 'utf8')
        .split('\n')
        .filter(Boolean);
      const out = runOperators(
        [{ type: 'container', add_metadata_from_file_path: false }],
        input.map((body) => ({ body })),
      );
      // Fluent Bit's expected records carry the joined `log` (with its final "\n"); we strip that newline
      const want = expectedOut.map((l) => (JSON.parse(l).log as string).replace(/\n$/, ''));
      expect(out.map((e) => e.body)).toEqual(want);
    });
  }
  it('lists the samples it covers', () => {
    expect(readdirSync(join(dir, 'log')).filter((f) => f.startsWith('dockermode')).length).toBeGreaterThan(0);
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
