// --watch: a change of a watched config file (also when an editor renames a new
// file over it) or of anything in a fragment directory calls back once the
// burst is over; other files in the same directory do not.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { watchConfig } from './watch.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('calls back after a burst of changes to a watched file or the fragment directory, not for other files', async () => {
  const config = join(dir, 'config.yaml');
  const teams = join(dir, 'teams');
  mkdirSync(teams);
  writeFileSync(config, 'a: 1\n');
  let calls = 0;
  const errors: Error[] = [];
  const w = watchConfig(
    [config],
    [teams],
    () => calls++,
    (e) => errors.push(e),
    50,
  );
  try {
    // a burst of writes: one call
    for (let i = 0; i < 5; i++) writeFileSync(config, `a: ${i}\n`);
    await until(() => calls === 1);
    // an unrelated file next to the config: nothing
    writeFileSync(join(dir, 'notes.txt'), 'x');
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(1);
    // an editor's save: write a temp file, rename it over the config
    writeFileSync(join(dir, '.config.yaml.swp'), 'a: 9\n');
    renameSync(join(dir, '.config.yaml.swp'), config);
    await until(() => calls === 2);
    // a new team file
    writeFileSync(join(teams, 'team-a.yaml'), 'service: {}\n');
    await until(() => calls === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(3);
    expect(errors).toEqual([]);
  } finally {
    w.close();
  }
});
