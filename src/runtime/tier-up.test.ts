import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIER_UP_FLAGS, tierUpFlags } from './tier-up.js';

describe('tierUpFlags', () => {
  it('sets the default budget when the user gave no such flag', () => {
    expect(tierUpFlags(DEFAULT_TIER_UP_FLAGS, [], '')).toEqual(['--interrupt-budget=16384']);
    expect(tierUpFlags(DEFAULT_TIER_UP_FLAGS, ['--max-old-space-size=400'], '--trace-gc')).toEqual([
      '--interrupt-budget=16384',
    ]);
  });

  it('leaves a flag the user gave on the command line or in NODE_OPTIONS alone (dashes or underscores)', () => {
    expect(tierUpFlags(DEFAULT_TIER_UP_FLAGS, ['--interrupt-budget=65536'], '')).toEqual([]);
    expect(tierUpFlags(DEFAULT_TIER_UP_FLAGS, [], '--max-semi-space-size=4 --interrupt_budget=1000')).toEqual(
      [],
    );
  });

  it('TSUNAGI_V8_TIER_UP replaces the flags; empty sets none', () => {
    expect(tierUpFlags('--interrupt-budget=8192 --ticks-before-optimization=2', [], '')).toEqual([
      '--interrupt-budget=8192',
      '--ticks-before-optimization=2',
    ]);
    expect(tierUpFlags('', [], '')).toEqual([]);
  });

  it('optimizes a function after fewer calls once set at run time', () => {
    // the same function, called until V8 reports it optimized, with and without the flag;
    // compiled on the main thread (no concurrent recompilation), so the count does not depend
    // on how busy the machine is
    const script = `
      const { setFlagsFromString } = require('node:v8');
      if (process.argv[1] === 'on') setFlagsFromString('${DEFAULT_TIER_UP_FLAGS}');
      function work(o) { let s = 0; for (let i = 0; i < 8; i++) s += o.a * i + o.b; return s; }
      let n = 0;
      for (; n < 1e6; n++) { work({ a: n, b: 1 }); if ((%GetOptimizationStatus(work) & 16) !== 0) break; }
      console.log(n);`;
    const calls = (mode: string) =>
      Number(
        execFileSync(process.execPath, [
          '--allow-natives-syntax',
          '--no-concurrent-recompilation',
          '-e',
          script,
          mode,
        ]).toString(),
      );
    const off = calls('off');
    const on = calls('on');
    expect(on).toBeLessThan(off / 2);
  });
});
