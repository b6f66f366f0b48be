// Durability under a real crash: a child process writes to a file_storage
// store and is SIGKILLed mid-stream; every write it saw acknowledged must be
// there when the store is reopened, and the store must open cleanly.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LogStore } from '../extensions/file_storage/log-store.js';
import { silentLogger } from '../src/telemetry/logger.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('keeps every acknowledged write across SIGKILL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsunagi-crash-'));
  dirs.push(dir);
  const path = join(dir, 'store');
  const child = spawn('node_modules/.bin/vite-node', ['test/support/file-storage-crash-child.ts', path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked = new Set<number>();
  let buf = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not ack 300 writes in time')), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) acked.add(Number(l));
      if (acked.size >= 300) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await exited;
  const store = await LogStore.open({ path, fsync: true, lockTimeoutMs: 1000, logger: silentLogger() });
  try {
    for (const k of acked) {
      const v = await store.get(`k${k}`);
      expect(v?.length, `acked key k${k}`).toBe(2000);
    }
  } finally {
    await store.close();
  }
});
