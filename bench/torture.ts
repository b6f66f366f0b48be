// The long torture run for file_log (the suite runs a 3 s version):
// npm run torture   (TORTURE_SECONDS=60 by default)
import { runTorture } from '../receivers/file_log/testutil/torture.js';

const seconds = Number(process.env.TORTURE_SECONDS ?? 60);
const r = await runTorture({ durationMs: seconds * 1000 });
const ok = r.missing.length === 0 && r.duplicated.length === 0;
console.log(
  JSON.stringify({
    ok,
    written: r.written,
    received: r.received,
    rotations: r.rotations,
    restarts: r.restarts,
    missing: r.missing.length,
    duplicated: r.duplicated.length,
    first_missing: r.missing.slice(0, 10),
    first_duplicated: r.duplicated.slice(0, 10),
  }),
);
process.exit(ok ? 0 : 1);
