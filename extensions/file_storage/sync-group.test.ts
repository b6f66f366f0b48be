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

describe('SyncGroup', () => {
  it('syncs the files written together in one round, only once every writer has written', async () => {
    const g = new SyncGroup();
    const a = fakeFile();
    const b = fakeFile();
    g.beginWrite();
    g.beginWrite();
    const pa = g.sync(a.fh);
    expect(a.calls).toHaveLength(0); // b is still writing: it joins this round
    const pb = g.sync(b.fh);
    expect(g.rounds).toBe(1);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    a.calls[0].resolve();
    expect(await settled(pa)).toBe(true);
    expect(await settled(pb)).toBe(false); // never before its own file is durable
    b.calls[0].resolve();
    await pb;
  });

  it('starts a round for a file written while another round runs, without waiting for it', async () => {
    const g = new SyncGroup();
    const logs = fakeFile();
    const traces = fakeFile();
    g.beginWrite();
    const pl = g.sync(logs.fh);
    expect(g.inRound).toBe(true);
    g.beginWrite();
    const pt = g.sync(traces.fh);
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
    g.beginWrite();
    g.beginWrite();
    const pa = g.sync(a.fh);
    g.abandon(); // b's write failed
    expect(a.calls).toHaveLength(1);
    g.beginWrite();
    const pb = g.sync(b.fh);
    a.calls[0].reject(new Error('EIO'));
    b.calls[0].resolve();
    await expect(pa).rejects.toThrow('EIO');
    await expect(pb).resolves.toBeUndefined();
  });
});
