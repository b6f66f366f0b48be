import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SyncGroup } from './sync-group.js';

/** A file handle whose fdatasyncs return only when the test says so. */
function fakeFile() {
  const calls: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const fh = {
    datasync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
  } as unknown as FileHandle;
  return { fh, calls };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await undefined;
  return done;
};

/** The end of the current event-loop turn (a cohort's round starts there at the latest). */
const turn = () => new Promise((r) => setImmediate(r));

describe('SyncGroup', () => {
  it('syncs the files written together in one round, only once every writer has written', async () => {
    const g = new SyncGroup();
    const a = fakeFile();
    const b = fakeFile();
    const ca = g.beginWrite();
    const cb = g.beginWrite(); // the same turn: one request's fan-out
    const pa = g.sync(a.fh, ca);
    expect(a.calls).toHaveLength(0); // b is still writing: it joins this round
    const pb = g.sync(b.fh, cb);
    await turn();
    expect(g.rounds).toBe(1);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    a.calls[0].resolve();
    expect(await settled(pa)).toBe(true);
    expect(await settled(pb)).toBe(false); // never before its own file is durable
    b.calls[0].resolve();
    await pb;
  });

  it('waits for the turn to end: a store that writes later in the same turn joins the round', async () => {
    const g = new SyncGroup();
    const a = fakeFile();
    const b = fakeFile();
    const pa = g.sync(a.fh, g.beginWrite()); // written on the event loop: done before b begins
    await undefined;
    const pb = g.sync(b.fh, g.beginWrite()); // the fan-out's second store, a microtask later
    expect([a.calls.length, b.calls.length]).toEqual([0, 0]);
    await turn();
    expect(g.rounds).toBe(1);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    a.calls[0].resolve();
    b.calls[0].resolve();
    await Promise.all([pa, pb]);
  });

  it('starts a round for a file written while another round runs, without waiting for it', async () => {
    const g = new SyncGroup();
    const logs = fakeFile();
    const traces = fakeFile();
    const pl = g.sync(logs.fh, g.beginWrite());
    await turn();
    expect(g.inRound).toBe(true);
    const pt = g.sync(traces.fh, g.beginWrite());
    await turn();
    expect(g.rounds).toBe(2);
    expect(traces.calls).toHaveLength(1); // its fdatasync runs alongside the first round's
    traces.calls[0].resolve();
    await pt;
    expect(await settled(pl)).toBe(false);
    logs.calls[0].resolve();
    await pl;
    await settled(Promise.resolve());
    expect(g.inRound).toBe(false);
  });

  it('rejects only the caller whose fdatasync failed; an abandoned write does not hold a round back', async () => {
    const g = new SyncGroup();
    const a = fakeFile();
    const b = fakeFile();
    const ca = g.beginWrite();
    const cb = g.beginWrite();
    const pa = g.sync(a.fh, ca);
    g.abandon(cb); // b's write failed
    await turn();
    expect(a.calls).toHaveLength(1);
    const pb = g.sync(b.fh, g.beginWrite());
    await turn();
    a.calls[0].reject(new Error('EIO'));
    b.calls[0].resolve();
    await expect(pa).rejects.toThrow('EIO');
    await expect(pb).resolves.toBeUndefined();
  });

  it('a write begun in an earlier turn and still landing does not hold back a later round', async () => {
    const g = new SyncGroup();
    const slow = fakeFile();
    const fast = fakeFile();
    const cs = g.beginWrite(); // e.g. the logs pipeline's write, slow to land
    await new Promise((r) => setImmediate(r));
    const pf = g.sync(fast.fh, g.beginWrite()); // traces, a turn later
    await turn();
    expect(fast.calls).toHaveLength(1);
    fast.calls[0].resolve();
    await pf;
    const ps = g.sync(slow.fh, cs);
    expect(slow.calls).toHaveLength(1);
    slow.calls[0].resolve();
    await ps;
    expect(g.rounds).toBe(2);
  });
});
