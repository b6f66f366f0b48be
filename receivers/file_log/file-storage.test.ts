// Checkpoints through the real file_storage extension: a restart (new
// extension instance on the same directory) resumes without loss or duplicates.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { factory as fileStorage } from '../../extensions/file_storage/factory.js';
import type { Host } from '../../src/component/component.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { bodies, startReceiver, tempDir, waitFor } from './testutil/harness.js';

async function storageHost(dir: string): Promise<{ host: Host; stop: () => Promise<void> }> {
  const cfg = fileStorage.configSchema.parse({ directory: dir });
  const ext = fileStorage.create(testSettings('file_storage', 'extension'), cfg, {
    pipelinesReady: () => true,
  });
  await ext.start({ getExtension: () => undefined });
  return {
    host: { getExtension: (id) => (id === 'file_storage' ? ext : undefined) },
    stop: () => ext.shutdown(),
  };
}

describe('file_log with the file_storage extension', () => {
  it('resumes from the persisted offsets after a restart', async () => {
    const root = tempDir();
    const store = join(root, 'store');
    mkdirSync(store);
    const f = join(root, 'a.log');
    writeFileSync(f, 'one\ntwo\n');
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = { include: [f], start_at: 'beginning', storage: 'file_storage' };
    let s = await storageHost(store);
    let r = await startReceiver(cfg, { host: s.host, consumer });
    await waitFor(() => bodies(consumer).length === 2);
    await r.rcv.shutdown();
    await s.stop();
    appendFileSync(f, 'three\n');
    s = await storageHost(store);
    r = await startReceiver(cfg, { host: s.host, consumer });
    await waitFor(() => bodies(consumer).length === 3);
    await new Promise((res) => setTimeout(res, 100));
    expect(bodies(consumer)).toEqual(['one', 'two', 'three']);
    await r.rcv.shutdown();
    await s.stop();
  });
});
