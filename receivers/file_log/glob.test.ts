// The compiled include/exclude globs must find exactly what a general glob
// library finds (tinyglobby, as file_log used before, with its options), on a
// pods-like tree with rotated files, dot directories, nested dirs and a
// symlinked directory, for the pattern forms the collector's doublestar knows.
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGlob, expandBraces } from './glob.js';

const root = mkdtempSync(join(tmpdir(), 'tsunagi-glob-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const f of [
  'pods/ns1_pod-a_0f1e/app/0.log',
  'pods/ns1_pod-a_0f1e/app/1.log',
  'pods/ns1_pod-a_0f1e/app/0.log.20240101-010101',
  'pods/ns1_pod-a_0f1e/app/0.log.20240101-010101.gz',
  'pods/ns1_pod-a_0f1e/side/0.log',
  'pods/ns2_pod-b_9a8b/app/0.log',
  'pods/ns2_pod-b_9a8b/app/notes.txt',
  'pods/.hidden_x_y/app/0.log',
  'deep/x.log',
  'deep/a/b/c/x.log',
  'deep/.dot/y.log',
  'deep/a/z.txt',
]) {
  mkdirSync(join(root, dirname(f)), { recursive: true });
  writeFileSync(join(root, f), 'x\n');
}
symlinkSync(join(root, 'deep'), join(root, 'link-to-deep'));

const cases: [string[], string[]][] = [
  [['pods/*/*/*.log'], []],
  [['pods/*/app/*.log'], []],
  [['pods/ns1_*/*/?.log'], []],
  [['pods/*/*/[01].log'], []],
  [['pods/*/*/[!1].log'], []],
  [['pods/*/*/[^1].log'], []],
  [['pods/*/*/*'], []],
  [['**/*.log'], []],
  [['deep/**'], []],
  [['{pods,deep}/**/*.log'], []],
  [['link-to-deep/**/*.log'], []],
  [['pods/*/{app,side}/0.log'], []],
  [['pods/{ns1_pod-a_0f1e/app,ns2_pod-b_9a8b/app}/*.log'], []],
  [['pods/*/*/*.log', 'deep/**/*.log'], []],
  [['pods/*/*/*.log'], ['pods/ns2_*/**']],
  [['**/*.log'], ['**/side/*.log', 'pods/*/*/1.log']],
  [['**/*.log'], ['**/.*/**']],
  [['pods/*/*/*.log*'], ['**/*.gz']],
  [['nothing/*/here.log', 'pods/*/missing/*.log'], []],
];

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

describe('file_log globs', () => {
  it.each(cases)('include %j exclude %j: the same files as tinyglobby', async (include, exclude) => {
    const abs = (ps: string[]) => ps.map((p) => join(root, p));
    const want = (
      await glob(abs(include), {
        ignore: abs(exclude),
        absolute: true,
        dot: true,
        followSymbolicLinks: true,
        expandDirectories: false,
      })
    ).sort();
    const got = (await compileGlob(abs(include), abs(exclude)).expand()).filter(isFile);
    expect(got).toEqual(want);
    // every case but the one about missing directories finds something (no vacuous agreement)
    if (!include[0].startsWith('nothing/')) expect(want.length).toBeGreaterThan(0);
  });

  it('expands braces, nested and across /, and keeps a brace without a comma literal', () => {
    expect(expandBraces('/a/{b,c/d}/{e,{f,g}}.log')).toEqual([
      '/a/b/e.log',
      '/a/b/f.log',
      '/a/b/g.log',
      '/a/c/d/e.log',
      '/a/c/d/f.log',
      '/a/c/d/g.log',
    ]);
    expect(expandBraces('/a/{x}/{y,z}')).toEqual(['/a/{x}/y', '/a/{x}/z']);
    expect(expandBraces('/a/{open')).toEqual(['/a/{open']);
  });
});
