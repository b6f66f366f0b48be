// Rotation and restart torture of the agent binary with config/agent.yaml, short version
// (12 s of writing, longer on a loaded machine). The long one runs the same code: `npm run torture`
// (bench/torture.ts). test/support/agent-torture.ts has the schedule and the duplicate bound.
import { expect, test } from 'vitest';
import { runAgentTorture } from './support/agent-torture.js';

test('kubelet rotation + gzip, copytruncate, 503 outages, SIGTERM and kill -9 restarts: every line arrives; duplicates only after kill -9, bounded', async () => {
  const r = await runAgentTorture({
    durationMs: 12_000,
    drainStallMs: 6_000,
    drainMaxMs: 25_000,
    minSchedule: { sigterms: 1, kills: 1, rotations: 3, copytruncates: 2 },
    stopTimeoutMs: 12_000,
    log: process.env.TORTURE_DEBUG ? (m) => console.error(m) : undefined,
  });
  const context = `\n${r.events.join('\n')}\nmissing by file: ${JSON.stringify(r.missingByFile)}\nduplicated outside kill windows by file: ${JSON.stringify(r.duplicatedOutsideByFile)}`;
  // SIGTERM: a clean exit within file_log's 10 s bound
  expect(r.sigtermFailures, context).toEqual([]);
  // every number 1..N arrived
  expect(r.recordsWithoutSeq, context).toBe(0);
  expect(r.missing.length, context).toBe(0);
  expect(r.received).toBe(r.written);
  // the schedule really happened (minimums a loaded CI machine still reaches: the whole
  // suite runs beside this test)
  expect(r.sigterms, context).toBeGreaterThanOrEqual(1);
  expect(r.kills, context).toBeGreaterThanOrEqual(1);
  expect(r.rotations).toBeGreaterThanOrEqual(3);
  expect(r.copytruncates).toBeGreaterThanOrEqual(2);
  expect(r.sink503).toBeGreaterThan(0);
  expect(r.written).toBeGreaterThan(10_000);
  // duplicates: only around a kill -9 (lines first delivered within DUP_WINDOW_MS of it), at most twice more per kill
  expect(r.duplicatedOutsideKillWindows.length, context).toBe(0);
  expect(r.deliveries - r.received).toBeLessThanOrEqual(r.duplicateBound);
}, 120_000);
