import { describe, expect, it } from 'vitest';
import { OneAtATime, TimeSlice } from './time-slice.js';

/** Busy-waits `ms` (a stand-in for building documents). */
function work(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('TimeSlice', () => {
  it('lets other callbacks run while a long loop works, and none while the slice lasts', async () => {
    let turns = 0;
    let stop = false;
    const tick = () => {
      turns++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    await new Promise((r) => setImmediate(r)); // the ticker is running
    const before = turns;
    const slice = new TimeSlice(2);
    for (let i = 0; i < 32 * 40; i++) {
      work(0.01); // 12.8 ms in all: several 2 ms slices
      if (slice.due()) await slice.next();
    }
    stop = true;
    expect(slice.yields).toBeGreaterThan(1);
    expect(turns - before).toBeGreaterThanOrEqual(slice.yields);

    // A short loop inside one slice stays synchronous: no turn is taken.
    const quick = new TimeSlice(1000);
    for (let i = 0; i < 1000; i++) if (quick.due()) await quick.next();
    expect(quick.yields).toBe(0);
  });
});

describe('OneAtATime', () => {
  it('runs tasks one after the other in call order, a failure not stopping the next', async () => {
    const one = new OneAtATime();
    const log: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await new Promise((r) => setImmediate(r));
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      one.run(task('a')),
      one.run(task('b', true)),
      one.run(task('c')),
    ]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
