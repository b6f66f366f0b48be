// The fragment rules (fragments.ts): namespacing, what a team may reference,
// what it may not define, and that a broken fragment is refused alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../service/test-fakes.js';
import { fragmentErrors, fragmentsSchema, loadConfigSet, namespaceFragment } from './fragments.js';
import { formatIssue } from './issues.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-frag-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
function write(yaml: string, name = `f${seq++}.yaml`, d = dir): string {
  const p = join(d, name);
  writeFileSync(p, yaml);
  return p;
}
const rules = fragmentsSchema.parse({ receivers: ['rcv'], processors: ['pass'], exporters: ['exp'] });
const ns = (yaml: string, r = rules) => namespaceFragment(write(yaml), 'team-a', r);
const messages = (x: ReturnType<typeof ns>) => ('issues' in x ? x.issues.map(formatIssue) : []);

describe('namespaceFragment', () => {
  it("renames the team's components and pipelines and follows its references", () => {
    const out = ns(`
processors: {tag: , tag/x: }
connectors: {fwd: {default_pipelines: [traces/out]}}
service:
  pipelines:
    traces: {receivers: [rcv], processors: [pass, tag, tag/x], exporters: [fwd]}
    traces/out: {receivers: [fwd], exporters: [exp]}
`);
    expect(out).toEqual({
      fragment: {
        processors: { 'tag/team-a': null, 'tag/team-a/x': null },
        connectors: { 'fwd/team-a': { default_pipelines: ['traces/team-a/out'] } },
        service: {
          pipelines: {
            'traces/team-a': {
              receivers: ['rcv'],
              processors: ['pass', 'tag/team-a', 'tag/team-a/x'],
              exporters: ['fwd/team-a'],
            },
            'traces/team-a/out': { receivers: ['fwd/team-a'], exporters: ['exp'] },
          },
        },
      },
    });
  });

  it('refuses what the base does not expose, and what a team may not define', () => {
    expect(
      messages(
        ns('service: {pipelines: {logs: {receivers: [other], processors: [batch], exporters: [exp/x]}}}'),
      ),
    ).toEqual([
      expect.stringMatching(
        /^service::pipelines::logs::receivers::0: references receiver "other" which the base config does not expose to teams \(exposed: rcv\)/,
      ),
      expect.stringMatching(
        /^service::pipelines::logs::processors::0: references processor "batch" which this fragment does not define/,
      ),
      expect.stringMatching(
        /^service::pipelines::logs::exporters::0: references exporter "exp\/x" which the base config does not expose/,
      ),
    ]);
    expect(
      messages(
        ns('receivers: {rcv: }\nextensions: {ext: }\nexporters: {exp/own: }\nservice: {telemetry: {}}'),
      ),
    ).toEqual([
      expect.stringMatching(/^receivers: a fragment may not define receivers/),
      expect.stringMatching(/^extensions: a fragment may not define extensions/),
      expect.stringMatching(/^exporters: a fragment may not define exporters/),
      'service::telemetry: a fragment may only define service::pipelines',
    ]);
    expect(messages(ns('processors: {pass: }'))).toEqual([
      expect.stringMatching(/^processors::pass: "pass" is also exposed/),
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a fragment's text, not a template
    expect(messages(ns('processors: {tag: {value: "${env:SECRET}"}}'))).toEqual([
      expect.stringMatching(/^processors::tag::value: "\$\{\.\.\.\}" is not allowed in a fragment/),
    ]);
  });

  it('lets a team define exporters only when the base allows it', () => {
    const allow = fragmentsSchema.parse({ ...rules, allow_exporters: true });
    expect(
      ns(
        'exporters: {exp/own: }\nservice: {pipelines: {logs: {receivers: [rcv], exporters: [exp/own]}}}',
        allow,
      ),
    ).toMatchObject({
      fragment: {
        exporters: { 'exp/team-a/own': null },
        service: { pipelines: { 'logs/team-a': { exporters: ['exp/team-a/own'] } } },
      },
    });
  });
});

describe('loadConfigSet', () => {
  const rec = new Recorder();
  const base = (frag = 'receivers: [rcv], processors: [pass], exporters: [exp]') =>
    write(`
receivers: {rcv: , rcv/private: }
processors: {pass: }
exporters: {exp: }
fragments: {${frag}}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [rcv, rcv/private], exporters: [exp]}
`);

  it('runs the good fragments and refuses a broken one alone, by file name', () => {
    const teams = mkdtempSync(join(dir, 'teams-'));
    write(
      'service: {pipelines: {traces: {receivers: [rcv], processors: [pass], exporters: [exp]}}}',
      'a.yaml',
      teams,
    );
    write('service: {pipelines: {logs: {receivers: [rcv], exporters: [exp]}}}', 'b.yml', teams);
    write('service: {pipelines: {traces: {receivers: [rcv/private], exporters: [exp]}}}', 'c.yaml', teams);
    write('processors: [unclosed', 'd.yaml', teams);
    write('ignored', '..data', teams);
    write('ignored', 'README.md', teams);
    const r = loadConfigSet([base()], rec.registry(), {}, { dir: teams });
    expect(r.errors).toEqual([]);
    expect([...r.config!.pipelines.keys()]).toEqual(['traces', 'traces/a', 'logs/b']);
    expect(r.fragments.map((f) => [f.file, f.status])).toEqual([
      ['a.yaml', 'ok'],
      ['b.yml', 'ok'],
      ['c.yaml', 'refused'],
      ['d.yaml', 'refused'],
    ]);
    const errs = fragmentErrors(r.fragments);
    expect(errs[0]).toMatch(
      /^c\.yaml: service::pipelines::traces::receivers::0: references receiver "rcv\/private".*\(fragment refused\)$/,
    );
    expect(errs[1]).toMatch(/^d\.yaml: /);

    // on a reload, a fragment that broke keeps its previous version when it still fits
    write('service: {pipelines: {logs: {receivers: [nope], exporters: [exp]}}}', 'b.yml', teams);
    const again = loadConfigSet([base()], rec.registry(), {}, { dir: teams, previous: r.accepted });
    expect(again.fragments.find((f) => f.file === 'b.yml')!.status).toBe('kept');
    expect([...again.config!.pipelines.keys()]).toContain('logs/b');
    const fresh = loadConfigSet([base()], rec.registry(), {}, { dir: teams });
    expect([...fresh.config!.pipelines.keys()]).not.toContain('logs/b');
  });

  it('a base that exposes what it does not define is invalid; fragments keys are checked', () => {
    const r = loadConfigSet([base('receivers: [rcv, ghost]')], rec.registry(), {}, {});
    expect(r.errors.map(formatIssue)).toEqual([
      'fragments::receivers::1: exposes receiver "ghost" which the base config does not define',
    ]);
    const bad = loadConfigSet([base('colour: red')], rec.registry(), {}, {});
    expect(bad.errors.map(formatIssue).join()).toMatch(/^fragments::colour/);
  });
});
