// A pipeline of `nop` components with Tsunagi's own telemetry off holds no socket
// and no timer of its own: the binary must still run until it is told to stop,
// as the collector does (a process that exits 0 right after "Everything is
// ready" looks healthy to a supervisor that restarts it forever).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startTsunagi } from './support/tsunagi-process.js';

describe('the binary runs until stopped', () => {
  it('with only nop components and no telemetry server it keeps running, then stops cleanly on SIGTERM', async () => {
    const t = await startTsunagi(`receivers:
  nop:
exporters:
  nop:
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [nop], exporters: [nop] }
`);
    await sleep(1500);
    expect(t.child.exitCode).toBeNull();
    expect(await t.stop()).toBe(0);
  });
});
