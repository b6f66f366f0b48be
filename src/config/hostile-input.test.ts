// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:X} references under test
// Config input that must be refused clearly, never loaded (issue: hostile and
// buggy clients, config and CLI): endless or special files, oversize
// sources, prototype keys anywhere, duplicate keys, and a huge map that must
// load in time linear in its size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeRegistry } from '../../test/support/fake-factories.js';
import { parseArgs } from '../cli/args.js';
import { ConfigError, formatIssue } from './issues.js';
import { loadConfig } from './load.js';
import { loadSources, MAX_CONFIG_BYTES } from './sources.js';
import { validateConfig } from './validate.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-hostile-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** The error lines loading these sources gives (it must throw). */
function refused(uris: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadSources(uris, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error(`loaded ${uris.join(' ')} without an error`);
}

describe('config files that are not plain, small files', () => {
  it('/dev/zero is refused as a device, without reading it', () => {
    expect(refused(['/dev/zero'])).toEqual([
      'cannot read config file "/dev/zero": it is a character device; a config must be a regular file',
    ]);
  });

  it('a FIFO is refused without blocking on the open (no writer ever comes)', () => {
    const fifo = join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(refused([fifo])).toEqual([
      `cannot read config file "${fifo}": it is a FIFO (named pipe); a config must be a regular file`,
    ]);
    expect(refused([`file:${dir}`])[0]).toMatch(/it is a directory; a config must be a regular file/);
  });

  it(`a file over ${MAX_CONFIG_BYTES / 1024 / 1024} MiB is refused; one just under loads`, () => {
    const comment = (n: number) => `a: 1\n#${'x'.repeat(n - 7)}\n`; // exactly n bytes
    const over = file('over.yaml', comment(MAX_CONFIG_BYTES + 1));
    expect(refused([over])).toEqual([
      `cannot read config file "${over}": it is 4.0 MiB; the limit is 4.0 MiB`,
    ]);
    expect(loadSources([file('under.yaml', comment(MAX_CONFIG_BYTES))])).toEqual({ a: 1 });
    // env: and yaml: sources have the same bound.
    expect(refused(['env:BIG'], { BIG: comment(MAX_CONFIG_BYTES + 1) })[0]).toMatch(
      /^env:BIG: it is 4\.0 MiB; the limit is 4\.0 MiB$/,
    );
  });
});

describe('prototype keys are refused anywhere, with their path', () => {
  const clean = () => {
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  };

  it('--set __proto__::x=1 is an error, and no prototype is set', () => {
    const args = parseArgs(['--set', '__proto__::x=1', '--set', 'exporters::debug::constructor::y=2']);
    expect(refused(args.configs)).toEqual([
      '__proto__::x: key "__proto__" is not allowed in a config (__proto__, constructor, prototype are refused everywhere) (in yaml:)',
      'exporters::debug::constructor::y: key "constructor" is not allowed in a config (__proto__, constructor, prototype are refused everywhere) (in yaml:)',
    ]);
    clean();
  });

  it('in YAML maps at any depth and inside lists, in files and env: sources', () => {
    const p = file(
      'proto.yaml',
      [
        'receivers:',
        '  otlp:',
        '    __proto__: {polluted: 1}',
        'processors:',
        '  attributes:',
        '    actions:',
        '      - {key: a, action: delete, prototype: 1}',
      ].join('\n'),
    );
    expect(refused([p, 'env:CFG'], { CFG: 'exporters: {debug: {constructor: {polluted: 1}}}' })).toEqual([
      `receivers::otlp::__proto__: key "__proto__" is not allowed in a config (__proto__, constructor, prototype are refused everywhere) (in ${p})`,
      `processors::attributes::actions::0::prototype: key "prototype" is not allowed in a config (__proto__, constructor, prototype are refused everywhere) (in ${p})`,
      'exporters::debug::constructor: key "constructor" is not allowed in a config (__proto__, constructor, prototype are refused everywhere) (in env:CFG)',
    ]);
    clean();
  });

  it('a tree built without the loader (JSON with an own __proto__ key) is refused by validation', () => {
    const tree = JSON.parse('{"receivers": {"otlp": {"__proto__": {"polluted": 1}}}}');
    expect(validateConfig(tree, fakeRegistry()).errors.map(formatIssue)).toEqual([
      'receivers::otlp::__proto__: key "__proto__" is not allowed in a config (__proto__, constructor, prototype are refused everywhere)',
    ]);
    clean();
  });

  it('an env-expanded value never becomes a key', () => {
    const p = file(
      'env.yaml',
      'receivers: {otlp: }\nexporters: {debug: {verbosity: "${env:V}"}}\nservice: {pipelines: {logs: {receivers: [otlp], exporters: [debug]}}}\n',
    );
    const r = loadConfig([p], fakeRegistry(), { V: '{__proto__: {polluted: 1}}' });
    expect(r.errors.map(formatIssue)).toEqual([
      'exporters::debug::verbosity: invalid value string "{__proto__: {polluted: 1}}": expected one of "basic", "normal", "detailed"',
    ]);
    clean();
  });
});

describe('YAML maps', () => {
  it('a duplicate key is an error with both lines (as the collector refuses it)', () => {
    const p = file('dup.yaml', 'receivers:\n  otlp:\nexporters:\n  debug:\n  debug:\n');
    expect(refused([p])).toEqual([
      `${p}: invalid YAML: duplicate key "debug" at line 5 (first defined at line 4)`,
    ]);
    // Merge keys (<<) may repeat values the map sets: not duplicates.
    expect(loadSources([file('merge.yaml', 'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n')])).toEqual({
      base: { x: 1 },
      m: { x: 1, y: 2 },
    });
  });

  it('loading a map of n keys costs CPU linear in n (a quadratic parser took 74 s for 60k)', () => {
    const bigMap = (n: number) => {
      let s = 'receivers:\n  otlp:\n    protocols:\n      http:\n        response_headers:\n';
      for (let i = 0; i < n; i++) s += `          k${i}: v${i}\n`;
      return file(`big-${n}.yaml`, s);
    };
    const small = bigMap(4000);
    const large = bigMap(16000);
    const cpu = (p: string) => {
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = process.cpuUsage();
        const m = loadSources([p]) as any;
        const used = process.cpuUsage(t);
        expect(Object.keys(m.receivers.otlp.protocols.http.response_headers)).toHaveLength(
          p === small ? 4000 : 16000,
        );
        runs.push(used.user + used.system);
      }
      return runs.sort((a, b) => a - b)[1];
    };
    cpu(small); // warm up the parser's code paths
    const ratio = cpu(large) / cpu(small);
    // 4x the keys: about 4x the CPU when linear, 16x when quadratic.
    expect(ratio).toBeLessThan(9);
  });
});

describe('YAML scalars as the collector reads them', () => {
  it('a number with _ separators is a number (go-yaml drops the underscores), quoted it stays text', () => {
    const p = file('underscore.yaml', 'a: 100_000\nb: "1_000"\nc: -65_536\nd: 1_0.5\ne: v1_2\nf: 1_2_\n');
    expect(loadSources([p])).toEqual({ a: 100000, b: '1_000', c: -65536, d: 10.5, e: 'v1_2', f: 12 });
  });
});
