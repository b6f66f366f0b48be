import { afterAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../component/errors.js';
import { defaultEncodeWorkers, EncodePool } from './encode-pool.js';

const entry = new URL('./testing/encode-worker-fixture.ts', import.meta.url);

describe('EncodePool', () => {
  const pool = new EncodePool({ entry, size: 2 });
  afterAll(() => pool.close());

  it('runs tasks on workers, moving the buffers both ways', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) =>
      Uint8Array.from({ length: 1000 + i }, (_, k) => k % 251),
    );
    const outs = await Promise.all(
      inputs.map((bytes, i) => {
        const copy = bytes.slice();
        return pool
          .run<{ bytes: Uint8Array; tag: string }>('echo', { bytes: copy, tag: `t${i}` }, [copy.buffer])
          .then((r) => {
            // moved: the sender's view is detached
            expect(copy.byteLength).toBe(0);
            return r;
          });
      }),
    );
    outs.forEach((o, i) => {
      expect(o.tag).toBe(`t${i}`);
      expect([...o.bytes]).toEqual([...inputs[i]].map((b) => b ^ 0xff));
    });
  });

  it("rejects with the encoder's message when it throws, and keeps serving", async () => {
    await expect(pool.run('fail', { message: 'bad batch' })).rejects.toThrow('bad batch');
    await expect(pool.run('nope', {})).rejects.toThrow('no encoder "nope"');
    await expect(pool.run('wait', { ms: 1 })).resolves.toBe(1);
  });

  it('a worker that dies fails its task retryably and is replaced', async () => {
    const before = pool.restarts;
    const crashed = await pool.run('crash', {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(crashed).toBeInstanceOf(Error);
    expect(isRetryable(crashed)).toBe(true);
    expect(String((crashed as Error).message)).toContain('encode worker failed');
    expect(pool.restarts).toBe(before + 1);
    // the others go on, on a new worker
    const got = await Promise.all([1, 2, 3].map((ms) => pool.run('wait', { ms })));
    expect(got).toEqual([1, 2, 3]);
  });

  it('close() finishes queued tasks first, then refuses new ones', async () => {
    const p = new EncodePool({ entry, size: 1 });
    const running = [p.run('wait', { ms: 20 }), p.run('wait', { ms: 5 }), p.run('wait', { ms: 1 })];
    await p.close();
    await expect(Promise.all(running)).resolves.toEqual([20, 5, 1]);
    const after = await p.run('wait', { ms: 1 }).catch((e: unknown) => e);
    expect(isRetryable(after)).toBe(true);
  });

  it('busy() tells callers to build in-thread once maxQueued tasks wait', async () => {
    const p = new EncodePool({ entry, size: 1, maxQueued: 2 });
    const tasks = [p.run('wait', { ms: 30 }), p.run('wait', { ms: 1 }), p.run('wait', { ms: 1 })];
    expect(p.busy()).toBe(true);
    await Promise.all(tasks);
    expect(p.busy()).toBe(false);
    await p.close();
  });

  it('sizes from TSUNAGI_ENCODE_WORKERS, else leaves a core to the event loop', () => {
    expect(defaultEncodeWorkers({ TSUNAGI_ENCODE_WORKERS: '0' })).toBe(0);
    expect(defaultEncodeWorkers({ TSUNAGI_ENCODE_WORKERS: '3' })).toBe(3);
    expect(defaultEncodeWorkers({})).toBe(0);
    expect(defaultEncodeWorkers({ TSUNAGI_ENCODE_WORKERS: 'x' })).toBe(defaultEncodeWorkers({}));
  });
});
