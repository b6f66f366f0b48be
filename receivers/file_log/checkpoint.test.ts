import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/component/component.js';
import { retryableError } from '../../src/component/errors.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer } from '../../test/support/component.js';
import { MemoryStorageExtension } from '../../test/support/memory-storage.js';
import { bodies, startReceiver, tempDir, waitFor } from './testutil/harness.js';

const lines = (from: number, to: number) => {
  let s = '';
  for (let i = from; i <= to; i++) s += `n ${i}\n`;
  return s;
};
const expected = (from: number, to: number) => lines(from, to).trimEnd().split('\n');

function hostWith(ext: MemoryStorageExtension): Host {
  return {
    getExtension: (id) =>
      id === 'file_storage'
        ? ext
        : id === 'other'
          ? { start: async () => {}, shutdown: async () => {} }
          : undefined,
  };
}

describe('file_log: checkpoints', () => {
  it('restarts from storage: lines written while stopped arrive, nothing twice (even with start_at: end)', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, '');
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = { include: [join(dir, '*.log')], storage: 'file_storage' };
    let r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    appendFileSync(f, lines(1, 20));
    await waitFor(() => bodies(consumer).length === 20);
    await r.rcv.shutdown();
    appendFileSync(f, lines(21, 40));
    writeFileSync(join(dir, 'b.log'), 'created while down\n');
    r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => bodies(consumer).length === 41);
    await new Promise((res) => setTimeout(res, 100));
    expect(bodies(consumer).sort()).toEqual([...expected(1, 40), 'created while down'].sort());
    await r.rcv.shutdown();
  });

  it('a consumer failing for a while: offsets do not advance; everything arrives once it recovers', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, lines(1, 10));
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    consumer.failWith = retryableError('backend down');
    let attempts = 0;
    const counting = {
      consume: async (d: LogsData) => {
        attempts++;
        return consumer.consume(d);
      },
    };
    const cfg = {
      include: [f],
      start_at: 'beginning',
      storage: 'file_storage',
      retry_on_failure: {
        enabled: true,
        initial_interval: '10ms',
        max_interval: '20ms',
        max_elapsed_time: '50ms',
      },
    };
    const r = await startReceiver(cfg, {
      host: hostWith(ext),
      consumer: counting as unknown as CollectingConsumer<'logs'>,
    });
    await waitFor(() => attempts >= 10, 5000, 'retries past max_elapsed_time');
    appendFileSync(f, lines(11, 20));
    const client = ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
    const cp = client.data.get('file_log.checkpoints');
    if (cp) {
      const files = JSON.parse(Buffer.from(cp).toString()).files as { offset: number }[];
      expect(files.every((x) => x.offset === 0)).toBe(true);
    }
    // a restart while the backend is down loses nothing either
    await r.rcv.shutdown();
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await new Promise((res) => setTimeout(res, 50));
    consumer.failWith = undefined;
    await waitFor(() => bodies(consumer).length === 20);
    await new Promise((res) => setTimeout(res, 100));
    expect(bodies(consumer)).toEqual(expected(1, 20));
    await r2.rcv.shutdown();
    const files = JSON.parse(
      Buffer.from(client.data.get('file_log.checkpoints') as Uint8Array).toString(),
    ).files;
    expect(files[0].offset).toBe(lines(1, 20).length);
  });

  it('storage must name a storage extension', async () => {
    const ext = new MemoryStorageExtension();
    await expect(
      startReceiver({ include: ['/nonexistent/*.log'], storage: 'other' }, { host: hostWith(ext) }),
    ).rejects.toThrow(/not a storage extension/);
    await expect(
      startReceiver({ include: ['/nonexistent/*.log'], storage: 'missing' }, { host: hostWith(ext) }),
    ).rejects.toThrow(/not a configured extension/);
  });
});
