// A short torture run (a few seconds). The long one: `npm run torture` (bench/torture.ts).
import { describe, expect, it } from 'vitest';
import { runTorture } from './testutil/torture.js';

describe('file_log torture', () => {
  it('rotations + gzip + graceful restarts while writing: every line exactly once', async () => {
    const r = await runTorture({ durationMs: 3000 });
    expect(r.rotations).toBeGreaterThan(3);
    expect(r.restarts).toBeGreaterThan(2);
    expect(r.missing.slice(0, 10)).toEqual([]);
    expect(r.duplicated.slice(0, 10)).toEqual([]);
    expect(r.received).toBe(r.written);
  });
});
