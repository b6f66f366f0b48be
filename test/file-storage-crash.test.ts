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

/** Runs a child that prints the number of each write it saw acknowledged; SIGKILLs it after 300; returns those. */
async function ackedUntilKilled(script: string, arg: string): Promise<Set<number>> {
  const child = spawn('node_modules/.bin/vite-node', [script, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked = new Set<number>();
  let buf = '';
  // 'close': after the last line the child wrote was read (its 'exit' may come first)
  const exited = new Promise<void>((r) => child.on('close', () => r()));
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
  return acked;
}

const openStore = (path: string) =>
  LogStore.open({ path, fsync: true, lockTimeoutMs: 1000, logger: silentLogger() });

it('keeps every acknowledged write across SIGKILL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsunagi-crash-'));
  dirs.push(dir);
  const path = join(dir, 'store');
  const acked = await ackedUntilKilled('test/support/file-storage-crash-child.ts', path);
  const store = await openStore(path);
  try {
    for (const k of acked) {
      const v = await store.get(`k${k}`);
      expect(v?.length, `acked key k${k}`).toBe(2000);
    }
  } finally {
    await store.close();
  }
});

it('shared group commit: both stores hold the record of every request answered before SIGKILL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsunagi-crash-'));
  dirs.push(dir);
  const acked = await ackedUntilKilled('test/support/file-storage-shared-crash-child.ts', dir);
  // the child deletes item i-8 (lazily) once item i was answered: the newest ones must be there
  const newest = [...acked].sort((a, b) => a - b).slice(-8);
  for (const file of ['exporter_loki__logs', 'exporter_elasticsearch__logs']) {
    const store = await openStore(join(dir, file));
    try {
      const wi = Number(new TextDecoder().decode(await store.get('wi')));
      expect(wi, file).toBeGreaterThan(Math.max(...acked));
      for (const i of newest) expect((await store.get(`item/${i}`))?.length, `${file} item/${i}`).toBe(3000);
      // and no answered request is missing from one store but not deleted on purpose
      for (const i of acked) {
        const v = await store.get(`item/${i}`);
        if (v === undefined)
          expect(acked.has(i + 8), `${file} item/${i} deleted only after item/${i + 8} was answered`).toBe(
            true,
          );
      }
    } finally {
      await store.close();
    }
  }
});
