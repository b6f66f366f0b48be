// A lock file next to each store (`<file>.lock` holding the owner's PID) so two
// processes never append to one log. A lock whose process is gone (crash,
// SIGKILL, a container restarted with the same PID) is taken over; a live
// one is waited for up to `timeout`, then open fails with a clear error.
import { open, readFile, unlink } from 'node:fs/promises';

export async function acquireLock(file: string, timeoutMs: number): Promise<() => Promise<void>> {
  const lockPath = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o640);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => unlink(lockPath).catch(() => {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    // Callers guard against opening a file twice in this process, so our own PID is stale too.
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || !alive(owner)) {
      await unlink(lockPath).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `${file} is locked by process ${owner} (waited ${timeoutMs}ms; see file_storage.timeout)`,
      );
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
