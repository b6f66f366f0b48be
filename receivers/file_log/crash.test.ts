// kill -9 of a real process running file_log with the real file_storage:
// nothing is lost; only records accepted after the last checkpoint come again.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from './testutil/harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./testutil/crash-child.ts', import.meta.url));
const children: ChildProcess[] = [];

function startChild(store: string, include: string, got: string[]) {
  const c = spawn(join(ROOT, 'node_modules/.bin/vite-node'), [CHILD, store, include], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c);
  let buf = '';
  let ready = false;
  c.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() as string;
    for (const p of parts)
      if (p === 'READY') ready = true;
      else got.push(p);
  });
  return { child: c, ready: () => ready };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('file_log: kill -9', () => {
  it('restarts from the last checkpoint: no line lost, none accepted before the kill re-sent', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    mkdirSync(store);
    const f = join(dir, 'app.log');
    writeFileSync(f, '');
    const got: string[] = [];
    const a = startChild(store, f, got);
    await waitFor(a.ready, 20_000, 'child ready');
    let n = 0;
    const write = (k: number) => {
      let s = '';
      for (let i = 0; i < k; i++) s += `line ${++n}\n`;
      appendFileSync(f, s);
    };
    for (let i = 0; i < 20; i++) {
      write(50);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(() => got.length >= 600, 10_000, 'some lines delivered');
    await new Promise((r) => setTimeout(r, 1200)); // the table is written at most once a second
    write(100);
    await waitFor(() => got.length >= n, 10_000, 'recent lines delivered');
    // their offsets are written (fsync'd) right after each accepted batch, not with the next table
    await new Promise((r) => setTimeout(r, 400));
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    write(300);
    const b = startChild(store, f, got);
    await waitFor(() => new Set(got).size === n, 20_000, `all ${n} lines`);
    await new Promise((r) => setTimeout(r, 200));
    b.child.kill('SIGTERM');
    const unique = new Set(got);
    for (let i = 1; i <= n; i++) expect(unique.has(`line ${i}`)).toBe(true);
    // nothing was in flight at the kill: nothing is re-sent
    if (process.env.CRASH_DEBUG) console.log({ lines: n, delivered: got.length, resent: got.length - n });
    expect(got.length - n).toBe(0);
  }, 60_000);
});
