import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  heapGrowingFlagGiven,
  limitOldGenerationGrowth,
  oldGenerationGrowthHolders,
} from './old-generation.js';

// The built module (npm test compiles before it runs vitest), run in a fresh Node with the
// binary's young generation ceiling.
const built = fileURLToPath(new URL('../../dist/src/memory/old-generation.js', import.meta.url));

/** The most heap (MiB) a child used while objects lived a few rounds each (promoted, then garbage). */
function peakHeapUsed(percent: number, nodeArgs: string[] = []): number {
  const script = `
    const { limitOldGenerationGrowth } = await import(${JSON.stringify(built)});
    limitOldGenerationGrowth(${percent});
    const gens = [];
    let max = 0;
    for (let round = 0; round < 100; round++) {
      const g = [];
      for (let i = 0; i < 20000; i++) g.push({ a: i, s: 'x' + i, b: [i] });
      gens.push(g);
      if (gens.length > 8) gens.shift();
      await new Promise((r) => setImmediate(r));
      max = Math.max(max, process.memoryUsage().heapUsed);
    }
    console.log(max / 1048576);`;
  const out = execFileSync(
    process.execPath,
    ['--max-semi-space-size=8', ...nodeArgs, '--input-type=module', '-e', script],
    { env: { ...process.env, NODE_OPTIONS: '', TSUNAGI_HEAP_GROWING_PERCENT: '' }, encoding: 'utf8' },
  );
  return Number(out.trim());
}

describe('limitOldGenerationGrowth', () => {
  it('keeps the old generation near what is live where V8 would let garbage pile up', () => {
    const control = peakHeapUsed(0); // 0: off, V8's own heuristic
    const limited = peakHeapUsed(20);
    // ~16 MiB live: V8 alone lets it reach several times that (measured ~128 against ~50 MiB)
    expect(control).toBeGreaterThan(1.5 * limited);
  });

  it('leaves an explicit --heap-growing-percent alone', () => {
    expect(heapGrowingFlagGiven(['--heap-growing-percent=50'], '')).toBe(true);
    expect(heapGrowingFlagGiven([], '--max-old-space-size=512 --heap_growing_percent=50')).toBe(true);
    expect(heapGrowingFlagGiven(['--max-semi-space-size=8'], '')).toBe(false);
    const control = peakHeapUsed(0, ['--heap-growing-percent=300']);
    expect(peakHeapUsed(20, ['--heap-growing-percent=300'])).toBeGreaterThan(control / 1.5);
  });

  it('holds while any holder holds; each release counts once', () => {
    const before = oldGenerationGrowthHolders();
    const a = limitOldGenerationGrowth(20);
    const b = limitOldGenerationGrowth(20);
    expect(oldGenerationGrowthHolders()).toBe(before + 2);
    a();
    a();
    expect(oldGenerationGrowthHolders()).toBe(before + 1);
    b();
    expect(oldGenerationGrowthHolders()).toBe(before);
    expect(limitOldGenerationGrowth(0)).toBeTypeOf('function');
    expect(oldGenerationGrowthHolders()).toBe(before);
  });
});
