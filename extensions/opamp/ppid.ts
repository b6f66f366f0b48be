// `ppid`: the process that started this one (an OpAMP supervisor). When it is
// gone the collector's extension reports a fatal error and the collector
// exits; here the process stops the same way a SIGTERM stops it (graceful drain).
import type { Logger } from '../../src/telemetry/logger.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function watchParent(ppid: number, intervalMs: number, logger: Logger): () => void {
  const timer = setInterval(
    () => {
      if (alive(ppid)) return;
      clearInterval(timer);
      logger.error({ ppid }, 'The parent process is no longer running; stopping');
      process.kill(process.pid, 'SIGTERM');
    },
    Math.max(intervalMs, 100),
  );
  timer.unref();
  return () => clearInterval(timer);
}
