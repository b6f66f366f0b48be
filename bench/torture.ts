// The long rotation and restart torture of the agent binary (the suite runs an 11 s version,
// test/agent-torture.load.test.ts, with the same code):
// npm run torture   (TORTURE_SECONDS=60, TORTURE_RATE=4000 lines/s by default)
import { runAgentTorture } from '../test/support/agent-torture.js';

const seconds = Number(process.env.TORTURE_SECONDS ?? 60);
const r = await runAgentTorture({
  durationMs: seconds * 1000,
  linesPerSecond: Number(process.env.TORTURE_RATE ?? 4000),
  drainStallMs: 30_000,
  drainMaxMs: 120_000,
  log: (m) => console.error(m),
});
const extra = r.deliveries - r.received;
const ok =
  r.missing.length === 0 &&
  r.recordsWithoutSeq === 0 &&
  r.duplicatedOutsideKillWindows.length === 0 &&
  extra <= r.duplicateBound;
console.log(
  JSON.stringify({
    ok,
    seconds,
    written: r.written,
    received: r.received,
    missing: r.missing.length,
    missing_by_file: r.missingByFile,
    duplicate_deliveries: extra,
    duplicate_bound: r.duplicateBound,
    duplicated_outside_kill_windows: r.duplicatedOutsideKillWindows.length,
    rotations: r.rotations,
    gzipped: r.gzipped,
    copytruncates: r.copytruncates,
    sigterms: r.sigterms,
    kills: r.kills,
    sink_503_answers: r.sink503,
    wall_s: r.wallMs / 1000,
  }),
);
process.exit(ok ? 0 : 1);
