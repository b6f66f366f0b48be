// Torture: a writer appends numbered lines through an open descriptor while
// the files are rotated the kubelet way (rename, a little more written to the
// old descriptor, reopen, gzip + delete of old rotated files) and the
// receiver is restarted gracefully from the same storage. At the end every
// number must have arrived exactly once.
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { anyValueToString } from '../../../src/pdata/attributes.js';
import type { LogsData } from '../../../src/pdata/types.js';
import type { CollectingConsumer } from '../../../test/support/component.js';
import { MemoryStorageExtension } from '../../../test/support/memory-storage.js';
import { startReceiver, tempDir, waitFor } from './harness.js';

export interface TortureResult {
  written: number;
  received: number;
  missing: number[];
  duplicated: number[];
  rotations: number;
  restarts: number;
}

export async function runTorture(opts: {
  durationMs: number;
  restartEveryMs?: number;
  rotateEveryMs?: number;
}): Promise<TortureResult> {
  const dir = tempDir('filelog-torture-');
  const live = join(dir, '0.log');
  const ext = new MemoryStorageExtension();
  const seen = new Map<number, number>();
  let received = 0;
  const consumer = {
    received: [] as LogsData[],
    async consume(d: LogsData) {
      for (const rl of d.resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const r of sl.logRecords) {
            const n = Number(anyValueToString(r.body).split(' ')[1]);
            seen.set(n, (seen.get(n) ?? 0) + 1);
            received++;
          }
    },
  } as unknown as CollectingConsumer<'logs'>;
  const cfg = {
    include: [join(dir, '*.log'), join(dir, '*.log.*')],
    exclude: [join(dir, '*.gz')],
    start_at: 'beginning',
    storage: 'file_storage',
    poll_interval: '10ms',
  };
  const host = { getExtension: (id: string) => (id === 'file_storage' ? ext : undefined) };
  let rcv = (await startReceiver(cfg, { host, consumer })).rcv;

  let fd = openSync(live, 'a');
  let seq = 0;
  let rotations = 0;
  let restarts = 0;
  const pad = 'p'.repeat(80);
  const writeChunk = (f: number) => {
    let s = '';
    for (let i = 0; i < 20; i++) s += `seq ${++seq} ${pad}\n`;
    writeSync(f, s);
  };
  const end = Date.now() + opts.durationMs;
  let nextRotate = Date.now() + (opts.rotateEveryMs ?? 250);
  let nextRestart = Date.now() + (opts.restartEveryMs ?? 600);
  const rotated: string[] = [];
  while (Date.now() < end) {
    writeChunk(fd);
    if (Date.now() >= nextRotate) {
      const old = `${live}.${String(++rotations).padStart(6, '0')}`;
      renameSync(live, old);
      writeChunk(fd); // the runtime still writes to the renamed file until it reopens
      closeSync(fd);
      fd = openSync(live, 'a');
      rotated.push(old);
      // the kubelet compresses rotated files later (here: 4 rotations later)
      while (rotated.length > 4) {
        const f = rotated.shift() as string;
        writeFileSync(`${f}.gz`, gzipSync(readFileSync(f)));
        unlinkSync(f);
      }
      nextRotate = Date.now() + (opts.rotateEveryMs ?? 250);
    }
    if (Date.now() >= nextRestart) {
      await rcv.shutdown();
      writeChunk(fd); // lines written while stopped
      rcv = (await startReceiver(cfg, { host, consumer })).rcv;
      restarts++;
      nextRestart = Date.now() + (opts.restartEveryMs ?? 600);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  closeSync(fd);
  const written = seq;
  await waitFor(() => seen.size >= written, 20_000, `all ${written} lines`).catch(() => {});
  await new Promise((r) => setTimeout(r, 200));
  await rcv.shutdown();
  const missing: number[] = [];
  const duplicated: number[] = [];
  for (let i = 1; i <= written; i++) {
    const c = seen.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) duplicated.push(i);
  }
  void readdirSync;
  return { written, received, missing, duplicated, rotations, restarts };
}
