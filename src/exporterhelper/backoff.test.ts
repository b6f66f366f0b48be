import { describe, expect, it } from 'vitest';
import { type BackoffConfig, ExponentialBackoff } from './backoff.js';

const cfg: BackoffConfig = {
  initial_interval: 100,
  randomization_factor: 0.5,
  multiplier: 2,
  max_interval: 500,
  max_elapsed_time: 0,
};

/** Delays from a backoff whose clock advances by each delay (as the retry loop sleeps). */
function run(c: BackoffConfig, random: number, count: number): (number | undefined)[] {
  let t = 1_000_000;
  const b = new ExponentialBackoff(
    c,
    () => t,
    () => random,
  );
  const out: (number | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const d = b.next();
    out.push(d);
    if (d !== undefined) t += d;
  }
  return out;
}

describe('ExponentialBackoff (retry_on_failure)', () => {
  it('starts at initial_interval and grows by multiplier up to max_interval', () => {
    // random 0.5 is the midpoint of the jitter range: the bare interval.
    expect(run(cfg, 0.5, 6)).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it('randomizes each delay within ±randomization_factor of the interval', () => {
    expect(run(cfg, 0, 5)).toEqual([50, 100, 200, 250, 250]);
    expect(run(cfg, 0.999999, 5).map((d) => Math.round(d!))).toEqual([150, 300, 600, 750, 750]);
    expect(run({ ...cfg, randomization_factor: 0 }, 0.9, 3)).toEqual([100, 200, 400]);
  });

  it('multiplier 1 keeps the interval constant', () => {
    expect(run({ ...cfg, multiplier: 1 }, 0.5, 4)).toEqual([100, 100, 100, 100]);
  });

  it('stops once the next delay would pass max_elapsed_time (0 = never)', () => {
    // 100 + 200 + 400 + 500 + 500 = 1700 elapsed; another 500 would make 2200 > 2000.
    expect(run({ ...cfg, max_elapsed_time: 2000 }, 0.5, 7)).toEqual([
      100,
      200,
      400,
      500,
      500,
      undefined,
      undefined,
    ]);
    expect(run({ ...cfg, max_elapsed_time: 2200 }, 0.5, 7)).toEqual([
      100,
      200,
      400,
      500,
      500,
      500,
      undefined,
    ]);
    expect(run(cfg, 0.5, 50).every((d) => d !== undefined)).toBe(true);
  });

  it('elapsed() and allows() measure from the first attempt', () => {
    let t = 5000;
    const b = new ExponentialBackoff(
      { ...cfg, max_elapsed_time: 1000 },
      () => t,
      () => 0.5,
    );
    t += 600;
    expect(b.elapsed()).toBe(600);
    expect(b.allows(400)).toBe(true);
    expect(b.allows(401)).toBe(false);
    expect(new ExponentialBackoff(cfg, () => t).allows(1e9)).toBe(true);
  });
});
