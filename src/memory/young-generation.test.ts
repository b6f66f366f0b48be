import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { semiSpaceFlagGiven } from './young-generation.js';

// The built module (npm test compiles before it runs vitest), run in a fresh Node whose
// young generation starts small, as the binary's does.
const built = fileURLToPath(new URL('../../dist/src/memory/young-generation.js', import.meta.url));

/** The largest semi-space (MiB) a child process reached while allocating short- and middle-lived objects. */
function maxSemiSpace(cap: string, nodeArgs: string[] = [], ready = true): number {
  const script = `
    const { capYoungGeneration, semiSpaceMiB, youngGenerationMayGrow } = await import(${JSON.stringify(built)});
    if (${JSON.stringify(cap)} !== 'none') capYoungGeneration(Number(${JSON.stringify(cap)}));
    if (${ready}) youngGenerationMayGrow();
    let keep = [];
    let max = 0;
    for (let round = 0; round < 80; round++) {
      for (let i = 0; i < 20000; i++) keep.push({ a: i, b: [i, i + 1], c: 'x' + i });
      if (keep.length > 200000) keep = keep.slice(100000);
      await new Promise((r) => setImmediate(r));
      max = Math.max(max, semiSpaceMiB());
    }
    console.log(max);`;
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  return Number(out.trim());
}

describe('capYoungGeneration', () => {
  it('keeps the semi-space at the ceiling where Node would grow it further', () => {
    // the control: Node grows it past the ceiling by itself under this load
    expect(maxSemiSpace('none', ['--max-semi-space-size=16'])).toBeGreaterThan(4);
    expect(maxSemiSpace('4')).toBeLessThanOrEqual(4);
  });

  it('does not let it grow at all until start-up is over', () => {
    // start-up allocates in long synchronous stretches that the asynchronous check cannot
    // follow: the semi-space keeps its initial size (1 MiB) until youngGenerationMayGrow()
    expect(maxSemiSpace('4', [], false)).toBeLessThanOrEqual(1);
    expect(maxSemiSpace('4', [], true)).toBeGreaterThan(1);
  });

  it('leaves an explicit semi-space flag alone', () => {
    expect(maxSemiSpace('4', ['--max-semi-space-size=16'])).toBeGreaterThan(4);
  });

  it('recognizes the semi-space flags on the command line and in NODE_OPTIONS', () => {
    expect(semiSpaceFlagGiven(['--max-semi-space-size=16'], '')).toBe(true);
    expect(semiSpaceFlagGiven([], '--max-old-space-size=320 --max_semi_space_size=16')).toBe(true);
    expect(semiSpaceFlagGiven(['--min-semi-space-size=4'], '')).toBe(true);
    expect(semiSpaceFlagGiven(['--max-old-space-size=320'], '--heap-growing-percent=100')).toBe(false);
  });
});
